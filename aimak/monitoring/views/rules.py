"""The early-warning settings page: what raises an alert and where the index levels start. Read
by everyone signed in (so a monitor knows why an alert fired); changed by people who configure
the country. Thin: reads and writes in ``services.rules``."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from ..models import LEVEL_ORDER, AlertRule, Level
from ..selectors.dashboards import level_info
from ..services import index as index_service
from ..selectors import rules as selectors
from ..services import rules as services

COLOUR_NAMES = {
    "blue": gettext_lazy("blue"),
    "green": gettext_lazy("green"),
    "yellow": gettext_lazy("yellow"),
    "orange": gettext_lazy("orange"),
    "red": gettext_lazy("red"),
}

KIND_MEANING = {
    AlertRule.Kind.LEVEL_CROSSING: gettext_lazy("Warns when a territory's tension index climbs into a given level that it was below the period before."),
    AlertRule.Kind.SHARP_RISE: gettext_lazy("Warns when a territory's index jumps well above its own usual level, even before the level itself is high."),
    AlertRule.Kind.CRITICAL_VALUE: gettext_lazy("Warns at once about a single serious figure, such as one death, whatever the index says."),
    AlertRule.Kind.NEIGHBOURS_RISING: gettext_lazy("Warns when several territories under one rayon or oblast grow tenser at the same time; the alert goes to that rayon or oblast."),
}


def _num(value) -> str:
    if value is None:
        return "—"
    number = float(value)
    return str(int(number)) if number == int(number) else f"{number:g}"


def level_words(code) -> str:
    """Colour and meaning together, e.g. "orange (repeated organised conflict)": colour is never
    the only signal."""
    if code not in Level.values:
        return str(code or "—")
    return _("%(colour)s (%(meaning)s)") % {"colour": COLOUR_NAMES[code], "meaning": Level(code).label}


def territory_levels_text(levels) -> str:
    names = dict(services.TERRITORY_LEVELS)
    return ", ".join(str(names[n]) for n in sorted({int(v) for v in levels or []}, reverse=True) if n in names)


def parameter_sentences(rule: AlertRule) -> list[str]:
    """The rule's parameters as sentences people can check against an alert's evidence."""
    from ..services.alerts import DEFAULT_LEVELS

    p = rule.parameters or {}
    out = []
    if rule.kind == AlertRule.Kind.LEVEL_CROSSING:
        out.append(_("An alert is raised when the index reaches %(level)s and was below it the period before (or had no index).")
                   % {"level": level_words(p.get("level", "orange"))})
    elif rule.kind == AlertRule.Kind.SHARP_RISE:
        out.append(_("An alert is raised when the index is at least %(points)s points above the median of its previous %(periods)s periods (at least 3 of them must have an index).")
                   % {"points": _num(p.get("points", 25)), "periods": _num(p.get("periods", 6))})
        out.append(_("Only when the index has reached at least %(level)s.") % {"level": level_words(p.get("min_level") or "blue")})
    elif rule.kind == AlertRule.Kind.CRITICAL_VALUE:
        out.append(_("An alert is raised when a total reaches an indicator's critical value in the catalogue (falls to it, for resilience indicators), checked only where the indicator is collected."))
    elif rule.kind == AlertRule.Kind.NEIGHBOURS_RISING:
        out.append(_("An alert is raised when at least %(count)s territories under one parent rose by %(points)s points or more since the previous period.")
                   % {"count": _num(p.get("count", 3)), "points": _num(p.get("points", 10))})
        out.append(_("Only territories whose index reached at least %(level)s count.") % {"level": level_words(p.get("min_level") or "blue")})
    levels = p.get("levels") or DEFAULT_LEVELS.get(rule.kind, [3])
    out.append(_("Territories watched: %(levels)s.") % {"levels": territory_levels_text(levels)})
    return out


def severity_text(rule: AlertRule) -> str:
    if rule.kind == AlertRule.Kind.LEVEL_CROSSING:
        return _("the level reached")
    if rule.kind == AlertRule.Kind.CRITICAL_VALUE:
        return level_words(Level.RED)
    return level_words(rule.severity)


def level_bands(cutoffs: dict) -> list[dict]:
    """The five levels with the index range each covers."""
    cuts = index_service.cutoffs_with_defaults(cutoffs)
    bounds = [0.0] + [cuts[name] for name in services.CUTOFF_LEVELS] + [None]
    bands = []
    for i, level in enumerate(LEVEL_ORDER):
        low, high = bounds[i], bounds[i + 1]
        if high is None:
            span = _("%(low)s to 100") % {"low": _num(low)}
        else:
            span = _("%(low)s to below %(high)s") % {"low": _num(low), "high": _num(high)}
        bands.append({"level": level_info(str(level)), "colour": COLOUR_NAMES[str(level)], "span": span})
    return bands


class ConfigureRequired(UserPassesTestMixin):
    """People who configure the country; others signed in get 403, the anonymous the sign-in page."""

    def test_func(self):
        return services.can_configure(self.request.user)


class RulesView(LoginRequiredMixin, TemplateView):
    template_name = "monitoring/rules/rules.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        settings_row = index_service.get_settings()
        rules = selectors.rules_with_counts(self.request.user)
        context.update(
            settings=settings_row,
            share=_num(settings_row.own_history_share),
            national_share=_num(1 - settings_row.own_history_share),
            bands=level_bands(settings_row.cutoffs),
            rules=[
                {"rule": r, "meaning": KIND_MEANING.get(r.kind, ""), "sentences": parameter_sentences(r), "severity": severity_text(r),
                 **self._severity(r)}
                for r in rules
            ],
            can_configure=services.can_configure(self.request.user),
        )
        return context

    @staticmethod
    def _severity(rule: AlertRule) -> dict:
        """A chip and the colour's name for a fixed severity; words alone for "the level reached"."""
        fixed = rule.severity if rule.kind in services.KINDS_WITH_SEVERITY else (
            Level.RED.value if rule.kind == AlertRule.Kind.CRITICAL_VALUE else None)
        if fixed is None:
            return {"severity_level": None}
        return {"severity_level": level_info(fixed), "severity_colour": COLOUR_NAMES.get(fixed, fixed)}


# ---------------------------------------------------------------- forms

def _level_choices(levels) -> list[tuple[str, str]]:
    return [(str(level), level_words(str(level))) for level in levels]


class _NamedErrorsForm(forms.Form):
    """Type errors that name the field, like the service's own messages."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            label = services._label(name)
            field.label = label
            field.error_messages["invalid"] = _("%(field)s: enter a number.") % {"field": label}
            field.error_messages["required"] = _("%(field)s: this is required.") % {"field": label}
            field.error_messages["invalid_choice"] = _("%(field)s: choose one of the levels.") % {"field": label}

    def add_service_errors(self, exc: ValidationError) -> None:
        for field, errors in exc.message_dict.items():
            for error in errors:
                self.add_error(field if field in self.fields else None, error)


class RuleForm(_NamedErrorsForm):
    """Names in three languages and use; the kind's own parameters are added in ``__init__``."""

    name_ky = forms.CharField(max_length=200)
    name_ru = forms.CharField(max_length=200)
    name_en = forms.CharField(max_length=200)
    is_active = forms.BooleanField(required=False, help_text=gettext_lazy("A rule not in use raises no new alerts."))

    def __init__(self, *args, rule: AlertRule, **kwargs):
        self.rule = rule
        super().__init__(*args, **kwargs)
        wanted = services.KIND_PARAMETERS.get(rule.kind, ())
        extra = {}
        if rule.kind in services.KINDS_WITH_SEVERITY:
            extra["severity"] = forms.ChoiceField(choices=_level_choices(LEVEL_ORDER))
        if "level" in wanted:
            extra["level"] = forms.ChoiceField(choices=_level_choices(LEVEL_ORDER[1:]))
        if "count" in wanted:
            low, high = services.LIMITS["count"]
            extra["count"] = forms.IntegerField(widget=forms.NumberInput(attrs={"min": low, "max": high, "step": 1}),
                                                help_text=_("At least 2."))
        if "points" in wanted:
            extra["points"] = forms.DecimalField(widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": "any"}),
                                                 help_text=_("Index points, above 0 and at most 100."))
        if "periods" in wanted:
            low, high = services.LIMITS["periods"]
            extra["periods"] = forms.IntegerField(widget=forms.NumberInput(attrs={"min": low, "max": high, "step": 1}),
                                                  help_text=_("From 3 to 60."))
        if "min_level" in wanted:
            extra["min_level"] = forms.ChoiceField(choices=_level_choices(LEVEL_ORDER),
                                                   help_text=_("Calm (blue) means any level counts."))
        if "levels" in wanted:
            extra["levels"] = forms.TypedMultipleChoiceField(choices=services.TERRITORY_LEVELS, coerce=int, required=False,
                                                             widget=forms.CheckboxSelectMultiple)
        for name, field in extra.items():
            label = services._label(name)
            field.label = label
            field.error_messages["invalid"] = _("%(field)s: enter a number.") % {"field": label}
            field.error_messages["required"] = _("%(field)s: this is required.") % {"field": label}
            field.error_messages["invalid_choice"] = _("%(field)s: choose one of the levels.") % {"field": label}
            self.fields[name] = field

    @classmethod
    def initial_for(cls, rule: AlertRule) -> dict:
        from ..services.alerts import DEFAULT_LEVELS

        initial = {f"name_{lang}": getattr(rule, f"name_{lang}") or "" for lang in services.LANGS}
        initial.update(is_active=rule.is_active, severity=rule.severity)
        p = rule.parameters or {}
        initial.update({k: v for k, v in p.items() if k in services.KIND_PARAMETERS.get(rule.kind, ())})
        initial.setdefault("levels", DEFAULT_LEVELS.get(rule.kind, [3]))
        return initial


class IndexSettingsForm(_NamedErrorsForm):
    cutoff_green = forms.DecimalField(widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": "any"}))
    cutoff_yellow = forms.DecimalField(widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": "any"}))
    cutoff_orange = forms.DecimalField(widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": "any"}))
    cutoff_red = forms.DecimalField(widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": "any"}))
    own_history_share = forms.DecimalField(widget=forms.NumberInput(attrs={"min": 0, "max": 1, "step": "0.05"}),
                                           help_text=gettext_lazy("From 0 to 1; the rest of the weight goes to the comparison with every territory of the same level."))
    history_periods = forms.IntegerField(widget=forms.NumberInput(attrs={"min": 3, "max": 60, "step": 1}),
                                         help_text=gettext_lazy("From 3 to 60."))
    acknowledge_within_hours = forms.IntegerField(widget=forms.NumberInput(attrs={"min": 1, "max": 720, "step": 1}),
                                                  help_text=gettext_lazy("From 1 to 720. Applies to alerts raised from now on."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in services.CUTOFF_LEVELS:
            self.fields[f"cutoff_{name}"].help_text = Level(name).label

    @classmethod
    def initial_for(cls, row) -> dict:
        cuts = index_service.cutoffs_with_defaults(row.cutoffs)
        initial = {f"cutoff_{name}": _num(cuts[name]) for name in services.CUTOFF_LEVELS}
        initial.update(own_history_share=_num(row.own_history_share), history_periods=row.history_periods,
                       acknowledge_within_hours=row.acknowledge_within_hours)
        return initial


class RuleEditView(LoginRequiredMixin, ConfigureRequired, FormView):
    template_name = "monitoring/rules/rule_edit.html"
    form_class = RuleForm

    def dispatch(self, request, *args, **kwargs):
        self.rule = AlertRule.objects.filter(code=kwargs["code"]).first()
        if self.rule is None:
            raise Http404(_("No alert rule has this code."))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "rule": self.rule}

    def get_initial(self):
        return RuleForm.initial_for(self.rule)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(rule=self.rule, meaning=KIND_MEANING.get(self.rule.kind, ""), severity=severity_text(self.rule),
                       has_severity=self.rule.kind in services.KINDS_WITH_SEVERITY)
        return context

    def form_valid(self, form):
        try:
            _rule, changed = services.update_rule(self.request.user, self.rule, form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
            return self.form_invalid(form)
        if changed:
            messages.success(self.request, _("The rule is saved. It applies from the next evaluation on; past periods are not re-evaluated."))
        else:
            messages.info(self.request, _("Nothing changed."))
        return HttpResponseRedirect(reverse("monitoring:rules") + f"#rule-{self.rule.code}")


class IndexSettingsEditView(LoginRequiredMixin, ConfigureRequired, FormView):
    template_name = "monitoring/rules/index_settings_edit.html"
    form_class = IndexSettingsForm

    def get_initial(self):
        return IndexSettingsForm.initial_for(index_service.get_settings())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["bands"] = level_bands(index_service.get_settings().cutoffs)
        return context

    def form_valid(self, form):
        try:
            _row, moved = services.update_index_settings(self.request.user, form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
            return self.form_invalid(form)
        if moved is not None:
            messages.success(self.request, _("The settings are saved. Stored index values that changed level: %(count)s.") % {"count": moved})
        else:
            messages.success(self.request, _("The settings are saved."))
        return HttpResponseRedirect(reverse("monitoring:rules"))


urlpatterns = [
    path("rules/", RulesView.as_view(), name="rules"),
    path("rules/index/edit/", IndexSettingsEditView.as_view(), name="index-settings-edit"),
    path("rules/<slug:code>/edit/", RuleEditView.as_view(), name="rule-edit"),
]

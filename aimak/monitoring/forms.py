"""Forms of the reporting pages. They read what was typed; the services decide what it means."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aimak.territories import selectors as territory_selectors

from . import periods
from .models import ReportingForm

VALUE_PREFIX = "value:"


class StartReportForm(forms.Form):
    form = forms.CharField(label=_("Form"), max_length=40)
    territory = forms.CharField(label=_("Territory (SOATE code)"), max_length=20)
    period = forms.CharField(label=_("Period (e.g. 2026-03)"), max_length=10)

    def clean_form(self):
        code = self.cleaned_data["form"].strip()
        found = ReportingForm.objects.filter(code=code).first()
        if found is None:
            raise forms.ValidationError(_("No reporting form has the code “%(code)s”."), params={"code": code})
        return found

    def clean_territory(self):
        code = self.cleaned_data["territory"].strip()
        found = territory_selectors.by_code(code) if code else None
        if found is None:
            raise forms.ValidationError(_("No territory has the code “%(code)s”."), params={"code": code})
        return found

    def clean_period(self):
        code = self.cleaned_data["period"].strip()
        try:
            return periods.parse(code)
        except ValueError:
            raise forms.ValidationError(
                _("“%(code)s” is not a period: write 2026-03 for a month, 2026Q1 for a quarter, 2026 for a year."), params={"code": code}
            ) from None

    def clean(self):
        data = super().clean()
        form, span = data.get("form"), data.get("period")
        if form and span and span.type != form.period_type:
            self.add_error("period", _("This form is reported %(type)s; the period %(code)s does not fit.")
                           % {"type": dict(periods.PERIOD_TYPES)[form.period_type], "code": span.code})
        return data


class EntryForm(forms.Form):
    """The report's free text and the revision the person started from; values are read
    separately (one input per indicator and part)."""

    narrative = forms.CharField(label=_("What happened: a short narrative"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    sources = forms.CharField(label=_("Sources"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=0)

    @staticmethod
    def entered_values(data) -> dict[tuple[str, str], str]:
        """``value:<indicator>:<category>`` inputs as {(indicator, category): text}."""
        out = {}
        for name in data:
            if not name.startswith(VALUE_PREFIX):
                continue
            code, _sep, category = name[len(VALUE_PREFIX):].partition(":")
            if code:
                out[(code, category)] = data.get(name, "")
        return out


class ReviewForm(forms.Form):
    ACTIONS = [("return", _("Return with comments")), ("approve", _("Approve")), ("reopen", _("Reopen"))]

    action = forms.ChoiceField(label=_("Decision"), choices=ACTIONS)
    comment = forms.CharField(label=_("Comment or reason"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

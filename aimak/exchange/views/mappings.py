"""Mappings of partners' own Kobo/ODK forms: a list everyone signed in may read, and an edit
page for people who configure the country. Thin: reads in ``selectors.mappings``, writes and
every check in ``services.mappings``.

The edit page is one form: the mapping's fields, a formset of rows, and a form definition
(XLSForm upload or pasted survey sheet) whose questions the path fields then offer. "Add a
row" and "List the questions" post the page back without saving (HTMX swaps the rows only;
without JavaScript the whole page comes back), so nothing typed is lost."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView

from aimak.monitoring import disaggregation
from aimak.monitoring.models import FormIndicator, Indicator, ReportingForm

from ..models import FormMapping
from ..selectors import mappings as selectors
from ..services import incident_fields
from ..services import mappings as services

MAX_DEFINITION_BYTES = 5 * 1024 * 1024


class ConfigureRequired(UserPassesTestMixin):
    """People who configure the country; others signed in get 403."""

    def test_func(self):
        return services.can_configure(self.request.user)


# --- forms (types only: the service checks the meaning) -------------------------------------


def _question_widget(questions: list[dict], current: str):
    """A select of the listed questions when a definition was read, else a text box."""
    if not questions:
        return forms.TextInput(attrs={"class": "code", "autocomplete": "off"})
    choices = [("", "—")]
    for q in questions:
        label = f"{q['path']} — {q['label']} ({q['type']})" if q.get("label") else f"{q['path']} ({q['type']})"
        choices.append((q["path"], label))
    if current and current not in {q["path"] for q in questions}:
        choices.append((current, gettext("%(path)s (not in the definition)") % {"path": current}))
    return forms.Select(choices=choices)


class MappingForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False,
                           help_text=_("For example the partner and the form: “UNDP — village conflict survey”."))
    xform_id = forms.CharField(label=_("Form id on the Kobo/ODK server"), max_length=120, required=False,
                               help_text=_("Kobo's _xform_id_string (the project's asset id, e.g. aQwErTy1234567) or the XForm's id."))
    target = forms.ChoiceField(label=_("The form feeds"), choices=FormMapping.Target.choices, required=False,
                               help_text=_("Incident reports: one submission is one incident; the rows then name incident fields and no reporting form or period is needed."))
    form = forms.CharField(label=_("Aimak reporting form"), required=False)
    territory_question = forms.CharField(label=_("Territory question"), max_length=200, required=False,
                                         help_text=_("Its answer is a 14-digit SOATE code, or a choice name listed in the table below."))
    territory_choices = forms.CharField(label=_("Territory choices"), required=False,
                                        widget=forms.Textarea(attrs={"rows": 4, "class": "code"}),
                                        help_text=_("One line per choice: choice name = SOATE code (e.g. barskoon = 41702210815000). Leave empty when the answer is the code itself."))
    period_rule = forms.ChoiceField(label=_("How to read the period"), choices=FormMapping.PeriodRule.choices)
    period_question = forms.CharField(label=_("Period question"), max_length=200, required=False,
                                      help_text=_("Not needed for “the period before the submission date”: then the date Kobo received the submission is used (or this question's date, if given)."))
    narrative_question = forms.CharField(label=_("Narrative question (optional)"), max_length=200, required=False)
    sources_question = forms.CharField(label=_("Sources question (optional)"), max_length=200, required=False)
    is_active = forms.BooleanField(label=_("In use"), required=False,
                                   help_text=_("A mapping not in use reads nothing: the form's submissions are refused as an unknown form."))
    questions_json = forms.CharField(required=False, widget=forms.HiddenInput)

    QUESTION_FIELDS = ("territory_question", "period_question", "narrative_question", "sources_question")

    def __init__(self, *args, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        forms_choices = [("", "—")] + [(f.code, f"{f.name} ({f.code})") for f in ReportingForm.objects.filter(is_active=True, is_register=False).order_by("code")]
        self.fields["form"].widget = forms.Select(choices=forms_choices)
        for name in self.QUESTION_FIELDS:
            self.fields[name].widget = _question_widget(list(questions), self._current(name))

    def _current(self, name) -> str:
        if self.is_bound:
            return (self.data.get(self.add_prefix(name)) or "").strip()
        return str(self.initial.get(name) or "")


class DefinitionForm(forms.Form):
    definition = forms.FileField(label=_("XLSForm workbook (.xlsx)"), required=False)
    pasted = forms.CharField(label=_("…or the survey sheet, copied from the spreadsheet and pasted here"), required=False,
                             widget=forms.Textarea(attrs={"rows": 4, "class": "code"}))


def _indicator_choices(form_code: str, current: str) -> list:
    qs = Indicator.objects.filter(is_active=True, numerator__isnull=True)
    if form_code:
        on_form = FormIndicator.objects.filter(form__code=form_code).values("indicator")
        if on_form.exists():
            qs = qs.filter(pk__in=on_form)
    choices = [("", "—")] + [(i.code, f"{i.code} — {i.name}") for i in qs.order_by("code")]
    if current and current not in {c for c, _l in choices}:
        choices.append((current, current))
    return choices


def _category_choices() -> list:
    groups = [("total", gettext("total"))]
    for code, (label, parts) in disaggregation.PRESETS.items():
        if parts:
            groups.append((str(label), [(c.code, f"{c.code} — {disaggregation.label(code, c.code)}") for c in parts]))
    return groups


def _incident_field_choices() -> list:
    return [("", "—")] + [(name, f"{name} — {label}") for name, label in incident_fields.FIELDS.items()]


class RowForm(forms.Form):
    question = forms.CharField(label=_("Question"), max_length=200, required=False)
    indicator = forms.CharField(label=_("Indicator"), required=False)
    category = forms.CharField(label=_("Category"), required=False)
    incident_field = forms.CharField(label=_("Incident field"), required=False)
    choices = forms.CharField(label=_("Choices (incident field)"), required=False, widget=forms.Textarea(attrs={"rows": 2, "class": "code"}),
                              help_text=_("One line per choice: the partner's choice name = the Aimak value (a type code, an actor kind 1–8…)."))

    def __init__(self, *args, questions=(), form_code="", **kwargs):
        super().__init__(*args, **kwargs)
        current = lambda name: ((self.data.get(self.add_prefix(name)) if self.is_bound else self.initial.get(name)) or "").strip()  # noqa: E731
        self.fields["question"].widget = _question_widget(list(questions), current("question"))
        self.fields["indicator"].widget = forms.Select(choices=_indicator_choices(form_code, current("indicator")))
        self.fields["category"].widget = forms.Select(choices=_category_choices())
        self.fields["incident_field"].widget = forms.Select(choices=_incident_field_choices())

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not (data.get("question") or data.get("indicator") or data.get("incident_field"))


RowFormSet = forms.formset_factory(RowForm, extra=0, can_delete=True)


# --- pages ---------------------------------------------------------------------------------


class MappingListView(LoginRequiredMixin, TemplateView):
    template_name = "exchange/mappings/list.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "mappings": selectors.mappings(),
                "can_configure": services.can_configure(self.request.user)}


class MappingEditView(LoginRequiredMixin, ConfigureRequired, View):
    """New (no pk) or existing mapping."""

    template_name = "exchange/mappings/edit.html"

    def dispatch(self, request, *args, **kwargs):
        self.mapping = None
        if "pk" in kwargs:
            self.mapping = selectors.mapping(kwargs["pk"])
            if self.mapping is None:
                raise Http404(gettext("No form mapping has this number."))
        return super().dispatch(request, *args, **kwargs)

    # GET: the stored mapping (or a blank one)
    def get(self, request, *args, **kwargs):
        m = self.mapping
        questions = list(m.questions) if m else []
        initial = {"period_rule": FormMapping.PeriodRule.DATE, "is_active": True, "target": FormMapping.Target.REPORT}
        rows = [{}]
        if m is not None:
            initial = {
                "name": m.name, "xform_id": m.xform_id, "target": m.target, "form": m.form.code if m.form_id else "",
                "territory_question": m.territory_question,
                "territory_choices": services.choice_table_text(m.territory_choices), "period_rule": m.period_rule,
                "period_question": m.period_question, "narrative_question": m.narrative_question,
                "sources_question": m.sources_question, "is_active": m.is_active, "questions_json": json.dumps(questions, ensure_ascii=False),
            }
            rows = [{"question": r.question, "incident_field": r.incident_field, "choices": services.choice_table_text(r.choices)}
                    if r.incident_field else {"question": r.question, "indicator": r.indicator.code, "category": r.category or services.TOTAL}
                    for r in selectors.rows_of(m)] or [{}]
        form = MappingForm(initial=initial, questions=questions)
        formset = RowFormSet(initial=rows, prefix="rows", form_kwargs={"questions": questions, "form_code": initial.get("form", "")})
        return self.render(form, formset, DefinitionForm(), questions)

    def post(self, request, *args, **kwargs):
        data = request.POST.copy()
        questions = services.clean_questions(data.get("questions_json", ""))
        definition = DefinitionForm(data, request.FILES)
        notes = []
        if "read_questions" in data:
            read, notes, problem = self._read_definition(definition)
            if read is not None:
                questions = read.questions
                data["questions_json"] = json.dumps(questions, ensure_ascii=False)
                if read.form_id and not data.get("xform_id", "").strip():
                    data["xform_id"] = read.form_id
                if read.title and not data.get("name", "").strip():
                    data["name"] = read.title
            elif problem:
                definition.add_error(None, problem)
        if "add_row" in data:
            total = data.get("rows-TOTAL_FORMS", "")
            data["rows-TOTAL_FORMS"] = str(min(int(total) + 1, 500)) if total.isdigit() else "1"
        form = MappingForm(data, questions=questions)
        formset = RowFormSet(data, prefix="rows", form_kwargs={"questions": questions, "form_code": data.get("form", "")})
        if "read_questions" in data or "add_row" in data or not (form.is_valid() and formset.is_valid()):
            return self.render(form, formset, definition, questions, notes=notes)
        rows, positions = [], []
        for row_form in formset.forms:
            if row_form.cleaned_data.get("DELETE") or row_form.is_blank():
                continue
            rows.append({k: row_form.cleaned_data.get(k, "") for k in ("question", "indicator", "category", "incident_field", "choices")})
            positions.append(row_form)
        fields = {k: v for k, v in form.cleaned_data.items() if k != "questions_json"}
        fields["questions"] = questions
        try:
            if self.mapping is None:
                mapping = services.create_mapping(request.user, fields, rows)
            else:
                mapping = services.update_mapping(request.user, self.mapping, fields, rows)
        except ValidationError as exc:
            rows_errors = []
            for key, errors in exc.message_dict.items():
                if key.startswith("row:"):
                    index = int(key.split(":", 1)[1])
                    for error in errors:
                        positions[index].add_error(None, error)
                elif key in form.fields:
                    for error in errors:
                        form.add_error(key, error)
                else:
                    rows_errors += errors
            return self.render(form, formset, definition, questions, rows_errors=rows_errors, status=422)
        messages.success(request, gettext("The mapping is saved. Submissions of the form “%(id)s” are read through it from now on.") % {"id": mapping.xform_id}
                         if mapping.is_active else gettext("The mapping is saved (not in use)."))
        return HttpResponseRedirect(reverse("exchange:mapping", args=[mapping.pk]))

    def _read_definition(self, definition: DefinitionForm):
        """(Definition or None, notes, problem)."""
        upload = self.request.FILES.get("definition")
        pasted = (self.request.POST.get("pasted") or "").strip()
        if upload is None and not pasted:
            return None, [], gettext("Choose the XLSForm file or paste the survey sheet first.")
        if upload is not None and upload.size > MAX_DEFINITION_BYTES:
            return None, [], gettext("The form definition is larger than %(n)s MB.") % {"n": MAX_DEFINITION_BYTES // (1024 * 1024)}
        try:
            read = services.read_definition(upload.read() if upload is not None else pasted)
        except services.DefinitionError as exc:
            return None, [], str(exc)
        count = len(read.questions)
        notes = [ngettext("%(count)s question listed; choose it in the boxes below.",
                          "%(count)s questions listed; choose them in the boxes below.", count) % {"count": count}]
        if read.in_repeats:
            notes.append(ngettext("%(count)s question inside a repeat group was left out: a submission has several answers to it, which cannot feed one value.",
                                  "%(count)s questions inside repeat groups were left out: a submission has several answers to each, which cannot feed one value.",
                                  read.in_repeats) % {"count": read.in_repeats})
        return read, notes, ""

    def render(self, form, formset, definition, questions, *, notes=(), rows_errors=(), status=200):
        territory_path = form["territory_question"].value() or ""
        territory_choices = next((q.get("choices") for q in questions if q["path"] == territory_path), []) if questions else []
        context = {
            "mapping": self.mapping, "form": form, "formset": formset, "definition": definition, "questions": questions,
            "notes": notes, "rows_errors": rows_errors, "territory_choice_names": territory_choices,
        }
        return render(self.request, self.template_name, context, status=status)


class MappingDeleteView(LoginRequiredMixin, ConfigureRequired, View):
    template_name = "exchange/mappings/delete.html"

    def dispatch(self, request, *args, **kwargs):
        self.mapping = selectors.mapping(kwargs["pk"])
        if self.mapping is None:
            raise Http404(gettext("No form mapping has this number."))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        return render(request, self.template_name, {"mapping": self.mapping})

    def post(self, request, pk):
        name = str(self.mapping)
        services.delete_mapping(request.user, self.mapping)
        messages.success(request, gettext("The mapping “%(name)s” is deleted.") % {"name": name})
        return HttpResponseRedirect(reverse("exchange:mappings"))


urlpatterns = [
    path("mappings/", MappingListView.as_view(), name="mappings"),
    path("mappings/new/", MappingEditView.as_view(), name="mapping-new"),
    path("mappings/<int:pk>/", MappingEditView.as_view(), name="mapping"),
    path("mappings/<int:pk>/delete/", MappingDeleteView.as_view(), name="mapping-delete"),
]

"""Forms of the call pages: they read what the person typed; the services decide whether it
may be done (their errors come back onto the fields)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from aimak.core.forms import DateInput, TerritoryChoice
from aimak.territories.models import MUNICIPAL_KINDS, Territory, TerritoryKind

from . import subjects
from .models import Application, Call, CommissionMember
from .services.review import field as score_field

LEVEL_KINDS = (TerritoryKind.COUNTRY, TerritoryKind.OBLAST, TerritoryKind.REPUBLICAN_CITY, TerritoryKind.RAYON, TerritoryKind.CITY)


class EligibleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        indent = "\u00a0\u00a0" * max(obj.depth - 1, 0)
        return f"{indent}{obj.name} ({obj.get_kind_display()})"


def add_errors(form: forms.Form, exc) -> None:
    """A service's ValidationError onto the form: on the field it names, else above the form."""
    for name, errors in getattr(exc, "message_dict", {"__all__": list(getattr(exc, "messages", [str(exc)]))}).items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)


class CallForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    organiser = forms.CharField(label=_("Organiser"), max_length=300, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Call.Kind.choices)
    subject_type = forms.ChoiceField(label=_("Applications are made with"), choices=())
    territory = TerritoryChoice(label=_("Run at the level of"), queryset=Territory.objects.none(), required=False, top_depth=0,
                                help_text=_("Who may prepare and run the call follows this territory."))
    eligible = EligibleChoice(label=_("Eligible territories"), queryset=Territory.objects.none(), required=False,
                              widget=forms.SelectMultiple(attrs={"size": 12}),
                              help_text=_("Municipalities in these territories (or below them) may apply. Hold Ctrl to choose several."))
    opens = forms.DateField(label=_("Applications open"), widget=DateInput(), required=False)
    closes = forms.DateField(label=_("Applications close"), widget=DateInput(), required=False)
    review_until = forms.DateField(label=_("Commission scores until"), widget=DateInput(), required=False)
    scale_min = forms.IntegerField(label=_("Lowest score"), required=False, initial=0)
    scale_max = forms.IntegerField(label=_("Highest score"), required=False, initial=5)
    prizes = forms.CharField(label=_("Prizes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, levels=None, **kwargs):
        super().__init__(*args, **kwargs)
        current = Territory.objects.current()
        self.fields["territory"].queryset = levels if levels is not None else current.filter(kind__in=LEVEL_KINDS)
        self.fields["eligible"].queryset = current.filter(kind__in=(*LEVEL_KINDS, *MUNICIPAL_KINDS)).exclude(kind=TerritoryKind.COUNTRY).order_by("path")
        self.fields["subject_type"].choices = subjects.kind_choices()

    @staticmethod
    def initial_from(call: Call) -> dict:
        initial = {name: getattr(call, name) for name in ("title", "description", "organiser", "kind", "subject_type", "territory",
                                                          "opens", "closes", "review_until", "scale_min", "scale_max", "prizes")}
        initial["eligible"] = list(call.eligible.all())
        return initial

    def data_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        data["eligible"] = list(data.get("eligible") or [])
        return data


class CriterionForm(forms.Form):
    order = forms.IntegerField(label=_("Number"), required=False, min_value=1, max_value=99)
    title = forms.CharField(label=_("Criterion"), max_length=300, required=False)
    description = forms.CharField(label=_("What the commission looks at"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    weight = forms.DecimalField(label=_("Weight"), required=False, max_digits=5, decimal_places=2, initial=1)
    evidence = forms.MultipleChoiceField(label=_("Evidence shown to the commission"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        kind = subjects.kind(call.subject_type)
        self.fields["evidence"].choices = kind.evidence_codes if kind else []

    def data_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        data["evidence"] = ",".join(data.get("evidence") or [])
        return data


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Person"), queryset=get_user_model().objects.none(), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=CommissionMember.Role.choices, initial=CommissionMember.Role.MEMBER)
    home_territory = TerritoryChoice(label=_("Home municipality or organisation's place"), required=False,
                                     queryset=Territory.objects.none(),
                                     help_text=_("The member will not score applicants from there."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = get_user_model().objects.filter(is_active=True).order_by("last_name", "username")
        self.fields["user"].label_from_instance = lambda u: f"{u.get_full_name() or u.get_username()} ({u.get_username()})"
        self.fields["home_territory"].queryset = Territory.objects.current().filter(kind__in=(*LEVEL_KINDS, *MUNICIPAL_KINDS)).order_by("path")


class ApplicationForm(forms.Form):
    territory = TerritoryChoice(label=_("Applicant municipality"), queryset=Territory.objects.none(), required=False)
    subject = forms.ModelChoiceField(label=_("Development program"), queryset=None, required=False)
    title = forms.CharField(label=_("Title of the application"), max_length=300, required=False)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
                              help_text=_("In a few sentences: how your program builds in gender, migration and inclusion."))
    attachment_title = forms.CharField(label=_("Title of the attachment"), max_length=300, required=False)
    file = forms.FileField(label=_("Attachment"), required=False,
                           help_text=_("PDF, DOCX, XLSX, ODT, ODS, JPEG or PNG, at most 10 MB. More can be added on the application's page."))

    def __init__(self, *args, territories, subject_choices, noun=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = territories
        self.fields["subject"].queryset = subject_choices
        if noun:
            self.fields["subject"].label = str(noun).capitalize()
        if editing:
            for name in ("territory", "attachment_title", "file"):
                del self.fields[name]


class AttachmentForm(forms.Form):
    title = forms.CharField(label=_("Title of the attachment"), max_length=300, required=False)
    file = forms.FileField(label=_("File"), required=False, help_text=_("PDF, DOCX, XLSX, ODT, ODS, JPEG or PNG, at most 10 MB."))


class DeclarationForm(forms.Form):
    has_conflict = forms.TypedChoiceField(
        label=_("Do you have a conflict of interest with this application?"), widget=forms.RadioSelect, required=False,
        choices=[("no", _("No: I have no personal, family, work or financial tie to this applicant")),
                 ("yes", _("Yes: I have such a tie and will not score this application"))],
        coerce=lambda v: {"yes": True, "no": False}.get(v), empty_value=None)
    note = forms.CharField(label=_("Explanation"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("Required when you declare a conflict."))


class ScoreForm(forms.Form):
    """One score and comment per criterion, bounded by the call's scale in the browser too."""

    def __init__(self, *args, call: Call, criteria, existing: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            current = existing.get(criterion.pk)
            self.fields[score_field(criterion, "value")] = forms.CharField(
                label=_("Score"), required=False, initial=current.value if current else None,
                widget=forms.NumberInput(attrs={"min": call.scale_min, "max": call.scale_max, "step": 1, "inputmode": "numeric"}))
            self.fields[score_field(criterion, "comment")] = forms.CharField(
                label=_("Comment"), required=False, initial=current.comment if current else "", widget=forms.Textarea(attrs={"rows": 2}))

    def rows(self):
        for criterion in self.criteria:
            yield criterion, self[score_field(criterion, "value")], self[score_field(criterion, "comment")]

    def entries(self) -> dict:
        return {c: (self.cleaned_data.get(score_field(c, "value")) or None, self.cleaned_data.get(score_field(c, "comment"), ""))
                for c in self.criteria}


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Decision of the commission"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("E.g. the number and date of the protocol."))

    def __init__(self, *args, applications, **kwargs):
        super().__init__(*args, **kwargs)
        self.applications = list(applications)
        choices = [("", "—"), *[(v, label) for v, label in Application.Result.choices if v]]
        for application in self.applications:
            self.fields[f"a{application.pk}_result"] = forms.ChoiceField(label=_("Result"), choices=choices, required=False,
                                                                          initial=application.result)
            self.fields[f"a{application.pk}_prize"] = forms.CharField(label=_("Prize"), max_length=300, required=False,
                                                                       initial=application.prize)

    def rows(self):
        for application in self.applications:
            yield application, self[f"a{application.pk}_result"], self[f"a{application.pk}_prize"]

    def results(self) -> dict:
        return {a.pk: {"result": self.cleaned_data.get(f"a{a.pk}_result"), "prize": self.cleaned_data.get(f"a{a.pk}_prize", "")}
                for a in self.applications}

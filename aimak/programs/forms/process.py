"""Forms of the program's process: starting a program, moving it on, the district review, the
council's approval, revisions, the working group, versions and annual reports. They only read
input; the rules live in ``services.process``."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from aimak.core import scoping
from aimak.core.forms import DateInput, TerritoryChoice

from ..models import AgeGroup, MeasureProgress, Sex, WorkingGroupMember
from ..selectors import programs as selectors
from ..services.process import indicator_field, measure_field

LANGUAGES = [("ru", "Русский"), ("ky", "Кыргызча")]


def apply_errors(form: forms.Form, exc: Exception) -> None:
    """Show a service's refusal on the form: each message under its field, the rest on top."""
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc) or _("You may not do this here."))
        return
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


class ProgramForm(forms.Form):
    territory = TerritoryChoice(queryset=None, label=_("Municipality"), top_depth=3,
                                help_text=_("The city or aiyl aimak whose program this is."))
    edition = forms.ModelChoiceField(queryset=None, label=_("Methodology edition"), empty_label=None)
    title = forms.CharField(label=_("Title"), max_length=300)
    start_year = forms.IntegerField(label=_("First year"))
    end_year = forms.IntegerField(label=_("Last year"), help_text=_("A program covers 3 to 5 years as a rule."))
    language = forms.ChoiceField(label=_("Language of the text"), choices=LANGUAGES)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = selectors.municipalities_for_new(user)
        self.fields["edition"].queryset = selectors.active_editions()
        year = scoping.today().year
        self.fields["start_year"].widget.attrs.update(min=2000, max=2060, placeholder=str(year + 1))
        self.fields["end_year"].widget.attrs.update(min=2000, max=2060, placeholder=str(year + 3))


class FollowingProgramForm(forms.Form):
    edition = forms.ModelChoiceField(queryset=None, label=_("Methodology edition"), empty_label=None)
    title = forms.CharField(label=_("Title"), max_length=300)
    start_year = forms.IntegerField(label=_("First year"))
    end_year = forms.IntegerField(label=_("Last year"))
    language = forms.ChoiceField(label=_("Language of the text"), choices=LANGUAGES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["edition"].queryset = selectors.active_editions()


class StepForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DistrictReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("Opinion of the district coordination council"), widget=forms.RadioSelect, choices=[
        ("approve", _("Supported: the draft goes to the public hearing")),
        ("return", _("Returned to the draft for changes")),
    ])
    date = forms.DateField(label=_("Date of the council's meeting"), widget=DateInput())
    note = forms.CharField(label=_("Remarks of the council"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Required when the draft is returned."))


class ApprovalForm(forms.Form):
    resolution_number = forms.CharField(label=_("Council resolution number"), max_length=60)
    resolution_date = forms.DateField(label=_("Council resolution date"), widget=DateInput())
    scan = forms.FileField(label=_("Scan of the signed resolution"), required=False,
                           help_text=_("The resolution with its signature and stamp: a PDF or a photo (JPG, PNG), or another file type the methodology allows for annexes."))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RevisionForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    note = forms.CharField(label=_("Why the program is revised"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class VersionForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=200, required=False,
                            help_text=_("For example: “draft for the hearing”."))


class MemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    role = forms.ChoiceField(label=_("Role"), choices=WorkingGroupMember.Role.choices, initial=WorkingGroupMember.Role.MEMBER)
    position = forms.CharField(label=_("Position or organisation"), max_length=300, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices], required=False)
    age_group = forms.ChoiceField(label=_("Age group"), choices=[("", "—"), *AgeGroup.choices], required=False)
    has_disability = forms.BooleanField(label=_("Person with a disability"), required=False)

    @classmethod
    def initial_from(cls, member: WorkingGroupMember) -> dict:
        return {f: getattr(member, f) for f in ("name", "role", "position", "sex", "age_group", "has_disability")}


class OrderForm(forms.Form):
    number = forms.CharField(label=_("Order number"), max_length=60)
    date = forms.DateField(label=_("Date of the order"), widget=DateInput())
    file = forms.FileField(label=_("Scan of the order (optional)"), required=False)


class ReportStartForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=[])

    def __init__(self, *args, program=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in program.years]


class ReportForm(forms.Form):
    """The year's report: a narrative, and for each measure and indicator a few fields whose
    names the service also uses for its errors."""

    narrative = forms.CharField(label=_("What was done and learnt"), required=False, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, rows=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.measure_rows, self.indicator_rows = [], []
        for row in rows["measures"]:
            m, p = row["measure"], row["progress"]
            names = {k: measure_field(m.pk, k) for k in ("status", "spent", "note")}
            self.fields[names["status"]] = forms.ChoiceField(label=_("Status"), choices=MeasureProgress.Status.choices,
                                                             initial=p.status if p else MeasureProgress.Status.NOT_STARTED)
            self.fields[names["spent"]] = forms.DecimalField(label=_("Spent, thousand som"), required=False, decimal_places=1, max_digits=14,
                                                             initial=p.spent if p else None)
            self.fields[names["note"]] = forms.CharField(label=_("Note"), required=False, initial=p.note if p else "")
            self.measure_rows.append({"measure": m, "fields": [self[names[k]] for k in ("status", "spent", "note")]})
        for row in rows["indicators"]:
            i, a = row["indicator"], row["actual"]
            keys = ("value", "women", "men") if i.counts_people else ("value",)
            names = {k: indicator_field(i.pk, k) for k in keys}
            labels = {"value": _("Actual"), "women": _("Actual, women"), "men": _("Actual, men")}
            for k in keys:
                self.fields[names[k]] = forms.DecimalField(label=labels[k], required=False, decimal_places=2, max_digits=14,
                                                           initial=getattr(a, k) if a else None)
            self.indicator_rows.append({"indicator": i, "target": row["target"], "fields": [self[names[k]] for k in keys]})

    def measures_data(self) -> dict:
        found = {}
        for row in self.measure_rows:
            pk = row["measure"].pk
            found[pk] = {k: self.cleaned_data.get(measure_field(pk, k)) for k in ("status", "spent", "note")}
        return found

    def actuals_data(self) -> dict:
        found = {}
        for row in self.indicator_rows:
            pk = row["indicator"].pk
            found[pk] = {k: self.cleaned_data.get(indicator_field(pk, k)) for k in ("value", "women", "men")}
        return found


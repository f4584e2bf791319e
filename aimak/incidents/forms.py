"""The incident form, made for a phone: plain inputs, numbers typed with the phone's number pad,
and every error of ``services.incidents.check`` shown on its field together with the form's own."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from aimak.core.forms import DateInput, TerritoryChoice

from .models import ActorKind, Incident, IncidentType, Precision
from .selectors import incidents as selectors
from .services import incidents as services


class CoordinateField(forms.DecimalField):
    """Degrees as a phone's GPS gives them: a comma or a point, any number of decimals (kept to six)."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", ".")
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.quantize(Decimal("0.000001"))
        except InvalidOperation:
            raise ValidationError(_("Enter degrees as a number, for example 42.1542."), code="invalid") from None


def count_field(label, help_text=""):
    return forms.IntegerField(label=label, required=False, help_text=help_text,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "step": 1}))


def actor_kind_field(label):
    return forms.TypedChoiceField(label=label, required=False, coerce=int, empty_value=None,
                                  choices=[("", _("— not known —")), *ActorKind.choices])


class IncidentForm(forms.Form):
    # when and where
    date = forms.DateField(label=_("Date"), required=False, widget=DateInput(),
                           help_text=_("If only the week or month is known, give its first day and say so below."))
    date_precision = forms.TypedChoiceField(label=_("How exact is the date?"), choices=Precision.choices, coerce=int,
                                            initial=Precision.EXACT, widget=forms.RadioSelect)
    territory = TerritoryChoice(label=_("Territory"), queryset=None, top_depth=2, required=False, empty_label=_("— choose —"))
    village = forms.CharField(label=_("Village or place"), max_length=200, required=False,
                              help_text=_("The village, street or landmark where it happened."))
    latitude = CoordinateField(label=_("Latitude"))
    longitude = CoordinateField(label=_("Longitude"))
    geo_precision = forms.TypedChoiceField(label=_("How exact is the place?"), choices=Precision.choices, coerce=int,
                                           initial=Precision.EXACT, widget=forms.RadioSelect)
    # what
    incident_type = forms.ChoiceField(label=_("Type of incident"), required=False)
    # who
    actor1 = forms.CharField(label=_("First actor"), max_length=200, required=False,
                             help_text=_("Who started or carried it out: a group, not a person's name."))
    actor1_kind = actor_kind_field(_("Kind of first actor"))
    assoc_actor1 = forms.CharField(label=_("Together with the first actor"), max_length=300, required=False)
    actor2 = forms.CharField(label=_("Second actor"), max_length=200, required=False,
                             help_text=_("Who it was directed against, if anyone."))
    actor2_kind = actor_kind_field(_("Kind of second actor"))
    assoc_actor2 = forms.CharField(label=_("Together with the second actor"), max_length=300, required=False)
    groups = forms.CharField(label=_("Groups involved"), max_length=300, required=False,
                             help_text=_("Communities, villages or groups on each side."))
    # how many
    participants = count_field(_("Participants"), _("About how many people took part; leave empty if not known."))
    injured = count_field(_("Injured"))
    injured_women = count_field(_("of which women"))
    killed = count_field(_("Killed"))
    killed_women = count_field(_("of which women"))
    displaced_households = count_field(_("Displaced households"))
    # what happened
    description = forms.CharField(label=_("What happened"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    sources = forms.CharField(label=_("Sources"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("Who told you or where it was published: aiyl okmotu, police, a news site, a witness."))
    sensitivity = forms.ChoiceField(
        label=_("Who may see it"), choices=Incident.Sensitivity.choices, initial=Incident.Sensitivity.PUBLIC, widget=forms.RadioSelect,
        help_text=_("A restricted incident is seen only by coordinators and analysts responsible for the territory, and by you."),
    )

    def __init__(self, *args, user=None, incident: Incident | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.incident = incident
        territories = selectors.territories_for_recording(user, "edit" if incident else "create")
        if incident is not None:
            territories = territories | type(incident.territory).objects.filter(pk=incident.territory_id)
        self.fields["territory"].queryset = territories.order_by("path")
        self.fields["incident_type"].choices = [("", _("— choose —")), *selectors.type_choices(incident.incident_type if incident else None)]
        if incident is not None:
            self.fields["comment"] = forms.CharField(label=_("What was corrected"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                                     help_text=_("Kept in the incident's history."))

    def clean_incident_type(self):
        code = self.cleaned_data.get("incident_type")
        if not code:
            return None
        kind = IncidentType.objects.filter(code=code).first()
        if kind is None:
            raise ValidationError(_("There is no incident type “%(code)s”."), params={"code": code}, code="invalid_choice")
        return kind

    def clean(self):
        """The service's checks, so that every problem is shown at once, each on its field."""
        cleaned = super().clean()
        data = self.incident_data()
        for field, messages in services.check(data).items():
            if field not in self.errors:
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return cleaned

    def incident_data(self) -> dict:
        return {field: self.cleaned_data.get(field) for field in services.FIELDS if field in self.cleaned_data}

    @staticmethod
    def initial_from(incident: Incident) -> dict:
        initial = {field: getattr(incident, field) for field in services.FIELDS}
        initial["incident_type"] = incident.incident_type.code
        return initial

    def sections(self):
        """Fields in the order of the page's fieldsets: (legend, [bound fields])."""
        layout = [
            (_("When and where"), ["date", "date_precision", "territory", "village"]),
            (_("What happened"), ["incident_type", "description"]),
            (_("Who was involved"), ["actor1", "actor1_kind", "assoc_actor1", "actor2", "actor2_kind", "assoc_actor2", "groups"]),
            (_("People affected"), ["participants", "injured", "injured_women", "killed", "killed_women", "displaced_households"]),
            (_("Sources and visibility"), ["sources", "sensitivity", "comment"]),
        ]
        return [(legend, [self[name] for name in names if name in self.fields]) for legend, names in layout]

    def coordinate_fields(self):
        return [self["latitude"], self["longitude"], self["geo_precision"]]

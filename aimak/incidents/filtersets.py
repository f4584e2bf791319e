"""Filters of the incident list, map, ACLED export and API: one set, so a filtered page, its
export and the API answer the same question."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from aimak.monitoring.filtersets import PERIOD_HELP, PeriodCodeField, TerritoryFilter
from aimak.territories.filtersets import TerritoryTextFilter

from .models import ActorKind, EventType, Incident, IncidentType


@extend_schema_field({"type": "string", "example": "2026-03", "description": "Period code: incidents dated within it (2026-03, 2026Q1 or 2026)."})
class DateInPeriodFilter(django_filters.Filter):
    """Incidents dated inside a month, quarter or year, written as people write periods."""

    field_class = PeriodCodeField

    def __init__(self, *args, bound="within", **kwargs):
        self.bound = bound  # "within", "from" (on or after its first day) or "to" (on or before its last)
        kwargs.setdefault("help_text", PERIOD_HELP)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        if self.bound == "from":
            return qs.filter(**{f"{self.field_name}__gte": value.start})
        if self.bound == "to":
            return qs.filter(**{f"{self.field_name}__lte": value.end})
        return qs.filter(**{f"{self.field_name}__gte": value.start, f"{self.field_name}__lte": value.end})


class IncidentTypeFilter(django_filters.ModelChoiceFilter):
    """A type or a sub-type: a type finds the incidents of all its sub-types."""

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(Q(incident_type=value) | Q(incident_type__parent=value))


class IncidentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label=_("Text"))
    period = DateInPeriodFilter(field_name="date", label=_("Period"))
    period_from = DateInPeriodFilter(field_name="date", bound="from", label=_("From period"))
    period_to = DateInPeriodFilter(field_name="date", bound="to", label=_("To period"))
    territory = TerritoryFilter(field_name="territory", label=_("Territory (SOATE code)"))
    place = TerritoryTextFilter(label=_("Territory name or code"))
    incident_type = IncidentTypeFilter(queryset=IncidentType.objects.all(), to_field_name="code", label=_("Type"))
    event_type = django_filters.ChoiceFilter(field_name="incident_type__event_type", choices=EventType.choices, label=_("ACLED event type"))
    verification = django_filters.ChoiceFilter(choices=Incident.Verification.choices, label=_("Verification"))
    sensitivity = django_filters.ChoiceFilter(choices=Incident.Sensitivity.choices, label=_("Sensitivity"))
    origin = django_filters.ChoiceFilter(choices=Incident.Origin.choices, label=_("Recorded by"))
    actor_kind = django_filters.ChoiceFilter(choices=ActorKind.choices, method="filter_actor_kind", label=_("Kind of actor"))
    with_casualties = django_filters.BooleanFilter(method="filter_casualties", label=_("With injured or killed"))

    class Meta:
        model = Incident
        fields = []

    def filter_text(self, qs, name, value):
        value = (value or "").strip()
        if not value:
            return qs
        return qs.filter(Q(description__icontains=value) | Q(village__icontains=value) | Q(actor1__icontains=value)
                         | Q(actor2__icontains=value) | Q(groups__icontains=value) | Q(external_id__iexact=value))

    def filter_actor_kind(self, qs, name, value: int):  # a ChoiceFilter (the select offers "all"); the hint types the API parameter
        return qs if value in (None, "") else qs.filter(Q(actor1_kind=int(value)) | Q(actor2_kind=int(value)))

    def filter_casualties(self, qs, name, value):
        if value is None:
            return qs
        hurt = Q(injured__gt=0) | Q(killed__gt=0)
        return qs.filter(hurt) if value else qs.exclude(hurt)

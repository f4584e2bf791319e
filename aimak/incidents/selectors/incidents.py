"""Reads of incidents, always through the person's scope (restricted ones included only where
they may see them)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from aimak.core import scoping
from aimak.territories.selectors import without_boundaries

from ..models import Incident, IncidentEvent, IncidentType


def visible_incidents(user, action: str = "view") -> QuerySet:
    return without_boundaries(scoping.restrict(Incident.objects.all(), user, action).select_related("territory", "incident_type", "incident_type__parent"), "territory")


def incident_types() -> QuerySet:
    """Types in use with their sub-types, in the order of the list people choose from."""
    return IncidentType.objects.filter(is_active=True).select_related("parent", "indicator").order_by("parent__order", "order", "code")


def history(incident: Incident) -> QuerySet:
    return IncidentEvent.objects.filter(incident=incident).select_related("user")


def incidents_for_alert(user, alert) -> QuerySet:
    """The incidents behind an alert: in its territory (and below) during its period."""
    span = alert.period
    return visible_incidents(user).filter(
        territory__path__startswith=alert.territory.path, date__gte=span.start, date__lte=span.end,
    ).exclude(verification=Incident.Verification.FALSE)


def recent_in(user, territory, limit: int = 10) -> QuerySet:
    return visible_incidents(user).filter(Q(territory__path__startswith=territory.path))[:limit]


def incident_for(user, pk: int, action: str = "view") -> Incident:
    """One incident the person may ``action``; anything else (another district, a restricted
    report they may not see) is "not found", so its existence leaks nothing."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(visible_incidents(user, action), pk=pk)


# Where incidents are recorded: municipalities (aiyl aimaks, towns, cities) and rayons; the
# village or place is written in words on the incident.
RECORDING_KINDS = ("republican_city", "rayon", "city", "city_district", "aiyl_aimak", "town")


def territories_for_recording(user, action: str = "create") -> QuerySet:
    """Current rayons and municipalities where the person may ``action`` incidents, in tree order."""
    from aimak.territories.models import Territory

    qs = scoping.territories_where(user, action, Incident, Territory.objects.current().filter(kind__in=RECORDING_KINDS))
    return qs.order_by("path")


def may_record(user) -> bool:
    return territories_for_recording(user).exists()


def type_choices(current: IncidentType | None = None) -> list:
    """Choices for a select grouped by type: [(type name, [(code, sub-type name), ...]), ...];
    a type without sub-types is a choice of its own. ``current`` stays choosable when edited
    although no longer in use."""
    kinds = list(incident_types())
    if current is not None and all(k.pk != current.pk for k in kinds):
        kinds.append(current)
    by_parent: dict[int, list] = {}
    for kind in kinds:
        if kind.parent_id:
            by_parent.setdefault(kind.parent_id, []).append((kind.code, kind.name))
    choices = []
    for kind in kinds:
        if kind.parent_id:
            continue
        if kind.pk in by_parent:
            choices.append((kind.name, by_parent.pop(kind.pk)))
        else:
            choices.append((kind.code, kind.name))
    for parent in IncidentType.objects.filter(pk__in=by_parent):  # sub-types whose type is no longer in use
        choices.append((parent.name, by_parent[parent.pk]))
    return choices


def alerts_for_incident(user, incident: Incident) -> QuerySet:
    """Alerts of the incident's territory and the areas above it for the month, quarter and
    year it happened in, as far as the person may see them."""
    from aimak.monitoring import periods
    from aimak.monitoring.models import Alert

    places = [*incident.territory.ancestor_ids, incident.territory_id]
    when = Q(pk__in=[])
    for period_type, _label in periods.PERIOD_TYPES:
        when |= Q(period_type=period_type, period_start=periods.containing(period_type, incident.date).start)
    return (scoping.restrict(Alert.objects.filter(when, territory_id__in=places), user, "view")
            .select_related("territory", "rule").order_by("-raised_at", "-id"))


def types_in_tree_order() -> QuerySet:
    """Every type (in use or not, for filtering older incidents), each type followed by its sub-types."""
    from django.db.models import F
    from django.db.models.functions import Coalesce

    return (IncidentType.objects.select_related("parent")
            .annotate(group_order=Coalesce("parent__order", "order"), group_code=Coalesce("parent__code", "code"))
            .order_by("group_order", "group_code", F("parent_id").asc(nulls_first=True), "order", "code"))

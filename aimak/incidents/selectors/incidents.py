"""Reads of incidents, always through the person's scope (restricted ones included only where
they may see them)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from aimak.core import scoping

from ..models import Incident, IncidentEvent, IncidentType


def visible_incidents(user, action: str = "view") -> QuerySet:
    return scoping.restrict(Incident.objects.all(), user, action).select_related("territory", "incident_type", "incident_type__parent")


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

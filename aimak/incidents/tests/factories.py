"""Makers for the permission matrix and small builders the incident tests share."""

from datetime import date

from aimak.core.testing import scoped_factory

from .. import models as m

DAY = date(2026, 3, 14)


def incident_type(code="matrix-fight", **fields):
    fields.setdefault("name_en", code)
    fields.setdefault("name_ru", code)
    fields.setdefault("event_type", m.EventType.RIOTS)
    fields.setdefault("sub_event_type", "Mob violence")
    return m.IncidentType.objects.get_or_create(code=code, defaults=fields)[0]


def incident(place, *, kind=None, day=DAY, **fields):
    fields.setdefault("description", f"incident at {place.code}")
    return m.Incident.objects.create(territory=place, incident_type=kind or incident_type(), date=day, **fields)


# The matrix checks the harder case: a restricted incident needs view_restricted as well.
scoped_factory("incidents.incident")(lambda place: incident(place, sensitivity=m.Incident.Sensitivity.RESTRICTED))
scoped_factory("incidents.incidentevent")(
    lambda place: m.IncidentEvent.objects.create(incident=incident(place), action=m.IncidentEvent.Action.RECORDED)
)

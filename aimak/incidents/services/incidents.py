"""Recording an incident and its verification, as workflow actions: check the person's right
where the incident happens, act, log an ``IncidentEvent``, and bring the incident register up
to date, all in one transaction (an alert a death raises exists when the page answers)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aimak.core import context, scoping

from ..models import Incident, IncidentEvent
from . import register

# Fields a person (or a Kobo/ODK submission, or an import) may set.
FIELDS = (
    "date", "date_precision", "territory", "village", "latitude", "longitude", "geo_precision", "incident_type",
    "actor1", "actor1_kind", "assoc_actor1", "actor2", "actor2_kind", "assoc_actor2", "groups",
    "participants", "injured", "injured_women", "killed", "killed_women", "displaced_households",
    "description", "sources", "sensitivity",
)
# Kyrgyzstan with a margin: coordinates outside are a typing error (a swapped pair, a missing minus)
LATITUDE = (Decimal("39.0"), Decimal("43.5"))
LONGITUDE = (Decimal("69.0"), Decimal("80.5"))
COUNT_FIELDS = ("participants", "injured", "injured_women", "killed", "killed_women", "displaced_households")
MAX_COUNT = 1_000_000


def _refuse(user, action: str, detail: dict, message: str):
    from aimak.audit.services import log_security_event

    log_security_event("permission_refused", user=context.person(user) if not getattr(user, "is_integration", False) else None,
                       detail={"action": action, "object": "incidents.incident", **detail})
    raise PermissionDenied(message)


def check(data: dict, *, today: date | None = None) -> dict:
    """Errors by field for an incident's data (model values: territory and type as objects)."""
    errors: dict[str, list] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    today = today or scoping.today()
    day = data.get("date")
    if not day:
        add("date", _("Give the date of the incident (the first day of the week or month if only that is known)."))
    elif day > today:
        add("date", _("The date %(day)s is in the future.") % {"day": day.isoformat()})
    elif day.year < 1991:
        add("date", _("The date %(day)s is before 1991.") % {"day": day.isoformat()})
    territory = data.get("territory")
    if territory is None:
        add("territory", _("Choose the territory where it happened."))
    elif territory.valid_to is not None and day and territory.valid_to <= day:
        add("territory", _("%(territory)s no longer existed on %(day)s.") % {"territory": territory, "day": day.isoformat()})
    kind = data.get("incident_type")
    if kind is None:
        add("incident_type", _("Choose the type of incident."))
    elif kind.parent_id is None and kind.subtypes.exists():
        add("incident_type", _("Choose a sub-type of “%(type)s”.") % {"type": kind})
    elif not kind.is_active:
        add("incident_type", _("The type “%(type)s” is no longer in use.") % {"type": kind})
    lat, lon = data.get("latitude"), data.get("longitude")
    if (lat is None) != (lon is None):
        add("latitude" if lat is None else "longitude", _("Give both latitude and longitude, or neither."))
    if lat is not None and not LATITUDE[0] <= lat <= LATITUDE[1]:
        add("latitude", _("Latitude %(value)s is outside Kyrgyzstan (between %(low)s and %(high)s).") % {"value": lat, "low": LATITUDE[0], "high": LATITUDE[1]})
    if lon is not None and not LONGITUDE[0] <= lon <= LONGITUDE[1]:
        add("longitude", _("Longitude %(value)s is outside Kyrgyzstan (between %(low)s and %(high)s).") % {"value": lon, "low": LONGITUDE[0], "high": LONGITUDE[1]})
    for field in COUNT_FIELDS:
        value = data.get(field)
        if value is not None and not 0 <= value <= MAX_COUNT:
            add(field, _("Enter a whole number from 0 to %(max)s.") % {"max": f"{MAX_COUNT:,}"})
    for part, total in (("injured_women", "injured"), ("killed_women", "killed")):
        if data.get(part) is not None and data.get(part) > (data.get(total) or 0):
            add(part, _("Cannot be more than the total (%(total)s).") % {"total": data.get(total) or 0})
    if not (data.get("description") or "").strip():
        add("description", _("Describe what happened."))
    for field, kind_field in (("actor1", "actor1_kind"), ("actor2", "actor2_kind")):
        if data.get(kind_field) and not (data.get(field) or "").strip():
            add(field, _("Name the actor whose kind is given."))
    return errors


def _apply(incident: Incident, data: dict) -> None:
    for field in FIELDS:
        if field in data:
            value = data[field]
            if isinstance(value, str):
                value = value.strip()
            setattr(incident, field, value)
    for field in ("injured", "killed", "displaced_households"):
        if getattr(incident, field) is None:
            setattr(incident, field, 0)


def _log(incident: Incident, action: str, user, comment: str = "") -> IncidentEvent:
    return IncidentEvent.objects.create(incident=incident, action=action, user=context.person(user),
                                        integration=getattr(user, "integration_name", ""), comment=comment)


@transaction.atomic
def record_incident(user, data: dict, *, external_id: str = "", origin: str = Incident.Origin.AIMAK,
                    source_dataset: str = "", is_synthetic: bool = False) -> Incident:
    """Record a new incident and count it. ``external_id`` (a Kobo/ODK instance id, an ACLED
    event id) makes a repeated delivery return the incident already recorded."""
    if external_id:
        existing = Incident.objects.filter(origin=origin, external_id=external_id).first()
        if existing is not None:
            return existing
    territory = data.get("territory")
    # Monitors record where they work; a reference layer (ACLED) is national data that people
    # who configure Aimak load, not events anyone in Aimak witnessed.
    action = "create" if origin == Incident.Origin.AIMAK else "configure"
    if territory is not None and not scoping.allowed_within(user, action, Incident, territory):
        _refuse(user, action, {"territory": territory.code}, _("You may not record incidents in %(territory)s.") % {"territory": territory})
    errors = check(data)
    if errors:
        raise ValidationError(errors)
    incident = Incident(origin=origin, external_id=external_id, source_dataset=source_dataset, is_synthetic=is_synthetic,
                        reported_by=context.person(user), integration=getattr(user, "integration_name", ""))
    _apply(incident, data)
    incident.save()
    _log(incident, IncidentEvent.Action.RECORDED, user)
    if incident.is_counted:
        register.recount(incident.territory, incident.date)
    return incident


def _locked(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().select_related("territory", "incident_type").get(pk=incident.pk)


def _require(user, action: str, incident: Incident) -> None:
    if not scoping.can(user, action, incident):
        _refuse(user, action, {"pk": incident.pk}, _("You do not have the right to do this for this incident."))


@transaction.atomic
def change_incident(user, incident: Incident, data: dict, *, comment: str = "") -> Incident:
    """Correct an incident. Moving it (another place or month) recounts both registers; a
    verified incident changed by someone who cannot verify goes back to "not yet verified"."""
    incident = _locked(incident)
    _require(user, "edit", incident)
    if incident.origin != Incident.Origin.AIMAK:
        raise ValidationError({"origin": _("Reference-layer incidents are changed by importing their source again, not by hand.")})
    before = (incident.territory, incident.date, incident.is_counted)
    merged = {field: getattr(incident, field) for field in FIELDS}
    merged.update({k: v for k, v in data.items() if k in FIELDS})
    errors = check(merged)
    if errors:
        raise ValidationError(errors)
    new_territory = merged["territory"]
    if new_territory.pk != incident.territory_id and not scoping.allowed_within(user, "edit", Incident, new_territory):
        _refuse(user, "edit", {"pk": incident.pk, "territory": new_territory.code},
                _("You may not move an incident to %(territory)s.") % {"territory": new_territory})
    _apply(incident, merged)
    # what a coordinator verified is no longer what it says once someone who cannot verify changed it
    unverified = incident.verification == Incident.Verification.VERIFIED and not scoping.can(user, "review", incident)
    if unverified:
        incident.verification = Incident.Verification.UNVERIFIED
    incident.save()
    _log(incident, IncidentEvent.Action.CHANGED, user, comment)
    if unverified:
        _log(incident, IncidentEvent.Action.REOPENED, user, _("Changed after verification: to be verified again."))
    register.recount_places([(before[0], before[1]), (incident.territory, incident.date)])
    return incident


@transaction.atomic
def verify(user, incident: Incident, note: str = "") -> Incident:
    """Confirmed by a second source: the coordinator's step."""
    return _set_verification(user, incident, Incident.Verification.VERIFIED, IncidentEvent.Action.VERIFIED, note)


@transaction.atomic
def mark_false(user, incident: Incident, note: str) -> Incident:
    """Not what happened: it stops counting at once (its alert, if any, stays for the record)."""
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why the report is false: a note is required.")})
    return _set_verification(user, incident, Incident.Verification.FALSE, IncidentEvent.Action.MARKED_FALSE, note)


@transaction.atomic
def reopen_verification(user, incident: Incident, note: str) -> Incident:
    if not (note or "").strip():
        raise ValidationError({"note": _("Give the reason for reopening the verification.")})
    return _set_verification(user, incident, Incident.Verification.UNVERIFIED, IncidentEvent.Action.REOPENED, note)


def _set_verification(user, incident: Incident, status: str, action: str, note: str) -> Incident:
    incident = _locked(incident)
    _require(user, "review", incident)
    if incident.origin != Incident.Origin.AIMAK:
        raise ValidationError({"verification": _("Reference-layer incidents are verified by their source.")})
    if incident.verification == status:
        raise ValidationError({"verification": _("The incident is already “%(status)s”.") % {"status": incident.get_verification_display()}})
    if status != Incident.Verification.UNVERIFIED and incident.verification != Incident.Verification.UNVERIFIED:
        raise ValidationError({"verification": _("Reopen the verification first: the incident is “%(status)s”.") % {"status": incident.get_verification_display()}})
    was_counted = incident.is_counted
    incident.verification = status
    incident.verification_note = (note or "").strip()
    incident.save()
    _log(incident, action, user, incident.verification_note)
    if was_counted != incident.is_counted:
        register.recount(incident.territory, incident.date)
    return incident


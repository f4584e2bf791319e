"""Incident answers as text (a Kobo/ODK submission of the incident form, a partner's form read
through a mapping, an ACLED row) turned into the values ``incidents.services.record_incident``
takes. Every channel reads the same way, so a date, a count or an actor kind is accepted or
refused with the same words wherever it came from; the meaning (future dates, coordinates
outside Kyrgyzstan, women above the total...) is checked by the incident service itself."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aimak.incidents.models import ActorKind, Incident, IncidentType, Precision

# The incident fields a question can feed (territory comes from its own question), with the
# label the mapping page shows. "location" is an XLSForm geopoint: "lat lon [altitude accuracy]".
FIELDS = {
    "date": gettext_lazy("date of the incident"),
    "date_precision": gettext_lazy("date precision (1 exact … 3 within the month)"),
    "village": gettext_lazy("village or place"),
    "location": gettext_lazy("location (geopoint)"),
    "latitude": gettext_lazy("latitude"),
    "longitude": gettext_lazy("longitude"),
    "geo_precision": gettext_lazy("place precision (1 exact … 3 only the area)"),
    "incident_type": gettext_lazy("type of incident (code, or a choice in the row's table)"),
    "actor1": gettext_lazy("first actor"),
    "actor1_kind": gettext_lazy("kind of first actor (ACLED inter code 1–8)"),
    "assoc_actor1": gettext_lazy("with the first actor"),
    "actor2": gettext_lazy("second actor"),
    "actor2_kind": gettext_lazy("kind of second actor (ACLED inter code 1–8)"),
    "assoc_actor2": gettext_lazy("with the second actor"),
    "groups": gettext_lazy("groups involved"),
    "participants": gettext_lazy("participants"),
    "injured": gettext_lazy("injured"),
    "injured_women": gettext_lazy("of which women injured"),
    "killed": gettext_lazy("killed"),
    "killed_women": gettext_lazy("of which women killed"),
    "displaced_households": gettext_lazy("displaced households"),
    "description": gettext_lazy("what happened (description)"),
    "sources": gettext_lazy("sources"),
    "sensitivity": gettext_lazy("sensitivity (public or restricted)"),
}
TEXT_FIELDS = ("village", "actor1", "assoc_actor1", "actor2", "assoc_actor2", "groups", "description", "sources")
COUNT_FIELDS = ("participants", "injured", "injured_women", "killed", "killed_women", "displaced_households")
ZERO_WHEN_EMPTY = ("injured", "killed", "displaced_households")
PRECISION_FIELDS = ("date_precision", "geo_precision")
KIND_FIELDS = ("actor1_kind", "actor2_kind")
# Fields with a fixed set of values: a mapping row's choice table must translate into these.
CHOICE_FIELDS = ("incident_type", "date_precision", "geo_precision", "actor1_kind", "actor2_kind", "sensitivity")

# ACLED writes the kinds as numbers (before 2023) or as words (since): both are read.
ACTOR_KIND_NAMES = {
    "state forces": 1, "rebel group": 2, "rebel groups": 2, "political militia": 3, "political militias": 3,
    "identity militia": 4, "identity militias": 4, "rioters": 5, "protesters": 6, "civilians": 7,
    "external/other forces": 8, "external or other forces": 8, "other forces": 8, "external forces": 8,
}
MAX_LENGTHS = {name: Incident._meta.get_field(name).max_length for name in ("village", "actor1", "assoc_actor1", "actor2",
                                                                            "assoc_actor2", "groups")}
_DATE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})")


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def parse_date(text: str) -> date:
    """2026-03-28 (also the date part of a date-time); ValueError otherwise."""
    match = _DATE.match(text or "")
    if not match:
        raise ValueError(text)
    return date.fromisoformat(match.group(1))


def parse_precision(text: str) -> int:
    value = int(_text(text))
    if value not in Precision.values:
        raise ValueError(text)
    return value


def parse_actor_kind(text: str) -> int | None:
    """An ACLED inter code (1–8, or ACLED's word for it); None for empty or 0 (no actor)."""
    text = _text(text)
    if not text or text == "0":
        return None
    if text.isdigit():
        value = int(text)
        if value in ActorKind.values:
            return value
        raise ValueError(text)
    found = ACTOR_KIND_NAMES.get(" ".join(text.casefold().split()))
    if found is None:
        raise ValueError(text)
    return found


def parse_count(text: str) -> int:
    text = _text(text).replace(" ", "").replace("\u00a0", "")
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isdigit():
        raise ValueError(text)
    return int(text)


def parse_coordinate(text: str) -> Decimal:
    try:
        value = Decimal(_text(text).replace(",", "."))
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value.quantize(Decimal("0.000001"))


def parse_geopoint(text: str) -> tuple[Decimal, Decimal]:
    """ODK's geopoint "lat lon altitude accuracy" (altitude and accuracy optional)."""
    parts = _text(text).split()
    if len(parts) < 2:
        raise ValueError(text)
    return parse_coordinate(parts[0]), parse_coordinate(parts[1])


def incident_type_of(text: str) -> IncidentType | None:
    code = _text(text)
    return IncidentType.objects.filter(code=code).select_related("parent").first() if code else None


def parse(texts: dict[str, str], *, territory=None) -> dict:
    """The values of ``record_incident`` from answers given as text by incident field (only
    the fields present are set). ValidationError keyed by field names what cannot be read."""
    errors: dict[str, list[str]] = {}
    data: dict = {"territory": territory}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    texts = {name: _text(value) for name, value in texts.items() if name in FIELDS}
    if "date" in texts:
        try:
            data["date"] = parse_date(texts["date"]) if texts["date"] else None
        except ValueError:
            add("date", _("“%(value)s” is not a date: write it as 2026-03-28.") % {"value": texts["date"][:40]})
    for name in PRECISION_FIELDS:
        if texts.get(name):
            try:
                data[name] = parse_precision(texts[name])
            except ValueError:
                add(name, _("“%(value)s” is not a precision: give 1 (exact), 2 (approximate) or 3 (rough).") % {"value": texts[name][:40]})
    if texts.get("location"):
        try:
            data["latitude"], data["longitude"] = parse_geopoint(texts["location"])
        except ValueError:
            add("location", _("“%(value)s” is not a point: give the latitude and the longitude, e.g. 42.14 77.61.") % {"value": texts["location"][:60]})
    for name in ("latitude", "longitude"):
        if texts.get(name):
            try:
                data[name] = parse_coordinate(texts[name])
            except ValueError:
                add(name, _("“%(value)s” is not a number of degrees (e.g. 42.145).") % {"value": texts[name][:40]})
    if "incident_type" in texts:
        kind = incident_type_of(texts["incident_type"])
        if kind is None:
            add("incident_type", _("“%(value)s” is not the code of an incident type.") % {"value": texts["incident_type"][:60]}
                if texts["incident_type"] else _("Choose the type of incident."))
        data["incident_type"] = kind
    for name in KIND_FIELDS:
        if name in texts:
            try:
                data[name] = parse_actor_kind(texts[name])
            except ValueError:
                add(name, _("“%(value)s” is not a kind of actor: give ACLED's inter code from 1 (state forces) to 8 (external forces).")
                    % {"value": texts[name][:40]})
    for name in COUNT_FIELDS:
        if name in texts:
            if not texts[name]:
                data[name] = 0 if name in ZERO_WHEN_EMPTY else None
                continue
            try:
                data[name] = parse_count(texts[name])
            except ValueError:
                add(name, _("“%(value)s” is not a whole number.") % {"value": texts[name][:40]})
    for name in TEXT_FIELDS:
        if name in texts:
            limit = MAX_LENGTHS.get(name)
            if limit and len(texts[name]) > limit:
                add(name, _("The text is longer than %(max)s characters.") % {"max": limit})
            data[name] = texts[name]
    if texts.get("sensitivity"):
        value = texts["sensitivity"].casefold()
        if value not in Incident.Sensitivity.values:
            add("sensitivity", _("“%(value)s” is not a sensitivity: give public or restricted.") % {"value": texts["sensitivity"][:40]})
        data["sensitivity"] = value
    if errors:
        raise ValidationError(errors)
    return data

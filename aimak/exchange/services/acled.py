"""ACLED, both ways: Aimak's incidents as an ACLED-shaped CSV, and ACLED's own events for
Kyrgyzstan loaded as a reference layer.

The export writes ACLED's columns in ACLED's order (``exchange.md``), so that a table of
Aimak's incidents sits next to ACLED's coverage of Kyrgyzstan in the same tools. It streams:
one query for the incidents (iterated in chunks) and one lookup table of oblast, rayon and
municipality names built once, whatever the number of rows.

The import reads an ACLED CSV export (UTF-8, with or without BOM), keeps the rows of
Kyrgyzstan (the others are reported as skipped), finds each event's territory in the
gazetteer by the names in admin1/admin2/admin3/location (the lowest level that matches) and
its Aimak incident type by ACLED's event and sub-event type, and records it through
``incidents.services.incidents.record_incident`` with ``origin="acled"`` and ACLED's
``event_id_cnty`` as the external id. Those incidents are a reference layer: the incident
register never counts them. Importing the same file again changes nothing; a newer ACLED file
updates the events ACLED revised. All or nothing by default, or the valid rows only; every
rejected row is reported with its line, its column and the reason.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from aimak.audit.services import log_security_event
from aimak.core import context, scoping
from aimak.core.imports import ImportReport, SourceError, read_bytes
from aimak.core.text import fold
from aimak.incidents.filtersets import IncidentFilterSet
from aimak.incidents.models import EventType, Incident, IncidentEvent
from aimak.incidents.selectors.incidents import incident_types, visible_incidents
from aimak.incidents.services import incidents as incident_services
from aimak.monitoring.services import analytics
from aimak.territories import selectors as gazetteer
from aimak.territories.models import KIND_LEVEL, Territory, path_ids

from . import incident_fields
from .mappings import can_configure

COLUMNS = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
    "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision",
    "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
]
ISO = 417
REGION = "Caucasus and Central Asia"  # ACLED's region of Kyrgyzstan, as ACLED spells it
COUNTRY = "Kyrgyzstan"
SOURCE_SCALE = "Local partner-Other"  # what ACLED writes for data from local monitoring partners
CIVILIAN_TARGETING = "Civilian targeting"
CIVILIANS = 7
MAX_BYTES = 50 * 1024 * 1024
REQUIRED = ["event_id_cnty", "event_date", "event_type", "sub_event_type", "country", "admin1", "notes", "fatalities"]
ALIASES = {"ally_actor_1": "assoc_actor_1", "ally_actor_2": "assoc_actor_2", "geo_precis": "geo_precision"}
# Where an incident field's problem shows in an ACLED file.
COLUMN_OF = {
    "date": "event_date", "date_precision": "time_precision", "territory": "admin1", "village": "location",
    "latitude": "latitude", "longitude": "longitude", "geo_precision": "geo_precision", "incident_type": "event_type",
    "actor1": "actor1", "actor1_kind": "inter1", "assoc_actor1": "assoc_actor_1", "actor2": "actor2",
    "actor2_kind": "inter2", "assoc_actor2": "assoc_actor_2", "participants": "tags", "killed": "fatalities",
    "description": "notes", "sources": "source", "sensitivity": "tags",
}
# Fields an ACLED row sets in full (what a newer file changes).
ROW_FIELDS = ("date", "date_precision", "territory", "village", "latitude", "longitude", "geo_precision", "incident_type",
              "actor1", "actor1_kind", "assoc_actor1", "actor2", "actor2_kind", "assoc_actor2", "participants", "killed",
              "description", "sources", "sensitivity")
VERIFICATION_TAG = "Aimak verification: "
RESTRICTED_TAG = "sensitivity: restricted"
_CROWD = re.compile(r"crowd size\s*=\s*(?:around|about|approximately|at least|more than|over|up to|nearly|some)?\s*([\d][\d,]*)", re.I)
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[ \-]([A-Za-z]+)[ \-,]+(\d{4})$")
MONTHS = {name: number for number, names in enumerate(
    [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
     ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
     ("december", "dec")], start=1) for name in names}


# --- who may import -----------------------------------------------------------------------------


def can_import(user) -> bool:
    """The reference layer is national configuration: ``configure`` on the whole country (which
    ``record_incident`` asks for every reference-layer event, instead of ``create``)."""
    return can_configure(user)


def require_import(user) -> None:
    if not can_import(user):
        log_security_event("permission_refused", user=user, detail={"action": "import", "object": "incidents.incident", "source": "acled"})
        raise PermissionDenied(_("Importing ACLED events needs the right to configure the whole country (national analysts and administrators have it)."))


# --- export -------------------------------------------------------------------------------------


def export_queryset(user, params):
    """The incidents ``user`` may see, filtered by ``params`` (the incident filters), oldest
    first. False reports are left out unless the filter asks for them (``verification=false``).
    ValidationError {filter: [messages]} for a filter that cannot be read."""
    filterset = IncidentFilterSet(params, queryset=visible_incidents(user))
    if not filterset.is_valid():
        raise ValidationError({name: [str(m) for m in messages] for name, messages in filterset.errors.items()})
    qs = filterset.qs
    if not params.get("verification"):
        qs = qs.exclude(verification=Incident.Verification.FALSE)
    return qs.order_by("date", "id")


def english_name(territory) -> str:
    """The name ACLED would write: the English short name ("Batken", not "Batken oblast")."""
    return (getattr(territory, "short_name_en", "") or getattr(territory, "name_en", "") or territory.short_name or territory.name or "")


class AdminNames:
    """Oblast, rayon and municipality names of any territory from its path: one query for
    every unit of levels 1 to 3, made once per export."""

    def __init__(self):
        kinds = [kind for kind, level in KIND_LEVEL.items() if 1 <= level <= 3]
        self.units = {t.pk: (KIND_LEVEL[t.kind], english_name(t)) for t in Territory.objects.filter(kind__in=kinds).defer(
            "geometry", "geometry_web", "search_key", "sources")}

    def of(self, territory) -> tuple[str, str, str]:
        found = {1: "", 2: "", 3: ""}
        for pk in path_ids(territory.path):
            unit = self.units.get(pk)
            if unit is not None:
                found[unit[0]] = unit[1]
        return found[1], found[2], found[3]


def _number(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def interaction(kind1: int | None, kind2: int | None) -> str:
    """ACLED's interaction code: the two inter codes, smaller first ("57"); one actor alone
    is its code and 0 ("60": protesters on their own)."""
    codes = sorted(k for k in (kind1, kind2) if k)
    if not codes:
        return ""
    return f"{codes[0]}{codes[1]}" if len(codes) == 2 else f"{codes[0]}0"


def row_of(incident: Incident, admin: AdminNames) -> list:
    kind = incident.incident_type
    territory = incident.territory
    admin1, admin2, admin3 = admin.of(territory)
    latitude, longitude, geo_precision = incident.latitude, incident.longitude, incident.geo_precision
    if latitude is None and territory.latitude is not None and territory.longitude is not None:
        # ACLED always gives a point: the territory's centre, said to be approximate at best
        latitude, longitude = Decimal(str(round(territory.latitude, 6))), Decimal(str(round(territory.longitude, 6)))
        geo_precision = max(geo_precision, 2)
    tags = []
    if incident.participants is not None:
        tags.append(f"crowd size={incident.participants}")
    if incident.origin == Incident.Origin.AIMAK:
        tags.append(f"{VERIFICATION_TAG}{incident.verification}")
    if incident.sensitivity == Incident.Sensitivity.RESTRICTED:
        tags.append(RESTRICTED_TAG)
    targeted = CIVILIANS in (incident.actor1_kind, incident.actor2_kind) and kind.event_type == EventType.VIOLENCE_AGAINST_CIVILIANS
    return [
        incident.reference, incident.date.isoformat(), incident.date.year, incident.date_precision,
        kind.disorder_type, kind.event_type, kind.sub_event_type,
        incident.actor1, incident.assoc_actor1, incident.actor1_kind or "",
        incident.actor2, incident.assoc_actor2, incident.actor2_kind or "",
        interaction(incident.actor1_kind, incident.actor2_kind), CIVILIAN_TARGETING if targeted else "",
        ISO, REGION, COUNTRY, admin1, admin2, admin3,
        incident.village or english_name(territory), _number(latitude), _number(longitude), geo_precision,
        "; ".join(line.strip() for line in (incident.sources or "").splitlines() if line.strip()),
        SOURCE_SCALE if incident.origin == Incident.Origin.AIMAK else "",
        incident.description, incident.killed, "; ".join(tags), int(incident.updated_at.timestamp()),
    ]


def rows(queryset):
    """ACLED rows of the incidents, one at a time (the queryset is read in chunks)."""
    admin = AdminNames()
    for incident in queryset.iterator(chunk_size=2000):
        yield row_of(incident, admin)


def export_filename() -> str:
    return f"aimak-acled-{scoping.today().isoformat()}.csv"


# --- import: reading the file ------------------------------------------------------------------


@dataclass
class AcledImport(ImportReport):
    valid_rows_only: bool = False
    dataset: str = ""
    kyrgyz_rows: int = 0

    def as_dict(self) -> dict:
        return {**super().as_dict(), "dataset": self.dataset, "kyrgyz_rows": self.kyrgyz_rows,
                "mode": "valid_rows" if self.valid_rows_only else "all_or_nothing"}

    def as_text(self, limit: int = 50) -> str:
        text = super().as_text(limit)
        if self.committed and self.rejected:  # the valid rows only were asked for, and saved
            text = text.replace(_("Nothing was saved because some rows were rejected."), _("The valid rows were saved; the rejected rows were not."))
        return text


def _decode(data: bytes) -> str:
    """ACLED's files are UTF-8 (Excel may add a BOM). Anything else is refused rather than
    guessed: a wrong guess would garble names without anyone noticing."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise SourceError(_("The file is UTF-16 text. Save it as “CSV UTF-8” and upload it again."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(_("The file is not UTF-8 text (ACLED's exports are): the byte at position %(position)s cannot be read. Save it as “CSV UTF-8” and upload it again.")
                          % {"position": exc.start}) from None
    if "\x00" in text:
        raise SourceError(_("The file is not a text file."))
    return text


def read_rows(data: bytes) -> tuple[list[str], list[tuple[int, dict]]]:
    """The header and the rows with the line each starts on (the header is line 1)."""
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header_cells = next(reader, None)
        if not header_cells or not any(c.strip() for c in header_cells):
            raise SourceError(_("The file is empty or has no header row."))
        header = [ALIASES.get(c.strip().lower(), c.strip().lower()) for c in header_cells]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise SourceError(_("Required columns are missing: %(columns)s. Found: %(found)s.")
                              % {"columns": ", ".join(missing), "found": ", ".join(h for h in header if h)})
        found, line = [], reader.line_num + 1
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(header):
                found.append((start, {"__extra__": cells[len(header):], **dict(zip(header, cells))}))
            else:
                found.append((start, dict(zip(header, cells + [""] * (len(header) - len(cells))))))
    except csv.Error as exc:
        raise SourceError(_("The CSV is malformed near line %(line)d: %(reason)s") % {"line": reader.line_num, "reason": exc}) from None
    return header, found


def parse_acled_date(text: str) -> date:
    """2022-09-16 (ACLED's API and newer files) or 16 September 2022 (older exports)."""
    text = (text or "").strip()
    try:
        return incident_fields.parse_date(text)
    except ValueError:
        pass
    match = _DAY_MONTH_YEAR.match(text)
    if match and match.group(2).casefold() in MONTHS:
        return date(int(match.group(3)), MONTHS[match.group(2).casefold()], int(match.group(1)))
    raise ValueError(text)


# --- import: places and types ------------------------------------------------------------------


LEVEL_KINDS = {level: [k for k, v in KIND_LEVEL.items() if v == level] for level in (1, 2, 3, 4)}
PLACE_KINDS = ("republican_city", "city", "town")  # a location names a place, not a region


class Places:
    """Territories by ACLED's names, looked up in the gazetteer (names in ky/ru/en and their
    folded spellings): the lowest level that matches, municipality before rayon before
    oblast; a village named in ``location`` places the event in its municipality."""

    def __init__(self):
        self.cache: dict[tuple, tuple] = {}

    @staticmethod
    def named(text: str, level: int, within: list[Territory] | None) -> list[Territory]:
        key = fold(text)
        if len(key) < 2:
            return []
        found = [t for t in gazetteer.search(text, limit=100, kinds=LEVEL_KINDS[level]) if t.rank == 0]
        if within is not None:
            found = [t for t in found if any(t.path.startswith(w.path) and t.pk != w.pk for w in within)]
        return found

    def find(self, admin1: str, admin2: str, admin3: str, location: str):
        """(territory or None, the location when it is a village or place below it, [(column,
        problem)], [(column, note)]): problems reject the row, notes say what was done."""
        key = (admin1, admin2, admin3, location)
        if key not in self.cache:
            self.cache[key] = self._find(*key)
        return self.cache[key]

    def _find(self, admin1, admin2, admin3, location):
        problems, notes = [], []
        if not admin1:
            return None, "", [("admin1", _("The oblast (admin1) is empty."))], notes
        level1 = self.named(admin1, 1, None)
        if not level1:
            return None, "", [("admin1", _("No oblast or city of republican significance is named “%(name)s”.") % {"name": admin1})], notes
        chosen, column = level1, "admin1"
        for name, text, level in (("admin2", admin2, 2), ("admin3", admin3, 3)):
            if not text:
                continue
            deeper = self.named(text, level, chosen)
            if deeper:
                chosen, column = deeper, name
            elif not any(self._is(t, text) for t in chosen):  # ACLED repeats a city's name as its admin2
                notes.append((name, _("“%(name)s” is not in the gazetteer under %(place)s; the event is placed at the level above.")
                              % {"name": text, "place": " / ".join(str(t) for t in chosen)}))
        if location:
            here = self._places_first(self.named(location, 3, chosen))
            if len(here) == 1:
                chosen = here
            elif any(self._is(t, location) for t in chosen):
                chosen = self._places_first([t for t in chosen if self._is(t, location)])
            else:
                villages = self.named(location, 4, chosen)
                parents = {v.parent_id for v in villages}
                if len(parents) == 1 and villages[0].parent is not None and villages[0].parent.level <= 3:
                    chosen = [villages[0].parent]
        if len(chosen) > 1:
            problems.append((column, _("“%(name)s” is ambiguous: %(places)s. Give the rayon (admin2) or the municipality (admin3).")
                             % {"name": {"admin1": admin1, "admin2": admin2, "admin3": admin3}[column],
                                "places": ", ".join(f"{t} ({t.code})" for t in chosen)}))
            return None, "", problems, notes
        found = chosen[0]
        # the location stays as the village, unless it is the city or town chosen (or a region)
        same = location and self._is(found, location) and (found.kind in PLACE_KINDS or found.level <= 2)
        return found, "" if same else location, problems, notes

    @staticmethod
    def _places_first(found: list[Territory]) -> list[Territory]:
        """Of several units of one name, the city or town: a location names a place."""
        places = [t for t in found if t.kind in PLACE_KINDS]
        return places if len(found) > 1 and len(places) == 1 else found

    @staticmethod
    def _is(territory: Territory, text: str) -> bool:
        key = fold(text)
        return bool(key) and f"|{key}|" in territory.search_key


class Types:
    """Aimak incident types by ACLED's event and sub-event type: among the types in use that
    can be chosen (sub-types, or types without any), the one whose sub-event type matches (if
    several, the one named like it, e.g. "mob-violence" for "Mob violence", then one counted in
    no indicator), else the general one with the event type, in the order of the list."""

    def __init__(self):
        kinds = list(incident_types())
        with_subtypes = {k.parent_id for k in kinds if k.parent_id}
        self.by_event: dict[str, list] = {}
        for kind in kinds:
            if kind.event_type and kind.pk not in with_subtypes:
                self.by_event.setdefault(kind.event_type.casefold(), []).append(kind)
        self.events = {e.value.casefold(): e.value for e in EventType}

    def find(self, event_type: str, sub_event_type: str):
        """(type or None, column, problem)."""
        event = self.events.get(" ".join(event_type.split()).casefold())
        if event is None:
            return None, "event_type", _("“%(value)s” is not one of ACLED's event types (%(types)s).") % {
                "value": event_type, "types": ", ".join(e.value for e in EventType)}
        candidates = self.by_event.get(event.casefold(), [])
        if not candidates:
            return None, "event_type", _("No Aimak incident type is mapped to ACLED's “%(event)s”: add one with this ACLED event type to the incident types, then import again.") % {"event": event}
        wanted = " ".join(sub_event_type.split()).casefold()
        slug = slugify(wanted)

        def fit(kind):  # the same sub-event, named like it, then the general (uncounted, "Other") type
            return (kind.sub_event_type.casefold() != wanted, kind.code != slug, kind.indicator_id is not None,
                    kind.sub_event_type.casefold() != "other")

        return min(candidates, key=fit), "", ""


# --- import: one row ----------------------------------------------------------------------------


def _cell(row: dict, column: str) -> str:
    return (row.get(column) or "").strip()


def read_event(row: dict, places: Places, types: Types) -> tuple[dict, list[tuple[str, str]], list[tuple[str, str]]]:
    """(incident data, [(column, problem)], [(column, note)]) of one Kyrgyz ACLED row."""
    problems: list[tuple[str, str]] = []
    day = None
    try:
        day = parse_acled_date(_cell(row, "event_date"))
    except ValueError:
        problems.append(("event_date", _("“%(value)s” is not a date: ACLED writes 2022-09-16 or 16 September 2022.") % {"value": _cell(row, "event_date")}))
    year = _cell(row, "year")
    if year and day and year != str(day.year):
        problems.append(("year", _("The year %(year)s is not the year of the event date (%(date)s).") % {"year": year, "date": day.isoformat()}))
    kind, column, problem = types.find(_cell(row, "event_type"), _cell(row, "sub_event_type"))
    if problem:
        problems.append((column, problem))
    territory, village, place_problems, notes = places.find(_cell(row, "admin1"), _cell(row, "admin2"), _cell(row, "admin3"), _cell(row, "location"))
    problems += place_problems
    if not _cell(row, "fatalities"):
        problems.append(("fatalities", _("The number of fatalities is empty (write 0 for none).")))
    texts = {name: _cell(row, column) for column, name in (
        ("time_precision", "date_precision"), ("geo_precision", "geo_precision"), ("latitude", "latitude"), ("longitude", "longitude"),
        ("actor1", "actor1"), ("assoc_actor_1", "assoc_actor1"), ("inter1", "actor1_kind"), ("actor2", "actor2"),
        ("assoc_actor_2", "assoc_actor2"), ("inter2", "actor2_kind"), ("fatalities", "killed"), ("notes", "description"),
        ("source", "sources"))}
    tags = _cell(row, "tags")
    crowd = _CROWD.search(tags)
    texts.update(village=village, participants=crowd.group(1).replace(",", "") if crowd else "",
                 sensitivity=Incident.Sensitivity.RESTRICTED if RESTRICTED_TAG in tags.casefold() else Incident.Sensitivity.PUBLIC)
    data = {}
    try:
        data = incident_fields.parse(texts, territory=territory)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            problems += [(COLUMN_OF.get(name, name), message) for message in messages]
    data.setdefault("date_precision", 1)
    data.setdefault("geo_precision", 1)
    data.update(date=day, incident_type=kind, territory=territory)
    return data, problems, notes


def _same(incident: Incident, data: dict) -> bool:
    for name in ROW_FIELDS:
        value = data.get(name)
        current = getattr(incident, name)
        if name in ("territory", "incident_type"):
            if getattr(value, "pk", None) != getattr(current, "pk", None):
                return False
        elif (value if value not in ("", None) else None) != (current if current not in ("", None) else None):
            return False
    return True


def _update(user, incident: Incident, data: dict, dataset: str) -> None:
    """A newer ACLED file's version of an event: the reference row becomes the file's row
    (the incident service refuses to change reference rows by hand, so the import does it)."""
    errors = incident_services.check(data)
    if errors:
        raise ValidationError(errors)
    for name in ROW_FIELDS:
        value = data.get(name)
        setattr(incident, name, value.strip() if isinstance(value, str) else value)
    incident.killed = incident.killed or 0
    incident.source_dataset = dataset
    incident.save()
    IncidentEvent.objects.create(incident=incident, action=IncidentEvent.Action.CHANGED, user=context.person(user),
                                 integration=getattr(user, "integration_name", ""),
                                 comment=_("Updated from the ACLED file %(dataset)s.") % {"dataset": dataset})


class _Rollback(Exception):
    pass


def import_acled(source, *, user, dry_run: bool = False, valid_rows_only: bool = False, dataset_name: str = "") -> AcledImport:
    """Load ACLED's events in Kyrgyzstan from ``source`` (bytes, a path, a URL or an uploaded
    file) as the reference layer. Raises PermissionDenied for someone who may not, SourceError
    when the file as a whole cannot be read; everything else is in the returned report."""
    require_import(user)
    name = getattr(source, "name", "") or (source if isinstance(source, str) else "") or "acled.csv"
    dataset = (dataset_name or str(name).rsplit("/", 1)[-1])[:200]
    report = AcledImport(source=str(name), title=_("ACLED events (%(dataset)s)") % {"dataset": dataset},
                         valid_rows_only=valid_rows_only, dataset=dataset)
    size = getattr(source, "size", None)
    if size is not None and size > MAX_BYTES:
        raise SourceError(_("The file is larger than %(limit)d MB.") % {"limit": MAX_BYTES // (1024 * 1024)})
    data = read_bytes(source)
    if len(data) > MAX_BYTES:
        raise SourceError(_("The file is larger than %(limit)d MB.") % {"limit": MAX_BYTES // (1024 * 1024)})
    _header, found = read_rows(data)
    places, types = Places(), Types()

    kyrgyz, seen = [], {}
    for line, row in found:
        event_id = _cell(row, "event_id_cnty")
        country = _cell(row, "country")
        if not (country.casefold() == COUNTRY.casefold() or (not country and _cell(row, "iso") == str(ISO))):
            report.skip(line, _("The event is in %(country)s; only events in Kyrgyzstan are imported.") % {"country": country or "?"}, event_id)
            continue
        if "__extra__" in row:
            report.reject(line, _("The row has more cells than the header has columns."), event_id)
            continue
        if not event_id:
            report.reject(line, _("%(column)s: the event id is empty.") % {"column": "event_id_cnty"}, "")
            continue
        if len(event_id) > Incident._meta.get_field("external_id").max_length:
            report.reject(line, _("%(column)s: the event id is longer than %(max)s characters.") % {"column": "event_id_cnty", "max": 120}, event_id[:40])
            continue
        if event_id in seen:
            report.reject(line, _("%(column)s: the event %(id)s is also on line %(line)s.") % {"column": "event_id_cnty", "id": event_id, "line": seen[event_id]}, event_id)
            continue
        seen[event_id] = line
        kyrgyz.append((line, event_id, row))
    report.kyrgyz_rows = len(kyrgyz)
    existing = {}
    ids = [event_id for _line, event_id, _row in kyrgyz]
    for start in range(0, len(ids), 500):
        existing.update({i.external_id: i for i in Incident.objects.filter(origin=Incident.Origin.ACLED, external_id__in=ids[start:start + 500])
                         .select_related("territory", "incident_type")})

    def reject(line, event_id, column, message):
        report.reject(line, _("%(column)s: %(problem)s") % {"column": column, "problem": message}, event_id)

    try:
        with transaction.atomic(), analytics.batched():  # one refresh per period, at the end
            for line, event_id, row in kyrgyz:
                event, problems, notes = read_event(row, places, types)
                for column, note in notes:
                    report.correct(line, _("%(column)s: %(problem)s") % {"column": column, "problem": note}, event_id)
                if problems:
                    for column, problem in problems:
                        reject(line, event_id, column, problem)
                    continue
                current = existing.get(event_id)
                try:
                    with transaction.atomic():
                        if current is None:
                            incident_services.record_incident(user, event, origin=Incident.Origin.ACLED, external_id=event_id, source_dataset=dataset)
                            report.created += 1
                        elif _same(current, event):
                            report.unchanged += 1
                        else:
                            _update(user, current, event, dataset)
                            report.updated += 1
                except ValidationError as exc:
                    for name, messages in exc.message_dict.items():
                        for message in messages:
                            reject(line, event_id, COLUMN_OF.get(name, name), message)
                except PermissionDenied as exc:
                    reject(line, event_id, "admin1", str(exc) or _("You may not record incidents there."))
            if dry_run or (report.rejected and not valid_rows_only):
                raise _Rollback
    except _Rollback:
        report.committed = False
    else:
        report.committed = True
    report.dry_run = dry_run
    return report

"""DHIS2 ``dataValueSets``: the ministry's systems speak it, so Aimak reads and writes it as
DHIS2 does, identified by codes (``idScheme=code``): indicator code = dataElement, SOATE code
= orgUnit, disaggregation category = categoryOptionCombo ("total" for the total).

Values enter only through ``delivery.deliver`` (one call per form, territory and period), so a
DHIS2 import obeys the same permissions, validation, locks and audit trail as the data-entry
page. The import is all-or-nothing unless the sender asks for ``atomicMode=NONE``; the answer
is DHIS2's import summary, with a conflict naming the row for every refused value.
Exports stream, so memory stays flat whatever the size of the country's data."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aimak.audit.services import log_security_event
from aimak.core import scoping
from aimak.core.imports import SourceError, decode_text
from aimak.monitoring import disaggregation, periods
from aimak.monitoring.models import DataValue, FormIndicator, Indicator, Report, ReportingForm
from aimak.monitoring.selectors import forms as form_selectors
from aimak.monitoring.services import analytics, reporting
from aimak.territories.selectors import by_code

from .delivery import Delivery, deliver

MAX_BYTES = 20 * 1024 * 1024
MAX_VALUES = 200_000
TOTAL_CODE = "total"
TOTAL_ALIASES = {"", TOTAL_CODE, "default"}  # DHIS2's "default" combination is the undivided value
CREATE, UPDATE, CREATE_AND_UPDATE, DELETE = "CREATE", "UPDATE", "CREATE_AND_UPDATE", "DELETE"
STRATEGIES = (CREATE, UPDATE, CREATE_AND_UPDATE, DELETE)
_OLD_STRATEGIES = {"NEW": CREATE, "UPDATES": UPDATE, "NEW_AND_UPDATES": CREATE_AND_UPDATE, "DELETES": DELETE}
ID_SCHEME_PARAMS = (
    "idScheme", "dataElementIdScheme", "orgUnitIdScheme", "categoryOptionComboIdScheme",
    "attributeOptionComboIdScheme", "dataSetIdScheme",
)
# DHIS2's CSV columns, in its order (a header row is optional; without one, columns are read by position)
CSV_HEADER = ["dataelement", "period", "orgunit", "categoryoptioncombo", "attributeoptioncombo", "value",
              "storedby", "lastupdated", "comment", "followup"]
_CSV_ALIASES = {"catoptcombo": "categoryoptioncombo", "attroptcombo": "attributeoptioncombo",
                "categoryoptioncomboid": "categoryoptioncombo", "attributeoptioncomboid": "attributeoptioncombo"}
_CSV_EXTRA = {"deleted", "created"}
JSON_TYPES = ("application/json", "text/json")
CSV_TYPES = ("text/csv", "application/csv", "text/plain")


class PayloadError(ValueError):
    """The payload cannot be read at all (not JSON, not CSV, not text)."""


class PayloadTooLarge(PayloadError):
    """More bytes or values than one import may carry."""


class OptionError(ValueError):
    """An import or export parameter Aimak does not understand or support."""


def too_large_message() -> str:
    return _("The payload is too large: send at most %(mb)d MB and %(values)s values at a time, split by period or territory.") % {
        "mb": MAX_BYTES // (1024 * 1024), "values": f"{MAX_VALUES:,}".replace(",", " ")}


# --- periods --------------------------------------------------------------------------------

_ISO = re.compile(r"(?P<year>[0-9]{4})(?:(?P<month>[0-9]{2})|Q(?P<quarter>[0-9]))?", re.ASCII)
_OTHER_DHIS2 = re.compile(r"[0-9]{4}(?:[0-9]{4}|W[0-9]{1,2}|BiW[0-9]{1,2}|S[12]|AprilS[12]|[0-9]{2}B|April|July|Oct|Nov|Sun\w*|Wed\w*|Thu\w*|Sat\w*)",
                          re.ASCII | re.IGNORECASE)


def _period_help() -> str:
    return _("write 202603 for a month, 2026Q1 for a quarter or 2026 for a year")


def period_from_iso(text) -> periods.PeriodSpan:
    """DHIS2's ISO period (``202603``, ``2026Q1``, ``2026``) as an Aimak period. ValueError with
    the reason for anything else, whatever the input is."""
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str):
        raise ValueError(_("The period must be text, such as 202603."))
    raw = text.strip()
    match = _ISO.fullmatch(raw)
    if match is None:
        if _OTHER_DHIS2.fullmatch(raw):
            raise ValueError(_("“%(period)s” is a DHIS2 period type Aimak does not use; %(help)s.") % {"period": raw[:40], "help": _period_help()})
        raise ValueError(_("“%(period)s” is not a period; %(help)s.") % {"period": raw[:40], "help": _period_help()})
    year = int(match["year"])
    if year < 1000:
        raise ValueError(_("“%(period)s” is not a period; %(help)s.") % {"period": raw, "help": _period_help()})
    if match["month"]:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise ValueError(_("“%(period)s” is not a period: there is no month %(month)s.") % {"period": raw, "month": match["month"]})
        return periods.PeriodSpan(periods.MONTHLY, date(year, month, 1))
    if match["quarter"]:
        quarter = int(match["quarter"])
        if not 1 <= quarter <= 4:
            raise ValueError(_("“%(period)s” is not a period: a year has quarters 1 to 4.") % {"period": raw})
        return periods.PeriodSpan(periods.QUARTERLY, date(year, 3 * (quarter - 1) + 1, 1))
    return periods.PeriodSpan(periods.YEARLY, date(year, 1, 1))


def period_to_iso(span: periods.PeriodSpan) -> str:
    year = f"{span.start.year:04d}"
    if span.type == periods.MONTHLY:
        return f"{year}{span.start.month:02d}"
    if span.type == periods.QUARTERLY:
        return f"{year}Q{(span.start.month - 1) // 3 + 1}"
    return year


def iso_to_code(iso: str) -> str:
    """``202603`` -> ``2026-03`` (Aimak's period code)."""
    return period_from_iso(iso).code


def code_to_iso(code: str) -> str:
    """``2026-03`` -> ``202603``."""
    return period_to_iso(periods.parse(code))


# --- options --------------------------------------------------------------------------------


def _flag(params: Mapping, name: str, default: bool) -> bool:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in ("true", "1", "yes", "on"):
        return True
    if word in ("false", "0", "no", "off"):
        return False
    raise OptionError(_("%(name)s must be true or false, not “%(value)s”.") % {"name": name, "value": str(raw)[:40]})


def check_id_schemes(params: Mapping) -> None:
    for name in ID_SCHEME_PARAMS:
        raw = params.get(name)
        if raw not in (None, "") and str(raw).strip().upper() != "CODE":
            raise OptionError(_("Aimak identifies indicators, territories and categories by their codes only: "
                                "%(name)s=%(value)s is not supported; send %(name)s=code.") % {"name": name, "value": str(raw)[:40]})


@dataclass
class ImportOptions:
    dry_run: bool = False
    strategy: str = CREATE_AND_UPDATE
    atomic: bool = True  # DHIS2's atomicMode=ALL: any conflict and nothing is written

    @classmethod
    def from_params(cls, params: Mapping) -> "ImportOptions":
        """Options from DHIS2's query parameters; OptionError names a bad one."""
        check_id_schemes(params)
        strategy = str(params.get("importStrategy") or CREATE_AND_UPDATE).strip().upper()
        strategy = _OLD_STRATEGIES.get(strategy, strategy)
        if strategy not in STRATEGIES:
            raise OptionError(_("importStrategy must be one of %(choices)s, not “%(value)s”.")
                              % {"choices": ", ".join(STRATEGIES), "value": str(params.get("importStrategy"))[:40]})
        mode = str(params.get("atomicMode") or "ALL").strip().upper()
        if mode not in ("ALL", "NONE"):
            raise OptionError(_("atomicMode must be ALL or NONE, not “%(value)s”.") % {"value": str(params.get("atomicMode"))[:40]})
        return cls(dry_run=_flag(params, "dryRun", False), strategy=strategy, atomic=mode == "ALL")

    def as_dict(self) -> dict:
        return {"dryRun": self.dry_run, "importStrategy": self.strategy, "atomicMode": "ALL" if self.atomic else "NONE",
                "idSchemes": {"idScheme": "CODE"}}


# --- reading payloads -----------------------------------------------------------------------


@dataclass
class Row:
    """One data value as sent, before anything is looked up."""

    index: int  # 0-based position among the data values (DHIS2's conflict "indexes")
    where: str  # "line 4" (CSV) or "value 3" (JSON), for people
    data_element: object = None
    period: object = None
    org_unit: object = None
    category: object = None
    value: object = None
    comment: object = None
    deleted: bool = False
    data_set: str = ""
    problem: str = ""  # a reading problem (a short CSV row, a value that is not a value)


def detect_format(content_type: str = "", filename: str = "", data: bytes = b"") -> str:
    """"json" or "csv", from the content type, then the file name, then the first character."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind in JSON_TYPES or kind.endswith("+json"):
        return "json"
    if kind in ("text/csv", "application/csv"):
        return "csv"
    name = (filename or "").lower()
    if name.endswith(".json"):
        return "json"
    if name.endswith((".csv", ".txt")):
        return "csv"
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return "json" if head[:1] in (b"{", b"[") else "csv"


def read_payload(data: bytes, fmt: str) -> list[Row]:
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge(too_large_message())
    try:
        text = decode_text(data)
    except SourceError as exc:
        raise PayloadError(str(exc)) from None
    if "\x00" in text:
        raise PayloadError(_("The file is not a text file."))
    rows = read_json(text) if fmt == "json" else read_csv(text)
    if len(rows) > MAX_VALUES:
        raise PayloadTooLarge(too_large_message())
    if not rows:
        raise PayloadError(_("The payload holds no data values."))
    return rows


def _text(raw) -> str | None:
    """A JSON scalar as DHIS2 would read it; None for objects and lists (not a value)."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, (int, float, Decimal, str)):
        return str(raw).strip()
    return None


def read_json(text: str) -> list[Row]:
    try:
        # numbers stay exact text: a float would round, and Python refuses ints of over 4,300 digits
        doc = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except json.JSONDecodeError as exc:
        raise PayloadError(_("The JSON is malformed at line %(line)s, column %(column)s: %(reason)s.")
                           % {"line": exc.lineno, "column": exc.colno, "reason": exc.msg}) from None
    except RecursionError:
        raise PayloadError(_("The JSON is nested too deeply.")) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("dataValues"), list):
        raise PayloadError(_("A DHIS2 data value set is a JSON object with a list “dataValues”."))
    if len(doc["dataValues"]) > MAX_VALUES:
        raise PayloadTooLarge(too_large_message())
    defaults = {key: _text(doc.get(key)) or "" for key in ("period", "orgUnit", "dataSet")}
    rows = []
    for index, item in enumerate(doc["dataValues"]):
        where = _("value %(n)s") % {"n": index + 1}
        if not isinstance(item, dict):
            rows.append(Row(index, where, problem=_("a data value must be a JSON object.")))
            continue
        row = Row(
            index, where,
            data_element=_text(item.get("dataElement")),
            period=_text(item.get("period")) or defaults["period"],
            org_unit=_text(item.get("orgUnit")) or defaults["orgUnit"],
            category=_text(item.get("categoryOptionCombo")),
            value=_text(item.get("value")),
            comment=_text(item.get("comment")),
            deleted=item.get("deleted") in (True, "true", "TRUE", "True"),
            data_set=defaults["dataSet"],
        )
        for name, got in (("dataElement", row.data_element), ("period", row.period), ("orgUnit", row.org_unit),
                          ("categoryOptionCombo", row.category), ("value", row.value)):
            if got is None:
                row.problem = _("“%(field)s” must be text or a number.") % {"field": name}
                break
        rows.append(row)
    return rows


def read_csv(text: str) -> list[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    columns = None
    rows = []
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if columns is None:
                first = record[0].strip().lstrip("\ufeff").lower().replace("_", "").replace(" ", "")
                if first in ("dataelement", "dataelementid"):
                    columns = _csv_columns(record)
                    continue
                columns = {name: i for i, name in enumerate([*CSV_HEADER, "deleted"])}
            if len(rows) >= MAX_VALUES:
                raise PayloadTooLarge(too_large_message())
            rows.append(_csv_row(len(rows), line, record, columns))
    except csv.Error as exc:
        raise PayloadError(_("The CSV is malformed at line %(line)s: %(reason)s.") % {"line": reader.line_num, "reason": exc}) from None
    return rows


def _csv_columns(header: list[str]) -> dict[str, int]:
    columns = {}
    for i, name in enumerate(header):
        key = name.strip().lstrip("\ufeff").lower().replace("_", "").replace(" ", "")
        key = _CSV_ALIASES.get(key, key)
        if key in CSV_HEADER or key in _CSV_EXTRA:
            columns.setdefault(key, i)
    missing = [c for c in ("dataelement", "period", "orgunit", "value") if c not in columns]
    if missing:
        raise PayloadError(_("The CSV header lacks the columns %(columns)s; DHIS2's columns are %(expected)s.")
                           % {"columns": ", ".join(missing), "expected": ",".join(CSV_HEADER)})
    return columns


def _csv_row(index: int, line: int, record: list[str], columns: dict[str, int]) -> Row:
    where = _("line %(n)s") % {"n": line}

    def cell(name):
        i = columns.get(name)
        return record[i].strip() if i is not None and i < len(record) else None

    row = Row(index, where, data_element=cell("dataelement") or "", period=cell("period") or "",
              org_unit=cell("orgunit") or "", category=cell("categoryoptioncombo") or "",
              value=cell("value"), comment=cell("comment") or "",
              deleted=(cell("deleted") or "").lower() == "true")
    if row.value is None:
        row.problem = _("the row has %(got)s columns; DHIS2's order is %(expected)s.") % {"got": len(record), "expected": ",".join(CSV_HEADER)}
    return row


# --- the import summary ---------------------------------------------------------------------


@dataclass
class ImportSummary:
    options: ImportOptions
    imported: int = 0
    updated: int = 0
    ignored: int = 0
    deleted: int = 0
    conflicts: list[dict] = field(default_factory=list)
    status: str = "SUCCESS"
    description: str = ""
    committed: bool = False
    accepted: int = 0  # values that went through (written or already so), for WARNING against ERROR

    def conflict(self, obj, message: str, indexes: Iterable[int] = ()) -> None:
        entry = {"object": str(obj if obj not in (None, "") else "—"), "value": str(message)}
        indexes = sorted(set(indexes))
        if indexes:
            entry["indexes"] = indexes
        self.conflicts.append(entry)

    @property
    def total(self) -> int:
        return self.imported + self.updated + self.ignored + self.deleted

    def as_dict(self) -> dict:
        return {
            "responseType": "ImportSummary",
            "status": self.status,
            "description": self.description,
            "importOptions": self.options.as_dict(),
            "importCount": {"imported": self.imported, "updated": self.updated, "ignored": self.ignored, "deleted": self.deleted},
            "conflicts": self.conflicts,
        }


def refused_summary(options: ImportOptions | None, message: str) -> ImportSummary:
    """The answer to a payload or option that could not be read at all."""
    summary = ImportSummary(options or ImportOptions(), status="ERROR", description=str(message))
    summary.conflict("payload", message)
    return summary


# --- importing ------------------------------------------------------------------------------


@dataclass
class _Value:
    row: Row
    indicator: Indicator
    territory: object
    span: periods.PeriodSpan
    category: str
    form: ReportingForm
    number: Decimal | None  # None: the row removes the value
    refused: bool = False  # the value itself was refused: its report is not written half

    @property
    def cell(self) -> tuple:
        return (self.indicator.pk, self.territory.pk, self.span, self.category)

    @property
    def group(self) -> tuple:
        return (self.form.pk, self.territory.pk, self.span.start)


class _Rollback(Exception):
    pass


class _Lookup:
    """Codes to objects, each looked up once per import."""

    def __init__(self):
        self.indicators = {i.code: i for i in Indicator.objects.all()}
        self.forms_of_indicator: dict[int, list[ReportingForm]] = {}
        for item in FormIndicator.objects.filter(form__is_active=True).select_related("form").order_by("form__code"):
            self.forms_of_indicator.setdefault(item.indicator_id, []).append(item.form)
        self._territories: dict[str, object] = {}
        self._forms_for: dict[int, set[int]] = {}

    def territory(self, code: str):
        key = code.strip().upper()
        if key not in self._territories:
            self._territories[key] = by_code(key) if re.fullmatch(r"(?:417|KG)[0-9]{1,14}", key) else None
        return self._territories[key]

    def reported_forms(self, territory) -> set[int]:
        if territory.pk not in self._forms_for:
            self._forms_for[territory.pk] = set(form_selectors.forms_for(territory).values_list("pk", flat=True))
        return self._forms_for[territory.pk]


def _place(territory) -> str:
    return f"{territory} ({territory.code})"


def _resolve(row: Row, lookup: _Lookup, options: ImportOptions, summary: ImportSummary) -> _Value | None:
    """The row's indicator, territory, period, category and form; a conflict and None otherwise."""
    def refuse(obj, message):
        summary.conflict(obj, f"{row.where}: {message}", [row.index])
        return None

    if row.problem:
        return refuse("dataValue", row.problem)
    code = (row.data_element or "").strip()
    if not code:
        return refuse("dataElement", _("dataElement is missing."))
    indicator = lookup.indicators.get(code)
    if indicator is None:
        return refuse(code, _("no indicator has the code “%(code)s”.") % {"code": code})
    if indicator.is_formula:
        return refuse(code, _("%(indicator)s is calculated from other indicators and cannot be imported.") % {"indicator": indicator.name})
    unit = (row.org_unit or "").strip()
    if not unit:
        return refuse("orgUnit", _("orgUnit is missing."))
    territory = lookup.territory(unit)
    if territory is None:
        return refuse(unit, _("no territory has the SOATE code “%(code)s”.") % {"code": unit})
    raw_period = (row.period or "").strip()
    if not raw_period:
        return refuse("period", _("period is missing."))
    try:
        span = period_from_iso(raw_period)
    except ValueError as exc:
        return refuse(raw_period, str(exc))
    if span.type != indicator.period_type:
        return refuse(raw_period, _("%(indicator)s is reported %(type)s; the period “%(period)s” is %(got)s.") % {
            "indicator": code, "type": dict(periods.PERIOD_TYPES)[indicator.period_type],
            "period": raw_period, "got": dict(periods.PERIOD_TYPES)[span.type]})
    category = (row.category or "").strip().lower()
    if category in TOTAL_ALIASES:
        category = disaggregation.TOTAL
    elif category not in disaggregation.category_codes(indicator.disaggregation):
        allowed = ", ".join([TOTAL_CODE, *disaggregation.category_codes(indicator.disaggregation)])
        return refuse(row.category, _("%(indicator)s has no categoryOptionCombo “%(category)s”; use one of: %(allowed)s.")
                      % {"indicator": code, "category": row.category, "allowed": allowed})
    if indicator.value_origin == Indicator.ValueOrigin.INCIDENTS:
        return refuse(code, _("%(indicator)s is not imported: Aimak counts it from incident reports. "
                              "Send the incidents instead (the incident form, ACLED CSV or the API).") % {"indicator": code})
    reported = lookup.reported_forms(territory)
    candidates = [f for f in lookup.forms_of_indicator.get(indicator.pk, []) if f.pk in reported and f.period_type == span.type]
    if row.data_set:
        candidates = [f for f in candidates if f.code == row.data_set]
    if not candidates:
        if row.data_set:
            return refuse(code, _("%(indicator)s is not on the form “%(form)s” that %(territory)s reports.")
                          % {"indicator": code, "form": row.data_set, "territory": _place(territory)})
        return refuse(code, _("%(indicator)s is on no form in use that %(territory)s reports %(type)s.")
                      % {"indicator": code, "territory": _place(territory), "type": dict(periods.PERIOD_TYPES)[span.type]})
    number = None
    removing = options.strategy == DELETE or row.deleted or (row.value or "") == ""
    if not removing:
        try:
            number = reporting.parse_value(indicator, row.value)
        except ValueError as exc:
            refuse(code, _("value “%(value)s”: %(reason)s") % {"value": str(row.value)[:60], "reason": exc})
            return _Value(row, indicator, territory, span, category, candidates[0], None, refused=True)
    return _Value(row, indicator, territory, span, category, candidates[0], number)


def import_data_values(actor, data: bytes, *, fmt: str = "json", options: ImportOptions | None = None) -> ImportSummary:
    """Import a DHIS2 data value set sent by ``actor`` (a person or an integration).

    Raises PayloadError (PayloadTooLarge) when the payload cannot be read at all; every other
    problem is a conflict of the summary. With ``options.atomic`` any conflict means nothing
    is written; a dry run writes nothing either way."""
    options = options or ImportOptions()
    rows = read_payload(data, fmt)
    summary = ImportSummary(options)
    refusals: list[str] = []
    try:
        with transaction.atomic(), analytics.batched():  # one refresh per period, at the end
            _run(actor, rows, options, summary, refusals)
            if options.dry_run or (options.atomic and summary.conflicts):
                raise _Rollback
    except _Rollback:
        summary.committed = False
    else:
        summary.committed = True
    for code in sorted(set(refusals)):  # after the transaction, so that a rollback cannot erase it
        log_security_event("permission_refused", user=actor, detail={"action": "dhis2_import", "object": "monitoring.report", "territory": code})
    _conclude(summary, len(rows))
    return summary


def _conclude(summary: ImportSummary, total: int) -> None:
    options = summary.options
    n = len(summary.conflicts)
    if options.atomic and summary.conflicts:
        summary.imported = summary.updated = summary.deleted = 0
        summary.ignored = total
        summary.status = "ERROR"
        summary.description = _("Nothing was imported (conflicts: %(n)s). Correct them and send the data again, or import with atomicMode=NONE to keep the valid values.") % {"n": n}
    elif summary.conflicts:
        summary.status = "WARNING" if summary.accepted > 0 else "ERROR"
        summary.description = (_("Dry run: the valid values would be imported and the conflicts refused (conflicts: %(n)s); nothing was saved.")
                               if options.dry_run else _("The valid values were imported; the conflicts were refused (conflicts: %(n)s).")) % {"n": n}
    else:
        summary.status = "SUCCESS"
        summary.description = _("Dry run: the import would succeed; nothing was saved.") if options.dry_run else _("Import process completed successfully.")


def _run(actor, rows: list[Row], options: ImportOptions, summary: ImportSummary, refusals: list[str]) -> None:
    """Resolve every row, then write report by report. A report with a refused or repeated
    value is not written at all (no half reports, and no follow-on "total is required")."""
    lookup = _Lookup()
    first_at: dict[tuple, _Value] = {}
    duplicated: set[tuple] = set()
    tainted: set[tuple] = set()
    groups: dict[tuple, list[_Value]] = {}
    for row in rows:
        value = _resolve(row, lookup, options, summary)
        if value is None:
            summary.ignored += 1
            continue
        if value.refused:
            tainted.add(value.group)
            summary.ignored += 1
            continue
        if value.cell in first_at:
            first = first_at[value.cell]
            summary.conflict(value.indicator.code, _("%(where)s repeats %(first)s (the same dataElement, orgUnit, period and categoryOptionCombo); send each value once.")
                             % {"where": row.where, "first": first.row.where}, [first.row.index, row.index])
            duplicated.add(value.cell)
            tainted.add(value.group)
            summary.ignored += 1
            continue
        first_at[value.cell] = value
        groups.setdefault(value.group, []).append(value)
    for key, values in groups.items():
        if key in tainted:
            summary.ignored += len(values)
            continue
        _import_group(actor, values, options, summary, refusals)


def _import_group(actor, values: list[_Value], options: ImportOptions, summary: ImportSummary, refusals: list[str]) -> None:
    """One report's values: compare with what is stored, then one ``deliver`` for the changes."""
    head = values[0]
    form, territory, span = head.form, head.territory, head.span
    iso = period_to_iso(span)
    indexes = [v.row.index for v in values]
    if not scoping.allowed_within(actor, "create", Report, territory):
        refusals.append(territory.code)
        summary.conflict(territory.code, _("You may not import data for %(territory)s.") % {"territory": _place(territory)}, indexes)
        summary.ignored += len(values)
        return
    report = Report.objects.filter(form=form, territory=territory, period_start=span.start).first()
    stored = {}
    if report is not None:
        stored = {(v.indicator_id, v.category): v.value for v in DataValue.objects.filter(report=report)}
    changes: dict[tuple[str, str], str] = {}
    counts = {"imported": 0, "updated": 0, "ignored": 0, "deleted": 0}
    entering = False
    for value in values:
        current = stored.get((value.indicator.pk, value.category))
        cell = (value.indicator.code, value.category)
        if value.number is None:
            if current is None:
                counts["ignored"] += 1
            else:
                changes[cell] = ""
                counts["deleted"] += 1
            continue
        entering = True
        if current is None:
            if options.strategy == UPDATE:
                counts["ignored"] += 1
            else:
                changes[cell] = value.row.value
                counts["imported"] += 1
        elif current != value.number:
            if options.strategy == CREATE:
                counts["ignored"] += 1
            else:
                changes[cell] = value.row.value
                counts["updated"] += 1
        else:
            counts["ignored"] += 1
    needs_submission = entering and options.strategy != DELETE and (report is None or report.status not in Report.COUNTED)
    if not changes and not needs_submission:
        summary.ignored += len(values)
        summary.accepted += len(values)
        return
    if report is not None and report.is_locked:
        summary.conflict(territory.code, _("The report of %(territory)s for %(period)s is approved and locked; ask a coordinator to reopen it.")
                         % {"territory": _place(territory), "period": iso}, indexes)
        summary.ignored += len(values)
        return
    try:
        with transaction.atomic():
            deliver(actor, Delivery(form, territory, span.start, changes), submit=entering and options.strategy != DELETE)
    except PermissionDenied:
        refusals.append(territory.code)
        summary.conflict(territory.code, _("You may not import data for %(territory)s.") % {"territory": _place(territory)}, indexes)
        summary.ignored += len(values)
        return
    except ValidationError as exc:
        _validation_conflicts(exc, values, territory, iso, summary)
        summary.ignored += len(values)
        return
    for name, n in counts.items():
        setattr(summary, name, getattr(summary, name) + n)
    summary.accepted += len(values)


def _validation_conflicts(exc: ValidationError, values: list[_Value], territory, iso: str, summary: ImportSummary) -> None:
    """The reporting services' field errors as DHIS2 conflicts, each naming its rows."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    by_cell: dict[tuple[str, str], list[_Value]] = {}
    for value in values:
        by_cell.setdefault((value.indicator.code, value.category), []).append(value)
    every = [v.row.index for v in values]
    for key, messages in errors.items():
        if key.startswith("value:"):
            _prefix, code, category = (key.split(":", 2) + ["", ""])[:3]
            rows = by_cell.get((code, category), [])
            where = ", ".join(v.row.where for v in rows)
            label = f"{code} [{category or TOTAL_CODE}]"
            for message in messages:
                text = _("%(territory)s, %(period)s, %(cell)s: %(reason)s") % {
                    "territory": territory.code, "period": iso, "cell": label, "reason": message}
                summary.conflict(code, f"{where}: {text}" if where else text, [v.row.index for v in rows] or every)
        else:
            for message in messages:
                summary.conflict(territory.code, _("%(territory)s, %(period)s: %(reason)s")
                                 % {"territory": _place(territory), "period": iso, "reason": message}, every)

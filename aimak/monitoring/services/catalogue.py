"""The indicator catalogue as configuration: loading it from JSON or XLSX, writing it back, editing
one indicator with a version history, and closing or reopening a form's period.

The catalogue is national configuration: changing it needs ``configure`` on the country. Imports
follow the house convention (aimak.core.imports): every row is checked first, any rejected row
rolls the whole file back, and loading the same file twice changes nothing, so no new versions
and no change records appear the second time. ``user=None`` means a trusted command or job.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aimak.core import scoping
from aimak.core.imports import ImportReport, SourceError, read_bytes, read_json, run_import

from .. import disaggregation, periods
from ..models import (
    DEFAULT_CUTOFFS,
    Domain,
    FormAssignment,
    FormIndicator,
    Indicator,
    IndexSettings,
    IndicatorVersion,
    PeriodClosure,
    ReportingForm,
)

COUNTRY_CODE = "41700000000000"
LANGS = ("ky", "ru", "en")
FORMAT = "aimak-monitoring-catalogue"
LEVELS = ("green", "yellow", "orange", "red")  # threshold levels a raw value can reach (blue is below all)
CUTOFF_LEVELS = ("green", "yellow", "orange", "red")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
SOATE_RE = re.compile(r"^417\d{11}$")
RESERVED_CODES = ("export", "import", "new")
ASSIGNABLE_KINDS = ("aiyl_aimak", "town", "city", "city_district", "rayon", "village")

DOMAIN_TEXT = ("name", "description")
INDICATOR_TEXT = ("name", "definition", "unit", "source")
FORM_TEXT = ("name", "description")
# The fields of an indicator's definition, in the order files and version snapshots list them.
INDICATOR_FIELDS = (
    ["code", "domain"]
    + [f"{f}_{lang}" for f in INDICATOR_TEXT for lang in LANGS]
    + ["value_type", "polarity", "disaggregation", "period_type", "collection_level", "aggregation",
       "min_value", "max_value", "thresholds", "critical_value", "index_weight", "numerator", "denominator",
       "factor", "value_origin", "is_active"]
)
DECIMAL_FIELDS = ("min_value", "max_value", "critical_value", "index_weight", "factor")


# --- permission ------------------------------------------------------------------------------


def can_configure(user) -> bool:
    """National configuration needs ``configure`` on the whole country."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    from aimak.territories.selectors import by_code

    return scoping.allowed_within(user, "configure", Indicator, by_code(COUNTRY_CODE))


def require_configure(user) -> None:
    if user is None:  # a command or a background job
        return
    if not can_configure(user):
        from aimak.audit.services import log_security_event

        log_security_event("permission_refused", user=user, detail={"action": "configure", "object": "monitoring.indicator"})
        raise PermissionDenied(_("Changing the indicator catalogue needs the right to configure the whole country."))


# --- values as files and snapshots write them -------------------------------------------------


def number_text(value) -> str | None:
    """A decimal as the shortest text (1.500 -> "1.5", 10 -> "10"), so that equal numbers compare equal."""
    if value is None or value == "":
        return None
    d = Decimal(str(value)).normalize()
    if d == d.to_integral_value():
        d = d.quantize(Decimal(1))
    return format(d, "f")


def _json_number(value):
    d = Decimal(str(value))
    return int(d) if d == d.to_integral_value() else float(d)


def normal_thresholds(thresholds: dict | None) -> dict:
    return {k: _json_number(thresholds[k]) for k in LEVELS if (thresholds or {}).get(k) not in (None, "")}


def definition_of(indicator: Indicator) -> dict:
    """The indicator as a JSON-ready dict: the body of a version snapshot and of an export row."""
    out = {}
    for name in INDICATOR_FIELDS:
        if name == "domain":
            out[name] = indicator.domain.code if indicator.domain_id else None
        elif name in ("numerator", "denominator"):
            part = getattr(indicator, name)
            out[name] = part.code if part else None
        elif name in DECIMAL_FIELDS:
            out[name] = number_text(getattr(indicator, name))
        elif name == "thresholds":
            out[name] = normal_thresholds(indicator.thresholds)
        elif name in ("polarity", "collection_level"):
            out[name] = int(getattr(indicator, name))
        else:
            value = getattr(indicator, name)
            out[name] = value if value is not None else ("" if name[-3:] in ("_ky", "_ru", "_en") else None)
    return out


# --- checking one row ------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _decimal(row, key, errors, *, required=False, default=None):
    raw = row.get(key)
    if raw is None or _text(raw) == "":
        if required:
            errors.append(_("“%(field)s” is required.") % {"field": key})
        return default
    if isinstance(raw, bool):
        errors.append(_("“%(field)s” must be a number, not “%(value)s”.") % {"field": key, "value": raw})
        return default
    try:
        value = Decimal(_text(raw).replace(",", "."))
    except InvalidOperation:
        errors.append(_("“%(field)s” must be a number, not “%(value)s”.") % {"field": key, "value": raw})
        return default
    if not value.is_finite():
        errors.append(_("“%(field)s” must be a number, not “%(value)s”.") % {"field": key, "value": raw})
        return default
    return value


def _integer(row, key, errors, *, default=None, minimum=0):
    value = _decimal(row, key, errors, default=None)
    if value is None:
        return default
    if value != value.to_integral_value() or value < minimum:
        errors.append(_("“%(field)s” must be a whole number of at least %(min)s, not “%(value)s”.")
                      % {"field": key, "min": minimum, "value": row.get(key)})
        return default
    return int(value)


def _boolean(row, key, errors, default=True) -> bool:
    raw = row.get(key)
    if raw is None or _text(raw) == "":
        return default
    if isinstance(raw, bool):
        return raw
    text = _text(raw).lower()
    if text in ("1", "true", "yes", "да", "ооба"):
        return True
    if text in ("0", "false", "no", "нет", "жок"):
        return False
    errors.append(_("“%(field)s” must be yes or no, not “%(value)s”.") % {"field": key, "value": raw})
    return default


def _choice(row, key, choices, errors, default):
    value = _text(row.get(key)) or default
    allowed = [str(c) for c in choices]
    if value not in allowed:
        errors.append(_("“%(field)s” must be one of %(allowed)s, not “%(value)s”.")
                      % {"field": key, "allowed": ", ".join(allowed), "value": value})
        return default
    return value


def _code(row, errors, max_length) -> str:
    code = _text(row.get("code"))
    if not code:
        errors.append(_("“code” is required."))
    elif not SLUG_RE.match(code) or len(code) > max_length:
        errors.append(_("The code “%(code)s” must be at most %(max)d lower-case Latin letters, digits, hyphens or underscores.")
                      % {"code": code, "max": max_length})
    elif code in RESERVED_CODES:
        errors.append(_("The code “%(code)s” is reserved for a page address; choose another.") % {"code": code})
    return code


def _texts(row, fields, errors, required=("name",)) -> dict:
    out = {}
    for f in fields:
        for lang in LANGS:
            key = f"{f}_{lang}"
            out[key] = _text(row.get(key))
            if f in required and not out[key]:
                errors.append(_("“%(field)s” is required (the catalogue is kept in Kyrgyz, Russian and English).") % {"field": key})
    return out


def _thresholds(row, errors) -> dict:
    raw = row.get("thresholds")
    if isinstance(raw, str) and raw.strip():
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            errors.append(_("“thresholds” must be an object such as {\"green\": 1, \"orange\": 2, \"red\": 4}."))
            return {}
    if raw in (None, ""):
        raw = {k: row.get(f"threshold_{k}") for k in LEVELS if _text(row.get(f"threshold_{k}"))}
    if not isinstance(raw, dict):
        errors.append(_("“thresholds” must be an object such as {\"green\": 1, \"orange\": 2, \"red\": 4}."))
        return {}
    unknown = sorted(set(raw) - set(LEVELS))
    if unknown:
        errors.append(_("Unknown threshold levels: %(levels)s (use green, yellow, orange, red).") % {"levels": ", ".join(map(str, unknown))})
    out = {}
    for level in LEVELS:
        if raw.get(level) in (None, ""):
            continue
        value = _decimal({f"thresholds.{level}": raw[level]}, f"thresholds.{level}", errors)
        if value is not None:
            out[level] = value
    return out


def check_indicator(row: dict, errors: list) -> dict:
    """One indicator row as model values (references still as codes); problems go to ``errors``."""
    data = {"code": _code(row, errors, 40), "domain": _text(row.get("domain"))}
    if not data["domain"]:
        errors.append(_("“domain” is required."))
    data.update(_texts(row, INDICATOR_TEXT, errors))
    if not _text(row.get("source_ru")) and _text(row.get("source")):  # one source text for all languages
        for lang in LANGS:
            data[f"source_{lang}"] = data[f"source_{lang}"] or _text(row["source"])
    data["value_type"] = _choice(row, "value_type", Indicator.ValueType.values, errors, Indicator.ValueType.COUNT)
    polarity = _text(row.get("polarity")) or "1"
    if polarity not in ("1", "-1", "1.0", "-1.0"):
        errors.append(_("“polarity” must be 1 (higher means more tension) or -1 (higher means more resilience), not “%(value)s”.")
                      % {"value": polarity})
        polarity = "1"
    data["polarity"] = int(float(polarity))
    data["disaggregation"] = _choice(row, "disaggregation", list(disaggregation.PRESETS), errors, disaggregation.NONE)
    data["period_type"] = _choice(row, "period_type", [p for p, _label in periods.PERIOD_TYPES], errors, periods.MONTHLY)
    level = _text(row.get("collection_level")) or "3"
    data["collection_level"] = int(_choice({"collection_level": level}, "collection_level", ["3", "2"], errors, "3"))
    data["aggregation"] = _choice(row, "aggregation", Indicator.Aggregation.values, errors, Indicator.Aggregation.SUM)
    data["min_value"] = _decimal(row, "min_value", errors)
    data["max_value"] = _decimal(row, "max_value", errors)
    if data["min_value"] is not None and data["max_value"] is not None and data["min_value"] > data["max_value"]:
        errors.append(_("The smallest valid value (%(min)s) is larger than the largest (%(max)s).")
                      % {"min": data["min_value"], "max": data["max_value"]})
    thresholds = _thresholds(row, errors)
    data["thresholds"] = {k: _json_number(v) for k, v in thresholds.items()}
    data["critical_value"] = _decimal(row, "critical_value", errors)
    data["index_weight"] = _decimal(row, "index_weight", errors, default=Decimal(1))
    if data["index_weight"] is not None and data["index_weight"] < 0:
        errors.append(_("“index_weight” cannot be negative."))
    data["factor"] = _decimal(row, "factor", errors, default=Decimal(1))
    data["numerator"] = _text(row.get("numerator")) or None
    data["denominator"] = _text(row.get("denominator")) or None
    data["value_origin"] = _choice(row, "value_origin", Indicator.ValueOrigin.values, errors, Indicator.ValueOrigin.ENTERED)
    data["is_active"] = _boolean(row, "is_active", errors)
    errors.extend(check_consistency(data, thresholds))
    return data


def check_consistency(data: dict, thresholds: dict | None = None) -> list[str]:
    """Rules across fields, shared by the import and the edit page."""
    errors = []
    thresholds = thresholds if thresholds is not None else {k: Decimal(str(v)) for k, v in (data.get("thresholds") or {}).items()}
    values = [thresholds[k] for k in LEVELS if k in thresholds]
    ordered = sorted(values) if int(data.get("polarity") or 1) == 1 else sorted(values, reverse=True)
    if values != ordered:
        errors.append(_("Thresholds must rise from yellow to red (fall, for indicators where higher means more resilience)."))
    if bool(data.get("numerator")) != bool(data.get("denominator")):
        errors.append(_("A formula needs both a numerator and a denominator."))
    if data.get("numerator") and data.get("value_origin") == Indicator.ValueOrigin.INCIDENTS:
        errors.append(_("An indicator is either computed by a formula or counted from incident reports, not both."))
    code = data.get("code")
    for part in ("numerator", "denominator"):
        if data.get(part) and _part_code(data[part]) == code:
            errors.append(_("An indicator cannot be part of its own formula."))
            break
    if data.get("numerator") and data.get("factor") is not None and Decimal(str(data["factor"])) == 0:
        errors.append(_("The formula factor cannot be zero."))
    return errors


def _part_code(part):
    return part.code if isinstance(part, Indicator) else part


def _formula_cycle(code: str, parts: dict[str, tuple]) -> bool:
    """Does following numerators and denominators from ``code`` lead back to it?"""
    seen, stack = set(), [p for p in parts.get(code, ()) if p]
    while stack:
        current = stack.pop()
        if current == code:
            return True
        if current in seen:
            continue
        seen.add(current)
        stack.extend(p for p in parts.get(current, ()) if p)
    return False


# --- one indicator: edit with version history -------------------------------------------------


def save_indicator(user, indicator: Indicator, data: dict, *, note: str = "") -> tuple[Indicator, bool]:
    """Apply ``data`` (model field names; domain, numerator and denominator as objects or codes).

    Writes only when something really changed: the version goes up by one and a snapshot of the
    new definition is kept. A new indicator starts at version 1 with its first snapshot."""
    require_configure(user)
    data = dict(data)
    errors = {}
    if isinstance(data.get("domain"), str):
        domain = Domain.objects.filter(code=data["domain"]).first()
        if domain is None:
            errors["domain"] = _("Unknown domain “%(code)s”.") % {"code": data["domain"]}
        data["domain"] = domain
    for part in ("numerator", "denominator"):
        if isinstance(data.get(part), str):
            found = Indicator.objects.filter(code=data[part]).first()
            if found is None:
                errors[part] = _("Unknown indicator “%(code)s”.") % {"code": data[part]}
            data[part] = found
    if errors:
        raise ValidationError(errors)
    if "thresholds" in data:
        data["thresholds"] = normal_thresholds(data["thresholds"])
    merged = {**definition_of(indicator), **{k: _part_code(v) if k in ("numerator", "denominator") else v for k, v in data.items()}}
    problems = check_consistency(merged)
    if problems:
        raise ValidationError({"__all__": problems})
    with transaction.atomic():
        if indicator.pk:
            indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
        before = definition_of(indicator) if indicator.pk else None
        for name, value in data.items():
            setattr(indicator, name, value)
        code = indicator.code
        if indicator.numerator_id or indicator.denominator_id:
            graph = {i.code: (i.numerator.code if i.numerator_id else None, i.denominator.code if i.denominator_id else None)
                     for i in Indicator.objects.select_related("numerator", "denominator").exclude(code=code)}
            graph[code] = (indicator.numerator.code if indicator.numerator_id else None,
                           indicator.denominator.code if indicator.denominator_id else None)
            if _formula_cycle(code, graph):
                raise ValidationError({"numerator": _("The formula is circular: its parts lead back to “%(code)s”.") % {"code": code}})
        indicator.full_clean(exclude=["name", "definition", "unit", "source"])
        after = definition_of(indicator)
        if before == after:
            return indicator, False
        if before is not None:
            indicator.version += 1
        indicator.save()
        IndicatorVersion.objects.create(indicator=indicator, version=indicator.version, definition=after,
                                        changed_by=user, note=note[:300])
    return indicator, True


# --- periods ---------------------------------------------------------------------------------


def _check_period(form: ReportingForm, period_start: date) -> None:
    if periods.containing(form.period_type, period_start).start != period_start:
        raise ValidationError({"period": _("%(day)s is not the first day of a %(type)s period.")
                               % {"day": period_start, "type": dict(periods.PERIOD_TYPES)[form.period_type]}})
    if period_start < form.first_period:
        raise ValidationError({"period": _("The form is reported from %(first)s; %(day)s is earlier.")
                               % {"first": form.first_period, "day": period_start}})


def close_period(user, form: ReportingForm, period_start: date, reason: str) -> PeriodClosure:
    """Stop reporting for a period of a form (the audit trail records who and why)."""
    require_configure(user)
    _check_period(form, period_start)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the period is closed.")})
    with transaction.atomic():
        if PeriodClosure.objects.select_for_update().filter(form=form, period_start=period_start).exists():
            raise ValidationError({"period": _("This period is already closed.")})
        return PeriodClosure.objects.create(form=form, period_start=period_start, closed_by=user, reason=reason[:300])


def open_period(user, form: ReportingForm, period_start: date, reason: str = "") -> None:
    """Reopen a closed period: the closure is deleted, and its deletion recorded."""
    require_configure(user)
    with transaction.atomic():
        closure = PeriodClosure.objects.select_for_update().filter(form=form, period_start=period_start).first()
        if closure is None:
            raise ValidationError({"period": _("This period is not closed.")})
        closure.delete()


# --- reading a catalogue file ----------------------------------------------------------------


@dataclass
class Catalogue:
    """A file's content as rows with their line numbers (JSON: position in its list; XLSX: row)."""

    domains: list
    indicators: list
    forms: list
    settings: dict | None


def _is_xlsx(source, data: bytes) -> bool:
    return data[:2] == b"PK" or str(getattr(source, "name", source)).lower().endswith(".xlsx")


def read_catalogue(source) -> Catalogue:
    """A dict (already parsed JSON), or a path, URL, upload or bytes of JSON or XLSX."""
    if isinstance(source, dict):
        return _from_json(source)
    data = read_bytes(source)
    if _is_xlsx(source, data):
        return _from_xlsx(data)
    return _from_json(read_json(data))


def _from_json(data) -> Catalogue:
    if not isinstance(data, dict):
        raise SourceError(_("Expected a JSON object with “domains”, “indicators” and “forms”."))
    if data.get("format") not in (None, FORMAT):
        raise SourceError(_("This is not an Aimak indicator catalogue (format “%(format)s”).") % {"format": data.get("format")})
    sections = {}
    for name in ("domains", "indicators", "forms"):
        items = data.get(name) or []
        if not isinstance(items, list):
            raise SourceError(_("“%(section)s” must be a list.") % {"section": name})
        sections[name] = list(enumerate(items, start=1))
    settings = data.get("index_settings")
    if settings is not None and not isinstance(settings, dict):
        raise SourceError(_("“index_settings” must be an object."))
    return Catalogue(sections["domains"], sections["indicators"], sections["forms"], settings)


MAX_CATALOGUE_ROWS = 5000


def _from_xlsx(data: bytes) -> Catalogue:
    from aimak.core.imports import xlsx_sheets

    book = xlsx_sheets(data, max_rows=MAX_CATALOGUE_ROWS, sheets=("domains", "indicators", "forms", "settings"))
    sections = {}
    for name in ("domains", "indicators", "forms"):
        rows = iter(book.get(name, []))
        header = [(_text(h) if h is not None else "") for h in next(rows, ())]
        items = []
        for number, values in enumerate(rows, start=2):
            if all(v is None or _text(v) == "" for v in values):
                continue
            items.append((number, {h: v for h, v in zip(header, values) if h}))
        sections[name] = items
    settings = None
    if "settings" in book:
        pairs = {_text(row[0]): (row[1] if len(row) > 1 else None) for row in book["settings"][1:] if row and row[0]}
        settings = {
            "cutoffs": {lvl: pairs.get(f"cutoff_{lvl}") for lvl in CUTOFF_LEVELS if pairs.get(f"cutoff_{lvl}") is not None},
            **{k: pairs[k] for k in ("own_history_share", "history_periods", "acknowledge_within_hours") if k in pairs},
        }
    return Catalogue(sections["domains"], sections["indicators"], sections["forms"], settings)


def _list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [_text(v) for v in value if _text(v)]
    return [v.strip() for v in re.split(r"[,;\n]", _text(value)) if v.strip()]


def _assignments(value, errors) -> list[tuple[str, list[str]]]:
    """JSON: [{"area": code, "kinds": [...]}]; XLSX: "41702210000000: aiyl_aimak, town; 41703220000000: aiyl_aimak"."""
    out = []
    if value in (None, ""):
        return out
    if isinstance(value, str):
        items = []
        for part in value.split(";"):
            if part.strip():
                area, _sep, kinds = part.partition(":")
                items.append({"area": area.strip(), "kinds": _list(kinds)})
        value = items
    if not isinstance(value, list):
        errors.append(_("“assignments” must be a list of areas with kinds."))
        return out
    for item in value:
        if not isinstance(item, dict):
            errors.append(_("Each assignment needs an “area” (SOATE code) and “kinds”."))
            continue
        out.append((_text(item.get("area")), _list(item.get("kinds"))))
    return out


# --- the import ------------------------------------------------------------------------------


def import_catalogue(source, *, user=None, dry_run=False) -> ImportReport:
    """Load domains, indicators, forms and index settings; all or nothing, idempotent."""
    require_configure(user)
    catalogue = read_catalogue(source)
    name = "catalogue" if isinstance(source, dict) else str(getattr(source, "name", source))
    report = ImportReport(source=name, title=_("Indicator catalogue"))

    def work(report):
        checked = _check_all(catalogue, report)
        if report.rejected:
            return
        _write_all(checked, report, user)

    return run_import(report, work, dry_run=dry_run)


def _reject_all(report, sheet, line, code, errors):
    key = f"{sheet}: {code}" if code else sheet
    for message in errors:
        report.reject(line, message, key)


def _check_all(catalogue: Catalogue, report) -> dict:
    from aimak.territories.models import TerritoryKind
    from aimak.territories.selectors import by_code

    domains, indicators, forms = {}, {}, {}
    seen: dict[tuple, int] = {}

    def duplicate(sheet, code, line, errors):
        if code and (sheet, code) in seen:
            errors.append(_("Duplicate code; it is already on line %(line)d.") % {"line": seen[(sheet, code)]})
            return True
        seen[(sheet, code)] = line
        return False

    for line, row in catalogue.domains:
        errors = []
        if not isinstance(row, dict):
            _reject_all(report, "domains", line, "", [_("The row is not an object.")])
            continue
        data = {"code": _code(row, errors, 30), **_texts(row, DOMAIN_TEXT, errors)}
        data["weight"] = _decimal(row, "weight", errors, default=Decimal(1))
        if data["weight"] is not None and data["weight"] < 0:
            errors.append(_("“weight” cannot be negative."))
        data["order"] = _integer(row, "order", errors, default=line)
        if not duplicate("domains", data["code"], line, errors) and not errors:
            domains[data["code"]] = (line, data)
        _reject_all(report, "domains", line, data["code"], errors)

    known_domains = set(domains) | set(Domain.objects.values_list("code", flat=True))
    for line, row in catalogue.indicators:
        errors = []
        if not isinstance(row, dict):
            _reject_all(report, "indicators", line, "", [_("The row is not an object.")])
            continue
        data = check_indicator(row, errors)
        if data["domain"] and data["domain"] not in known_domains:
            errors.append(_("Unknown domain “%(code)s”.") % {"code": data["domain"]})
        if not duplicate("indicators", data["code"], line, errors) and not errors:
            indicators[data["code"]] = (line, data)
        _reject_all(report, "indicators", line, data["code"], errors)

    # formula parts: present in the file or the database, same period type, no circles
    stored = {i.code: i for i in Indicator.objects.select_related("numerator", "denominator")}
    graph = {c: (i.numerator.code if i.numerator_id else None, i.denominator.code if i.denominator_id else None) for c, i in stored.items()}
    period_of = {c: i.period_type for c, i in stored.items()}
    origin_of = {c: i.value_origin for c, i in stored.items()}
    for code, (_line, data) in indicators.items():
        graph[code] = (data["numerator"], data["denominator"])
        period_of[code] = data["period_type"]
        origin_of[code] = data["value_origin"]
    for code, (line, data) in list(indicators.items()):
        errors = []
        for part in ("numerator", "denominator"):
            ref = data[part]
            if ref and ref not in period_of:
                errors.append(_("The %(part)s “%(code)s” is not in the catalogue.") % {"part": part, "code": ref})
            elif ref and period_of[ref] != data["period_type"]:
                errors.append(_("The %(part)s “%(code)s” is reported %(other)s, this indicator %(own)s.")
                              % {"part": part, "code": ref, "other": period_of[ref], "own": data["period_type"]})
        if not errors and data["numerator"] and _formula_cycle(code, graph):
            errors.append(_("The formula is circular: its parts lead back to “%(code)s”.") % {"code": code})
        if errors:
            _reject_all(report, "indicators", line, code, errors)
            del indicators[code]

    formula = {c for c, (n, _d) in graph.items() if n}
    for line, row in catalogue.forms:
        errors = []
        if not isinstance(row, dict):
            _reject_all(report, "forms", line, "", [_("The row is not an object.")])
            continue
        data = {"code": _code(row, errors, 40), **_texts(row, FORM_TEXT, errors)}
        data["period_type"] = _choice(row, "period_type", [p for p, _label in periods.PERIOD_TYPES], errors, periods.MONTHLY)
        data["days_allowed"] = _integer(row, "days_allowed", errors, default=10)
        if data["days_allowed"] is not None and data["days_allowed"] > 366:
            errors.append(_("“days_allowed” cannot be more than 366."))
        data["is_active"] = _boolean(row, "is_active", errors)
        data["is_register"] = _boolean(row, "is_register", errors, default=False)
        first = row.get("first_period")
        if isinstance(first, datetime):
            first = first.date()
        if not isinstance(first, date):
            try:
                first = date.fromisoformat(_text(first))
            except ValueError:
                errors.append(_("“first_period” must be a date like 2024-11-01, not “%(value)s”.") % {"value": row.get("first_period")})
                first = None
        if first and periods.containing(data["period_type"], first).start != first:
            errors.append(_("“first_period” %(day)s is not the first day of a %(type)s period.") % {"day": first, "type": data["period_type"]})
        data["first_period"] = first
        data["indicators"] = _list(row.get("indicators"))
        for code in data["indicators"]:
            if code not in period_of:
                errors.append(_("The form lists “%(code)s”, which is not in the catalogue.") % {"code": code})
            elif code in formula:
                errors.append(_("“%(code)s” is a formula indicator: it is computed, not entered on a form.") % {"code": code})
            elif period_of[code] != data["period_type"]:
                errors.append(_("“%(code)s” is reported %(other)s, the form %(own)s.") % {"code": code, "other": period_of[code], "own": data["period_type"]})
            elif data["is_register"] and origin_of[code] != Indicator.ValueOrigin.INCIDENTS:
                errors.append(_("The incident register counts only indicators counted from incident reports; “%(code)s” is entered.") % {"code": code})
            elif not data["is_register"] and origin_of[code] == Indicator.ValueOrigin.INCIDENTS:
                errors.append(_("“%(code)s” is counted from incident reports: it belongs on the incident register, not on a form people fill in.") % {"code": code})
        if len(set(data["indicators"])) != len(data["indicators"]):
            errors.append(_("The form lists an indicator twice."))
        data["assignments"] = []
        for area, kinds in _assignments(row.get("assignments"), errors):
            territory = by_code(area) if SOATE_RE.match(area) else None
            if territory is None or territory.valid_to is not None or territory.code != area:
                errors.append(_("Unknown SOATE code “%(code)s”: no current territory has it.") % {"code": area})
                continue
            bad = [k for k in kinds if k not in TerritoryKind.values]
            if bad or not kinds:
                errors.append(_("Kinds of territory for %(code)s must be among %(allowed)s, not “%(value)s”.")
                              % {"code": area, "allowed": ", ".join(ASSIGNABLE_KINDS), "value": ", ".join(bad or kinds)})
                continue
            data["assignments"].append((territory, kinds))
        if data["is_register"] and data["assignments"]:
            errors.append(_("Nobody fills in the incident register, so it cannot be assigned to territories."))
        if len({t.pk for t, _k in data["assignments"]}) != len(data["assignments"]):
            errors.append(_("The same area is assigned twice."))
        if not duplicate("forms", data["code"], line, errors) and not errors:
            forms[data["code"]] = (line, data)
        _reject_all(report, "forms", line, data["code"], errors)

    settings = None
    if catalogue.settings is not None:
        errors, raw = [], catalogue.settings
        cutoffs_raw = raw.get("cutoffs") or {}
        if not isinstance(cutoffs_raw, dict):
            errors.append(_("“cutoffs” must be an object like {\"green\": 20, \"yellow\": 40, \"orange\": 60, \"red\": 80}."))
            cutoffs_raw = {}
        cutoffs = {}
        for level in CUTOFF_LEVELS:
            if level in cutoffs_raw:
                value = _decimal({f"cutoffs.{level}": cutoffs_raw[level]}, f"cutoffs.{level}", errors)
                if value is not None:
                    if not 0 <= value <= 100:
                        errors.append(_("The cut-off for %(level)s must be between 0 and 100.") % {"level": level})
                    cutoffs[level] = value
        ordered = [cutoffs[level] for level in CUTOFF_LEVELS if level in cutoffs]
        if ordered != sorted(ordered) or len(set(ordered)) != len(ordered):
            errors.append(_("Cut-offs must rise from green to red."))
        settings = {"cutoffs": {k: _json_number(v) for k, v in cutoffs.items()} or dict(DEFAULT_CUTOFFS)}
        share = _decimal(raw, "own_history_share", errors)
        if share is not None:
            if not 0 <= share <= 1:
                errors.append(_("“own_history_share” must be between 0 and 1."))
            settings["own_history_share"] = share
        for key in ("history_periods", "acknowledge_within_hours"):
            value = _integer(raw, key, errors, minimum=1)
            if value is not None:
                settings[key] = value
        _reject_all(report, "index_settings", None, "", errors)
    return {"domains": domains, "indicators": indicators, "forms": forms, "settings": settings}


def _count(report, outcome):
    if outcome == "created":
        report.created += 1
    elif outcome == "updated":
        report.updated += 1
    else:
        report.unchanged += 1


def _write_all(checked: dict, report, user) -> None:
    for code, (_line, data) in checked["domains"].items():
        domain = Domain.objects.filter(code=code).first()
        if domain is None:
            Domain.objects.create(**data)
            _count(report, "created")
            continue
        if any(number_text(getattr(domain, k)) != number_text(v) if k == "weight" else getattr(domain, k) != v
               for k, v in data.items()):
            for k, v in data.items():
                setattr(domain, k, v)
            domain.save()
            _count(report, "updated")
        else:
            _count(report, "unchanged")

    # parts before the formulas that use them
    items, order, visiting = checked["indicators"], [], set()

    def visit(code):
        if code in order or code not in items or code in visiting:
            return
        visiting.add(code)
        data = items[code][1]
        for part in (data["numerator"], data["denominator"]):
            if part:
                visit(part)
        order.append(code)

    for code in items:
        visit(code)
    for code in order:
        line, data = items[code]
        indicator = Indicator.objects.filter(code=code).first()
        created = indicator is None
        try:
            indicator, changed = save_indicator(user, indicator or Indicator(), data, note=_("imported"))
        except ValidationError as exc:
            _reject_all(report, "indicators", line, code, [m for msgs in exc.message_dict.values() for m in msgs])
            continue
        _count(report, "created" if created else ("updated" if changed else "unchanged"))

    for code, (_line, data) in checked["forms"].items():
        _count(report, _write_form(code, data))

    if checked["settings"] is not None:
        settings = IndexSettings.objects.order_by("pk").first()
        values = checked["settings"]
        if settings is None:
            IndexSettings.objects.create(**values)
            report.notes.append(_("Index settings created."))
        elif any(number_text(getattr(settings, k)) != number_text(v) if k != "cutoffs"
                 else normal_thresholds_any(settings.cutoffs) != normal_thresholds_any(v) for k, v in values.items()):
            for k, v in values.items():
                setattr(settings, k, v)
            settings.save()
            report.notes.append(_("Index settings updated."))
    if not report.rejected:
        report.notes.append(_("Indicators missing from the file are left as they are."))


def normal_thresholds_any(values: dict) -> dict:
    return {k: _json_number(v) for k, v in (values or {}).items() if v not in (None, "")}


def _write_form(code: str, data: dict) -> str:
    fields = {k: data[k] for k in ("period_type", "days_allowed", "first_period", "is_active", "is_register")}
    fields.update({f"{f}_{lang}": data[f"{f}_{lang}"] for f in FORM_TEXT for lang in LANGS})
    form = ReportingForm.objects.filter(code=code).first()
    outcome = "unchanged"
    if form is None:
        form = ReportingForm.objects.create(code=code, **fields)
        outcome = "created"
    elif any(getattr(form, k) != v for k, v in fields.items()):
        for k, v in fields.items():
            setattr(form, k, v)
        form.save()
        outcome = "updated"

    wanted = {c: n for n, c in enumerate(data["indicators"])}
    ids = dict(Indicator.objects.filter(code__in=wanted).values_list("code", "pk"))
    current = {item.indicator.code: item for item in form.items.select_related("indicator")}
    for c, item in current.items():
        if c not in wanted:
            item.delete()
            outcome = outcome if outcome == "created" else "updated"
    for c, position in wanted.items():
        item = current.get(c)
        if item is None:
            FormIndicator.objects.create(form=form, indicator_id=ids[c], order=position)
            outcome = outcome if outcome == "created" else "updated"
        elif item.order != position:
            item.order = position
            item.save(update_fields=["order"])
            outcome = outcome if outcome == "created" else "updated"

    assigned = {a.area_id: a for a in form.assignments.all()}
    wanted_areas = {t.pk: kinds for t, kinds in data["assignments"]}
    for area_id, assignment in assigned.items():
        if area_id not in wanted_areas:
            assignment.delete()
            outcome = outcome if outcome == "created" else "updated"
    for area_id, kinds in wanted_areas.items():
        assignment = assigned.get(area_id)
        if assignment is None:
            FormAssignment.objects.create(form=form, area_id=area_id, kinds=kinds)
            outcome = outcome if outcome == "created" else "updated"
        elif sorted(assignment.kinds or []) != sorted(kinds):
            assignment.kinds = kinds
            assignment.save()
            outcome = outcome if outcome == "created" else "updated"
    return outcome


# --- export ----------------------------------------------------------------------------------


def export_json() -> dict:
    """The whole catalogue in the format ``import_catalogue`` reads."""
    settings = IndexSettings.objects.order_by("pk").first()
    out = {"format": FORMAT, "format_version": 1}
    if settings is not None:
        out["index_settings"] = {
            "cutoffs": normal_thresholds_any(settings.cutoffs) or dict(DEFAULT_CUTOFFS),
            "own_history_share": number_text(settings.own_history_share),
            "history_periods": settings.history_periods,
            "acknowledge_within_hours": settings.acknowledge_within_hours,
        }
    out["domains"] = [
        {"code": d.code, **{f"{f}_{lang}": getattr(d, f"{f}_{lang}") or "" for f in DOMAIN_TEXT for lang in LANGS},
         "weight": number_text(d.weight), "order": d.order}
        for d in Domain.objects.order_by("order", "code")
    ]
    out["indicators"] = [
        definition_of(i) for i in Indicator.objects.select_related("domain", "numerator", "denominator").order_by("domain__order", "code")
    ]
    forms = []
    for form in ReportingForm.objects.order_by("code").prefetch_related("items__indicator", "assignments__area"):
        forms.append({
            "code": form.code, **{f"{f}_{lang}": getattr(form, f"{f}_{lang}") or "" for f in FORM_TEXT for lang in LANGS},
            "period_type": form.period_type, "days_allowed": form.days_allowed,
            "first_period": form.first_period.isoformat(), "is_active": form.is_active, "is_register": form.is_register,
            "indicators": [item.indicator.code for item in sorted(form.items.all(), key=lambda i: (i.order, i.pk))],
            "assignments": [{"area": a.area.code, "kinds": list(a.kinds or [])} for a in sorted(form.assignments.all(), key=lambda a: a.area.path)],
        })
    out["forms"] = forms
    return out


def export_xlsx() -> bytes:
    """The catalogue as a workbook people can edit in Excel and load back (one sheet per part)."""
    import openpyxl

    data = export_json()
    book = openpyxl.Workbook()
    book.remove(book.active)

    def sheet(name, header, rows):
        ws = book.create_sheet(name)
        ws.append(header)
        for row in rows:
            ws.append([row.get(h) for h in header])
        ws.freeze_panes = "B2"

    domain_header = ["code", *[f"{f}_{lang}" for f in DOMAIN_TEXT for lang in LANGS], "weight", "order"]
    sheet("domains", domain_header, [{**d, "weight": Decimal(d["weight"])} for d in data["domains"]])
    ind_header = [h for h in INDICATOR_FIELDS if h != "thresholds"] + [f"threshold_{k}" for k in LEVELS]
    ind_rows = []
    for i in data["indicators"]:
        row = {k: (Decimal(v) if k in DECIMAL_FIELDS and v is not None else v) for k, v in i.items() if k != "thresholds"}
        row.update({f"threshold_{k}": i["thresholds"].get(k) for k in LEVELS})
        ind_rows.append(row)
    sheet("indicators", ind_header, ind_rows)
    form_header = ["code", *[f"{f}_{lang}" for f in FORM_TEXT for lang in LANGS], "period_type", "days_allowed",
                   "first_period", "is_active", "is_register", "indicators", "assignments"]
    sheet("forms", form_header, [
        {**f, "indicators": ", ".join(f["indicators"]),
         "assignments": "; ".join(f"{a['area']}: {', '.join(a['kinds'])}" for a in f["assignments"])}
        for f in data["forms"]
    ])
    if "index_settings" in data:
        s = data["index_settings"]
        ws = book.create_sheet("settings")
        ws.append(["key", "value"])
        for level in CUTOFF_LEVELS:
            if level in s["cutoffs"]:
                ws.append([f"cutoff_{level}", s["cutoffs"][level]])
        ws.append(["own_history_share", Decimal(s["own_history_share"])])
        ws.append(["history_periods", s["history_periods"]])
        ws.append(["acknowledge_within_hours", s["acknowledge_within_hours"]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

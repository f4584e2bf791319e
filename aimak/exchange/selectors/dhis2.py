"""Reads for the DHIS2 export: the values of counted reports in the requester's scope, as
DHIS2 data values, streamed in chunks so that a national history leaves memory flat."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from aimak.core import scoping
from aimak.monitoring import periods
from aimak.monitoring.models import DataValue, Indicator, Report, ReportingForm
from aimak.territories.selectors import by_code

from ..services.dhis2 import TOTAL_CODE, OptionError, _flag, check_id_schemes, period_from_iso, period_to_iso  # noqa: F401

# --- exporting ------------------------------------------------------------------------------


@dataclass
class ExportFilters:
    forms: list[ReportingForm] = field(default_factory=list)
    territories: list = field(default_factory=list)
    children: bool = False
    spans: list[periods.PeriodSpan] = field(default_factory=list)
    start: date | None = None
    end: date | None = None
    last_updated: datetime | None = None

    @classmethod
    def from_params(cls, params) -> "ExportFilters":
        """DHIS2's export parameters (dataSet, orgUnit, children, period, startDate, endDate,
        lastUpdated); several dataSet, orgUnit and period may be given. OptionError names a bad one."""
        check_id_schemes(params)
        many = params.getlist if hasattr(params, "getlist") else (lambda k: [params[k]] if params.get(k) else [])
        found = cls(children=_flag(params, "children", False))
        for code in _split(many("dataSet")):
            form = ReportingForm.objects.filter(code=code).first()
            if form is None:
                raise OptionError(_("dataSet: no form has the code “%(code)s”.") % {"code": code[:40]})
            found.forms.append(form)
        for code in _split(many("orgUnit")):
            territory = by_code(code) if re.fullmatch(r"(?:417|KG)[0-9]{1,14}", code.upper()) else None
            if territory is None:
                raise OptionError(_("orgUnit: no territory has the SOATE code “%(code)s”.") % {"code": code[:40]})
            found.territories.append(territory)
        for text in _split(many("period")):
            try:
                found.spans.append(period_from_iso(text))
            except ValueError as exc:
                raise OptionError(_("period: %(reason)s") % {"reason": exc}) from None
        for name in ("startDate", "endDate"):
            raw = (params.get(name) or "").strip()
            if raw:
                day = _date(raw)
                if day is None:
                    raise OptionError(_("%(name)s must be a date such as 2026-01-31, not “%(value)s”.") % {"name": name, "value": raw[:40]})
                setattr(found, "start" if name == "startDate" else "end", day)
        raw = (params.get("lastUpdated") or "").strip()
        if raw:
            moment = _moment(raw)
            if moment is None:
                raise OptionError(_("lastUpdated must be a date or a date and time, not “%(value)s”.") % {"value": raw[:40]})
            found.last_updated = moment
        return found


def _split(items: Iterable[str]) -> list[str]:
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


def _date(raw: str) -> date | None:
    try:
        return parse_date(raw)
    except ValueError:
        return None


def _moment(raw: str) -> datetime | None:
    try:
        moment = parse_datetime(raw)
        if moment is None:
            day = parse_date(raw)
            moment = datetime.combine(day, time.min) if day else None
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def export_queryset(user, filters: ExportFilters):
    """Counted values (submitted or approved reports) the person may see, in a stable order."""
    qs = scoping.restrict(DataValue.objects.filter(report__status__in=Report.COUNTED), user, "view")
    if filters.forms:
        qs = qs.filter(report__form__in=filters.forms)
    if filters.territories:
        place = Q(pk__in=[])
        for territory in filters.territories:
            place |= Q(territory__path__startswith=territory.path) if filters.children else Q(territory=territory)
        qs = qs.filter(place)
    if filters.spans:
        when = Q(pk__in=[])
        for span in filters.spans:
            when |= Q(report__period_type=span.type, period_start=span.start)
        qs = qs.filter(when)
    if filters.start:
        qs = qs.filter(period_start__gte=filters.start)
    if filters.end:
        qs = qs.filter(period_start__lte=filters.end)
    if filters.last_updated:
        qs = qs.filter(report__updated_at__gte=filters.last_updated)
    return qs.order_by("territory__code", "period_start", "indicator__code", "category", "pk")


_FIELDS = ("indicator__code", "indicator__value_type", "report__period_type", "period_start", "territory__code", "category",
           "value", "report__submitted_by__username", "report__created_at", "report__updated_at", "comment")


def _value_text(value_type: str, value: Decimal) -> str:
    if value_type == Indicator.ValueType.YES_NO:
        return "true" if value else "false"
    return format(value.normalize(), "f")


def _stamp(moment) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def export_values(user, filters: ExportFilters) -> Iterator[dict]:
    """One DHIS2 data value per counted Aimak value, read from the database in chunks."""
    for (code, value_type, period_type, start, unit, category, value, stored_by, created, updated, comment) in (
        export_queryset(user, filters).values_list(*_FIELDS).iterator(chunk_size=2000)
    ):
        yield {
            "dataElement": code,
            "period": period_to_iso(periods.PeriodSpan(period_type, start)),
            "orgUnit": unit,
            "categoryOptionCombo": category or TOTAL_CODE,
            "attributeOptionCombo": "",
            "value": _value_text(value_type, value),
            "storedBy": stored_by or "",
            "created": _stamp(created),
            "lastUpdated": _stamp(updated),
            "comment": comment or "",
            "followup": False,
        }


def export_json_chunks(user, filters: ExportFilters, chunk: int = 500) -> Iterator[str]:
    """``{"dataValues": [...]}`` written piece by piece."""
    yield '{"dataValues": ['
    batch, first = [], True
    for item in export_values(user, filters):
        batch.append(json.dumps(item, ensure_ascii=False))
        if len(batch) >= chunk:
            yield ("" if first else ",") + ",".join(batch)
            batch, first = [], False
    if batch:
        yield ("" if first else ",") + ",".join(batch)
    yield "]}\n"


def export_csv_rows(user, filters: ExportFilters) -> Iterator[list]:
    for item in export_values(user, filters):
        yield [item["dataElement"], item["period"], item["orgUnit"], item["categoryOptionCombo"], item["attributeOptionCombo"],
               item["value"], item["storedBy"], item["lastUpdated"], item["comment"], "false"]

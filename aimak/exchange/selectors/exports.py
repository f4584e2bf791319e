"""Reads for exports of any size: the rows of each kind of export as an iterator over the
database (chunks of 2,000, never the whole table), the count that drives the progress bar,
and the jobs a person may see."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.db import connection
from django.db.models import CharField, F, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from aimak.core import scoping
from aimak.monitoring import periods
from aimak.monitoring.models import DataValue, Report, ReportingForm
from aimak.territories.selectors import by_code

from ..models import ExportJob
from ..services import dhis2 as dhis2_services
from . import dhis2 as dhis2_selectors

CHUNK = 2000
DIRECT_LIMIT = 20_000  # up to this many rows a download may stream at once; more goes to a background job


class FilterError(ValueError):
    """A filter that cannot be read; the message names it and says why."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Filters:
    form: ReportingForm | None = None
    territory: object | None = None  # a Territory: it and everything under it
    period_from: periods.PeriodSpan | None = None
    period_to: periods.PeriodSpan | None = None

    @classmethod
    def from_parameters(cls, parameters: dict) -> "Filters":
        """The job's stored filters (codes, as a person would type them) read back."""
        form = territory = start = end = None
        code = (parameters.get("form") or "").strip()
        if code:
            form = ReportingForm.objects.filter(code=code).first()
            if form is None:
                raise FilterError("form", _("No reporting form has the code “%(code)s”.") % {"code": code[:40]})
        code = (parameters.get("territory") or "").strip()
        if code:
            territory = by_code(code)
            if territory is None:
                raise FilterError("territory", _("No territory has the SOATE code “%(code)s”.") % {"code": code[:40]})
        for name in ("period_from", "period_to"):
            text = (parameters.get(name) or "").strip()
            if text:
                try:
                    span = periods.parse(dhis2_services.iso_to_code(text) if text.isdigit() and len(text) == 6 else text)
                except ValueError:
                    raise FilterError(name, _("“%(value)s” is not a period: write 2026-03, 2026Q1 or 2026.") % {"value": text[:40]}) from None
                if name == "period_from":
                    start = span
                else:
                    end = span
        if start and end and end.end < start.start:
            raise FilterError("period_to", _("The last period comes before the first one."))
        return cls(form=form, territory=territory, period_from=start, period_to=end)

    def as_dhis2(self) -> dhis2_selectors.ExportFilters:
        return dhis2_selectors.ExportFilters(
            forms=[self.form] if self.form else [], territories=[self.territory] if self.territory else [], children=True,
            start=self.period_from.start if self.period_from else None, end=self.period_to.end if self.period_to else None,
        )


# --- all values -----------------------------------------------------------------------------

VALUES_HEADER = ("indicator", "indicator_name", "territory", "territory_name", "period", "category", "value", "report_status")


def _localized(prefix: str):
    """The name in the current language, falling back as modeltranslation does on pages.
    (``values_list("indicator__name")`` would read the untranslated column.)"""
    language = translation.get_language() or settings.LANGUAGE_CODE
    chain = [language, *settings.MODELTRANSLATION_FALLBACK_LANGUAGES.get(language, settings.MODELTRANSLATION_FALLBACK_LANGUAGES["default"])]
    seen = [code for i, code in enumerate(chain) if code in settings.MODELTRANSLATION_LANGUAGES and code not in chain[:i]]
    text = CharField()
    return Coalesce(*[NullIf(F(f"{prefix}_{code}"), Value(""), output_field=text) for code in seen], F(prefix), output_field=text)


def values_queryset(user, filters: Filters) -> QuerySet:
    """Every value of every report (drafts included: the status column says which) that the
    person may see, in a stable order."""
    qs = scoping.restrict(DataValue.objects.all(), user, "view")
    if filters.form:
        qs = qs.filter(report__form=filters.form)
    if filters.territory:
        qs = qs.filter(territory__path__startswith=filters.territory.path)
    if filters.period_from:
        qs = qs.filter(period_start__gte=filters.period_from.start)
    if filters.period_to:
        qs = qs.filter(period_start__lte=filters.period_to.end)
    return qs.order_by("territory__code", "period_start", "indicator__code", "category", "pk")


def _number(value: Decimal) -> Decimal:
    """3.0000 -> 3 and 2.5000 -> 2.5 (never 1E+2)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _value_columns(user, filters: Filters) -> QuerySet:
    return values_queryset(user, filters).values_list(
        "indicator__code", _localized("indicator__name"), "territory__code", _localized("territory__name"),
        "report__period_type", "period_start", "category", "value", "report__status",
    )


def value_rows(user, filters: Filters) -> Iterator[tuple]:
    """One row per value, read in chunks: memory stays flat whatever the history."""
    for code, name, place, place_name, period_type, start, category, value, status in _value_columns(user, filters).iterator(chunk_size=CHUNK):
        yield (code, name, place, place_name, periods.PeriodSpan(period_type, start).code, category or dhis2_services.TOTAL_CODE,
               _number(value), status)


def value_text_rows(user, filters: Filters) -> Iterator[tuple]:
    """``value_rows`` as text, for CSV: the same query read straight from a server-side
    cursor (no per-row ORM conversion), with the few distinct periods and the repeated
    numbers formatted once each. Ten million rows at CSV speed (benchmarks/)."""
    sql, params = _value_columns(user, filters).query.sql_with_params()

    @lru_cache(maxsize=4096)
    def period_code(period_type: str, start) -> str:
        day = start if isinstance(start, date) else date.fromisoformat(str(start)[:10])  # SQLite returns text
        return periods.PeriodSpan(period_type, day).code

    @lru_cache(maxsize=65536)
    def number_text(value) -> str:
        return str(_number(value if isinstance(value, Decimal) else Decimal(str(value))))  # SQLite returns int / float

    total = dhis2_services.TOTAL_CODE
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            for code, name, place, place_name, period_type, start, category, value, status in rows:
                yield (code, name, place, place_name, period_code(period_type, start), category or total, number_text(value), status)


# --- what each kind writes ------------------------------------------------------------------


def count(kind: str, user, filters: Filters) -> int:
    if kind in (ExportJob.Kind.DHIS2_JSON, ExportJob.Kind.DHIS2_CSV):
        return dhis2_selectors.export_queryset(user, filters.as_dhis2()).count()
    return values_queryset(user, filters).count()


def kinds_for(user) -> list[tuple[str, str]]:
    """Everyone may export the values they see; DHIS2 files are for coordinators and analysts,
    as on the DHIS2 page."""
    dhis2 = user.is_superuser or bool(scoping.grants(user, "review", Report))
    return [(k.value, k.label) for k in ExportJob.Kind if dhis2 or not k.value.startswith("dhis2")]


# --- jobs ------------------------------------------------------------------------------------


def jobs_for(user, *, last: int = 20) -> list[ExportJob]:
    """A person's own exports, newest first (superusers see theirs here too; others' by address)."""
    return list(ExportJob.objects.filter(requested_by=user).order_by("-created_at", "-id")[:last])


def job_for(user, pk: int) -> ExportJob:
    """The job if it is the person's own (or they are a superuser); otherwise 404, as for
    anything out of scope."""
    qs = ExportJob.objects.filter(pk=pk)
    if not user.is_superuser:
        qs = qs.filter(requested_by=user)
    job = qs.first()
    if job is None:
        raise Http404
    return job

"""Live analysis: keep aggregates, the index and alerts in step with reports, the moment a
report is submitted, returned, approved or reopened (no nightly batch).

Why it is built this way:

- Values roll up on the tree *as of the period*: every counted ``DataValue`` carries the
  materialised path its territory had then (``territory_path``), so a municipality merged or
  moved after the period still adds up where it was. The areas a value belongs to are simply
  the prefixes of that path, ``PATH_STEP`` characters at a time (country, oblast, rayon,
  municipality); each segment is the base-36 id of the area.
- The database does the arithmetic: one GROUP BY query per affected area after a report
  (``refresh_after_report``), or one per tree depth for a whole period
  (``recompute_period``: ``GROUP BY substr(territory_path, 1, 6k)``). Python only picks, per
  (indicator, category) row, which of the SQL aggregates the indicator's rule asks for.
- Formula indicators are ratios of the area's *totals* (ratio of sums, never a mean of
  ratios): a rayon's rate per 1,000 is its incidents over its population, whatever the
  municipalities' own rates were. No value when the denominator is missing or zero.
- Everything runs in the caller's transaction and is idempotent: the same inputs give the
  same rows (upsert, then delete rows that lost all their values).
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import CharField, Count, DecimalField, F, Max, Q, Sum
from django.db.models.functions import Length, Substr

from aimak.territories.models import PATH_STEP, path_ids

from .. import periods
from ..models import AggregateValue, DataValue, FormIndicator, Indicator, IndexValue, Report
from . import index as index_service

SIX_PLACES = Decimal("0.000001")
_PRODUCT = DecimalField(max_digits=30, decimal_places=4)


# ---------------------------------------------------------------- helpers

def area_paths(path: str) -> list[str]:
    """Every area a value at ``path`` counts in, from the country down to its own territory."""
    return [path[:k] for k in range(PATH_STEP, len(path) + 1, PATH_STEP)]


def area_id(path: str) -> int:
    return path_ids(path[-PATH_STEP:])[0]


def _aggregates():
    """The SQL aggregates every rule needs, computed together in one pass."""
    return {
        "total": Sum("value"),
        "top": Max("value"),
        "n_values": Count("id"),
        "n_reports": Count("report", distinct=True),
        "weighted": Sum(F("value") * F("territory__population"), output_field=_PRODUCT, filter=Q(territory__population__isnull=False)),
        "population": Sum("territory__population"),
        "n_population": Count("territory__population"),
    }


def rule_value(rule: str, row: dict) -> Decimal | None:
    """The figure an indicator's aggregation rule takes from a GROUP BY row.

    mean_population weighs each value by its territory's population; when any contributing
    territory has no population recorded the plain mean is used instead (a partly weighted
    mean would silently favour the places we know)."""
    n = row["n_values"]
    if not n:
        return None
    total = Decimal(row["total"])
    if rule == Indicator.Aggregation.SUM:
        value = total
    elif rule == Indicator.Aggregation.MAX:
        value = Decimal(row["top"])
    elif rule == Indicator.Aggregation.MEAN_POPULATION and row["n_population"] == n and row["population"]:
        value = Decimal(row["weighted"]) / Decimal(row["population"])
    else:
        value = total / n
    return value.quantize(SIX_PLACES)


def _formula_closure(indicator_ids) -> list[Indicator]:
    """Formula indicators that depend (directly or through other formulas) on the given ones,
    in an order where parts come before the formulas that use them."""
    formulas = {i.pk: i for i in Indicator.objects.filter(numerator__isnull=False)}
    wanted = set(indicator_ids)
    chosen: dict[int, Indicator] = {}
    changed = True
    while changed:
        changed = False
        for pk, f in formulas.items():
            if pk not in chosen and (pk in wanted or f.numerator_id in wanted or f.denominator_id in wanted
                                     or f.numerator_id in chosen or f.denominator_id in chosen):
                chosen[pk] = f
                changed = True

    def depth(f, seen=()):
        parts = [formulas[p] for p in (f.numerator_id, f.denominator_id) if p in formulas and p not in seen]
        return 1 + max((depth(p, (*seen, f.pk)) for p in parts), default=0)

    return sorted(chosen.values(), key=lambda f: (depth(f), f.pk))


def _store(period_start: date, computed: dict[tuple[int, int, str], tuple[Decimal, int]], *, indicator_ids, territory_ids=None):
    """Upsert ``computed`` {(indicator, territory, category): (value, reports)} and delete the
    rows of these indicators (and territories, when given) that are no longer computed."""
    existing = AggregateValue.objects.filter(period_start=period_start, indicator_id__in=list(indicator_ids))
    if territory_ids is not None:
        existing = existing.filter(territory_id__in=list(territory_ids))
    stale = [pk for pk, i, t, c in existing.values_list("pk", "indicator_id", "territory_id", "category") if (i, t, c) not in computed]
    if stale:
        for start in range(0, len(stale), 500):
            AggregateValue.objects.filter(pk__in=stale[start : start + 500]).delete()
    if computed:
        AggregateValue.objects.bulk_create(
            [
                AggregateValue(indicator_id=i, territory_id=t, period_start=period_start, category=c, value=v, reports=n)
                for (i, t, c), (v, n) in computed.items()
            ],
            batch_size=500, update_conflicts=True, unique_fields=["indicator", "territory", "period_start", "category"],
            update_fields=["value", "reports", "computed_at"],
        )


def _formula_values(formulas: list[Indicator], period_start: date, territory_ids=None) -> dict:
    """Each formula at each area from that area's aggregated parts (ratio of sums)."""
    if not formulas:
        return {}
    parts = {p for f in formulas for p in (f.numerator_id, f.denominator_id)}
    known: dict[tuple[int, int, str], tuple[Decimal, int]] = {}
    qs = AggregateValue.objects.filter(period_start=period_start, indicator_id__in=parts, value__isnull=False)
    if territory_ids is not None:
        qs = qs.filter(territory_id__in=list(territory_ids))
    for i, t, c, v, n in qs.values_list("indicator_id", "territory_id", "category", "value", "reports"):
        known[(i, t, c)] = (Decimal(v), n)
    out: dict[tuple[int, int, str], tuple[Decimal, int]] = {}
    for f in formulas:  # parts first, so a formula of formulas sees this round's values
        for (i, t, c), (num, n) in list(known.items()):
            if i != f.numerator_id:
                continue
            den = known.get((f.denominator_id, t, c))
            if den is None or not den[0]:
                continue
            value = (num / den[0] * Decimal(f.factor)).quantize(SIX_PLACES)
            out[(f.pk, t, c)] = (value, max(n, den[1]))
            known[(f.pk, t, c)] = out[(f.pk, t, c)]
    return out


# ---------------------------------------------------------------- aggregation

def refresh_areas(paths, period_start: date, indicator_ids) -> None:
    """Recompute the aggregates of ``indicator_ids`` (and the formulas built on them) at each
    area path for one period: one GROUP BY query per area."""
    indicators = dict(Indicator.objects.filter(pk__in=list(indicator_ids), numerator__isnull=True).values_list("pk", "aggregation"))
    areas = {area_id(p): p for p in paths}
    computed: dict[tuple[int, int, str], tuple[Decimal, int]] = {}
    for t_id, path in areas.items():
        rows = (
            DataValue.objects.filter(counted=True, period_start=period_start, indicator_id__in=list(indicators), territory_path__startswith=path)
            .order_by()
            .values("indicator_id", "category")
            .annotate(**_aggregates())
        )
        for row in rows:
            value = rule_value(indicators[row["indicator_id"]], row)
            if value is not None:
                computed[(row["indicator_id"], t_id, row["category"])] = (value, row["n_reports"])
    _store(period_start, computed, indicator_ids=indicators, territory_ids=areas)
    formulas = _formula_closure(indicator_ids)
    _store(period_start, _formula_values(formulas, period_start, areas), indicator_ids=[f.pk for f in formulas], territory_ids=areas)


def _aggregate_country(period_start: date, indicator_ids) -> dict[int, str]:
    """All areas of the country for one period, set-based: one GROUP BY per tree depth.
    Returns the area paths found {territory id: path}."""
    indicators = dict(Indicator.objects.filter(pk__in=list(indicator_ids), numerator__isnull=True).values_list("pk", "aggregation"))
    base = DataValue.objects.filter(counted=True, period_start=period_start, indicator_id__in=list(indicators)).order_by()
    longest = base.aggregate(n=Max(Length("territory_path")))["n"] or 0
    computed: dict[tuple[int, int, str], tuple[Decimal, int]] = {}
    areas: dict[int, str] = {}
    for k in range(1, longest // PATH_STEP + 1):
        width = PATH_STEP * k
        rows = (
            base.annotate(area=Substr("territory_path", 1, width, output_field=CharField()), path_length=Length("territory_path"))
            .filter(path_length__gte=width)
            .values("area", "indicator_id", "category")
            .annotate(**_aggregates())
        )
        for row in rows:
            value = rule_value(indicators[row["indicator_id"]], row)
            if value is None:
                continue
            t_id = area_id(row["area"])
            areas[t_id] = row["area"]
            computed[(row["indicator_id"], t_id, row["category"])] = (value, row["n_reports"])
    _store(period_start, computed, indicator_ids=indicators)
    formulas = _formula_closure(indicator_ids)
    _store(period_start, _formula_values(formulas, period_start), indicator_ids=[f.pk for f in formulas])
    return areas


# ---------------------------------------------------------------- entry points

def _later_periods(period_type: str, period_start: date) -> list[date]:
    """Periods whose own-history baseline includes this one and that already have an index."""
    n = index_service.get_settings().history_periods
    span = periods.PeriodSpan(period_type, period_start)
    horizon = [span.shift(i).start for i in range(1, n + 1)]
    return sorted(set(IndexValue.objects.filter(period_type=period_type, period_start__in=horizon).values_list("period_start", flat=True)))


def _report_scope(report: Report) -> tuple[dict[int, str], set[int]]:
    """The areas ({territory id: path as of the period}) and indicators a report touches."""
    values = DataValue.objects.filter(report=report)
    paths = {report.territory_path, *values.order_by().values_list("territory_path", flat=True).distinct()} - {""}
    indicator_ids = set(values.order_by().values_list("indicator_id", flat=True).distinct())
    indicator_ids |= set(FormIndicator.objects.filter(form_id=report.form_id).values_list("indicator_id", flat=True))
    return {area_id(p): p for path in paths for p in area_paths(path)}, indicator_ids


# Reports waiting for one refresh at the end of ``batched()``: {(period type, start): (areas, indicators)}.
_pending: ContextVar[dict | None] = ContextVar("aimak_analytics_pending", default=None)

# Above this many areas one set-based pass over the country (a GROUP BY per tree depth) is
# cheaper than a GROUP BY per area.
MANY_AREAS = 40


@contextmanager
def batched():
    """Refresh once per period when the block ends, instead of once per report inside it.

    Imports deliver hundreds of reports in one transaction; each would otherwise recompute its
    areas, the period's index and alerts on its own. Nested blocks join the outer one; when the
    block raises, nothing is refreshed (its transaction is rolled back anyway)."""
    if _pending.get() is not None:
        yield
        return
    pending: dict = {}
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    for (period_type, period_start), (areas, indicator_ids) in sorted(pending.items()):
        _refresh(period_type, period_start, areas, indicator_ids, whole_index=True)


def refresh_after_report(report: Report) -> None:
    """Recompute every aggregate, index value and alert the report touches, before the
    submission returns (inside ``batched()``: once per period when the batch ends).

    Aggregates: the report territory's areas as of the period. Index: those areas now, and
    their later periods (their own-history baseline includes this one); the rest of the
    country, whose national reference the report moved by one value, follows in a background
    task after the commit (``reconcile_index``), so a submission does not wait for hundreds of
    territories. Alerts: evaluated for the affected areas."""
    areas, indicator_ids = _report_scope(report)
    pending = _pending.get()
    if pending is not None:
        known = pending.setdefault((report.period_type, report.period_start), ({}, set()))
        known[0].update(areas)
        known[1].update(indicator_ids)
        return
    _refresh(report.period_type, report.period_start, areas, indicator_ids, whole_index=False)
    reconcile_index_later(report.period_type, report.period_start)


def _refresh(period_type: str, period_start: date, areas: dict[int, str], indicator_ids, *, whole_index: bool) -> None:
    from . import alerts

    with transaction.atomic():
        if len(areas) > MANY_AREAS:
            _aggregate_country(period_start, indicator_ids)
        else:
            refresh_areas(areas.values(), period_start, indicator_ids)
        index_service.compute_indexes(period_type, period_start, territory_ids=None if whole_index else areas)
        for later in _later_periods(period_type, period_start):
            index_service.compute_indexes(period_type, later, territory_ids=areas)
        alerts.evaluate_areas(areas, period_type, period_start)


def reconcile_index_later(period_type: str, period_start: date) -> None:
    """After the commit, queue one whole-period index recompute (unless one is already waiting)."""
    from .. import tasks

    args = [period_type, period_start.isoformat()]

    def enqueue():
        if not tasks.already_queued(tasks.reconcile_index, args):
            tasks.reconcile_index.enqueue(*args)

    transaction.on_commit(enqueue)


def reconcile_index(period_type: str, period_start: date) -> None:
    """Every territory's index of the period against the current national reference."""
    with transaction.atomic():
        index_service.compute_indexes(period_type, period_start)


def recompute_period(period_type: str, period_start: date, *, indicator_ids=None, evaluate_alerts: bool = True) -> None:
    """Whole-country recompute of one period (demo loads, catalogue changes): aggregates by
    tree depth, the index of every territory with data, then (optionally) the alert rules."""
    from . import alerts

    with transaction.atomic():
        if indicator_ids is None:
            indicator_ids = set(DataValue.objects.filter(period_start=period_start).order_by().values_list("indicator_id", flat=True).distinct())
            indicator_ids |= set(AggregateValue.objects.filter(period_start=period_start).order_by().values_list("indicator_id", flat=True).distinct())
        areas = _aggregate_country(period_start, set(indicator_ids))
        index_service.compute_indexes(period_type, period_start)
        if evaluate_alerts:
            alerts.evaluate_areas(areas, period_type, period_start)

"""Reads of the live analysis for dashboards and the API: completeness, index series, level
maps, indicator tables. Everything is computed by the database from reports, aggregates and
index values; callers scope the territories they pass in (these functions do not)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import CharField, Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import Length, Substr

from aimak.territories.models import PATH_STEP, KIND_LEVEL, Territory, path_ids

from .. import periods
from ..models import AggregateValue, Indicator, IndexValue, Report, ReportingForm
from .forms import expected_territories


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def completeness(form: ReportingForm, period_start: date, *, area: Territory, by: str = "children") -> list[dict]:
    """Expected, received and on-time reports of ``form`` for one period, per child of ``area``
    (``by="children"``) or for the area itself (``by="self"``).

    Expected: the territories the form's assignments name, valid during the period, grouped by
    their path under ``area``. Received: counted reports (submitted or approved), grouped by
    the path the reporter had in the period. On time: submitted by the period's last day plus
    the form's days allowed. Two GROUP BY queries."""
    width = len(area.path) + (PATH_STEP if by == "children" else 0)
    span = periods.PeriodSpan(form.period_type, period_start)
    deadline = span.end + timedelta(days=form.days_allowed)

    expected_rows = (
        expected_territories(form, as_of=period_start)
        .filter(path__startswith=area.path)
        .annotate(n=Length("path")).filter(n__gte=width)
        .annotate(group=Substr("path", 1, width, output_field=CharField()))
        .order_by().values("group").annotate(expected=Count("id", distinct=True))
    )
    expected = {r["group"]: r["expected"] for r in expected_rows}
    received_rows = (
        Report.objects.filter(form=form, period_start=period_start, status__in=Report.COUNTED, territory_path__startswith=area.path)
        .annotate(n=Length("territory_path")).filter(n__gte=width)
        .annotate(group=Substr("territory_path", 1, width, output_field=CharField()))
        .order_by().values("group")
        .annotate(received=Count("id"), on_time=Count("id", filter=Q(submitted_at__date__lte=deadline)))
    )
    received = {r["group"]: r for r in received_rows}

    if by == "self":
        groups = {area.path: area}
    else:
        groups = {t.path: t for t in Territory.objects.filter(parent=area, valid_to__isnull=True)}
        missing = [g for g in {*expected, *received} if g not in groups]
        if missing:  # units that existed in the period but not any more
            found = {t.pk: t for t in Territory.objects.filter(pk__in=[path_ids(g)[-1] for g in missing])}
            groups.update({g: found[path_ids(g)[-1]] for g in missing if path_ids(g)[-1] in found})
    out = []
    for group, territory in groups.items():
        n_expected = expected.get(group, 0)
        row = received.get(group, {})
        n_received, n_on_time = row.get("received", 0), row.get("on_time", 0)
        out.append({
            "territory": territory, "expected": n_expected, "received": n_received, "on_time": n_on_time,
            "rate": _rate(n_received, n_expected), "timeliness": _rate(n_on_time, n_expected),
        })
    out.sort(key=lambda r: str(r["territory"]))
    return out


def index_series(territory: Territory, *, period_type: str = periods.MONTHLY, last: int = 24) -> list[IndexValue]:
    """The territory's last ``last`` index values, oldest first."""
    rows = list(IndexValue.objects.filter(territory=territory, period_type=period_type).order_by("-period_start")[:last])
    rows.reverse()
    return rows


def level_map(*, level: int, period_start: date, parent: Territory | None = None, period_type: str = periods.MONTHLY) -> list[dict]:
    """Every current territory of a level (optionally under ``parent``) with its index value and
    level for the period (None where it has none)."""
    kinds = [k for k, v in KIND_LEVEL.items() if v == level]
    qs = Territory.objects.filter(valid_to__isnull=True, kind__in=kinds)
    if parent is not None:
        qs = qs.filter(path__startswith=parent.path)
    index = IndexValue.objects.filter(territory=OuterRef("pk"), period_type=period_type, period_start=period_start)
    qs = qs.annotate(index_value=Subquery(index.values("value")[:1]), index_level=Subquery(index.values("level")[:1])).order_by("path")
    return [{"territory": t, "value": t.index_value, "level": t.index_level} for t in qs]


def indicator_table(territory: Territory, period_start: date, *, last: int = 12) -> list[dict]:
    """Per indicator with a value for the territory and period: the total, its categories, the
    series of the last ``last`` periods (oldest to newest, None where missing) and its score
    in the index breakdown (None when not in the index)."""
    types = set(
        AggregateValue.objects.filter(territory=territory, period_start=period_start)
        .order_by().values_list("indicator__period_type", flat=True).distinct()
    )
    starts = {pt: [periods.PeriodSpan(pt, period_start).shift(-i).start for i in range(last - 1, -1, -1)] for pt in types}
    all_starts = {s for ss in starts.values() for s in ss}
    rows = AggregateValue.objects.filter(territory=territory, period_start__in=all_starts).values_list(
        "indicator_id", "category", "period_start", "value"
    )
    values: dict[int, dict] = defaultdict(dict)
    for ind_id, category, start, value in rows:
        values[ind_id][(category, start)] = value
    indicators = Indicator.objects.filter(pk__in=[i for i, v in values.items() if any(s == period_start for _c, s in v)]).select_related("domain")
    scores = {}
    for iv in IndexValue.objects.filter(territory=territory, period_start=period_start, period_type__in=types):
        for entry in iv.breakdown or []:
            scores[(iv.period_type, entry.get("indicator"))] = entry.get("score")
    out = []
    for ind in indicators.order_by("domain__order", "domain__code", "code"):
        own = values[ind.pk]
        out.append({
            "indicator": ind,
            "value": own.get(("", period_start)),
            "categories": {c: v for (c, s), v in sorted(own.items()) if s == period_start and c != ""},
            "series": [own.get(("", s)) for s in starts.get(ind.period_type, [period_start])],
            "score": scores.get((ind.period_type, ind.code)),
        })
    return out


def latest_period(period_type: str = periods.MONTHLY) -> date | None:
    """The most recent period with any index value."""
    return IndexValue.objects.filter(period_type=period_type).aggregate(latest=Max("period_start"))["latest"]

"""Reads behind the monitoring dashboards: the map, its table, the territory page, the home panel.

Why this shape: a dashboard that fans out into a query per territory is what makes DHIS2
dashboards slow, so every figure here is one query over many territories (completeness is
counted by GROUP BY on path prefixes, values are fetched for all rows of a table at once). Everything goes through ``scoping.restrict``: monitoring data is not
public, and a coordinator sees their territory and what lies under it, nothing above.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import CharField, Count, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aimak.core import scoping
from aimak.territories import selectors as territory_selectors
from aimak.territories.models import Territory

from .. import disaggregation, periods
from ..models import (
    DEFAULT_CUTOFFS, LEVEL_ORDER, AggregateValue, Alert, Indicator, IndexSettings, IndexValue, Level, Report,
    ReportingForm, ResponsePlan,
)
from .forms import expected_territories

COUNTRY = "41700000000000"
MONTHLY = periods.MONTHLY

# Fill colours of the five levels, and the text colour that reads on each (contrast AA).
LEVEL_COLOURS = {"blue": "#1f5fa8", "green": "#2e7d32", "yellow": "#f2c200", "orange": "#ef7d1a", "red": "#b71c1c"}
LEVEL_INK = {"blue": "#ffffff", "green": "#ffffff", "yellow": "#1b1f24", "orange": "#1b1f24", "red": "#ffffff"}
NO_DATA_COLOUR = "#c9ced4"

# Completeness bands for the map (the legend names them; colour is never the only carrier).
COMPLETENESS_BANDS = [
    ("none", 0.0, "#b71c1c", _("under 50%")),
    ("low", 0.5, "#ef7d1a", _("50–79%")),
    ("most", 0.8, "#8bc34a", _("80–99%")),
    ("all", 1.0, "#2e7d32", _("all reports received")),
]

REASONS = {
    "own_history": _("against its own history"),
    "national": _("against the national distribution"),
    "both": _("against its own history and the national distribution"),
    "none": _("not enough history to compare"),
}


# ---------------------------------------------------------------- levels and colours

def level_info(level: str | None) -> dict | None:
    if not level:
        return None
    return {"code": level, "label": Level(level).label, "colour": LEVEL_COLOURS.get(level, NO_DATA_COLOUR), "ink": LEVEL_INK.get(level, "#000")}


def legend() -> list[dict]:
    return [level_info(str(level)) for level in LEVEL_ORDER]


def completeness_band(rate: float | None) -> dict | None:
    if rate is None:
        return None
    chosen = COMPLETENESS_BANDS[0]
    for band in COMPLETENESS_BANDS:
        if rate >= band[1]:
            chosen = band
    return {"code": chosen[0], "colour": chosen[2], "label": chosen[3]}


def completeness_legend() -> list[dict]:
    return [{"code": code, "colour": colour, "label": label} for code, _low, colour, label in COMPLETENESS_BANDS]


def cutoffs() -> dict:
    """Lower bounds of the levels above blue, from the index settings (defaults otherwise)."""
    settings_row = IndexSettings.objects.order_by("pk").first()
    values = dict(DEFAULT_CUTOFFS)
    if settings_row and settings_row.cutoffs:
        values.update({k: v for k, v in settings_row.cutoffs.items() if k in values})
    return values


def level_bands() -> list[dict]:
    """The five levels as ranges of the 0–100 scale, for the trend chart's background."""
    cuts = cutoffs()
    bounds = [0] + [float(cuts[str(lv)]) for lv in LEVEL_ORDER[1:]] + [100]
    return [
        {**level_info(str(lv)), "label": str(Level(lv).label), "from": bounds[i], "to": bounds[i + 1]}
        for i, lv in enumerate(LEVEL_ORDER)
    ]


# ---------------------------------------------------------------- scope

def sees_whole_country(user) -> bool:
    if user.is_superuser:
        return True
    return any(len(p) <= 6 for p in scoping.grants(user, "view", IndexValue))


def in_scope(user, territory: Territory) -> bool:
    """May the user see this territory's monitoring data (index, values, alerts)?"""
    return scoping.allowed_within(user, "view", IndexValue, territory)


def scope_roots(user) -> list[Territory]:
    """The highest territories whose monitoring data the user may see."""
    if user.is_superuser:
        country = territory_selectors.by_code(COUNTRY)
        return [country] if country else []
    paths = scoping.grants(user, "view", IndexValue)
    if not paths:
        return []
    return list(Territory.objects.filter(path__in=paths).defer("geometry", "geometry_web").order_by("path"))


def _scope_q(user) -> Q:
    if user.is_superuser:
        return Q()
    condition = Q(pk__in=[])
    for path in scoping.grants(user, "view", IndexValue):
        condition |= Q(path__startswith=path)
    return condition


# ---------------------------------------------------------------- periods and forms

def periods_with_data(user, period_type: str = MONTHLY) -> list[date]:
    """Periods with an index or a counted report in the user's scope, newest first."""
    index = scoping.restrict(IndexValue.objects.filter(period_type=period_type), user, "view")
    reports = scoping.restrict(Report.objects.filter(period_type=period_type, status__in=Report.COUNTED), user, "view")
    found = set(index.order_by().values_list("period_start", flat=True).distinct())
    found |= set(reports.order_by().values_list("period_start", flat=True).distinct())
    return sorted(found, reverse=True)


def latest_period(user, period_type: str = MONTHLY) -> date | None:
    """The newest period with an index value the user may see (or, before any index exists,
    a counted report)."""
    index = scoping.restrict(IndexValue.objects.filter(period_type=period_type), user, "view")
    found = index.order_by("-period_start").values_list("period_start", flat=True).first()
    if found is None:
        reports = scoping.restrict(Report.objects.filter(period_type=period_type, status__in=Report.COUNTED), user, "view")
        found = reports.order_by("-period_start").values_list("period_start", flat=True).first()
    return found


def completeness_form(code: str | None = None) -> ReportingForm | None:
    """The form whose completeness dashboards show: the one asked for, else "monthly", else the
    first form in use."""
    forms = ReportingForm.objects.filter(is_active=True, is_register=False)  # nobody reports the register
    if code:
        chosen = forms.filter(code=code).first()
        if chosen:
            return chosen
    return forms.filter(code="monthly").first() or forms.order_by("code").first()


def active_forms():
    """Forms people report (completeness choices); the incident register is nobody's to report."""
    return ReportingForm.objects.filter(is_active=True, is_register=False).order_by("code")


# ---------------------------------------------------------------- completeness

def completeness_counts(paths, user, form: ReportingForm | None, period_start: date | None) -> dict[str, dict]:
    """Expected, received and on-time reports of ``form`` for the period under each of
    ``paths``: every expected reporter below a path counts. Grouped by the path's prefix in the
    database (two GROUP BY queries per distinct path length, whatever the number of paths),
    not a count per territory. Received: counted reports the user may see, of expected
    reporters, placed by the path the reporter had in the period."""
    paths = set(paths)
    if form is None or period_start is None or not paths:
        return {}
    span = periods.PeriodSpan(form.period_type, period_start)
    deadline = timezone.make_aware(datetime.combine(span.end + timedelta(days=form.days_allowed + 1), time.min))
    expected = expected_territories(form, as_of=span.end).order_by()
    counted = scoping.restrict(
        Report.objects.filter(form=form, period_start=period_start, status__in=Report.COUNTED, territory__in=expected.values("pk")),
        user, "view",
    ).order_by()
    out = {p: {"expected": 0, "received": 0, "on_time": 0} for p in paths}
    for width in sorted({len(p) for p in paths}):
        group = Substr("path", 1, width, output_field=CharField())
        for row in expected.annotate(group=group).values("group").annotate(n=Count("pk")):
            if row["group"] in out:
                out[row["group"]]["expected"] = row["n"]
        group = Substr("territory_path", 1, width, output_field=CharField())
        for row in counted.annotate(group=group).values("group").annotate(
                n=Count("pk"), on_time=Count("pk", filter=Q(submitted_at__lt=deadline))):
            if row["group"] in out:
                out[row["group"]].update(received=row["n"], on_time=row["on_time"])
    return out


def _rates(counts: dict | None) -> dict:
    counts = counts or {}
    expected, received, on_time = counts.get("expected"), counts.get("received"), counts.get("on_time")
    rate = received / expected if expected else None
    timeliness = on_time / expected if expected else None
    return {"expected": expected, "received": received, "on_time": on_time, "rate": rate, "timeliness": timeliness}


def scope_completeness(user, form: ReportingForm | None, period_start: date | None) -> dict | None:
    """Completeness and timeliness over everything the user may see."""
    roots = scope_roots(user)
    if form is None or period_start is None or not roots:
        return None
    counts = completeness_counts([r.path for r in roots], user, form, period_start)
    expected = sum(c["expected"] for c in counts.values())
    received = sum(c["received"] for c in counts.values())
    on_time = sum(c["on_time"] for c in counts.values())
    return {
        "form": form, "expected": expected, "received": received, "on_time": on_time,
        "rate": received / expected if expected else None, "timeliness": on_time / expected if expected else None,
    }


# ---------------------------------------------------------------- the map and its table

@dataclass
class Area:
    """What the map shows: the children of ``parent``, or every territory of ``level``, or
    (for people holding several places) those places themselves."""

    parent: Territory | None
    level: int | None
    roots: list

    def territories(self, user):
        qs = Territory.objects.filter(valid_to__isnull=True)
        if self.parent is not None:
            qs = qs.filter(parent=self.parent).exclude(kind="village")
        elif self.level is not None:
            qs = qs.filter(kind__in=territory_selectors.level_kinds(self.level))
        else:
            qs = qs.filter(pk__in=[r.pk for r in self.roots])
        return qs.filter(_scope_q(user))


def resolve_area(user, *, parent: Territory | None = None, level: int | None = None) -> Area:
    if parent is not None:
        return Area(parent, None, [])
    if level is not None:
        return Area(None, level, [])
    if sees_whole_country(user):
        return Area(None, 1, [])
    roots = scope_roots(user)
    if len(roots) == 1 and roots[0].level < 3:
        return Area(roots[0], None, [])
    return Area(None, None, roots)


SORTS = {"name", "-name", "value", "-value", "rate", "-rate"}


def map_rows(user, area: Area, *, period_start: date | None, form: ReportingForm | None, sort: str = "name",
             with_geometry: bool = False) -> list[dict]:
    """One row per territory of the area: index value and level for the period, completeness
    of the form. Three queries whatever the number of territories."""
    fields = ["id", "code", "pcode", "kind", "path", "parent_id", "latitude", "longitude", "valid_to",
              "name", "name_ky", "name_ru", "name_en", "short_name", "short_name_ky", "short_name_ru", "short_name_en"]
    if with_geometry:
        fields.append("geometry_web")
    rows = list(area.territories(user).only(*fields).order_by("name_ru"))
    counts = completeness_counts([t.path for t in rows], user, form, period_start)
    values = {}
    if period_start is not None and rows:
        index = scoping.restrict(
            IndexValue.objects.filter(period_type=MONTHLY, period_start=period_start, territory__in=[t.pk for t in rows]),
            user, "view",
        )
        values = {iv.territory_id: iv for iv in index.only("territory_id", "value", "level", "coverage")}
    out = []
    for t in rows:
        iv = values.get(t.pk)
        out.append({
            "territory": t, "code": t.code, "name": t.name, "kind": t.get_kind_display(),
            "value": iv.value if iv else None, "level": level_info(iv.level) if iv else None,
            "coverage": iv.coverage if iv else None, "drill": t.level < 3, **_rates(counts.get(t.path)),
        })
    return sort_rows(out, sort)


def sort_rows(rows: list[dict], sort: str) -> list[dict]:
    sort = sort if sort in SORTS else "name"
    key, reverse = sort.lstrip("-"), sort.startswith("-")
    if key == "name":
        return sorted(rows, key=lambda r: str(r["name"]).lower(), reverse=reverse)
    present = [r for r in rows if r[key] is not None]
    missing = [r for r in rows if r[key] is None]
    return sorted(present, key=lambda r: r[key], reverse=reverse) + missing  # no data last either way


def level_counts(rows: list[dict]) -> list[dict]:
    counts = Counter(r["level"]["code"] for r in rows if r["level"])
    return [{**info, "count": counts.get(info["code"], 0)} for info in legend()]


def alert_counts(user, territory: Territory | None = None) -> dict:
    qs = scoping.restrict(Alert.objects.filter(status__in=Alert.OPEN), user, "view")
    if territory is not None:
        qs = qs.filter(territory__path__startswith=territory.path)
    return qs.aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=Q(acknowledged_at__isnull=True, acknowledge_due__lt=timezone.now())),
    )


def has_synthetic(user, territory: Territory | None = None) -> bool:
    """Does anything the user may see here come from the demo generator? (Pages then say so.)"""
    reports = scoping.restrict(Report.objects.filter(is_synthetic=True), user, "view")
    alerts = scoping.restrict(Alert.objects.filter(is_synthetic=True), user, "view")
    if territory is not None:
        reports = reports.filter(territory__path__startswith=territory.path)
        alerts = alerts.filter(territory__path__startswith=territory.path)
    return reports.exists() or alerts.exists()


# ---------------------------------------------------------------- the territory page

def index_series(user, territory: Territory, *, last: int = 24) -> list[IndexValue]:
    qs = scoping.restrict(IndexValue.objects.filter(territory=territory, period_type=MONTHLY), user, "view")
    return list(reversed(qs.order_by("-period_start")[:last]))


def index_value(user, territory: Territory, period_start: date | None) -> IndexValue | None:
    if period_start is None:
        return None
    qs = IndexValue.objects.filter(territory=territory, period_type=MONTHLY, period_start=period_start)
    return scoping.restrict(qs, user, "view").first()


def breakdown_rows(index_value: IndexValue | None) -> list[dict]:
    """The index's explanation in the reader's language; tolerant of entries that lack keys."""
    if index_value is None or not isinstance(index_value.breakdown, list):
        return []
    entries = [e for e in index_value.breakdown if isinstance(e, dict)]
    codes = {e.get("indicator") for e in entries if e.get("indicator")}
    names = {i.code: i for i in Indicator.objects.filter(code__in=codes).select_related("domain")}
    rows = []
    for e in entries:
        indicator = names.get(e.get("indicator"))
        threshold = e.get("threshold")
        rows.append({
            "code": e.get("indicator") or "",
            "name": indicator.name if indicator else (e.get("indicator") or "—"),
            "domain": indicator.domain.name if indicator else (e.get("domain") or ""),
            "value": _number(e.get("value")), "score": _number(e.get("score")), "weight": _number(e.get("weight")),
            "contribution": _number(e.get("contribution")), "z": _number(e.get("z")),
            "threshold": level_info(threshold) if threshold in LEVEL_COLOURS else None,
            "reason": REASONS.get(e.get("reason"), e.get("reason") or ""),
            "decides": bool(e.get("decides")),
        })
    rows.sort(key=lambda r: -(r["contribution"] or 0))
    return rows


def _number(value):
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def indicator_table(user, territory: Territory, period_start: date, *, last: int = 12, scores: dict | None = None) -> list[dict]:
    """Per indicator with data: the period's total, its parts (women / men...) and the last
    ``last`` periods' totals for a sparkline. Uses the analytics selector (which knows quarterly
    and yearly indicators) once the caller has checked the territory is in scope; the own
    version below stays as the fallback."""
    if not in_scope(user, territory):
        return []
    try:
        from .analytics import indicator_table as analytics_table
    except ImportError:
        return _indicator_table(user, territory, period_start, last=last, scores=scores)
    scores = scores or {}
    rows = []
    for r in analytics_table(territory, period_start, last=last):
        indicator = r["indicator"]
        categories = r.get("categories") or {}
        parts = [
            {"code": code, "label": disaggregation.label(indicator.disaggregation, code), "value": categories[code]}
            for code in disaggregation.category_codes(indicator.disaggregation) if code in categories
        ]
        series = list(r.get("series") or [])
        score = r.get("score")
        rows.append({
            "indicator": indicator, "code": indicator.code, "name": indicator.name, "domain": indicator.domain.name,
            "unit": indicator.unit, "value": r.get("value"), "categories": parts, "series": series,
            "sparkline": sparkline_points(series), "score": score if score is not None else scores.get(indicator.code),
        })
    return rows


def _indicator_table(user, territory: Territory, period_start: date, *, last: int = 12, scores: dict | None = None) -> list[dict]:
    """Monthly indicators only; two queries."""
    span = periods.PeriodSpan(MONTHLY, period_start)
    window = [span.shift(-i).start for i in range(last - 1, -1, -1)]
    aggregates = scoping.restrict(
        AggregateValue.objects.filter(territory=territory, period_start__gte=window[0], period_start__lte=period_start),
        user, "view",
    ).order_by().values_list("indicator_id", "period_start", "category", "value")
    by_indicator: dict[int, dict] = {}
    for indicator_id, start, category, value in aggregates:
        entry = by_indicator.setdefault(indicator_id, {"series": {}, "categories": {}})
        if category == disaggregation.TOTAL:
            entry["series"][start] = value
        elif start == period_start:
            entry["categories"][category] = value
    indicators = Indicator.objects.filter(pk__in=by_indicator).select_related("domain").order_by("domain__order", "code")
    scores = scores or {}
    rows = []
    for indicator in indicators:
        entry = by_indicator[indicator.pk]
        series = [entry["series"].get(day) for day in window]
        parts = [
            {"code": code, "label": disaggregation.label(indicator.disaggregation, code), "value": entry["categories"][code]}
            for code in disaggregation.category_codes(indicator.disaggregation) if code in entry["categories"]
        ]
        rows.append({
            "indicator": indicator, "code": indicator.code, "name": indicator.name, "domain": indicator.domain.name,
            "unit": indicator.unit, "value": entry["series"].get(period_start), "categories": parts,
            "series": series, "sparkline": sparkline_points(series), "score": scores.get(indicator.code),
        })
    return rows


def sparkline_points(series, *, width: int = 100, height: int = 24, pad: int = 2) -> str:
    """``x,y`` pairs for an SVG polyline of the known values (gaps skipped)."""
    known = [(i, float(v)) for i, v in enumerate(series) if v is not None]
    if not known:
        return ""
    low, high = min(v for _i, v in known), max(v for _i, v in known)
    span = (high - low) or 1.0
    step = (width - 2 * pad) / max(len(series) - 1, 1)
    points = []
    for i, v in known:
        y = height - pad - (v - low) / span * (height - 2 * pad) if high != low else height / 2
        points.append(f"{pad + i * step:.1f},{y:.1f}")
    return " ".join(points)


def open_alerts(user, territory: Territory, *, limit: int = 50):
    qs = scoping.restrict(Alert.objects.filter(status__in=Alert.OPEN, territory__path__startswith=territory.path), user, "view")
    found = list(qs.select_related("territory", "rule").order_by("-raised_at")[:limit])
    now = timezone.now()
    for alert in found:  # what the list shows next to each alert
        alert.severity_info = level_info(alert.severity)
        alert.is_overdue = alert.acknowledged_at is None and alert.acknowledge_due < now
    return found


def plans(user, territory: Territory, *, limit: int = 50):
    qs = scoping.restrict(ResponsePlan.objects.filter(territory__path__startswith=territory.path), user, "view")
    return list(qs.exclude(status=ResponsePlan.Status.CANCELLED).select_related("territory").order_by("-created_at")[:limit])


def reporting_history(user, territory: Territory, *, limit: int = 100):
    qs = scoping.restrict(Report.objects.filter(territory__path__startswith=territory.path), user, "view")
    return list(qs.select_related("form", "territory").order_by("-period_start", "territory__path", "form__code")[:limit])


# ---------------------------------------------------------------- the home page

def home_summary(user) -> dict | None:
    """The home page's monitoring panel; None when the user sees no monitoring data."""
    if not user.is_authenticated or not (user.is_superuser or scoping.grants(user, "view", IndexValue)):
        return None
    period = latest_period(user)
    if period is None:
        return None
    counts = dict(
        scoping.restrict(
            IndexValue.objects.filter(period_type=MONTHLY, period_start=period, territory__kind__in=territory_selectors.level_kinds(3)),
            user, "view",
        ).order_by().values_list("level").annotate(n=Count("pk"))
    )
    return {
        "period": periods.PeriodSpan(MONTHLY, period),
        "levels": [{**info, "count": counts.get(info["code"], 0)} for info in legend()],
        "alerts": alert_counts(user),
        "completeness": scope_completeness(user, completeness_form(), period),
    }



def hotspot_info(index_value) -> dict | None:
    """The part an area's index was lifted to (see services/index.py), ready for the page."""
    spot = getattr(index_value, "hotspot", None) or None
    if not spot:
        return None
    part = Territory.objects.filter(code=spot.get("territory"), valid_to__isnull=True).first()
    return {"territory": part, "value": spot.get("value"), "own_value": spot.get("own_value"),
            "level": level_info(spot.get("level")) if spot.get("level") else None}

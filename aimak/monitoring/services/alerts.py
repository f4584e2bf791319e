"""Alert rules: turn index values and critical figures into alerts people must act on.

Why: the index says how tense a place is; an alert says "someone must look at this now", once,
with the evidence attached, so a coordinator never has to reverse-engineer why it fired.
An alert is raised once per (rule, territory, period) (``Alert.key``); later reports in the
same period refresh its evidence (and raise its severity) while it is open, never duplicate it.

The four kinds (``AlertRule.kind``) and their parameters:

- ``level_crossing`` {"level": "orange", "levels": [3]}: the index reached ``level`` this period
  and was below it in the previous period (or had no index). ``levels`` are the territory
  levels watched (3 municipality, 2 rayon, 1 oblast). Severity: the level reached.
- ``sharp_rise`` {"points": 25, "periods": 6, "min_level": "yellow", "levels": [3]}: the index is
  at least ``points`` above the median of its previous ``periods`` values (at least 3 of them)
  and has reached ``min_level`` (a calm place's first isolated incident is not an alarm).
  Severity: the rule's.
- ``critical_value`` {"levels": [2, 3]}: a total at or above an indicator's critical value (at
  or below, for resilience indicators). Only indicators collected at the territory's own level
  are checked, so one fatality raises one alert where it was reported, not one more at every
  level above. One alert per territory and period listing every critical value. Severity red.
- ``neighbours_rising`` {"count": 3, "points": 10, "min_level": "yellow", "levels": [3]}: at
  least ``count`` territories under one parent whose index rose by ``points`` or more since the
  previous period to at least ``min_level``; the alert goes to the parent. Aiyl aimaks are points on our maps, not polygons, so
  we cannot know who borders whom; siblings under the same parent as of the period (the path
  prefix of their reports) stand in for neighbours.

Evidence (``Alert.evidence``), self-explanatory JSON the alert page renders::

    {"rule": {"code", "kind", "parameters"}, "period": "2026-03", "period_type": "monthly",
     "period_start": "2026-03-01", "territory": "41702210815000",
     "index": {"value": 63.21, "level": "orange", "previous_value": 12.0 | null,
               "previous_level": "blue" | null, "baseline": 20.0 (sharp_rise: median of history),
               "baseline_periods": ["2025-09", ...]},
     "top_indicators": [{"indicator", "value", "score", "contribution", "threshold", "decides"}],
     "critical_values": [{"indicator", "value", "critical_value"}],      # critical_value
     "neighbours": [{"territory", "value", "previous_value", "rise"}],  # neighbours_rising
     "reports": [report ids behind the figures], "reports_total": n}
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import CharField
from django.db.models.functions import Length, Substr
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aimak.territories.models import KIND_LEVEL, PATH_STEP, Territory, path_ids

from .. import periods
from ..models import AggregateValue, Alert, AlertEvent, AlertRule, DataValue, Indicator, IndexValue, Level, Report
from . import index as index_service

DEFAULT_RULES = [
    # code, kind, (ky, ru, en), parameters, severity
    ("index-orange", AlertRule.Kind.LEVEL_CROSSING,
     ("Индекс кызгылт сары деңгээлге жетти", "Индекс достиг оранжевого уровня", "Index reached orange"),
     {"level": "orange", "levels": [3]}, Level.ORANGE),
    ("sharp-rise", AlertRule.Kind.SHARP_RISE,
     ("Кескин өсүү", "Резкий рост", "Sharp rise"),
     {"points": 25, "periods": 6, "min_level": "yellow", "levels": [3]}, Level.ORANGE),
    ("critical-value", AlertRule.Kind.CRITICAL_VALUE,
     ("Критикалык маани", "Критическое значение", "Critical value"),
     {"levels": [2, 3]}, Level.RED),
    ("neighbours-rising", AlertRule.Kind.NEIGHBOURS_RISING,
     ("Коңшулар бирге өсүүдө", "Соседи растут вместе", "Neighbours rising together"),
     {"count": 3, "points": 10, "min_level": "yellow", "levels": [3]}, Level.ORANGE),
]
DEFAULT_LEVELS = {
    AlertRule.Kind.LEVEL_CROSSING: [3],
    AlertRule.Kind.SHARP_RISE: [3],
    AlertRule.Kind.CRITICAL_VALUE: [2, 3],
    AlertRule.Kind.NEIGHBOURS_RISING: [3],
}
TOP_INDICATORS = 5
MAX_REPORT_IDS = 100


def ensure_default_rules() -> list[AlertRule]:
    """The starting rules, created once by code; an existing rule (maybe tuned) is left alone."""
    out = []
    for code, kind, (ky, ru, en), parameters, severity in DEFAULT_RULES:
        rule, _created = AlertRule.objects.get_or_create(
            code=code,
            defaults={"kind": kind, "name_ky": ky, "name_ru": ru, "name_en": en, "parameters": parameters, "severity": severity},
        )
        out.append(rule)
    return out


def alert_key(rule: AlertRule, territory, period_start: date) -> str:
    return f"{rule.code}:{territory.pk}:{period_start.isoformat()}"


@transaction.atomic
def raise_alert(rule: AlertRule, territory: Territory, period_type: str, period_start: date, severity: str, summary: str,
                evidence: dict, *, is_synthetic: bool = False) -> Alert:
    """Raise the alert once per (rule, territory, period); an open one gets the fresh evidence
    (and a higher severity, never a lower one); a closed one is left as it was."""
    key = alert_key(rule, territory, period_start)
    alert = Alert.objects.select_for_update().filter(key=key).first()
    if alert is not None:
        if not alert.is_open:
            return alert
        raised_severity = index_service.level_rank(severity) > index_service.level_rank(alert.severity)
        if raised_severity or alert.evidence != evidence or alert.summary != summary[:400]:
            before = alert.severity
            alert.evidence = evidence
            alert.summary = summary[:400]
            if raised_severity:
                alert.severity = severity
            alert.save(update_fields=["evidence", "summary", "severity"])
            if raised_severity:
                AlertEvent.objects.create(alert=alert, action="severity_raised", comment=f"{before} → {severity}")
        return alert
    settings_row = index_service.get_settings()
    alert = Alert.objects.create(
        key=key, rule=rule, territory=territory, period_type=period_type, period_start=period_start, severity=severity,
        summary=summary[:400], evidence=evidence, acknowledge_due=timezone.now() + timedelta(hours=settings_row.acknowledge_within_hours),
        is_synthetic=is_synthetic,
    )
    AlertEvent.objects.create(alert=alert, action="raised")
    from .notifications import notify_holders

    notify_holders(alert)
    return alert


# ---------------------------------------------------------------- evaluation

class _Facts:
    """The index values and reports the rules read, loaded in a few queries for all the
    territories evaluated at once."""

    def __init__(self, areas: dict[int, str], period_type: str, period_start: date, depth: int):
        self.areas = areas
        self.period_type = period_type
        self.span = periods.PeriodSpan(period_type, period_start)
        self.previous = self.span.shift(-1).start
        self.history = [self.span.shift(-i).start for i in range(1, depth + 1)]
        self.territories = {t.pk: t for t in Territory.objects.filter(pk__in=list(areas))}
        self.index: dict[tuple[int, date], IndexValue] = {}
        self._load_index(list(areas), [period_start, *self.history])

    def _load_index(self, territory_ids, starts):
        qs = IndexValue.objects.filter(period_type=self.period_type, territory_id__in=territory_ids, period_start__in=starts)
        for iv in qs:
            self.index[(iv.territory_id, iv.period_start)] = iv

    def now(self, t_id):
        return self.index.get((t_id, self.span.start))

    def before(self, t_id):
        return self.index.get((t_id, self.previous))

    def level_of(self, t_id) -> int | None:
        t = self.territories.get(t_id)
        return int(KIND_LEVEL[t.kind]) if t and t.kind in KIND_LEVEL else None

    def reports(self, path: str) -> tuple[list[int], bool]:
        """Counted reports behind an area's figures, and whether all of them are demo data."""
        qs = Report.objects.filter(
            period_type=self.period_type, period_start=self.span.start, status__in=Report.COUNTED, territory_path__startswith=path
        ).order_by("pk")
        rows = list(qs.values_list("pk", "is_synthetic"))
        return [pk for pk, _s in rows], bool(rows) and all(s for _pk, s in rows)


def _levels(rule: AlertRule) -> set[int]:
    return {int(v) for v in (rule.parameters or {}).get("levels") or DEFAULT_LEVELS.get(rule.kind, [3])}


def _top(iv: IndexValue | None) -> list[dict]:
    if iv is None:
        return []
    keys = ("indicator", "value", "score", "contribution", "threshold", "decides")
    entries = sorted(iv.breakdown or [], key=lambda e: -(e.get("contribution") or 0))
    chosen = entries[:TOP_INDICATORS] + [e for e in entries[TOP_INDICATORS:] if e.get("decides") or e.get("threshold")]
    return [{k: e.get(k) for k in keys} for e in chosen]


def _evidence(rule, facts: _Facts, t_id: int, path: str, **extra) -> tuple[dict, bool]:
    now, before = facts.now(t_id), facts.before(t_id)
    ids, synthetic = facts.reports(path)
    index = {
        "value": float(now.value) if now else None, "level": now.level if now else None,
        "previous_value": float(before.value) if before else None, "previous_level": before.level if before else None,
    }
    index.update(extra.pop("index", {}))
    evidence = {
        "rule": {"code": rule.code, "kind": rule.kind, "parameters": rule.parameters or {}},
        "period": facts.span.code, "period_type": facts.period_type, "period_start": facts.span.start.isoformat(),
        "territory": facts.territories[t_id].code,
        "index": index, "top_indicators": _top(now),
        "reports": ids[:MAX_REPORT_IDS], "reports_total": len(ids),
    }
    evidence.update(extra)
    return evidence, synthetic


def _level_label(level: str) -> str:
    return Level(level).label if level in Level.values else level


def _level_crossing(rule, facts: _Facts) -> list[Alert]:
    target = (rule.parameters or {}).get("level", Level.ORANGE)
    levels, raised = _levels(rule), []
    for t_id, path in facts.areas.items():
        now = facts.now(t_id)
        if facts.level_of(t_id) not in levels or now is None:
            continue
        before = facts.before(t_id)
        if index_service.level_rank(now.level) < index_service.level_rank(target):
            continue
        if before is not None and index_service.level_rank(before.level) >= index_service.level_rank(target):
            continue
        evidence, synthetic = _evidence(rule, facts, t_id, path)
        with translation.override(settings.LANGUAGE_CODE):
            summary = _("%(territory)s: the tension index reached %(level)s (%(index)s) in %(period)s.") % {
                "territory": facts.territories[t_id], "level": _level_label(now.level), "index": now.value, "period": facts.span.code}
        raised.append(raise_alert(rule, facts.territories[t_id], facts.period_type, facts.span.start, now.level, summary, evidence, is_synthetic=synthetic))
    return raised


def _sharp_rise(rule, facts: _Facts) -> list[Alert]:
    params = rule.parameters or {}
    points, n = float(params.get("points", 25)), int(params.get("periods", 6))
    min_level = params.get("min_level") or Level.BLUE.value
    levels, raised = _levels(rule), []
    for t_id, path in facts.areas.items():
        now = facts.now(t_id)
        if facts.level_of(t_id) not in levels or now is None:
            continue
        starts = facts.history[:n]
        past = [facts.index[(t_id, s)] for s in starts if (t_id, s) in facts.index]
        if len(past) < index_service.MIN_POINTS:
            continue
        baseline = index_service.median([float(iv.value) for iv in past])
        rise = float(now.value) - baseline
        if rise < points or index_service.level_rank(now.level) < index_service.level_rank(min_level):
            continue
        evidence, synthetic = _evidence(
            rule, facts, t_id, path,
            index={"baseline": round(baseline, 2), "rise": round(rise, 2),
                   "baseline_periods": [periods.PeriodSpan(facts.period_type, iv.period_start).code for iv in sorted(past, key=lambda iv: iv.period_start)]},
        )
        with translation.override(settings.LANGUAGE_CODE):
            summary = _("%(territory)s: the tension index rose %(points)s points above its usual level (%(baseline)s) in %(period)s.") % {
                "territory": facts.territories[t_id], "points": round(rise, 1), "baseline": round(baseline, 1), "period": facts.span.code}
        raised.append(raise_alert(rule, facts.territories[t_id], facts.period_type, facts.span.start, rule.severity, summary, evidence, is_synthetic=synthetic))
    return raised


def _critical_value(rule, facts: _Facts) -> list[Alert]:
    levels = _levels(rule)
    watched = {t_id: lv for t_id in facts.areas if (lv := facts.level_of(t_id)) in levels}
    # A figure is also watched where it is reported, whatever the level: an incident recorded on
    # a rayon, a city or Bishkek is counted there, and its death must raise the alert there.
    reported_here = set(
        DataValue.objects.filter(
            territory_id__in=list(facts.areas), period_start=facts.span.start, category="", counted=True,
            indicator__critical_value__isnull=False,
        ).values_list("territory_id", "indicator_id").distinct()
    )
    places = set(watched) | {t_id for t_id, _i in reported_here}
    if not places:
        return []
    rows = (
        AggregateValue.objects.filter(
            territory_id__in=list(places), period_start=facts.span.start, category="", value__isnull=False,
            indicator__critical_value__isnull=False, indicator__is_active=True,
        )
        .values_list("territory_id", "indicator_id", "indicator__code", "indicator__polarity", "indicator__collection_level", "value",
                     "indicator__critical_value")
        .order_by("territory_id", "indicator__code")
    )
    found: dict[int, list[dict]] = defaultdict(list)
    for t_id, indicator_id, code, polarity, collected_at, value, critical in rows:
        if watched.get(t_id) != collected_at and (t_id, indicator_id) not in reported_here:
            continue
        hit = value <= critical if polarity == Indicator.Polarity.RESILIENCE else value >= critical
        if hit:
            found[t_id].append({"indicator": code, "value": float(value), "critical_value": float(critical)})
    raised = []
    for t_id, criticals in found.items():
        evidence, synthetic = _evidence(rule, facts, t_id, facts.areas[t_id], critical_values=criticals)
        names = dict(Indicator.objects.filter(code__in=[c["indicator"] for c in criticals]).values_list("code", "name_" + settings.LANGUAGE_CODE))
        with translation.override(settings.LANGUAGE_CODE):
            summary = _("%(territory)s: critical value in %(period)s: %(indicators)s.") % {
                "territory": facts.territories[t_id], "period": facts.span.code,
                "indicators": "; ".join(f"{names.get(c['indicator']) or c['indicator']} = {c['value']:g}" for c in criticals)}
        raised.append(raise_alert(rule, facts.territories[t_id], facts.period_type, facts.span.start, Level.RED, summary, evidence, is_synthetic=synthetic))
    return raised


def _neighbours_rising(rule, facts: _Facts) -> list[Alert]:
    params = rule.parameters or {}
    count, points = int(params.get("count", 3)), float(params.get("points", 10))
    min_rank = index_service.level_rank(params.get("min_level") or Level.BLUE.value)
    levels = _levels(rule)
    parents = {path[:-PATH_STEP] for t_id, path in facts.areas.items() if facts.level_of(t_id) in levels and len(path) > PATH_STEP}
    raised = []
    for parent_path in sorted(parents):
        # the parent's children as of the period: the next path segment of its counted reports
        width = len(parent_path) + PATH_STEP
        child_paths = set(
            Report.objects.filter(period_type=facts.period_type, period_start=facts.span.start, status__in=Report.COUNTED,
                                  territory_path__startswith=parent_path)
            .annotate(n=Length("territory_path")).filter(n__gte=width)
            .annotate(child=Substr("territory_path", 1, width, output_field=CharField()))
            .order_by().values_list("child", flat=True).distinct()
        )
        children = {path_ids(p)[-1]: p for p in child_paths}
        values = {
            (iv.territory_id, iv.period_start): iv
            for iv in IndexValue.objects.filter(period_type=facts.period_type, territory_id__in=list(children),
                                                period_start__in=[facts.span.start, facts.previous])
        }
        rising = []
        for t_id in sorted(children):
            now, before = values.get((t_id, facts.span.start)), values.get((t_id, facts.previous))
            if now is None or before is None:
                continue
            rise = float(now.value) - float(before.value)
            if rise >= points and index_service.level_rank(now.level) >= min_rank:
                rising.append((t_id, now, before, rise))
        if len(rising) < count:
            continue
        parent_id = path_ids(parent_path)[-1]
        parent = Territory.objects.filter(pk=parent_id).first()
        if parent is None:
            continue
        codes = dict(Territory.objects.filter(pk__in=[r[0] for r in rising]).values_list("pk", "code"))
        facts.territories.setdefault(parent_id, parent)
        facts._load_index([parent_id], [facts.span.start, facts.previous])
        neighbours = [
            {"territory": codes.get(t_id), "value": float(now.value), "previous_value": float(before.value), "rise": round(rise, 2)}
            for t_id, now, before, rise in rising
        ]
        evidence, synthetic = _evidence(rule, facts, parent_id, parent_path, neighbours=neighbours)
        with translation.override(settings.LANGUAGE_CODE):
            summary = _("%(territory)s: %(count)s territories rising together in %(period)s.") % {
                "territory": parent, "count": len(rising), "period": facts.span.code}
        raised.append(raise_alert(rule, parent, facts.period_type, facts.span.start, rule.severity, summary, evidence, is_synthetic=synthetic))
    return raised


_EVALUATORS = {
    AlertRule.Kind.LEVEL_CROSSING: _level_crossing,
    AlertRule.Kind.SHARP_RISE: _sharp_rise,
    AlertRule.Kind.CRITICAL_VALUE: _critical_value,
    AlertRule.Kind.NEIGHBOURS_RISING: _neighbours_rising,
}


def evaluate_areas(areas: dict[int, str], period_type: str, period_start: date) -> list[Alert]:
    """Run every active rule for the given areas ({territory id: path as of the period})."""
    rules = list(AlertRule.objects.filter(is_active=True))
    if not rules or not areas:
        return []
    depth = max([int((r.parameters or {}).get("periods", 6)) for r in rules if r.kind == AlertRule.Kind.SHARP_RISE] + [1])
    facts = _Facts(dict(areas), period_type, period_start, depth)
    raised = []
    for rule in rules:
        evaluator = _EVALUATORS.get(rule.kind)
        if evaluator:
            raised.extend(evaluator(rule, facts))
    return raised


def evaluate(territories, period_type: str, period_start: date) -> list[Alert]:
    """Run every active rule for these territories (their place in the tree as of the period)."""
    from ..selectors.forms import path_as_of

    return evaluate_areas({t.pk: path_as_of(t, period_start) for t in territories}, period_type, period_start)


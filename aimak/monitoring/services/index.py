"""The tension index (0–100): how unusual a territory's figures are, on a scale people can read.

Why this shape: raw indicators mix counts, percentages and scales, skewed and seasonal, so each
value is compared with two references the reader can check: the territory's own recent past
(``IndexSettings.history_periods`` periods before, at least 3 points) and every territory of the
same level in the same period (at least 3 points). Medians and MAD keep one wild month or one
outlier district from moving the baseline. A robust z becomes a score with
``100 * (1 - exp(-max(z, 0) / 2))`` (z = 2 gives 63.21; only rises above the usual count,
because a calmer than usual month is not "negative tension"). Resilience indicators enter with
their sign flipped.

Thresholds are the catalogue's raw cut-offs for one territory of the indicator's collection
level ("2 brawls in an aiyl aimak is orange"): a crossed threshold sets a floor under the
indicator's score (the level's cut-off) *and* under the whole index, so a crossed threshold can
never be averaged away by calm elsewhere. They are not applied to the sums of a rayon or an
oblast (fifteen aiyl aimaks with one quarrel each are not one place with fifteen).

Areas above the collection level are compared statistically with their peers, and then lifted
to their most tense part: a rayon is at least as tense as its most tense aiyl aimak, an oblast
as its most tense rayon (``IndexValue.hotspot`` names that part), so a red village is never
hidden in a calm rayon's average on the map.

``IndexValue.breakdown`` is a list, one entry per indicator considered, largest contribution
first::

    {"indicator": "fights",      # Indicator.code (names are looked up in the reader's language)
     "domain": "incidents",      # Domain.code
     "value": 4.0,               # the territory's total (category "") for the period
     "score": 63.21,             # max(statistical score, threshold floor), 0–100, 2 decimals
     "weight": 1.5,              # domain.weight x indicator.index_weight
     "contribution": 31.6,       # weight x score / sum of weights: its points in the weighted mean
     "z": 2.0,                   # the combined robust z after polarity, 2 decimals
     "reason": "both",           # which references the z used: own_history / national / both / none
     "threshold": "orange",      # highest threshold level the raw value reaches, or null
     "floor": 60,                # that level's cut-off (the score's lower bound), or null
     "decides": false}           # true on the one entry whose floor set the index
                                 # (the floor was above the weighted mean)

Contributions add up to the weighted mean; when an entry "decides", the index is its floor
instead. ``IndexValue.coverage`` = indicators with data / indicators expected (active,
weighted indicators of the forms that apply to the territory).
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date
from decimal import Decimal

from aimak.territories.models import KIND_LEVEL, Territory
from aimak.territories.selectors import without_boundaries

from .. import periods
from ..models import DEFAULT_CUTOFFS, LEVEL_ORDER, AggregateValue, FormAssignment, FormIndicator, Indicator, IndexSettings, IndexValue, Level

MIN_POINTS = 3
MAD_TO_SD = 1.4826
LEVELS = [str(level) for level in LEVEL_ORDER]  # "blue" .. "red"


# ---------------------------------------------------------------- pure maths (unit-tested)

def median(values) -> float | None:
    xs = sorted(float(v) for v in values)
    n = len(xs)
    if not n:
        return None
    mid = n // 2
    return xs[mid] if n % 2 else (xs[mid - 1] + xs[mid]) / 2


def mad(values) -> float | None:
    """Median absolute deviation from the median."""
    m = median(values)
    if m is None:
        return None
    return median(abs(float(v) - m) for v in values)


def reference_stats(reference) -> tuple[int, float | None, float | None]:
    """(points, median, MAD) of a reference: computed once and reused for every territory
    compared with the same national distribution."""
    ref = [float(v) for v in reference]
    return len(ref), median(ref), mad(ref)


def z_from_stats(x: float, stats: tuple, *, floor: float) -> float | None:
    n, m, deviation = stats
    if n < MIN_POINTS:
        return None
    scale = max(MAD_TO_SD * deviation, 0.1 * abs(m), floor)
    return (float(x) - m) / scale


def robust_z(x: float, reference, *, floor: float) -> float | None:
    """(x - median) / scale with scale = max(1.4826 MAD, 10 % of |median|, floor); None when the
    reference has fewer than 3 points. The floor stops a flat history (all zeros) from turning
    a single incident into z = infinity."""
    return z_from_stats(x, reference_stats(reference), floor=floor)


def combined_z(z_own: float | None, z_nat: float | None, own_share: float) -> tuple[float, str]:
    if z_own is not None and z_nat is not None:
        return own_share * z_own + (1 - own_share) * z_nat, "both"
    if z_own is not None:
        return z_own, "own_history"
    if z_nat is not None:
        return z_nat, "national"
    return 0.0, "none"


def statistical_score(z: float) -> float:
    return 100 * (1 - math.exp(-max(z, 0.0) / 2))


def cutoffs_with_defaults(cutoffs: dict | None) -> dict[str, float]:
    merged = dict(DEFAULT_CUTOFFS)
    merged.update({k: v for k, v in (cutoffs or {}).items() if k in DEFAULT_CUTOFFS and v is not None})
    return {k: float(v) for k, v in merged.items()}


def level_for(index: float, cutoffs: dict | None = None) -> str:
    """The highest level whose cut-off the index reaches; blue below green's cut-off."""
    cuts = cutoffs_with_defaults(cutoffs)
    reached = Level.BLUE.value
    for name in ("green", "yellow", "orange", "red"):
        if index >= cuts[name]:
            reached = name
    return reached


def level_rank(level: str | None) -> int:
    """blue 0 … red 4; -1 for none."""
    return LEVELS.index(level) if level in LEVELS else -1


def threshold_reached(value: float, thresholds: dict | None, polarity: int) -> str | None:
    """The highest level whose raw threshold the value reaches (resilience: falls to)."""
    reached = None
    for name in ("green", "yellow", "orange", "red"):
        limit = (thresholds or {}).get(name)
        if limit is None or limit == "":
            continue
        limit = float(limit)
        hit = value <= limit if polarity < 0 else value >= limit
        if hit:
            reached = name
    return reached


def indicator_score(x: float, own_ref, nat_ref, *, polarity: int, percentage: bool, own_share: float,
                    thresholds: dict | None, cutoffs: dict | None) -> dict:
    """Everything the breakdown says about one indicator (before weighting). A reference is a
    list of values, or its ``reference_stats`` when already computed."""
    floor = 5.0 if percentage else 1.0
    own_stats = own_ref if isinstance(own_ref, tuple) else reference_stats(own_ref)
    nat_stats = nat_ref if isinstance(nat_ref, tuple) else reference_stats(nat_ref)
    z, reason = combined_z(z_from_stats(x, own_stats, floor=floor), z_from_stats(x, nat_stats, floor=floor), own_share)
    z *= polarity
    stat = statistical_score(z)
    level = threshold_reached(x, thresholds, polarity)
    floor_points = cutoffs_with_defaults(cutoffs)[level] if level else None
    return {"z": z, "reason": reason, "statistical": stat, "threshold": level, "floor": floor_points,
            "score": max(stat, floor_points or 0.0)}


def combine(entries: list[dict], cutoffs: dict | None = None) -> tuple[float, str, list[dict]]:
    """Weighted mean of the scores, lifted to the highest threshold floor.

    ``entries``: dicts with at least "weight", "score" and "floor" (and whatever the breakdown
    keeps). Returns (index, level, entries with "contribution" and "decides")."""
    total_weight = sum(e["weight"] for e in entries)
    if not entries or total_weight <= 0:
        return 0.0, level_for(0.0, cutoffs), []
    mean = sum(e["weight"] * e["score"] for e in entries) / total_weight
    for e in entries:
        e["contribution"] = e["weight"] * e["score"] / total_weight
        e["decides"] = False
    floors = [e for e in entries if e.get("floor") is not None]
    index = mean
    if floors:
        top = max(floors, key=lambda e: (e["floor"], e["score"]))
        if top["floor"] > mean:
            index = top["floor"]
            top["decides"] = True
    index = min(100.0, max(0.0, index))
    return index, level_for(index, cutoffs), entries


# ---------------------------------------------------------------- settings

def get_settings() -> IndexSettings:
    found = IndexSettings.objects.order_by("pk").first()
    if found is None:
        found = IndexSettings.objects.create(cutoffs=dict(DEFAULT_CUTOFFS))
    return found


# ---------------------------------------------------------------- database part

def _level_kinds(level: int) -> list[str]:
    return [k for k, v in KIND_LEVEL.items() if v == level]


class _Expectations:
    """Which weighted indicators each territory's index should have: those of the active forms
    of the period type assigned in or around it (its own forms for a municipality, its
    municipalities' forms for a rayon), plus formula indicators built from them. Loaded once
    per recompute (two queries), asked per territory."""

    def __init__(self, period_type: str, candidates: dict[int, Indicator]):
        self.candidates = candidates
        self.areas = [
            (a.area.path, a.form_id)
            for a in without_boundaries(FormAssignment.objects.filter(form__is_active=True, form__period_type=period_type).select_related("area"), "area")
        ]
        self.by_form: dict[int, set[int]] = defaultdict(set)
        for form_id, ind_id in FormIndicator.objects.filter(form_id__in={f for _p, f in self.areas}).values_list("form_id", "indicator_id"):
            self.by_form[form_id].add(ind_id)

    def for_territory(self, territory: Territory) -> set[int]:
        in_forms: set[int] = set()
        for area_path, form_id in self.areas:
            if area_path.startswith(territory.path) or territory.path.startswith(area_path):
                in_forms |= self.by_form[form_id]
        expected = {pk for pk in in_forms if pk in self.candidates}
        for pk, ind in self.candidates.items():
            if ind.is_formula and ind.numerator_id in in_forms and ind.denominator_id in in_forms:
                expected.add(pk)
        return expected


def compute_indexes(period_type: str, period_start: date, territory_ids=None) -> dict[int, dict]:
    """Recompute the index of each territory for one period (all territories with data when
    ``territory_ids`` is None) and upsert them in one statement; delete the index of a
    territory left without data.

    Reads only aggregates: the totals of the period, the territories' own previous periods
    and the same-level totals (a handful of values_list queries for any number of
    territories). Returns {territory id: {"value", "level", "breakdown", "coverage"}}."""
    settings_row = get_settings()
    cutoffs = cutoffs_with_defaults(settings_row.cutoffs)
    own_share = float(settings_row.own_history_share)
    span = periods.PeriodSpan(period_type, period_start)
    history_starts = [span.shift(-i).start for i in range(1, settings_row.history_periods + 1)]

    indicators = {
        i.pk: i for i in Indicator.objects.filter(is_active=True, index_weight__gt=0, period_type=period_type).select_related("domain")
    }
    base = AggregateValue.objects.filter(category="", value__isnull=False, indicator_id__in=list(indicators))
    now = base.filter(period_start=period_start)
    if territory_ids is None:
        territory_ids = set(now.values_list("territory_id", flat=True).distinct())
        stale = IndexValue.objects.filter(period_type=period_type, period_start=period_start).exclude(territory_id__in=territory_ids)
    else:
        territory_ids = {int(t) for t in territory_ids}
        stale = None
    territories = {t.pk: t for t in Territory.objects.filter(pk__in=territory_ids).only("id", "kind", "path", "depth", "parent_id", "code")}

    current: dict[int, dict[int, float]] = defaultdict(dict)
    for t_id, i_id, value in now.filter(territory_id__in=territory_ids).values_list("territory_id", "indicator_id", "value"):
        current[t_id][i_id] = float(value)

    own: dict[tuple[int, int], list[float]] = defaultdict(list)
    history = base.filter(territory_id__in=list(current), period_start__in=history_starts)
    for t_id, i_id, value in history.values_list("territory_id", "indicator_id", "value"):
        own[(t_id, i_id)].append(float(value))

    national: dict[tuple[int, int], list[float]] = defaultdict(list)  # (level, indicator) -> values
    for level in sorted({KIND_LEVEL.get(territories[t].kind) for t in current if t in territories} - {None}):
        for i_id, value in now.filter(territory__kind__in=_level_kinds(level)).values_list("indicator_id", "value"):
            national[(level, i_id)].append(float(value))

    national_stats = {key: reference_stats(values) for key, values in national.items()}
    no_reference = (0, None, None)
    expectations = _Expectations(period_type, indicators)
    results: dict[int, dict] = {}
    rows = []
    for t_id in sorted(territory_ids):
        territory, values = territories.get(t_id), current.get(t_id)
        if territory is None or not values:
            continue
        level = KIND_LEVEL.get(territory.kind)
        entries = []
        for i_id, x in values.items():
            ind = indicators[i_id]
            part = indicator_score(
                x, own.get((t_id, i_id), []), national_stats.get((level, i_id), no_reference), polarity=int(ind.polarity),
                percentage=ind.value_type == Indicator.ValueType.PERCENTAGE, own_share=own_share,
                thresholds=ind.thresholds if level == ind.collection_level else None, cutoffs=cutoffs,
            )
            entries.append({
                "indicator": ind.code, "domain": ind.domain.code, "value": x, "score": part["score"],
                "weight": float(ind.domain.weight) * float(ind.index_weight), "z": part["z"],
                "reason": part["reason"], "threshold": part["threshold"], "floor": part["floor"],
            })
        index, level_name, entries = combine(entries, cutoffs)
        for e in entries:
            e["score"], e["z"], e["contribution"] = round(e["score"], 2), round(e["z"], 2), round(e["contribution"], 2)
        entries.sort(key=lambda e: (-e["contribution"], e["indicator"]))
        expected = expectations.for_territory(territory)
        coverage = Decimal(len(expected & set(values)) / len(expected)).quantize(Decimal("0.0001")) if expected else Decimal(1)
        result = {"value": Decimal(str(round(index, 2))), "level": level_name, "breakdown": entries, "coverage": coverage, "hotspot": None}
        results[t_id] = result

    _lift_to_hotspots(results, territories, period_type, period_start, cutoffs)
    for t_id, result in results.items():
        rows.append(IndexValue(territory_id=t_id, period_type=period_type, period_start=period_start, **result))

    gone = [t for t in territory_ids if t not in results]
    if gone:
        IndexValue.objects.filter(territory_id__in=gone, period_type=period_type, period_start=period_start).delete()
    if stale is not None:
        stale.delete()
    if rows:
        IndexValue.objects.bulk_create(
            rows, batch_size=500, update_conflicts=True, unique_fields=["territory", "period_type", "period_start"],
            update_fields=["value", "level", "breakdown", "coverage", "hotspot", "computed_at"],
        )
    return results


def _lift_to_hotspots(results: dict[int, dict], territories: dict[int, Territory], period_type: str, period_start: date,
                      cutoffs: dict) -> None:
    """Raise each area's index to its most tense direct part (deepest areas first, so the lift
    carries up: aiyl aimak -> rayon -> oblast -> country). Parts not recomputed in this run are
    read from their stored index. Parts are the current tree's children."""
    areas = sorted((t for t in territories.values() if t.pk in results), key=lambda t: -t.depth)
    if not areas:
        return
    stored = {}
    for t_id, parent_id, code, value, level in (
        IndexValue.objects.filter(period_type=period_type, period_start=period_start, territory__parent_id__in=[t.pk for t in areas])
        .exclude(territory_id__in=list(results))
        .values_list("territory_id", "territory__parent_id", "territory__code", "value", "level")
    ):
        stored[t_id] = (parent_id, code, float(value), level)
    parts: dict[int, list[tuple[float, str, str]]] = defaultdict(list)
    for t_id, (parent_id, code, value, level) in stored.items():
        parts[parent_id].append((value, code, level))
    for area in areas:
        result = results[area.pk]
        candidates = parts.get(area.pk, [])
        if candidates:
            value, code, level = max(candidates)
            own = float(result["value"])
            if value > own:
                result["value"] = Decimal(str(round(value, 2)))
                result["level"] = level_for(value, cutoffs)
                result["hotspot"] = {"territory": code, "value": round(value, 2), "level": level, "own_value": round(own, 2)}
        if area.parent_id is not None:
            parts[area.parent_id].append((float(result["value"]), area.code, result["level"]))

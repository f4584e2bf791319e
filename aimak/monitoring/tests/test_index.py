"""The tension index: robust z against own history and the national distribution, the score
curve, threshold floors, polarity, levels and coverage. Every figure is worked out by hand in
the comments."""

import math
from datetime import date
from decimal import Decimal

import pytest

from .. import models as m
from ..periods import add_months
from ..services import analytics
from ..services import index as ix
from . import factories as f
from .test_aggregation import AK_DEBE, BARSKOON, DARKAN, JETI_OGUZ, P, put


# ---------------------------------------------------------------- pure maths

def test_median_and_mad():
    assert ix.median([5, 1, 3]) == 3
    assert ix.median([1, 2, 3, 4]) == 2.5  # (2 + 3) / 2
    assert ix.median([]) is None
    # median of 1 2 3 4 100 is 3; deviations 2 1 0 1 97 -> sorted 0 1 1 2 97 -> MAD 1
    assert ix.mad([1, 2, 3, 4, 100]) == 1


def test_robust_z_scale_and_floors():
    # MAD 1 -> scale max(1.4826 x 1, 0.1 x 3, 1) = 1.4826; z = (10 - 3) / 1.4826 = 4.7214
    assert ix.robust_z(10, [1, 2, 3, 4, 100], floor=1) == pytest.approx(4.7214, abs=1e-4)
    # a flat history of zeros: scale = the floor 1, so one incident is z = 1, not infinity
    assert ix.robust_z(1, [0, 0, 0], floor=1) == 1
    # percentages: MAD 0, 10 % of 20 = 2, floor 5 -> scale 5; z = (30 - 20) / 5 = 2
    assert ix.robust_z(30, [20, 20, 20, 20], floor=5) == 2
    # 10 % of the median wins when it is the largest: median 100 -> scale 10; (130 - 100) / 10 = 3
    assert ix.robust_z(130, [100, 100, 100], floor=1) == 3
    # fewer than 3 points: unusable
    assert ix.robust_z(5, [1, 2], floor=1) is None


def test_combined_z_and_reasons():
    assert ix.combined_z(1.0, 3.0, 0.5) == (2.0, "both")  # 0.5 x 1 + 0.5 x 3
    assert ix.combined_z(1.0, 3.0, 0.25) == (2.5, "both")  # 0.25 x 1 + 0.75 x 3
    assert ix.combined_z(1.5, None, 0.5) == (1.5, "own_history")
    assert ix.combined_z(None, 3.0, 0.5) == (3.0, "national")
    assert ix.combined_z(None, None, 0.5) == (0.0, "none")


def test_score_curve():
    assert round(ix.statistical_score(2), 2) == 63.21  # 100 x (1 - e^-1)
    assert round(ix.statistical_score(5), 2) == 91.79  # 100 x (1 - e^-2.5)
    assert ix.statistical_score(0) == 0
    assert ix.statistical_score(-3) == 0  # calmer than usual is not negative tension


def test_levels_from_cutoffs():
    assert ix.level_for(19.99) == "blue"
    assert ix.level_for(20) == "green"
    assert ix.level_for(59.99) == "yellow"
    assert ix.level_for(60) == "orange"
    assert ix.level_for(80) == "red"
    assert ix.level_for(50, {"orange": 50}) == "orange"  # configured cut-offs override the defaults


def test_thresholds_and_polarity():
    t = {"yellow": 1, "orange": 3, "red": 5}
    assert ix.threshold_reached(0.5, t, 1) is None
    assert ix.threshold_reached(3, t, 1) == "orange"
    assert ix.threshold_reached(4.9, t, 1) == "orange"
    # resilience: lower is worse; 25 % trust is at or below 30 (orange) and 50 (yellow)
    r = {"yellow": 50, "orange": 30}
    assert ix.threshold_reached(25, r, -1) == "orange"
    assert ix.threshold_reached(40, r, -1) == "yellow"
    assert ix.threshold_reached(60, r, -1) is None


def test_resilience_counts_inversely():
    # trust fell to 10 from a history of 20 20 20: scale max(0, 2, 1) = 2; z = (10 - 20) / 2 = -5;
    # resilience flips it to +5 -> score 100 x (1 - e^-2.5) = 91.79
    part = ix.indicator_score(10, [20, 20, 20], [], polarity=-1, percentage=False, own_share=0.5, thresholds={}, cutoffs=None)
    assert part["reason"] == "own_history"
    assert part["z"] == 5
    assert round(part["score"], 2) == 91.79
    # trust rising to 30 is good news: z = -5 -> score 0
    assert ix.indicator_score(30, [20, 20, 20], [], polarity=-1, percentage=False, own_share=0.5, thresholds={}, cutoffs=None)["score"] == 0


def test_weighted_mean_and_the_floor_that_decides():
    # weights 1 and 3, scores 63.21 and 10: M = (63.21 + 30) / 4 = 23.3025 -> green, no floor
    index, level, entries = ix.combine([{"weight": 1, "score": 63.21, "floor": None}, {"weight": 3, "score": 10, "floor": None}])
    assert index == pytest.approx(23.3025)
    assert level == "green"
    assert [round(e["contribution"], 4) for e in entries] == [15.8025, 7.5]  # 63.21 / 4, 3 x 10 / 4
    # a floor below the mean changes nothing: scores 63.21 and max(10, 40) = 40 -> M = (63.21 + 120) / 4 = 45.8025
    index, level, entries = ix.combine([{"weight": 1, "score": 63.21, "floor": None}, {"weight": 3, "score": 40, "floor": 40}])
    assert index == pytest.approx(45.8025)
    assert level == "yellow"
    assert not any(e["decides"] for e in entries)
    # an orange threshold (floor 60) on a light indicator: M = (60 + 3 x 5) / 4 = 18.75, but the
    # index cannot be averaged below the crossed threshold -> 60, orange, and that entry decides
    index, level, entries = ix.combine([{"weight": 1, "score": 60, "floor": 60}, {"weight": 3, "score": 5, "floor": None}])
    assert index == 60
    assert level == "orange"
    assert [e["decides"] for e in entries] == [True, False]


# ---------------------------------------------------------------- from the database

def _history(place, ind, values):
    """Reports for the months before March 2026: values oldest first."""
    for i, v in enumerate(values):
        period = add_months(P, i - len(values))
        put(place, {ind: v}, period=period)
        analytics.recompute_period("monthly", period, evaluate_alerts=False)


@pytest.mark.django_db
def test_index_from_own_history_and_national_reference(territory):
    fights = f.indicator("fights")
    barskoon, ak_debe, darkan = territory(BARSKOON), territory(AK_DEBE), territory(DARKAN)
    _history(barskoon, fights, [1, 2, 3])  # December, January, February
    analytics.refresh_after_report(put(ak_debe, {fights: 1}))
    analytics.refresh_after_report(put(darkan, {fights: 1}))
    analytics.refresh_after_report(put(barskoon, {fights: 5}))
    analytics.reconcile_index("monthly", P)  # the background step: everyone against the new reference
    iv = m.IndexValue.objects.get(territory=barskoon, period_start=P)
    # own history 1 2 3: median 2, MAD 1 -> scale 1.4826; z_own = (5 - 2) / 1.4826 = 2.0235
    # national (municipalities in March) 5 1 1: median 1, MAD 0 -> scale = floor 1; z_nat = 4
    # z = 0.5 x 2.0235 + 0.5 x 4 = 3.0117; score = 100 x (1 - e^(-3.0117 / 2)) = 77.82
    (entry,) = iv.breakdown
    assert entry["indicator"] == "fights" and entry["domain"] == "incidents"
    assert entry["reason"] == "both"
    assert entry["z"] == 3.01
    assert entry["score"] == 77.82
    assert entry["contribution"] == 77.82 and entry["weight"] == 1.0
    assert entry["threshold"] is None and entry["decides"] is False
    assert iv.value == Decimal("77.82")
    assert iv.level == "orange"  # 60 <= 77.82 < 80
    # Ak-Debe's 1 against national 5 1 1: z_nat = 0, no history -> national only, score 0 -> blue
    ak = m.IndexValue.objects.get(territory=ak_debe, period_start=P)
    assert ak.breakdown[0]["reason"] == "national"
    assert ak.value == Decimal("0.00") and ak.level == "blue"
    # Jeti-Oguz: sums 1 2 3 in the past (only Barskoon), 7 now; no other rayon -> own history only:
    # z = (7 - 2) / 1.4826 = 3.3725; score = 100 x (1 - e^(-1.6862)) = 81.48
    jo = m.IndexValue.objects.get(territory=territory(JETI_OGUZ), period_start=P)
    assert jo.breakdown[0]["reason"] == "own_history"
    assert jo.value == Decimal("81.48")
    assert jo.level == "red"  # >= 80


@pytest.mark.django_db
def test_a_crossed_threshold_decides_the_index(territory):
    brawls = f.indicator("brawls", thresholds={"yellow": 1, "orange": 3})
    calm = f.indicator("calm-indicator", domain=f.domain("other"))
    barskoon = territory(BARSKOON)
    for month in (12, 1, 2):
        period = date(2025 if month == 12 else 2026, month, 1)
        put(barskoon, {brawls: 3, calm: 0}, period=period)
        analytics.recompute_period("monthly", period, evaluate_alerts=False)
    analytics.refresh_after_report(put(barskoon, {brawls: 3, calm: 0}))
    iv = m.IndexValue.objects.get(territory=barskoon, period_start=P)
    # brawls: 3 as always -> z 0, statistical 0, but the orange threshold floors it at 60
    # calm: 0 as always -> 0. Weighted mean (60 + 0) / 2 = 30, yet the index is the floor 60.
    by_code = {e["indicator"]: e for e in iv.breakdown}
    assert by_code["brawls"]["threshold"] == "orange"
    assert by_code["brawls"]["floor"] == 60
    assert by_code["brawls"]["score"] == 60
    assert by_code["brawls"]["contribution"] == 30
    assert by_code["brawls"]["decides"] is True
    assert by_code["calm-indicator"]["score"] == 0 and by_code["calm-indicator"]["decides"] is False
    assert iv.value == Decimal("60.00")
    assert iv.level == "orange"


@pytest.mark.django_db
def test_weights_settings_and_coverage(territory):
    heavy_domain = f.domain("security", weight=2)
    weighted = f.indicator("arms", domain=heavy_domain, index_weight=Decimal("1.5"))
    light = f.indicator("rumours")
    unused = f.indicator("notes", index_weight=0)
    missing = f.indicator("absent")
    form = f.form("covered-form", indicators=[weighted, light, unused, missing])
    m.FormAssignment.objects.create(form=form, area=territory(JETI_OGUZ), kinds=["aiyl_aimak"])
    m.IndexSettings.objects.create(cutoffs={"green": 10, "yellow": 20, "orange": 30, "red": 90}, own_history_share=Decimal("0.5"))
    barskoon = territory(BARSKOON)
    analytics.refresh_after_report(put(barskoon, {weighted: 2, light: 0, unused: 9}, form_obj=form))
    iv = m.IndexValue.objects.get(territory=barskoon, period_start=P)
    # no references at all (first period, one municipality): z = 0 -> scores 0
    # "notes" has weight 0 so it is left out; "absent" is expected but has no data:
    # coverage = 2 of 3 expected (arms, rumours, absent)
    assert {e["indicator"] for e in iv.breakdown} == {"arms", "rumours"}
    assert {e["reason"] for e in iv.breakdown} == {"none"}
    assert {e["indicator"]: e["weight"] for e in iv.breakdown} == {"arms": 3.0, "rumours": 1.0}  # 2 x 1.5, 1 x 1
    assert iv.coverage == Decimal("0.6667")
    assert iv.value == 0 and iv.level == "blue"


@pytest.mark.django_db
def test_settings_are_created_lazily_with_defaults():
    assert not m.IndexSettings.objects.exists()
    s = ix.get_settings()
    assert s.cutoffs == m.DEFAULT_CUTOFFS
    assert ix.get_settings().pk == s.pk
    assert math.isclose(float(s.own_history_share), 0.5)


@pytest.mark.django_db
def test_thresholds_count_only_where_collected_and_areas_take_their_most_tense_part(territory):
    brawls = f.indicator("brawls-local", thresholds={"green": 1, "orange": 2})
    barskoon, ak_debe, darkan = territory(BARSKOON), territory(AK_DEBE), territory(DARKAN)
    for place, n in ((ak_debe, 1), (darkan, 1), (barskoon, 2)):
        analytics.refresh_after_report(put(place, {brawls: n}))
    # Barskoon: national 2 1 1 -> median 1, MAD 0, scale 1, z = 1, statistical 39.35; 2 brawls
    # reach orange, floor 60 -> index 60. Ak-Debe: z = 0, green floor 20 -> 20.
    assert m.IndexValue.objects.get(territory=barskoon, period_start=P).value == Decimal("60.00")
    assert m.IndexValue.objects.get(territory=ak_debe, period_start=P).value == Decimal("20.00")
    # Jeti-Oguz sums 4 brawls, but "2 brawls" is a threshold for one aiyl aimak: no floor at
    # the rayon; its own figure (no references) is 0. Its most tense part is Barskoon at 60.
    jo = m.IndexValue.objects.get(territory=territory(JETI_OGUZ), period_start=P)
    assert jo.breakdown[0]["threshold"] is None and jo.breakdown[0]["score"] == 0
    assert jo.value == Decimal("60.00") and jo.level == "orange"
    assert jo.hotspot == {"territory": BARSKOON, "value": 60.0, "level": "orange", "own_value": 0.0}
    # and the lift carries up: the oblast's most tense part is the rayon
    oblast = m.IndexValue.objects.get(territory=territory("41702000000000"), period_start=P)
    assert oblast.value == Decimal("60.00") and oblast.hotspot["territory"] == JETI_OGUZ

"""Roll-up by each indicator's rule on the tree as of the period, formula indicators as ratios
of sums, and reports leaving the analysis when they stop counting. Figures are hand-computed
in the comments.

Places: Barskoon (B) and Ak-Debe (A) in Jeti-Oguz rayon (Issyk-Kul oblast); Suzak aiyl aimak
(S) in Suzak rayon (Jalal-Abad oblast)."""

from datetime import date
from decimal import Decimal

import io

import pytest

from aimak.territories.models import Territory, TerritoryVersion

from .. import models as m
from ..selectors.forms import path_as_of
from ..services import analytics
from . import factories as f

pytestmark = pytest.mark.django_db

P = date(2026, 3, 1)
BARSKOON, AK_DEBE, DARKAN = "41702210815000", "41702210805000", "41702210820000"
JETI_OGUZ, ISSYK_KUL = "41702210000000", "41702000000000"
SUZAK_AA, SUZAK, COUNTRY = "41703220856000", "41703220000000", "41700000000000"


# ---------------------------------------------------------------- shared builders (other test files import them)

def put(place, values: dict, *, period=P, status=m.Report.Status.SUBMITTED, path=None, form_obj=None, submitted_at=None):
    """A report with its values, counted as the reporting services would leave it.
    ``values``: {indicator: number or {category: number}}."""
    report = m.Report.objects.create(
        form=form_obj or f.form("analytics-form"), territory=place, period_type="monthly", period_start=period,
        status=status, territory_path=path or place.path, submitted_at=submitted_at,
    )
    counted = status in m.Report.COUNTED
    for ind, value in values.items():
        parts = value if isinstance(value, dict) else {"": value}
        for category, v in parts.items():
            m.DataValue.objects.create(
                report=report, indicator=ind, category=category, value=Decimal(str(v)), territory=place,
                period_start=period, territory_path=report.territory_path, counted=counted,
            )
    return report


def set_status(report, status):
    report.status = status
    report.save(update_fields=["status"])
    m.DataValue.objects.filter(report=report).update(counted=status in m.Report.COUNTED)


def agg(ind, place, period=P, category=""):
    row = m.AggregateValue.objects.filter(indicator=ind, territory=place, period_start=period, category=category).first()
    return None if row is None else row.value


def snapshot(period=P):
    return sorted(m.AggregateValue.objects.filter(period_start=period).values_list("indicator__code", "territory_id", "category", "value", "reports"))


@pytest.fixture
def places(territory):
    return {code: territory(code) for code in (BARSKOON, AK_DEBE, DARKAN, JETI_OGUZ, ISSYK_KUL, SUZAK_AA, SUZAK, COUNTRY)}


@pytest.fixture
def catalogue():
    return {
        "incidents": f.indicator("incidents", aggregation="sum", disaggregation="sex"),
        "trust": f.indicator("trust", aggregation="mean", value_type="scale"),
        "unemployment": f.indicator("unemployment", aggregation="mean_population", value_type="percentage"),
        "worst": f.indicator("worst", aggregation="max"),
        "households": f.indicator("households", aggregation="sum", index_weight=0),
    }


@pytest.fixture
def rate(catalogue):
    # incidents per 1,000 households
    return f.indicator("incident-rate", numerator=catalogue["incidents"], denominator=catalogue["households"], factor=1000, value_type="number")


def load_three(places, c):
    Territory.objects.filter(code=BARSKOON).update(population=1000)
    Territory.objects.filter(code=AK_DEBE).update(population=3000)
    Territory.objects.filter(code=SUZAK_AA).update(population=1000)
    for t in places.values():
        t.refresh_from_db()
    reports = [
        put(places[BARSKOON], {c["incidents"]: {"": 3, "f": 1, "m": 2}, c["trust"]: 2, c["unemployment"]: 10, c["worst"]: 4, c["households"]: 200}),
        put(places[AK_DEBE], {c["incidents"]: {"": 5, "f": 2, "m": 3}, c["trust"]: 4, c["unemployment"]: 20, c["worst"]: 2, c["households"]: 300}),
        put(places[SUZAK_AA], {c["incidents"]: 4, c["trust"]: 3, c["unemployment"]: 40, c["worst"]: 7, c["households"]: 100}),
    ]
    for r in reports:
        analytics.refresh_after_report(r)
    return reports


def test_each_rule_rolls_up_to_rayon_oblast_and_country(places, catalogue, rate):
    c = catalogue
    load_three(places, c)
    jo, ik, kg = places[JETI_OGUZ], places[ISSYK_KUL], places[COUNTRY]
    # the municipality's own row is an aggregate too
    assert agg(c["incidents"], places[BARSKOON]) == Decimal(3)
    # sum: Jeti-Oguz 3 + 5 = 8, women 1 + 2 = 3, men 2 + 3 = 5; country 8 + 4 = 12
    assert agg(c["incidents"], jo) == Decimal(8)
    assert agg(c["incidents"], jo, category="f") == Decimal(3)
    assert agg(c["incidents"], jo, category="m") == Decimal(5)
    assert agg(c["incidents"], ik) == Decimal(8)
    assert agg(c["incidents"], kg) == Decimal(12)
    assert agg(c["incidents"], kg, category="f") == Decimal(3)  # Suzak gave no split
    # mean: Jeti-Oguz (2 + 4) / 2 = 3; country (2 + 4 + 3) / 3 = 3
    assert agg(c["trust"], jo) == Decimal(3)
    assert agg(c["trust"], kg) == Decimal(3)
    # mean weighted by population: Jeti-Oguz (10x1000 + 20x3000) / 4000 = 70000 / 4000 = 17.5
    # country (10000 + 60000 + 40x1000) / 5000 = 110000 / 5000 = 22
    assert agg(c["unemployment"], jo) == Decimal("17.5")
    assert agg(c["unemployment"], kg) == Decimal(22)
    # max: Jeti-Oguz max(4, 2) = 4; country max(4, 2, 7) = 7
    assert agg(c["worst"], jo) == Decimal(4)
    assert agg(c["worst"], kg) == Decimal(7)
    # reports behind: Jeti-Oguz 2, country 3
    row = m.AggregateValue.objects.get(indicator=c["incidents"], territory=kg, period_start=P, category="")
    assert row.reports == 3
    assert m.AggregateValue.objects.get(indicator=c["incidents"], territory=jo, period_start=P, category="").reports == 2


def test_mean_population_falls_back_to_plain_mean_when_a_population_is_missing(places, catalogue):
    c = catalogue
    load_three(places, c)
    Territory.objects.filter(code=SUZAK_AA).update(population=None)
    analytics.recompute_period("monthly", P)
    # Jeti-Oguz still fully known: 17.5; country: plain mean (10 + 20 + 40) / 3 = 23.333333
    assert agg(c["unemployment"], places[JETI_OGUZ]) == Decimal("17.5")
    assert agg(c["unemployment"], places[COUNTRY]) == Decimal("23.333333")


def test_formula_is_a_ratio_of_sums_and_has_no_value_on_a_zero_denominator(places, catalogue, rate):
    c = catalogue
    load_three(places, c)
    # Barskoon 3 / 200 x 1000 = 15; Ak-Debe 5 / 300 x 1000 = 16.666667; Suzak 4 / 100 x 1000 = 40
    assert agg(rate, places[BARSKOON]) == Decimal(15)
    assert agg(rate, places[AK_DEBE]) == Decimal("16.666667")
    # Jeti-Oguz 8 / 500 x 1000 = 16 (the mean of the two rates would be 15.83)
    assert agg(rate, places[JETI_OGUZ]) == Decimal(16)
    # country 12 / 600 x 1000 = 20 (the mean of the rates would be 23.89)
    assert agg(rate, places[COUNTRY]) == Decimal(20)
    # women's rate needs a women's denominator: none
    assert agg(rate, places[JETI_OGUZ], category="f") is None

    # Suzak reports 0 households: no rate there or in Suzak rayon; country 12 / 500 x 1000 = 24
    suzak_report = m.Report.objects.get(territory=places[SUZAK_AA], period_start=P)
    m.DataValue.objects.filter(report=suzak_report, indicator=c["households"]).update(value=0)
    analytics.refresh_after_report(suzak_report)
    assert agg(rate, places[SUZAK_AA]) is None
    assert agg(rate, places[SUZAK]) is None
    assert agg(c["households"], places[SUZAK]) == Decimal(0)
    assert agg(rate, places[COUNTRY]) == Decimal(24)


def test_returning_a_report_removes_its_contribution(places, catalogue, rate):
    c = catalogue
    barskoon, ak_debe, suzak = load_three(places, c)
    set_status(barskoon, m.Report.Status.RETURNED)
    analytics.refresh_after_report(barskoon)
    # Jeti-Oguz: only Ak-Debe left; incidents 5, trust 4, max 2, rate 5 / 300 x 1000
    assert agg(c["incidents"], places[JETI_OGUZ]) == Decimal(5)
    assert agg(c["trust"], places[JETI_OGUZ]) == Decimal(4)
    assert agg(c["worst"], places[JETI_OGUZ]) == Decimal(2)
    assert agg(rate, places[JETI_OGUZ]) == Decimal("16.666667")
    assert agg(c["incidents"], places[COUNTRY]) == Decimal(9)  # 5 + 4
    # Barskoon itself has no values any more
    assert not m.AggregateValue.objects.filter(territory=places[BARSKOON], period_start=P).exists()
    # nothing left in Jeti-Oguz once Ak-Debe is returned too: its rows are deleted
    set_status(ak_debe, m.Report.Status.RETURNED)
    analytics.refresh_after_report(ak_debe)
    assert not m.AggregateValue.objects.filter(territory__in=[places[JETI_OGUZ], places[ISSYK_KUL]], period_start=P).exists()
    assert not m.IndexValue.objects.filter(territory=places[JETI_OGUZ], period_start=P).exists()
    assert agg(c["incidents"], places[COUNTRY]) == Decimal(4)


def test_a_moved_municipality_rolls_up_on_the_tree_of_its_period(places, catalogue, territory):
    """Barskoon sat under another rayon of the oblast (called Ak-Suu here) until 2025 (a TerritoryVersion with the old path): its
    2024 report adds up in Ak-Suu, its 2026 report in Jeti-Oguz."""
    c = catalogue
    barskoon = places[BARSKOON]
    ak_suu = Territory.objects.filter(parent=places[ISSYK_KUL], kind="rayon", valid_to__isnull=True).exclude(pk=places[JETI_OGUZ].pk).order_by("code").first()
    old_path = ak_suu.path + barskoon.path[-6:]
    TerritoryVersion.objects.create(
        territory=barskoon, valid_from=date(2020, 1, 1), valid_to=date(2025, 1, 1), code=barskoon.code, kind=barskoon.kind,
        name=barskoon.name, parent=ak_suu, path=old_path, depth=3,
    )
    then = date(2024, 6, 1)
    assert path_as_of(barskoon, then) == old_path
    old = put(barskoon, {c["incidents"]: 6}, period=then, path=path_as_of(barskoon, then))
    new = put(barskoon, {c["incidents"]: 2}, period=P, path=path_as_of(barskoon, P))
    analytics.refresh_after_report(old)
    analytics.refresh_after_report(new)
    assert agg(c["incidents"], ak_suu, period=then) == Decimal(6)
    assert agg(c["incidents"], places[JETI_OGUZ], period=then) is None
    assert agg(c["incidents"], places[ISSYK_KUL], period=then) == Decimal(6)
    assert agg(c["incidents"], places[JETI_OGUZ]) == Decimal(2)
    assert agg(c["incidents"], ak_suu) is None
    # the whole-period recompute agrees
    analytics.recompute_period("monthly", then)
    assert agg(c["incidents"], ak_suu, period=then) == Decimal(6)
    assert agg(c["incidents"], places[JETI_OGUZ], period=then) is None


def test_recompute_period_matches_live_refresh_and_is_idempotent(places, catalogue, rate):
    c = catalogue
    load_three(places, c)
    analytics.reconcile_index("monthly", P)  # the background step after the submissions
    live = snapshot()
    indexes = sorted(m.IndexValue.objects.filter(period_start=P).values_list("territory_id", "value", "level"))
    analytics.recompute_period("monthly", P)
    assert snapshot() == live
    analytics.recompute_period("monthly", P)
    assert snapshot() == live
    assert sorted(m.IndexValue.objects.filter(period_start=P).values_list("territory_id", "value", "level")) == indexes
    # refreshing the same report twice changes nothing either
    analytics.refresh_after_report(m.Report.objects.get(territory=places[BARSKOON], period_start=P))
    assert snapshot() == live
    # country, 2 oblasts, 2 rayons, 3 municipalities have an index
    assert len(indexes) == 8


def test_recompute_with_indicator_ids_leaves_other_indicators_alone(places, catalogue):
    c = catalogue
    load_three(places, c)
    m.DataValue.objects.filter(indicator=c["trust"]).update(value=5)
    m.DataValue.objects.filter(indicator=c["worst"]).update(value=9)
    analytics.recompute_period("monthly", P, indicator_ids=[c["trust"].pk], evaluate_alerts=False)
    assert agg(c["trust"], places[COUNTRY]) == Decimal(5)
    assert agg(c["worst"], places[COUNTRY]) == Decimal(7)  # not asked for: unchanged


def test_the_recompute_command_applies_catalogue_changes(places, catalogue):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    c = catalogue
    put(places[BARSKOON], {c["incidents"]: 6})
    call_command("recompute_monitoring", "--period", P.strftime("%Y-%m"), stdout=io.StringIO())
    assert agg(c["incidents"], places[JETI_OGUZ]) == Decimal(6)
    with pytest.raises(CommandError):
        call_command("recompute_monitoring", "--period", "2026-13", stdout=io.StringIO())


# ---------------------------------------------------------------- freshness: what a submission waits for

def test_a_submission_updates_its_areas_at_once_and_queues_one_reconcile_of_the_rest(places, catalogue, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from ..tasks import reconcile_index

    c = catalogue
    load_three(places, c)
    analytics.reconcile_index("monthly", P)
    suzak_before = m.IndexValue.objects.get(territory=places[SUZAK_AA], period_start=P).computed_at
    report = m.Report.objects.get(territory=places[BARSKOON], period_start=P)
    m.DataValue.objects.filter(report=report, indicator=c["incidents"], category="").update(value=9)
    with django_capture_on_commit_callbacks(execute=True):
        analytics.refresh_after_report(report)
        analytics.refresh_after_report(report)  # a burst of submissions for the same period
    # the report's own areas, up to the country, at once: 9 + 5 + 4
    assert agg(c["incidents"], places[COUNTRY]) == Decimal(18)
    for code in (BARSKOON, JETI_OGUZ, ISSYK_KUL, COUNTRY):
        assert m.IndexValue.objects.get(territory=places[code], period_start=P).computed_at > suzak_before
    # another oblast's aiyl aimak waits for the background step, queued once
    assert m.IndexValue.objects.get(territory=places[SUZAK_AA], period_start=P).computed_at == suzak_before
    queued = DBTaskResult.objects.ready().filter(task_path=reconcile_index.module_path)
    assert [q.args_kwargs["args"] for q in queued] == [["monthly", P.isoformat()]]
    reconcile_index.call("monthly", P.isoformat())
    assert m.IndexValue.objects.get(territory=places[SUZAK_AA], period_start=P).computed_at > suzak_before


def test_a_batch_refreshes_once_per_period_when_it_ends(places, catalogue):
    c = catalogue
    with analytics.batched():
        reports = load_three(places, c)
        assert agg(c["incidents"], places[COUNTRY]) is None  # nothing yet: deferred to the end
        with analytics.batched():  # an inner batch joins the outer one
            analytics.refresh_after_report(reports[0])
    assert agg(c["incidents"], places[COUNTRY]) == Decimal(12)
    assert m.IndexValue.objects.filter(period_start=P).count() == 8
    # a batch that fails refreshes nothing (its transaction is rolled back anyway)
    m.DataValue.objects.filter(report=reports[0], indicator=c["incidents"], category="").update(value=30)
    with pytest.raises(RuntimeError), analytics.batched():
        analytics.refresh_after_report(reports[0])
        raise RuntimeError
    assert agg(c["incidents"], places[COUNTRY]) == Decimal(12)

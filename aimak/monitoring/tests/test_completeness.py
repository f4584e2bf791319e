"""Completeness and timeliness (expected, received, on time) and the other dashboard reads."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from aimak.territories.models import Territory

from .. import models as m
from ..selectors import analytics as sel
from ..services import analytics
from . import factories as f
from .test_aggregation import AK_DEBE, BARSKOON, DARKAN, ISSYK_KUL, JETI_OGUZ, P, SUZAK, SUZAK_AA, put

pytestmark = pytest.mark.django_db
BISHKEK = ZoneInfo("Asia/Bishkek")


@pytest.fixture
def form(territory):
    fights = f.indicator("fights")
    form = f.form("monthly-monitoring", indicators=[fights], days_allowed=10)
    m.FormAssignment.objects.create(form=form, area=territory(JETI_OGUZ), kinds=["aiyl_aimak"])
    m.FormAssignment.objects.create(form=form, area=territory(SUZAK), kinds=["aiyl_aimak"])
    # March 2026 ends on the 31st; with 10 days allowed the deadline is 10 April
    put(territory(BARSKOON), {fights: 1}, form_obj=form, submitted_at=datetime(2026, 4, 10, 23, 0, tzinfo=BISHKEK))  # on time
    put(territory(AK_DEBE), {fights: 1}, form_obj=form, status=m.Report.Status.APPROVED_DISTRICT,
        submitted_at=datetime(2026, 4, 11, 0, 30, tzinfo=BISHKEK))  # late
    put(territory(DARKAN), {fights: 1}, form_obj=form, status=m.Report.Status.DRAFT)  # not received
    put(territory(SUZAK_AA), {fights: 1}, form_obj=form, submitted_at=datetime(2026, 4, 2, 9, 0, tzinfo=BISHKEK))
    return form


def n_aiyl_aimaks(rayon):
    return Territory.objects.filter(path__startswith=rayon.path, kind="aiyl_aimak", valid_to__isnull=True).count()


def test_completeness_per_rayon_of_an_oblast(form, territory):
    jeti_oguz = territory(JETI_OGUZ)
    expected = n_aiyl_aimaks(jeti_oguz)
    assert expected == 13
    rows = {r["territory"].code: r for r in sel.completeness(form, P, area=territory(ISSYK_KUL))}
    jo = rows[JETI_OGUZ]
    # 13 expected, Barskoon and Ak-Debe received (Darkan's draft does not count), Barskoon on time
    assert (jo["expected"], jo["received"], jo["on_time"]) == (13, 2, 1)
    assert jo["rate"] == pytest.approx(2 / 13) and jo["timeliness"] == pytest.approx(1 / 13)
    # the other rayons of Issyk-Kul are not asked for this form
    others = [r for code, r in rows.items() if code != JETI_OGUZ]
    assert others and all(r["expected"] == 0 and r["rate"] is None for r in others)


def test_completeness_per_municipality_and_for_the_area_itself(form, territory):
    rows = {r["territory"].code: r for r in sel.completeness(form, P, area=territory(JETI_OGUZ))}
    assert len(rows) == 13
    assert (rows[BARSKOON]["received"], rows[BARSKOON]["on_time"], rows[BARSKOON]["rate"]) == (1, 1, 1.0)
    assert (rows[AK_DEBE]["received"], rows[AK_DEBE]["on_time"], rows[AK_DEBE]["timeliness"]) == (1, 0, 0.0)
    assert (rows[DARKAN]["expected"], rows[DARKAN]["received"], rows[DARKAN]["rate"]) == (1, 0, 0.0)
    (country,) = sel.completeness(form, P, area=territory("41700000000000"), by="self")
    suzak_expected = n_aiyl_aimaks(territory(SUZAK))
    # everyone expected in both rayons; Barskoon, Ak-Debe and Suzak received; Barskoon and Suzak on time
    assert (country["expected"], country["received"], country["on_time"]) == (13 + suzak_expected, 3, 2)


def test_index_series_level_map_indicator_table_and_latest_period(form, territory):
    fights = m.Indicator.objects.get(code="fights")
    barskoon = territory(BARSKOON)
    assert sel.latest_period() is None
    for period, value in ((date(2026, 1, 1), 2), (date(2026, 2, 1), 3)):
        put(barskoon, {fights: value}, period=period, form_obj=form)
        analytics.recompute_period("monthly", period, evaluate_alerts=False)
    analytics.recompute_period("monthly", P, evaluate_alerts=False)

    series = sel.index_series(barskoon)
    assert [iv.period_start for iv in series] == [date(2026, 1, 1), date(2026, 2, 1), P]
    assert [iv.period_start for iv in sel.index_series(barskoon, last=2)] == [date(2026, 2, 1), P]
    assert sel.latest_period() == P

    cells = {c["territory"].code: c for c in sel.level_map(level=3, period_start=P, parent=territory(JETI_OGUZ))}
    assert len(cells) == 13
    assert cells[BARSKOON]["level"] == "blue" and cells[BARSKOON]["value"] is not None
    assert cells[DARKAN]["value"] is None and cells[DARKAN]["level"] is None  # a draft feeds nothing

    (row,) = sel.indicator_table(barskoon, P, last=4)
    assert row["indicator"] == fights
    assert row["value"] == Decimal(1)
    assert row["categories"] == {}
    assert row["series"] == [None, Decimal(2), Decimal(3), Decimal(1)]  # Dec (none), Jan, Feb, Mar
    assert row["score"] == 0  # 1 like every other municipality in March (national 1 1 1): z 0

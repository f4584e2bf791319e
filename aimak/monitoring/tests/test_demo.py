"""The demo generator: reproducible, consistent, marked synthetic, idempotent, reloadable.

A small run (one rayon, a handful of indicators, eight months) keeps it quick while still
holding every episode kind, including the fatality that must raise a critical-value alert."""

import hashlib
from datetime import date
from decimal import Decimal

import pytest

from aimak.accounts.models import Role, RoleAssignment
from aimak.accounts.services import ensure_user, sync_builtin_roles
from aimak.monitoring import models as m
from aimak.monitoring.services import demo
from aimak.monitoring.services.alerts import ensure_default_rules
from aimak.monitoring.tests import factories

pytestmark = pytest.mark.django_db

JETI_OGUZ = "41702210000000"
BARSKOON = "41702210815000"
END = date(2026, 3, 15)  # last generated month: March 2026
MONTHS = 8


@pytest.fixture
def small_setup(territory):
    sync_builtin_roles()
    ensure_default_rules()
    rayon = territory(JETI_OGUZ)
    fights = factories.indicator(
        "demo-fights", name_en="inter-group fights", disaggregation="sex",
        thresholds={"yellow": 1, "orange": 3, "red": 5},
    )
    deaths = factories.indicator("demo-fatalities", name_en="fatalities", critical_value=Decimal(1), disaggregation="sex_age")
    appeals = factories.indicator("demo-appeals", name_en="citizen appeals", disaggregation="ethnicity")
    trust = factories.indicator("demo-trust", name_en="trust in local government", value_type="scale", polarity=-1)
    jobless = factories.indicator("demo-youth-unemployment", name_en="youth unemployment", value_type="percentage",
                                  min_value=Decimal(0), max_value=Decimal(100))
    drought = factories.indicator("demo-drought", name_en="drought", value_type="yes_no")
    rate = factories.indicator("demo-fight-rate", name_en="fights per appeal", numerator=fights, denominator=appeals)
    form = factories.form("demo-monthly", indicators=[fights, deaths, appeals, trust, jobless, drought, rate],
                          first_period=date(2020, 1, 1))
    m.FormAssignment.objects.create(form=form, area=rayon, kinds=["aiyl_aimak"])
    admin = ensure_user("demo-admin", "a-long-test-password", superuser=True)
    coordinator = ensure_user("demo-coord", "a-long-test-password")
    RoleAssignment.objects.create(user=coordinator, role=Role.objects.get(code="district_coordinator"), territory=rayon, granted_by=admin)
    return {"form": form, "rate": rate, "coordinator": coordinator, "rayon": rayon}


def run(**kw):
    return demo.generate(seed=kw.pop("seed", 7), months=MONTHS, end=END, **kw)


def checksum() -> str:
    rows = m.DataValue.objects.filter(report__is_synthetic=True).order_by(
        "territory__code", "period_start", "indicator__code", "category"
    ).values_list("territory__code", "period_start", "indicator__code", "category", "value", "report__status")
    return hashlib.sha256(repr([(c, str(p), i, cat, str(v.normalize()), s) for c, p, i, cat, v, s in rows]).encode()).hexdigest()


def test_generates_a_consistent_synthetic_history(small_setup):
    counts = run()
    reports = m.Report.objects.all()
    expected = m.FormAssignment.objects.count() and 13 * MONTHS  # 13 aiyl aimaks in Jeti-Oguz
    assert counts["reports"] == reports.count() > 0
    assert 0.8 * expected <= counts["reports"] < expected  # some reports missing, as in life
    assert not reports.filter(is_synthetic=False).exists()
    assert counts["values"] == m.DataValue.objects.count()
    # the periods: March 2026 back to August 2025
    assert sorted(set(reports.values_list("period_start", flat=True))) == [date(2025, 8 + i, 1) for i in range(5)] + [
        date(2026, i, 1) for i in (1, 2, 3)
    ]
    # Barskoon's newest report is left for the live demonstration
    assert not reports.filter(territory__code=BARSKOON, period_start=date(2026, 3, 1)).exists()
    # formula indicators are computed, never written
    assert not m.DataValue.objects.filter(indicator=small_setup["rate"]).exists()
    # counted mirrors the report status; older periods approved, the newest submitted or drafts
    assert not m.DataValue.objects.filter(counted=True).exclude(report__status__in=m.Report.COUNTED).exists()
    assert not m.DataValue.objects.filter(counted=False, report__status__in=m.Report.COUNTED).exists()
    assert set(reports.filter(period_start__lt=date(2026, 2, 1)).values_list("status", flat=True)) <= {
        "approved_district", "approved_oblast", "returned"
    }
    assert set(reports.filter(period_start=date(2026, 3, 1)).values_list("status", flat=True)) <= {"submitted", "draft"}
    # values within their kinds
    for v in m.DataValue.objects.filter(indicator__code="demo-trust"):
        assert Decimal(1) <= v.value <= Decimal(5)
    for v in m.DataValue.objects.filter(indicator__code="demo-youth-unemployment"):
        assert Decimal(0) <= v.value <= Decimal(100)
    assert set(m.DataValue.objects.filter(indicator__code="demo-drought").values_list("value", flat=True)) <= {Decimal(0), Decimal(1)}
    # "of which" parts never exceed their totals; women + men give the total
    totals = {
        (v.report_id, v.indicator_id): v.value for v in m.DataValue.objects.filter(category="")
    }
    parts: dict = {}
    for v in m.DataValue.objects.exclude(category=""):
        assert v.value <= totals[(v.report_id, v.indicator_id)]
        parts.setdefault((v.report_id, v.indicator_id, v.indicator.disaggregation), []).append(v.value)
    assert parts
    for (report_id, indicator_id, preset), values in parts.items():
        total = totals[(report_id, indicator_id)]
        assert sum(values) <= total
        if preset in ("sex", "sex_age"):
            assert sum(values) == total
    # the fatality episode raised a critical-value alert; alerts and plans are synthetic
    alerts = m.Alert.objects.all()
    assert counts["alerts"] == alerts.count() > 0
    assert not alerts.filter(is_synthetic=False).exists()
    assert alerts.filter(rule__kind="critical_value").exists()
    assert m.DataValue.objects.filter(indicator__code="demo-fatalities", category="", value__gte=1).count() == 1
    plans = m.ResponsePlan.objects.all()
    assert counts["plans"] == plans.count() >= 1
    assert not plans.filter(is_synthetic=False).exists()
    assert m.PlanMeasure.objects.filter(plan__in=plans).exists() and m.PlanUpdate.objects.filter(plan__in=plans).exists()
    # the coordinator of the rayon handled them; the oldest are resolved, the newest still raised
    handled = alerts.exclude(status="raised")
    assert handled.exists()
    assert set(handled.values_list("acknowledged_by", flat=True)) == {small_setup["coordinator"].pk}
    assert alerts.filter(status="resolved").exists()
    assert not alerts.filter(period_start=date(2026, 3, 1)).exclude(status="raised").exists()
    for a in alerts.filter(status="resolved"):
        assert a.raised_at <= a.acknowledged_at <= a.resolved_at


def test_same_seed_same_history_and_reload_regenerates(small_setup):
    run()
    first = checksum()
    before = (m.Report.objects.count(), m.DataValue.objects.count(), m.Alert.objects.count(), m.ResponsePlan.objects.count())
    top_report = m.Report.objects.order_by("-pk").first().pk

    again = run()  # without reload: nothing happens
    assert again["skipped"] == 1
    assert (m.Report.objects.count(), m.DataValue.objects.count(), m.Alert.objects.count(), m.ResponsePlan.objects.count()) == before
    assert m.Report.objects.order_by("-pk").first().pk == top_report

    reloaded = run(reload=True)  # fresh rows, same figures
    assert m.Report.objects.order_by("pk").first().pk > top_report
    assert checksum() == first
    assert (reloaded["reports"], reloaded["values"], reloaded["alerts"], reloaded["plans"]) == before
    assert m.AggregateValue.objects.exists() and m.IndexValue.objects.exists()

    run(reload=True, seed=8)
    assert checksum() != first


def test_missing_service_is_named(small_setup, monkeypatch):
    from aimak.monitoring.services import analytics

    monkeypatch.delattr(analytics, "recompute_period")
    with pytest.raises(demo.MissingPiece, match="recompute_period"):
        run()
    assert not m.Report.objects.exists()

"""The demo generator: reproducible, consistent, marked synthetic, idempotent, reloadable.

A small run (one rayon, a handful of indicators, eight months) keeps it quick while still
holding every episode kind, including the fatality that must raise a critical-value alert.
Incident counts are recorded as incidents, and the incident register counts them (ADR 0008)."""

import hashlib
from datetime import date
from decimal import Decimal

import pytest

from aimak.accounts.models import Role, RoleAssignment
from aimak.accounts.services import ensure_user, sync_builtin_roles
from aimak.incidents.models import Incident, IncidentEvent
from aimak.incidents.services import register
from aimak.incidents.tests.factories import incident_type
from aimak.monitoring import models as m
from aimak.monitoring.services import demo
from aimak.monitoring.services.alerts import ensure_default_rules
from aimak.monitoring.selectors.forms import path_as_of
from aimak.monitoring.tests import factories
from aimak.territories.models import Territory

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
    # Counted from incidents, on the incident register; the casualty indicators go by their codes.
    fights = factories.indicator(
        "intergroup-fights", name_en="inter-group fights", value_origin="incidents",
        thresholds={"yellow": 1, "orange": 3, "red": 5},
    )
    deaths = factories.indicator("fatalities", name_en="fatalities", critical_value=Decimal(1), disaggregation="sex",
                                 value_origin="incidents")
    injured = factories.indicator("injuries", name_en="people injured", disaggregation="sex", value_origin="incidents")
    speech = factories.indicator("hate-speech-online", name_en="hate speech online", value_origin="incidents")
    factories.form("demo-register", indicators=[fights, deaths, injured, speech], is_register=True, first_period=date(2020, 1, 1))
    incident_type("intergroup-fight", indicator=fights)
    incident_type("mob-violence", indicator=fights)
    incident_type("hate-speech-online", indicator=speech, event_type="Strategic developments", sub_event_type="Other")
    incident_type("attack-civilians", event_type="Violence against civilians", sub_event_type="Attack")
    appeals = factories.indicator("demo-appeals", name_en="citizen appeals", disaggregation="ethnicity")
    trust = factories.indicator("demo-trust", name_en="trust in local government", value_type="scale", polarity=-1)
    jobless = factories.indicator("demo-youth-unemployment", name_en="youth unemployment", value_type="percentage",
                                  min_value=Decimal(0), max_value=Decimal(100))
    drought = factories.indicator("demo-drought", name_en="drought", value_type="yes_no")
    rate = factories.indicator("demo-fight-rate", name_en="fights per appeal", numerator=fights, denominator=appeals)
    form = factories.form("demo-monthly", indicators=[appeals, trust, jobless, drought, rate], first_period=date(2020, 1, 1))
    m.FormAssignment.objects.create(form=form, area=rayon, kinds=["aiyl_aimak"])
    admin = ensure_user("demo-admin", "a-long-test-password", superuser=True)
    coordinator = ensure_user("demo-coord", "a-long-test-password")
    RoleAssignment.objects.create(user=coordinator, role=Role.objects.get(code="district_coordinator"), territory=rayon, granted_by=admin)
    monitor = ensure_user("demo-monitor", "a-long-test-password")
    RoleAssignment.objects.create(user=monitor, role=Role.objects.get(code="local_monitor"), territory=territory(BARSKOON), granted_by=admin)
    return {"form": form, "rate": rate, "coordinator": coordinator, "monitor": monitor, "rayon": rayon}


def run(**kw):
    return demo.generate(seed=kw.pop("seed", 7), months=MONTHS, end=END, **kw)


def checksum() -> str:
    rows = m.DataValue.objects.filter(report__is_synthetic=True).order_by(
        "territory__code", "period_start", "indicator__code", "category"
    ).values_list("territory__code", "period_start", "indicator__code", "category", "value", "report__status")
    incidents = Incident.objects.order_by("territory__code", "date", "incident_type__code", "description").values_list(
        "territory__code", "date", "incident_type__code", "village", "latitude", "description", "injured", "killed",
        "verification", "sensitivity", "created_at")
    return hashlib.sha256(repr([(c, str(p), i, cat, str(v.normalize()), s) for c, p, i, cat, v, s in rows]
                               + sorted(tuple(map(str, row)) for row in incidents)).encode()).hexdigest()  # ties: any order


def test_generates_a_consistent_synthetic_history(small_setup):
    counts = run()
    reports = m.Report.objects.exclude(form__is_register=True)
    expected = m.FormAssignment.objects.count() and 13 * MONTHS  # 13 aiyl aimaks in Jeti-Oguz
    assert counts["reports"] == reports.count() > 0
    assert 0.8 * expected <= counts["reports"] < expected  # some reports missing, as in life
    assert not m.Report.objects.filter(is_synthetic=False).exists()
    assert counts["values"] == m.DataValue.objects.filter(report__in=reports).count()
    # the monthly reports hold no incident counts: those come from the register only
    assert not m.DataValue.objects.filter(report__in=reports, indicator__value_origin="incidents").exists()
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
    assert m.DataValue.objects.filter(indicator__code="fatalities", category="", value__gte=1).count() == 1
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
    def tally():
        monthly = m.Report.objects.exclude(form__is_register=True)
        return (monthly.count(), m.DataValue.objects.filter(report__in=monthly).count(), Incident.objects.count(),
                m.Report.objects.filter(form__is_register=True).count(), m.Alert.objects.count(), m.ResponsePlan.objects.count())

    first_run = run()
    first = checksum()
    before = tally()
    assert before == tuple(first_run[k] for k in ("reports", "values", "incidents", "register_reports", "alerts", "plans"))
    top_report = m.Report.objects.order_by("-pk").first().pk
    top_incident = Incident.objects.order_by("-pk").first().pk

    again = run()  # without reload: nothing happens
    assert again["skipped"] == 1
    assert tally() == before
    assert m.Report.objects.order_by("-pk").first().pk == top_report

    reloaded = run(reload=True)  # fresh rows, same figures
    assert m.Report.objects.order_by("pk").first().pk > top_report
    assert Incident.objects.order_by("pk").first().pk > top_incident
    assert checksum() == first
    assert tuple(reloaded[k] for k in ("reports", "values", "incidents", "register_reports", "alerts", "plans")) == before
    assert m.AggregateValue.objects.exists() and m.IndexValue.objects.exists()

    run(reload=True, seed=8)
    assert checksum() != first


def test_missing_service_is_named(small_setup, monkeypatch):
    from aimak.monitoring.services import analytics

    monkeypatch.delattr(analytics, "recompute_period")
    with pytest.raises(demo.MissingPiece, match="recompute_period"):
        run()
    assert not m.Report.objects.exists()


def test_incident_counts_are_recorded_as_incidents_and_counted_by_the_register(small_setup, territory):
    counts = run()
    incidents = Incident.objects.all()
    assert counts["incidents"] == incidents.count() > 0
    assert not incidents.filter(is_synthetic=False).exists()
    assert set(incidents.values_list("origin", flat=True)) == {"aimak"}
    # dated within the generated months, at a village of the municipality, with actors and a story
    assert all(date(2025, 8, 1) <= d <= date(2026, 3, 31) for d in incidents.values_list("date", flat=True))
    villages = {(v.parent_id, v.name_ru) for v in Territory.objects.filter(kind="village", parent__parent=small_setup["rayon"])}
    assert all((i.territory_id, i.village) in villages for i in incidents)
    assert not incidents.filter(description="").exists() and not incidents.filter(sources="").exists()
    fights = incidents.filter(incident_type__code__in=["intergroup-fight", "mob-violence"])
    assert fights.exists() and not fights.filter(actor1="").exists()
    assert set(fights.values_list("actor1_kind", flat=True)) == {5}
    # the monitor recorded Barskoon's; nobody holds that role elsewhere
    assert set(incidents.filter(territory__code=BARSKOON).values_list("reported_by", flat=True)) == {small_setup["monitor"].pk}
    assert not incidents.exclude(territory__code=BARSKOON).exclude(reported_by=None).exists()
    # the death is one incident, restricted; casualties only on violent incidents
    fatal = incidents.filter(killed__gt=0)
    assert fatal.count() == 1 and fatal.get().sensitivity == "restricted" and fatal.get().verification != "false"
    assert not incidents.filter(injured__gt=0, incident_type__code="hate-speech-online").exists()
    # verification: older ones mostly verified, a few false; each with its history
    assert incidents.filter(verification="false").exists()
    assert incidents.filter(sensitivity="restricted").exists()
    older = incidents.filter(date__lt=date(2026, 1, 1)).exclude(verification="false")
    assert older.filter(verification="verified").count() >= 0.7 * older.count()
    assert IncidentEvent.objects.filter(action="recorded").count() == incidents.count()
    assert IncidentEvent.objects.filter(action="verified").count() == incidents.filter(verification="verified").count()
    assert IncidentEvent.objects.filter(action="false").count() == incidents.filter(verification="false").count()
    for event in IncidentEvent.objects.select_related("incident"):
        assert event.created_at >= event.incident.created_at
        if event.action != "recorded":
            assert event.user == small_setup["coordinator"] and event.comment

    # the register holds exactly what the incidents count (false ones left out)...
    form = register.register_form()
    expected = register.grouped_counts(register.counted_incidents(), form)
    stored: dict = {}
    for t, p, code, category, value in m.DataValue.objects.filter(report__form=form).values_list(
            "territory_id", "period_start", "indicator__code", "category", "value"):
        stored.setdefault((t, p), {})[(code, category)] = value
    assert {key: stored[key] for key in expected} == expected
    # ... and a quiet month with a counted monthly report is a zero, not a gap
    counted = set(m.Report.objects.filter(form=small_setup["form"], status__in=m.Report.COUNTED).values_list("territory_id", "period_start"))
    assert counted <= set(stored)
    quiet = set(stored) - set(expected)
    assert quiet and all(not any(stored[key].values()) for key in quiet)
    assert counts["register_reports"] == m.Report.objects.filter(form=form, is_synthetic=True).count() == len(stored)
    for report in m.Report.objects.filter(form=form).select_related("territory")[:20]:
        assert report.territory_path == path_as_of(report.territory, report.period.end)
    assert register.counted_incidents().count() == incidents.exclude(verification="false").count() < incidents.count()


def test_reload_removes_the_incidents_and_keeps_real_ones_counted(small_setup, territory):
    barskoon, day = territory(BARSKOON), date(2025, 10, 14)
    real = Incident.objects.create(territory=barskoon, date=day, incident_type=incident_type("intergroup-fight"), description="real")
    register.recount(barskoon, day)
    form = register.register_form()
    real_report = m.Report.objects.get(form=form)

    def fights_in_barskoon():
        return m.DataValue.objects.get(report=real_report, indicator__code="intergroup-fights", category="").value

    run()
    assert Incident.objects.filter(is_synthetic=True).exists() and m.Report.objects.filter(form=form, is_synthetic=True).exists()
    demo_fights = Incident.objects.filter(is_synthetic=True, territory=barskoon, date__month=10, date__year=2025,
                                          incident_type__indicator__code="intergroup-fights").exclude(verification="false").count()
    assert fights_in_barskoon() == 1 + demo_fights  # the real register counts real and demo incidents alike

    deleted = demo.delete_synthetic()
    assert deleted["incidents"] > 0
    assert list(Incident.objects.all()) == [real] and not IncidentEvent.objects.exists()
    assert list(m.Report.objects.filter(form=form)) == [real_report]  # the demo's register reports are gone, the real one recounted
    assert fights_in_barskoon() == 1
    assert not demo.has_synthetic()

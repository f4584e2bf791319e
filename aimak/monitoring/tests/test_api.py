"""The monitoring API: scoped like the pages, filters that refuse bad input by name, writes that
go through the same workflow services, and an OpenAPI document that lists it all."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from aimak.accounts.tokens import create_token
from aimak.monitoring.models import (
    AggregateValue,
    Alert,
    AlertEvent,
    DataValue,
    FormAssignment,
    IndexValue,
    Indicator,
    IndicatorVersion,
    Report,
    ReportEvent,
    ResponsePlan,
)
from aimak.monitoring.services import analytics

from . import factories as f

pytestmark = pytest.mark.django_db

BARSKOON, JETI_OGUZ, ISSYK_KUL, SUZAK_AA, SUZAK_RAYON = (
    "41702210815000", "41702210000000", "41702000000000", "41703220856000", "41703220000000",
)
MARCH, FEBRUARY = date(2026, 3, 1), date(2026, 2, 1)
API = "/api/monitoring"


@pytest.fixture(autouse=True)
def refreshed(monkeypatch):
    """Analytics is tested on its own: record the refreshes the workflow asks for."""
    calls = []
    monkeypatch.setattr(analytics, "refresh_after_report", lambda report: calls.append((report.pk, report.status)))
    return calls


@pytest.fixture
def person(territory):
    from aimak.accounts.tests.factories import person

    return person


@pytest.fixture
def monitor(person):
    return person("barskoon-monitor", "local_monitor", BARSKOON)


@pytest.fixture
def coordinator(person):
    return person("jeti-oguz-coordinator", "district_coordinator", JETI_OGUZ)


@pytest.fixture
def suzak_monitor(person):
    return person("suzak-monitor", "local_monitor", SUZAK_AA)


def signed_in(user):
    c = Client()
    c.force_login(user)
    return c


def with_token(user, scope):
    _token, key = create_token(user=user, name=f"{scope} token", scope=scope, days=5)
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


@pytest.fixture
def world(territory):
    """Two municipalities' March reports (Barskoon submitted, Suzak submitted), Barskoon's
    February draft, their values, aggregates, index values, alerts and plans."""
    fights = f.indicator("api-fights", name_en="Inter-group fights", name_ru="Драки", name_ky="Мушташуулар",
                         disaggregation="sex", thresholds={"yellow": 1, "red": 5}, max_value=Decimal(1000))
    appeals = f.indicator("api-appeals", name_en="Appeals", value_type="number")
    rate = f.indicator("api-rate", name_en="Fights per appeal", numerator=fights, denominator=appeals, factor=Decimal(100))
    form = f.form("api-form", indicators=[fights, appeals], name_en="Monthly tension report")
    FormAssignment.objects.create(form=form, area=territory(JETI_OGUZ), kinds=["aiyl_aimak"])
    FormAssignment.objects.create(form=form, area=territory(SUZAK_RAYON), kinds=["aiyl_aimak"])
    barskoon, suzak = territory(BARSKOON), territory(SUZAK_AA)
    w = {"form": form, "fights": fights, "appeals": appeals, "rate": rate, "barskoon": barskoon, "suzak": suzak}
    w["b_march"] = f.report(barskoon, form_obj=form, status=Report.Status.SUBMITTED)
    w["b_feb"] = f.report(barskoon, form_obj=form, period=FEBRUARY)
    w["s_march"] = f.report(suzak, form_obj=form, status=Report.Status.SUBMITTED)
    for rep, values in ((w["b_march"], {("api-fights", ""): 3, ("api-fights", "f"): 1, ("api-appeals", ""): 12}),
                        (w["b_feb"], {("api-fights", ""): 1}),
                        (w["s_march"], {("api-fights", ""): 7})):
        for (code, category), value in values.items():
            DataValue.objects.create(
                report=rep, indicator=Indicator.objects.get(code=code), category=category, value=Decimal(value),
                territory=rep.territory, period_start=rep.period_start, territory_path=rep.territory_path, counted=rep.is_counted,
            )
    for place, value in ((barskoon, 3), (territory(JETI_OGUZ), 3), (suzak, 7)):
        AggregateValue.objects.create(indicator=fights, territory=place, period_start=MARCH, value=Decimal(value), reports=1)
    w["b_index"] = IndexValue.objects.create(
        territory=barskoon, period_start=MARCH, value=Decimal("63.50"), level="orange",
        breakdown=[{"indicator": "api-fights", "domain": "incidents", "value": "3", "score": 80, "weight": 1, "contribution": 40.0}],
    )
    IndexValue.objects.create(territory=suzak, period_start=MARCH, value=Decimal("12.00"), level="blue")
    w["b_alert"] = f.alert(barskoon)
    w["s_alert"] = f.alert(suzak)
    w["b_plan"] = f.plan(barskoon)
    w["s_plan"] = f.plan(suzak)
    return w


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["domains/", "indicators/", "forms/", "reports/", "values/", "aggregates/", "index/", "alerts/", "plans/"])
def test_anonymous_people_are_refused_everywhere(client, path):
    assert client.get(f"{API}/{path}").status_code == 401


def test_anonymous_cannot_start_a_report(client, world):
    assert client.post(f"{API}/reports/", {"form": "api-form", "territory": BARSKOON, "period": "2026-02"}).status_code == 401


def test_the_barskoon_monitor_sees_only_barskoon(monitor, world):
    c = signed_in(monitor)
    reports = c.get(f"{API}/reports/").json()
    assert reports["count"] == 2
    assert {r["territory"]["code"] for r in reports["results"]} == {BARSKOON}
    assert c.get(f"{API}/reports/{world['s_march'].pk}/").status_code == 404
    assert c.get(f"{API}/reports/{world['b_march'].pk}/").status_code == 200
    values = c.get(f"{API}/values/").json()
    assert values["count"] == 4 and {v["territory"] for v in values["results"]} == {BARSKOON}
    alerts = c.get(f"{API}/alerts/").json()
    assert [a["id"] for a in alerts["results"]] == [world["b_alert"].pk]
    assert c.get(f"{API}/alerts/{world['s_alert'].pk}/").status_code == 404
    index = c.get(f"{API}/index/").json()
    assert [(i["territory"]["code"], i["value"], i["level"]) for i in index["results"]] == [(BARSKOON, "63.50", "orange")]
    assert index["results"][0]["breakdown"][0]["contribution"] == 40.0
    plans = c.get(f"{API}/plans/").json()
    assert [p["id"] for p in plans["results"]] == [world["b_plan"].pk]
    assert c.get(f"{API}/plans/{world['s_plan'].pk}/").status_code == 404
    # the rayon's aggregate sits above the monitor's territory: not theirs to see
    assert {a["territory"] for a in c.get(f"{API}/aggregates/").json()["results"]} == {BARSKOON}


def test_the_jeti_oguz_coordinator_sees_barskoon_but_not_suzak(coordinator, world):
    c = signed_in(coordinator)
    codes = {r["territory"]["code"] for r in c.get(f"{API}/reports/").json()["results"]}
    assert codes == {BARSKOON}
    assert c.get(f"{API}/reports/{world['b_march'].pk}/").status_code == 200
    assert c.get(f"{API}/alerts/{world['b_alert'].pk}/").json()["territory"]["code"] == BARSKOON
    assert {a["territory"] for a in c.get(f"{API}/aggregates/").json()["results"]} == {BARSKOON, JETI_OGUZ}


def test_a_report_carries_its_values_and_log(monitor, world):
    data = signed_in(monitor).get(f"{API}/reports/{world['b_march'].pk}/").json()
    assert data["form"] == "api-form" and data["period"] == "2026-03" and data["period_end"] == "2026-03-31"
    assert data["status"] == "submitted"
    assert [(v["indicator"], v["category"], v["value"]) for v in data["values"]] == [
        ("api-appeals", "", "12.0000"), ("api-fights", "", "3.0000"), ("api-fights", "f", "1.0000"),
    ]
    assert data["events"] == []


# --- configuration ------------------------------------------------------------------------------


def test_catalogue_is_readable_by_anyone_signed_in(suzak_monitor, world):
    c = signed_in(suzak_monitor)
    data = c.get(f"{API}/indicators/api-fights/").json()
    assert data["names"] == {"ky": "Мушташуулар", "ru": "Драки", "en": "Inter-group fights"}
    assert data["thresholds"] == {"yellow": 1, "red": 5} and data["version"] == 1 and data["formula"] is None
    assert [cat["code"] for cat in data["categories"]] == ["", "f", "m"]
    rate = c.get(f"{API}/indicators/api-rate/").json()
    assert rate["formula"] == {"numerator": "api-fights", "denominator": "api-appeals", "factor": "100.000"}
    assert c.get(f"{API}/indicators/nonsense/").status_code == 404
    assert c.get(f"{API}/domains/incidents/").json()["code"] == "incidents"


def test_indicator_filters(monitor, world):
    c = signed_in(monitor)
    codes = lambda **q: {i["code"] for i in c.get(f"{API}/indicators/", q).json()["results"]}  # noqa: E731
    assert codes(value_type="number") == {"api-appeals"}
    assert codes(q="Драк") == {"api-fights"}  # (SQLite folds the case of Latin letters only)
    assert codes(q="FIGHTS") == {"api-fights", "api-rate"}
    assert {"api-fights", "api-appeals", "api-rate"} <= codes(domain="incidents")
    assert c.get(f"{API}/indicators/", {"domain": "nowhere"}).status_code == 400
    assert c.get(f"{API}/indicators/", {"value_type": "colour"}).status_code == 400


def test_indicator_versions(monitor, world):
    IndicatorVersion.objects.create(indicator=world["fights"], version=1, definition={"name": "old"}, changed_by=monitor, note="first")
    IndicatorVersion.objects.create(indicator=world["fights"], version=2, definition={"name": "new"}, note="renamed")
    data = signed_in(monitor).get(f"{API}/indicators/api-fights/versions/").json()
    assert [(v["version"], v["note"], v["changed_by"]) for v in data["results"]] == [(2, "renamed", None), (1, "first", "barskoon-monitor")]


def test_a_form_lists_its_indicators_assignments_and_expected_reporters(monitor, world):
    from aimak.monitoring.selectors.forms import expected_territories

    data = signed_in(monitor).get(f"{API}/forms/api-form/").json()
    assert [(i["indicator"], i["order"], i["required"]) for i in data["indicators"]] == [("api-fights", 0, True), ("api-appeals", 1, True)]
    assert {a["area"]["code"] for a in data["assignments"]} == {JETI_OGUZ, SUZAK_RAYON}
    expected = expected_territories(world["form"]).count()
    assert data["expected_reporters"] == expected and expected > 10  # every aiyl aimak of two rayons


# --- filters ------------------------------------------------------------------------------------


def test_reports_filter_by_period_status_and_territory_with_descendants(coordinator, person, world):
    national = person("analyst", "national_analyst", "41700000000000")
    c = signed_in(national)
    ids = lambda **q: {r["id"] for r in c.get(f"{API}/reports/", q).json()["results"]}  # noqa: E731
    assert ids(period="2026-03") == {world["b_march"].pk, world["s_march"].pk}
    assert ids(period="2026-02") == {world["b_feb"].pk}
    assert ids(territory=ISSYK_KUL) == {world["b_march"].pk, world["b_feb"].pk}  # the oblast includes Barskoon
    assert ids(territory=SUZAK_RAYON, period="2026-03") == {world["s_march"].pk}
    assert ids(status="draft") == {world["b_feb"].pk}
    assert ids(form="api-form", period_from="2026-03", period_to="2026Q1") == {world["b_march"].pk, world["s_march"].pk}
    assert ids(since="2000-01-01") == ids()
    assert ids(since="2999-01-01") == set()


@pytest.mark.parametrize("param", ["period", "period_from", "period_to"])
def test_a_bad_period_code_is_refused_naming_the_parameter(monitor, world, param):
    for path in ("reports/", "values/", "aggregates/", "index/", "alerts/"):
        r = signed_in(monitor).get(f"{API}/{path}", {param: "2026-13"})
        assert r.status_code == 400, path
        assert list(r.json()) == [param], (path, r.json())


def test_an_unknown_territory_is_refused_naming_the_parameter(monitor, world):
    r = signed_in(monitor).get(f"{API}/values/", {"territory": "41799999999999"})
    assert r.status_code == 400 and "territory" in r.json()


def test_values_filter_and_export_as_csv(coordinator, world):
    c = signed_in(coordinator)
    rows = c.get(f"{API}/values/", {"indicator": "api-fights", "period": "2026-03", "territory": JETI_OGUZ}).json()["results"]
    assert [(r["category"], r["value"], r["period"], r["status"]) for r in rows] == [("", "3.0000", "2026-03", "submitted"), ("f", "1.0000", "2026-03", "submitted")]
    totals = c.get(f"{API}/values/", {"category": "total", "period_from": "2026-01", "period_to": "2026-03"}).json()["results"]
    assert sorted((r["indicator"], r["period"], r["value"]) for r in totals) == [
        ("api-appeals", "2026-03", "12.0000"), ("api-fights", "2026-02", "1.0000"), ("api-fights", "2026-03", "3.0000"),
    ]
    assert c.get(f"{API}/values/", {"counted": "true"}).json()["count"] == 3
    csv = c.get(f"{API}/values/", {"format": "csv", "indicator": "api-fights", "category": "f"})
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("id,report,form,indicator,category,value,territory,territory_name,period")
    assert len(lines) == 2 and ",api-fights,f,1.0000," in lines[1]


def test_aggregates_and_index_filter_by_level_and_period(coordinator, world):
    c = signed_in(coordinator)
    rayon = c.get(f"{API}/aggregates/", {"territory": JETI_OGUZ, "territory_level": 2, "period": "2026-03"}).json()["results"]
    assert [(a["territory"], a["indicator"], a["value"], a["reports"]) for a in rayon] == [(JETI_OGUZ, "api-fights", "3.000000", 1)]
    assert c.get(f"{API}/aggregates/", {"period": "2026Q1"}).json()["count"] == 0  # a monthly indicator has no quarter
    assert c.get(f"{API}/index/", {"level": "orange"}).json()["count"] == 1
    assert c.get(f"{API}/index/", {"level": "red"}).json()["count"] == 0
    assert c.get(f"{API}/index/", {"period": "2026-02"}).json()["count"] == 0


def test_alert_filters(coordinator, world):
    c = signed_in(coordinator)
    assert c.get(f"{API}/alerts/", {"status": "raised", "severity": "orange", "territory": JETI_OGUZ}).json()["count"] == 1
    assert c.get(f"{API}/alerts/", {"status": "resolved"}).json()["count"] == 0
    assert c.get(f"{API}/alerts/", {"period": "2026-03", "open": "true"}).json()["count"] == 1
    assert c.get(f"{API}/alerts/", {"territory": SUZAK_RAYON}).json()["count"] == 0


# --- writing reports ------------------------------------------------------------------------------


def test_the_monitor_starts_fills_and_submits_a_report(monitor, world, refreshed):
    c = signed_in(monitor)
    started = c.post(f"{API}/reports/", {"form": "api-form", "territory": BARSKOON, "period": "2026-01"}, content_type="application/json")
    assert started.status_code == 201, started.json()
    report = started.json()
    assert (report["status"], report["period"], report["revision"]) == ("draft", "2026-01", 0)
    again = c.post(f"{API}/reports/", {"form": "api-form", "territory": BARSKOON, "period": "2026-01"}, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == report["id"]

    body = {"values": [{"indicator": "api-fights", "value": "4"}, {"indicator": "api-fights", "category": "f", "value": 1},
                       {"indicator": "api-appeals", "value": "10"}], "narrative": "Calm month", "revision": 0}
    saved = c.put(f"{API}/reports/{report['id']}/values/", body, content_type="application/json")
    assert saved.status_code == 200, saved.json()
    data = saved.json()["report"]
    assert data["revision"] == 1 and data["narrative"] == "Calm month"
    assert [(v["indicator"], v["category"], v["value"]) for v in data["values"]] == [
        ("api-appeals", "", "10.0000"), ("api-fights", "", "4.0000"), ("api-fights", "f", "1.0000"),
    ]
    patched = c.patch(f"{API}/reports/{report['id']}/values/", {"values": [{"indicator": "api-appeals", "value": ""}], "revision": 1},
                      content_type="application/json")
    assert patched.status_code == 200
    assert patched.json()["report"]["narrative"] == "Calm month"  # omitted: kept
    assert "value:api-appeals:" in patched.json()["warnings"]  # required total now missing

    refused = c.post(f"{API}/reports/{report['id']}/submit/")
    assert refused.status_code == 400 and "value:api-appeals:" in refused.json()
    c.patch(f"{API}/reports/{report['id']}/values/", {"values": [{"indicator": "api-appeals", "value": "9"}], "revision": 2},
            content_type="application/json")
    submitted = c.post(f"{API}/reports/{report['id']}/submit/")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert refreshed == [(report["id"], "submitted")]
    assert [e["action"] for e in submitted.json()["events"]][0] == "submitted"


def test_bad_values_save_nothing_and_name_the_fields(monitor, world):
    c = signed_in(monitor)
    rep = world["b_feb"]
    r = c.put(f"{API}/reports/{rep.pk}/values/", {"values": [{"indicator": "api-fights", "value": "many"},
                                                             {"indicator": "api-fights", "category": "x", "value": "2"}], "revision": 0},
              content_type="application/json")
    assert r.status_code == 400
    assert set(r.json()) == {"value:api-fights:", "value:api-fights:x"}
    assert DataValue.objects.get(report=rep, category="").value == Decimal(1)
    stale = c.put(f"{API}/reports/{rep.pk}/values/", {"values": [], "revision": 7}, content_type="application/json")
    assert stale.status_code == 400 and "revision" in stale.json()
    twice = c.put(f"{API}/reports/{rep.pk}/values/", {"values": [{"indicator": "api-fights", "value": "1"}] * 2, "revision": 0},
                  content_type="application/json")
    assert twice.status_code == 400 and "values" in twice.json()
    missing = c.put(f"{API}/reports/{rep.pk}/values/", {"values": []}, content_type="application/json")
    assert missing.status_code == 400 and "revision" in missing.json()


def test_starting_a_report_checks_the_input(monitor, world):
    c = signed_in(monitor)
    post = lambda **body: c.post(f"{API}/reports/", body, content_type="application/json")  # noqa: E731
    bad_period = post(form="api-form", territory=BARSKOON, period="March")
    assert bad_period.status_code == 400 and "period" in bad_period.json()
    quarter = post(form="api-form", territory=BARSKOON, period="2026Q1")
    assert quarter.status_code == 400 and "period" in quarter.json()
    future = post(form="api-form", territory=BARSKOON, period="2099-01")
    assert future.status_code == 400 and "period" in future.json()
    assert "form" in post(form="nope", territory=BARSKOON, period="2026-01").json()
    assert "territory" in post(form="api-form", territory="41799999999999", period="2026-01").json()
    assert post(form="api-form", territory=SUZAK_AA, period="2026-01").status_code == 403  # not the monitor's territory


def test_tokens_read_only_cannot_write_and_write_tokens_can(monitor, world):
    rep = world["b_feb"]
    body = {"values": [{"indicator": "api-fights", "value": "2"}], "revision": 0}
    read = with_token(monitor, "read")
    assert read.get(f"{API}/reports/{rep.pk}/").status_code == 200
    assert read.put(f"{API}/reports/{rep.pk}/values/", body, content_type="application/json").status_code == 403
    assert read.post(f"{API}/reports/{rep.pk}/submit/").status_code == 403
    assert read.post(f"{API}/alerts/{world['b_alert'].pk}/acknowledge/").status_code == 403
    assert Report.objects.get(pk=rep.pk).revision == 0
    write = with_token(monitor, "write")
    assert write.put(f"{API}/reports/{rep.pk}/values/", body, content_type="application/json").status_code == 200


def test_out_of_scope_reports_are_not_found_for_writing(monitor, world):
    c = signed_in(monitor)
    rep = world["s_march"]
    assert c.put(f"{API}/reports/{rep.pk}/values/", {"values": [], "revision": 0}, content_type="application/json").status_code == 404
    assert c.post(f"{API}/reports/{rep.pk}/submit/").status_code == 404
    assert c.post(f"{API}/reports/{rep.pk}/approve/").status_code == 404


def test_review_return_approve_and_reopen(monitor, coordinator, world, refreshed):
    rep = world["b_march"]
    m, c = signed_in(monitor), signed_in(coordinator)
    assert m.post(f"{API}/reports/{rep.pk}/approve/").status_code == 403  # a monitor cannot approve
    no_comment = c.post(f"{API}/reports/{rep.pk}/return/", {"comment": " "}, content_type="application/json")
    assert no_comment.status_code == 400 and "comment" in no_comment.json()
    returned = c.post(f"{API}/reports/{rep.pk}/return/", {"comment": "Check the count of fights"}, content_type="application/json")
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    assert returned.json()["events"][0]["comment"] == "Check the count of fights"
    Report.objects.filter(pk=rep.pk).update(status=Report.Status.SUBMITTED)
    approved = c.post(f"{API}/reports/{rep.pk}/approve/", {"comment": "ok"}, content_type="application/json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved_district"
    locked = m.put(f"{API}/reports/{rep.pk}/values/", {"values": [], "revision": 0}, content_type="application/json")
    assert locked.status_code == 400 and "status" in locked.json()
    no_reason = c.post(f"{API}/reports/{rep.pk}/reopen/", {"reason": ""}, content_type="application/json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    reopened = c.post(f"{API}/reports/{rep.pk}/reopen/", {"reason": "New data from the police"}, content_type="application/json")
    assert reopened.status_code == 200 and reopened.json()["status"] == "returned"
    assert list(ReportEvent.objects.filter(report=rep).values_list("action", flat=True)) == ["reopened", "approved", "returned"]


# --- alerts and plans ---------------------------------------------------------------------------


def test_the_coordinator_acknowledges_escalates_and_resolves(coordinator, monitor, world):
    c = signed_in(coordinator)
    alert = world["b_alert"]
    assert signed_in(monitor).post(f"{API}/alerts/{alert.pk}/acknowledge/").status_code == 403  # monitors do not review
    assert c.post(f"{API}/alerts/{world['s_alert'].pk}/acknowledge/").status_code == 404
    ack = c.post(f"{API}/alerts/{alert.pk}/acknowledge/", {"comment": "Calling the AO head"}, content_type="application/json")
    assert ack.status_code == 200, ack.json()
    assert (ack.json()["status"], ack.json()["acknowledged_by"]) == ("acknowledged", "jeti-oguz-coordinator")
    twice = c.post(f"{API}/alerts/{alert.pk}/acknowledge/")
    assert twice.status_code == 400 and "status" in twice.json()
    assert "comment" in c.post(f"{API}/alerts/{alert.pk}/escalate/").json()
    escalated = c.post(f"{API}/alerts/{alert.pk}/escalate/", {"comment": "Beyond the rayon"}, content_type="application/json")
    assert escalated.status_code == 200 and escalated.json()["escalated_to"]["code"] == JETI_OGUZ
    resolved = c.post(f"{API}/alerts/{alert.pk}/resolve/", {"comment": "Settled by the aksakal court"}, content_type="application/json")
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert [e["action"] for e in resolved.json()["events"]] == ["acknowledged", "escalated", "resolved"]
    assert AlertEvent.objects.filter(alert=alert).count() == 3


def test_opening_a_plan_for_an_alert(coordinator, world):
    c = signed_in(coordinator)
    body = {"territory": BARSKOON, "plan_type": "response", "title": "Answer to the March fights", "goal": "Calm the villages",
            "alerts": [world["b_alert"].pk], "from_template": False, "starts_on": "2026-04-01"}
    r = c.post(f"{API}/plans/", body, content_type="application/json")
    assert r.status_code == 201, r.json()
    data = r.json()
    assert (data["territory"]["code"], data["alerts"], data["measures"], data["starts_on"]) == (BARSKOON, [world["b_alert"].pk], [], "2026-04-01")
    assert Alert.objects.get(pk=world["b_alert"].pk).status == Alert.Status.RESPONDING
    assert c.get(f"{API}/plans/", {"alert": world["b_alert"].pk}).json()["count"] == 1
    foreign = c.post(f"{API}/plans/", {**body, "alerts": [world["s_alert"].pk]}, content_type="application/json")
    assert foreign.status_code == 400 and "alerts" in foreign.json()
    outside = c.post(f"{API}/plans/", {**body, "territory": SUZAK_AA, "alerts": []}, content_type="application/json")
    assert outside.status_code == 403
    empty = c.post(f"{API}/plans/", {**body, "title": "", "goal": "", "alerts": []}, content_type="application/json")
    assert empty.status_code == 400 and {"title", "goal"} <= set(empty.json())
    assert ResponsePlan.objects.filter(territory=world["barskoon"]).count() == 2  # world's plan + the new one


def test_a_plan_shows_its_measures_and_updates(coordinator, world):
    from aimak.monitoring.models import PlanMeasure, PlanUpdate

    plan = world["b_plan"]
    PlanMeasure.objects.create(plan=plan, title="Dialogue meeting", owner="AO head", budget=Decimal("15000"), order=1)
    PlanUpdate.objects.create(plan=plan, text="Meeting held", user=coordinator)
    data = signed_in(coordinator).get(f"{API}/plans/{plan.pk}/").json()
    assert [(m["title"], m["budget"], m["status"]) for m in data["measures"]] == [("Dialogue meeting", "15000.00", "planned")]
    assert [(u["text"], u["user"]) for u in data["updates"]] == [("Meeting held", "jeti-oguz-coordinator")]


# --- schema -------------------------------------------------------------------------------------


def test_the_openapi_schema_documents_every_monitoring_endpoint():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    for path in ["domains/", "indicators/", "indicators/{code}/", "indicators/{code}/versions/", "forms/", "forms/{code}/",
                 "reports/", "reports/{id}/", "reports/{id}/values/", "reports/{id}/submit/", "reports/{id}/return/",
                 "reports/{id}/approve/", "reports/{id}/reopen/", "values/", "aggregates/", "index/", "alerts/", "alerts/{id}/",
                 "alerts/{id}/acknowledge/", "alerts/{id}/escalate/", "alerts/{id}/resolve/", "plans/", "plans/{id}/"]:
        assert f"{API}/{path}" in paths, path
    assert set(paths[f"{API}/reports/{{id}}/values/"]) == {"put", "patch"}
    assert "post" in paths[f"{API}/reports/"] and "post" in paths[f"{API}/plans/"]
    params = {p["name"] for p in paths[f"{API}/reports/"]["get"]["parameters"]}
    assert {"form", "period", "status", "territory", "since", "limit", "offset"} <= params
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_lists_never_load_territory_boundaries(coordinator, world):
    """A rayon's outline is tens of kilobytes of JSON; decoding it for every row of a list made
    the 10-year trend answer ten times slower than its own SQL (issue 7's benchmark)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(coordinator)
    for path in ("reports/", "values/", "aggregates/", "index/", "alerts/", "plans/"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{API}/{path}").status_code == 200, path
        assert not [q["sql"] for q in queries.captured_queries if "geometry" in q["sql"]], path

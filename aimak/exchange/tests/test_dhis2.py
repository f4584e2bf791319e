"""DHIS2 dataValueSets: values in and out in DHIS2's shape, through the reporting services."""

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from aimak.accounts.tests.factories import person
from aimak.accounts.tokens import create_token
from aimak.audit.models import SecurityEvent
from aimak.monitoring import periods
from aimak.monitoring.models import DataValue, FormAssignment, Report, ReportEvent
from aimak.monitoring.services import analytics, reporting
from aimak.monitoring.tests import factories as mf
from aimak.territories.models import Territory

from ..services import dhis2
from ..services.delivery import Delivery, deliver

BARSKOON, JETI_OGUZ, SUZAK_RAYON, SUZAK_AA = "41702210815000", "41702210000000", "41703220000000", "41703220856000"
MARCH, FEBRUARY = date(2026, 3, 1), date(2026, 2, 1)
FULL = {("t-fights", ""): "3", ("t-fights", "f"): "1", ("t-trust", ""): "40", ("t-water", ""): "false", ("t-mood", ""): "2",
        ("t-protest", ""): "0"}
API = "/api/exchange/dhis2/dataValueSets"


# --- the period parser (no database) ----------------------------------------------------------

spans = st.one_of(
    st.builds(lambda y, m: periods.PeriodSpan(periods.MONTHLY, date(y, m, 1)), st.integers(1000, 9999), st.integers(1, 12)),
    st.builds(lambda y, q: periods.PeriodSpan(periods.QUARTERLY, date(y, 3 * q - 2, 1)), st.integers(1000, 9999), st.integers(1, 4)),
    st.builds(lambda y: periods.PeriodSpan(periods.YEARLY, date(y, 1, 1)), st.integers(1000, 9999)),
)


@given(spans)
def test_every_period_round_trips_between_iso_and_aimak_codes(span):
    iso = dhis2.period_to_iso(span)
    assert dhis2.period_from_iso(iso) == span
    assert dhis2.code_to_iso(span.code) == iso
    assert dhis2.iso_to_code(iso) == span.code
    assert periods.parse(dhis2.iso_to_code(iso)) == span


@given(st.one_of(st.text(max_size=20), st.text(alphabet="0123456789QWSB-", max_size=9), st.integers(), st.floats(),
                 st.none(), st.booleans(), st.lists(st.integers(), max_size=2), st.binary(max_size=8)))
def test_garbage_periods_are_refused_with_value_error_only(raw):
    try:
        span = dhis2.period_from_iso(raw)
    except ValueError:
        return
    # whatever was accepted is a real period that writes back the same way
    assert dhis2.period_to_iso(span) == str(raw).strip()


def test_periods_in_dhis2_forms():
    assert dhis2.period_from_iso("202603") == periods.PeriodSpan(periods.MONTHLY, MARCH)
    assert dhis2.period_from_iso("2026Q1") == periods.PeriodSpan(periods.QUARTERLY, date(2026, 1, 1))
    assert dhis2.period_from_iso(2026) == periods.PeriodSpan(periods.YEARLY, date(2026, 1, 1))
    for bad, reason in (("202613", "no month 13"), ("2026Q5", "quarters 1 to 4"), ("2026W3", "does not use"),
                        ("20260115", "does not use"), ("2026-03", "not a period"), ("٢٠٢٦", "not a period")):
        with pytest.raises(ValueError, match=reason):
            dhis2.period_from_iso(bad)


# --- set-up ------------------------------------------------------------------------------------

pytestmark = pytest.mark.django_db


@pytest.fixture
def real_analytics():
    """Asked for by the test that runs the live analysis for real."""


@pytest.fixture(autouse=True)
def quiet_analytics(request, monkeypatch):
    if "real_analytics" not in request.fixturenames:
        monkeypatch.setattr(analytics, "refresh_after_report", lambda report: None)


@pytest.fixture
def form(territory):
    form = mf.reporting_test_form()
    FormAssignment.objects.create(form=form, area=territory(JETI_OGUZ), kinds=["aiyl_aimak"])
    return form


@pytest.fixture
def coordinator():
    return person("jo-coordinator", "district_coordinator", JETI_OGUZ)


@pytest.fixture
def neighbour(territory):
    """Another aiyl aimak of Jeti-Oguz rayon, for payloads with several territories."""
    return Territory.objects.filter(path__startswith=territory(JETI_OGUZ).path, kind="aiyl_aimak", valid_to__isnull=True) \
        .exclude(code=BARSKOON).order_by("code").first()


def payload(values=FULL, org=BARSKOON, period="202603", **set_fields):
    return {**set_fields, "dataValues": [
        {"dataElement": code, "period": period, "orgUnit": org, "categoryOptionCombo": category or "total", "value": text}
        for (code, category), text in values.items()
    ]}


def run(actor, doc, **options):
    data = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    fmt = options.pop("fmt", "json")
    return dhis2.import_data_values(actor, data, fmt=fmt, options=dhis2.ImportOptions(**options))


def stored(territory_code=BARSKOON, period_start=MARCH):
    return {(v.indicator.code, v.category): v.value for v in DataValue.objects.filter(
        report__territory__code=territory_code, report__period_start=period_start).select_related("indicator")}


def counts(summary):
    return summary.as_dict()["importCount"]


def messages(summary):
    return " | ".join(c["value"] for c in summary.conflicts)


# --- importing ---------------------------------------------------------------------------------


def test_import_writes_a_submitted_report_and_answers_in_dhis2_shape(form, coordinator):
    summary = run(coordinator, payload())
    answer = summary.as_dict()
    assert answer["status"] == "SUCCESS" and answer["conflicts"] == []
    assert answer["importCount"] == {"imported": 6, "updated": 0, "ignored": 0, "deleted": 0}
    assert answer["importOptions"]["importStrategy"] == "CREATE_AND_UPDATE" and answer["importOptions"]["dryRun"] is False
    report = Report.objects.get(territory__code=BARSKOON, period_start=MARCH)
    assert report.status == Report.Status.SUBMITTED and report.submitted_by == coordinator
    assert stored() == {("t-fights", ""): 3, ("t-fights", "f"): 1, ("t-trust", ""): 40, ("t-water", ""): 0,
                        ("t-mood", ""): 2, ("t-protest", ""): 0}


def test_the_same_payload_twice_changes_nothing_the_second_time(form, coordinator):
    run(coordinator, payload())
    events, revision = ReportEvent.objects.count(), Report.objects.get().revision
    summary = run(coordinator, payload())
    assert counts(summary) == {"imported": 0, "updated": 0, "ignored": 6, "deleted": 0} and summary.status == "SUCCESS"
    assert ReportEvent.objects.count() == events and Report.objects.get().revision == revision


def test_changed_values_are_updated_and_the_rest_ignored(form, coordinator):
    run(coordinator, payload())
    summary = run(coordinator, payload({**FULL, ("t-fights", ""): "4", ("t-budget", ""): "1500.5"}))
    assert counts(summary) == {"imported": 1, "updated": 1, "ignored": 5, "deleted": 0}
    assert stored()[("t-fights", "")] == 4 and stored()[("t-budget", "")] == Decimal("1500.5")


def test_a_dry_run_counts_and_writes_nothing(form, coordinator):
    summary = run(coordinator, payload(), dry_run=True)
    assert summary.status == "SUCCESS" and counts(summary)["imported"] == 6 and not summary.committed
    assert "Dry run" in summary.description
    assert not Report.objects.exists() and not DataValue.objects.exists()


def test_strategy_create_only_adds(form, coordinator):
    run(coordinator, payload())
    summary = run(coordinator, payload({("t-fights", ""): "9", ("t-budget", ""): "100"}), strategy="CREATE")
    assert counts(summary) == {"imported": 1, "updated": 0, "ignored": 1, "deleted": 0}
    assert stored()[("t-fights", "")] == 3 and stored()[("t-budget", "")] == 100


def test_strategy_update_only_changes_what_exists(form, coordinator):
    run(coordinator, payload())
    summary = run(coordinator, payload({("t-fights", ""): "9", ("t-budget", ""): "100"}), strategy="UPDATE")
    assert counts(summary) == {"imported": 0, "updated": 1, "ignored": 1, "deleted": 0}
    assert stored()[("t-fights", "")] == 9 and ("t-budget", "") not in stored()


def test_strategy_delete_removes_the_values_named(form, coordinator):
    run(coordinator, payload({**FULL, ("t-budget", ""): "100"}))
    summary = run(coordinator, payload({("t-budget", ""): "100", ("t-fights", "f"): "", ("t-fights", "m"): "1"}), strategy="DELETE")
    assert counts(summary) == {"imported": 0, "updated": 0, "ignored": 1, "deleted": 2}
    assert ("t-budget", "") not in stored() and ("t-fights", "f") not in stored() and stored()[("t-fights", "")] == 3
    assert Report.objects.get().status == Report.Status.SUBMITTED


def test_an_empty_value_or_deleted_flag_removes_a_value_as_in_dhis2(form, coordinator):
    run(coordinator, payload({**FULL, ("t-budget", ""): "100"}))
    doc = payload({("t-budget", ""): "", ("t-fights", "f"): "1"})
    doc["dataValues"][1]["deleted"] = True
    summary = run(coordinator, doc)
    assert counts(summary) == {"imported": 0, "updated": 0, "ignored": 0, "deleted": 2}
    assert ("t-budget", "") not in stored() and ("t-fights", "f") not in stored()


def _two_reports(neighbour, bad_text="140"):
    doc = payload()
    doc["dataValues"] += payload({**FULL, ("t-trust", ""): bad_text}, org=neighbour.code)["dataValues"]
    return doc


def test_all_or_nothing_by_default(form, coordinator, neighbour):
    summary = run(coordinator, _two_reports(neighbour))
    assert summary.status == "ERROR" and not summary.committed
    assert counts(summary) == {"imported": 0, "updated": 0, "ignored": 12, "deleted": 0}
    assert summary.conflicts == [{"object": "t-trust", "indexes": [8],
                                  "value": "value 9: value “140”: Trust in the aiyl okmotu: a percentage must be between 0 and 100."}]
    assert not Report.objects.exists()


def test_atomic_mode_none_imports_the_valid_reports(form, coordinator, neighbour):
    summary = run(coordinator, _two_reports(neighbour), atomic=False)
    assert summary.status == "WARNING" and summary.committed
    assert counts(summary) == {"imported": 6, "updated": 0, "ignored": 6, "deleted": 0}
    assert len(stored()) == 6 and stored(neighbour.code) == {}
    assert summary.as_dict()["importOptions"]["atomicMode"] == "NONE"


def test_reporting_validation_errors_become_conflicts_naming_the_row(form, coordinator):
    summary = run(coordinator, payload({**FULL, ("t-fights", "f"): "5"}))
    assert summary.status == "ERROR"
    assert any(c["object"] == "t-fights" and c["indexes"] == [1] and c["value"].startswith("value 2: 41702210815000, 202603, t-fights [f]:")
               and "more than the total" in c["value"] for c in summary.conflicts)
    incomplete = run(coordinator, payload({("t-fights", ""): "3"}))
    assert "t-trust [total]" in messages(incomplete) and "the total is required" in messages(incomplete)
    assert not Report.objects.filter(status=Report.Status.SUBMITTED).exists() and not DataValue.objects.exists()


@pytest.mark.parametrize("change, obj, reason", [
    ({"dataElement": "nope"}, "nope", "no indicator has the code “nope”"),
    ({"dataElement": "t-rate"}, "t-rate", "calculated from other indicators"),
    ({"dataElement": ""}, "dataElement", "dataElement is missing"),
    ({"orgUnit": "41799999999999"}, "41799999999999", "no territory has the SOATE code"),
    ({"orgUnit": "Barskoon"}, "Barskoon", "no territory has the SOATE code"),
    ({"orgUnit": SUZAK_AA}, "t-fights", "on no form in use that Suzak"),
    ({"categoryOptionCombo": "x"}, "x", "has no categoryOptionCombo “x”; use one of: total, f, m"),
    ({"period": "202613"}, "202613", "there is no month 13"),
    ({"period": "2026Q5"}, "2026Q5", "quarters 1 to 4"),
    ({"period": "2026Q1"}, "2026Q1", "t-fights is reported monthly; the period “2026Q1” is quarterly"),
    ({"period": "2026W10"}, "2026W10", "period type Aimak does not use"),
    ({"value": "three"}, "t-fights", "value “three”: Fights: enter a whole number"),
    ({"value": "-1"}, "t-fights", "a count cannot be negative"),
    ({"value": {"n": 3}}, "dataValue", "“value” must be text or a number"),
])
def test_each_bad_value_is_a_precise_conflict(form, coordinator, change, obj, reason):
    doc = payload()
    doc["dataValues"][0].update(change)
    summary = run(coordinator, doc)
    assert summary.status == "ERROR" and not DataValue.objects.exists()
    first = summary.conflicts[0]
    assert first["object"] == obj and first["value"].startswith("value 1: ") and reason in first["value"], first
    assert first["indexes"] == [0]


def test_wrong_value_types_are_read_by_the_indicator(form, coordinator):
    summary = run(coordinator, payload({**FULL, ("t-water", ""): "maybe", ("t-mood", ""): "7", ("t-trust", ""): "1.23456"}))
    text = messages(summary)
    assert "Water dispute: answer yes or no" in text and "choose a score from 1 to 5" in text and "at most 4 decimal places" in text
    assert len(summary.conflicts) == 3


def test_duplicated_rows_are_refused(form, coordinator):
    doc = payload()
    doc["dataValues"].append({**doc["dataValues"][0], "value": "4", "categoryOptionCombo": ""})
    summary = run(coordinator, doc, atomic=False)
    assert summary.conflicts[0]["object"] == "t-fights" and summary.conflicts[0]["indexes"] == [0, 6]
    assert "value 7 repeats value 1" in summary.conflicts[0]["value"]
    # which of the two is right is not Aimak's to guess: that report is not written
    assert len(summary.conflicts) == 1 and stored() == {}
    assert counts(summary)["ignored"] == 7 and summary.status == "ERROR"


def test_set_level_period_and_org_unit_are_defaults(form, coordinator):
    doc = {"dataSet": "t-monthly", "period": "202603", "orgUnit": BARSKOON, "attributeOptionCombo": "whatever",
           "dataValues": [{"dataElement": c, "categoryOptionCombo": cat, "value": v, "attributeOptionCombo": "x"}
                          for (c, cat), v in FULL.items()]}
    doc["dataValues"][0]["value"] = 3  # a JSON number
    summary = run(coordinator, doc)
    assert summary.status == "SUCCESS" and counts(summary)["imported"] == 6
    wrong_set = run(coordinator, {**doc, "dataSet": "other-form"})
    assert "not on the form “other-form”" in messages(wrong_set)


def test_malformed_payloads_cannot_be_read(form, coordinator):
    with pytest.raises(dhis2.PayloadError, match="malformed at line 1, column"):
        run(coordinator, b'{"dataValues": [')
    with pytest.raises(dhis2.PayloadError, match="list “dataValues”"):
        run(coordinator, b'[1, 2]')
    with pytest.raises(dhis2.PayloadError, match="CSV is malformed at line 2"):
        run(coordinator, b'dataelement,period,orgunit,catoptcombo,attroptcombo,value\nt-fights,202603,41702210815000,total,,"3"x\n', fmt="csv")
    with pytest.raises(dhis2.PayloadError, match="no data values"):
        run(coordinator, b"dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value\n", fmt="csv")
    with pytest.raises(dhis2.PayloadError, match="lacks the columns value"):
        run(coordinator, b"dataelement,period,orgunit\nt-fights,202603,41702210815000\n", fmt="csv")
    with pytest.raises(dhis2.PayloadError, match="not a text file"):
        run(coordinator, b"\x00\x01\x02", fmt="csv")


def test_oversized_payloads_are_refused(form, coordinator, monkeypatch):
    monkeypatch.setattr(dhis2, "MAX_VALUES", 5)
    with pytest.raises(dhis2.PayloadTooLarge, match="at most 20 MB and 5 values"):
        run(coordinator, payload())
    with pytest.raises(dhis2.PayloadTooLarge):
        run(coordinator, _csv(payload()), fmt="csv")
    monkeypatch.setattr(dhis2, "MAX_BYTES", 100)
    with pytest.raises(dhis2.PayloadTooLarge):
        run(coordinator, b" " * 101)


def _csv(doc, header=True, encoding="utf-8"):
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(["dataelement", "period", "orgunit", "catoptcombo", "attroptcombo", "value", "storedby", "lastupdated", "comment", "followup"])
    for v in doc["dataValues"]:
        writer.writerow([v["dataElement"], v["period"], v["orgUnit"], v["categoryOptionCombo"], "", v["value"], "dhis", "", "", "false"])
    return out.getvalue().encode(encoding)


def test_csv_with_or_without_header_and_in_cp1251(form, coordinator):
    values = {**FULL, ("t-water", ""): "нет"}
    summary = run(coordinator, _csv(payload(values), encoding="cp1251"), fmt="csv")
    assert summary.status == "SUCCESS" and counts(summary)["imported"] == 6 and stored()[("t-water", "")] == 0
    again = run(coordinator, _csv(payload({**FULL, ("t-fights", ""): "5"}), header=False), fmt="csv")
    assert counts(again) == {"imported": 0, "updated": 1, "ignored": 5, "deleted": 0}
    short = run(coordinator, b"t-fights,202603,41702210815000\n", fmt="csv")
    assert short.conflicts[0]["value"].startswith("line 1: the row has 3 columns")


def test_an_approved_report_is_a_conflict_naming_the_place_and_period(form, coordinator):
    run(coordinator, payload())
    reporting.approve(person("jo-other", "district_coordinator", JETI_OGUZ), Report.objects.get())
    summary = run(coordinator, payload({**FULL, ("t-fights", ""): "4"}))
    assert summary.status == "ERROR" and summary.conflicts[0]["object"] == BARSKOON
    assert "report of Barskoon" in summary.conflicts[0]["value"] and "(41702210815000) for 202603 is approved and locked" in summary.conflicts[0]["value"]
    assert stored()[("t-fights", "")] == 3
    assert counts(run(coordinator, payload()))["ignored"] == 6  # the same values: nothing to refuse


def test_out_of_scope_territories_are_refused_and_logged(form, coordinator):
    suzak = person("suzak", "district_coordinator", SUZAK_RAYON)
    summary = run(suzak, payload(), atomic=False)
    assert summary.status == "ERROR" and summary.conflicts[0]["object"] == BARSKOON
    assert "You may not import data for Barskoon" in summary.conflicts[0]["value"]
    assert not Report.objects.exists()
    assert SecurityEvent.objects.filter(kind="permission_refused", user=suzak, detail__action="dhis2_import").exists()


def test_an_analyst_may_read_but_not_write(form):
    analyst = person("analyst", "national_analyst", "41700000000000")
    assert "You may not import data" in messages(run(analyst, payload()))


def test_import_refreshes_the_live_analysis(form, coordinator, real_analytics):
    from aimak.monitoring.models import AggregateValue

    run(coordinator, payload())
    barskoon = AggregateValue.objects.filter(indicator__code="t-fights", territory__code=JETI_OGUZ, period_start=MARCH, category="")
    assert barskoon.get().value == 3


# --- exporting ---------------------------------------------------------------------------------


@pytest.fixture
def reports(form, coordinator, neighbour, territory):
    """Barskoon March and February, the neighbour March (submitted), a draft for the neighbour in February."""
    deliver(coordinator, Delivery(form, territory(BARSKOON), MARCH, dict(FULL)))
    deliver(coordinator, Delivery(form, territory(BARSKOON), FEBRUARY, {**FULL, ("t-fights", ""): "7", ("t-budget", ""): "1200.25"}))
    deliver(coordinator, Delivery(form, neighbour, MARCH, {**FULL, ("t-protest", "f_18_29"): "0", ("t-water", ""): "да"}))
    deliver(coordinator, Delivery(form, neighbour, FEBRUARY, {("t-fights", ""): "99"}), submit=False)
    return neighbour


def everything():
    return {(v.territory.code, v.period_start, v.indicator.code, v.category): v.value
            for v in DataValue.objects.filter(report__status__in=Report.COUNTED).select_related("territory", "indicator")}


def get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, getattr(response, "content", b"")
    return b"".join(response.streaming_content).decode("utf-8")


def test_export_json_holds_only_counted_values_in_dhis2_shape(reports, coordinator):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(coordinator)
    doc = json.loads(get(client, API + ".json"))
    assert len(doc["dataValues"]) == 6 + 7 + 7
    first = doc["dataValues"][0]
    assert set(first) == {"dataElement", "period", "orgUnit", "categoryOptionCombo", "attributeOptionCombo", "value",
                          "storedBy", "created", "lastUpdated", "comment", "followup"}
    assert {v["value"] for v in doc["dataValues"] if v["dataElement"] == "t-budget"} == {"1200.25"}
    assert {v["value"] for v in doc["dataValues"] if v["dataElement"] == "t-water"} == {"true", "false"}
    assert "99" not in {v["value"] for v in doc["dataValues"]}  # the draft
    assert {v["storedBy"] for v in doc["dataValues"]} == {"jo-coordinator"}
    by_period = json.loads(get(client, API, period="202602", orgUnit=BARSKOON))
    assert len(by_period["dataValues"]) == 7 and {v["period"] for v in by_period["dataValues"]} == {"202602"}
    assert len(json.loads(get(client, API, orgUnit=JETI_OGUZ))["dataValues"]) == 0
    assert len(json.loads(get(client, API, orgUnit=JETI_OGUZ, children="true"))["dataValues"]) == 20
    assert len(json.loads(get(client, API, dataSet="t-monthly", startDate="2026-03-01", endDate="2026-03-31"))["dataValues"]) == 13
    assert len(json.loads(get(client, API, lastUpdated="2999-01-01"))["dataValues"]) == 0
    assert client.get(API, {"period": "202613"}).status_code == 400
    assert "no form has the code" in client.get(API, {"dataSet": "nope"}).json()["detail"]


def test_export_csv_in_dhis2_column_order(reports, coordinator):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(coordinator)
    text = get(client, API + ".csv", orgUnit=BARSKOON, period="202603")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["dataelement", "period", "orgunit", "categoryoptioncombo", "attributeoptioncombo", "value",
                       "storedby", "lastupdated", "comment", "followup"]
    assert rows[1][:6] == ["t-fights", "202603", BARSKOON, "total", "", "3"] and rows[2][:6] == ["t-fights", "202603", BARSKOON, "f", "", "1"]
    assert len(rows) == 7
    response = client.get(API, HTTP_ACCEPT="text/csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")


def test_export_is_limited_to_the_requesters_territories(reports):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(person("barskoon-monitor", "local_monitor", BARSKOON))
    doc = json.loads(get(client, API + ".json"))
    assert {v["orgUnit"] for v in doc["dataValues"]} == {BARSKOON} and len(doc["dataValues"]) == 13
    client.force_login(person("suzak", "district_coordinator", SUZAK_RAYON))
    assert json.loads(get(client, API + ".json"))["dataValues"] == []


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_round_trip_export_then_import_into_an_empty_aimak(reports, coordinator, fmt):
    before = everything()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(coordinator)
    exported = get(client, f"{API}.{fmt}").encode("utf-8")
    Report.objects.all().delete()
    assert not DataValue.objects.exists()
    summary = run(coordinator, exported, fmt=fmt)
    assert summary.status == "SUCCESS", summary.conflicts
    assert counts(summary) == {"imported": 20, "updated": 0, "ignored": 0, "deleted": 0}
    assert everything() == before
    assert counts(run(coordinator, exported, fmt=fmt)) == {"imported": 0, "updated": 0, "ignored": 20, "deleted": 0}


# --- the API -----------------------------------------------------------------------------------


def token_client(user, scope):
    _token, key = create_token(user=user, name=f"{scope} token", scope=scope, days=5)
    return Client(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")


def test_api_import_with_a_write_token(form, coordinator):
    client = token_client(coordinator, "write")
    response = client.post(API + "?dryRun=true", json.dumps(payload()), content_type="application/json")
    assert response.status_code == 200 and response.json()["importCount"]["imported"] == 6 and not Report.objects.exists()
    response = client.post(API, _csv(payload()), content_type="application/csv")
    assert response.status_code == 200 and response.json()["status"] == "SUCCESS" and len(stored()) == 6
    response = client.post(API + "?importStrategy=DELETE", json.dumps(payload({("t-fights", "f"): "1"})), content_type="application/json")
    assert response.json()["importCount"]["deleted"] == 1


def test_api_imports_only_at_the_main_address(form, coordinator):
    client = token_client(coordinator, "write")
    assert client.post(API + ".json", json.dumps(payload()), content_type="application/json").status_code == 405
    upload = io.BytesIO(b"{}")
    upload.name = "x.json"
    refused = client.post(API, {"file": upload})
    assert refused.status_code == 415 and "not as a form" in refused.json()["description"]


def test_api_refuses_read_only_tokens_to_write(form, coordinator):
    client = token_client(coordinator, "read")
    response = client.post(API, json.dumps(payload()), content_type="application/json")
    assert response.status_code == 403 and not Report.objects.exists()
    assert client.get(API + ".json").status_code == 200
    assert Client().post(API, json.dumps(payload()), content_type="application/json").status_code in (401, 403)


def test_api_answers_conflicts_and_bad_requests(form, coordinator, monkeypatch):
    client = token_client(coordinator, "write")
    conflict = client.post(API, json.dumps(payload({**FULL, ("t-trust", ""): "abc"})), content_type="application/json")
    assert conflict.status_code == 409 and conflict.json()["status"] == "ERROR" and conflict.json()["conflicts"][0]["object"] == "t-trust"
    for query, reason in (("idScheme=uid", "idScheme=uid is not supported; send idScheme=code"),
                          ("orgUnitIdScheme=name", "orgUnitIdScheme=name is not supported"),
                          ("importStrategy=MERGE", "importStrategy must be one of"),
                          ("atomicMode=SOME", "atomicMode must be ALL or NONE"),
                          ("dryRun=perhaps", "dryRun must be true or false")):
        bad = client.post(f"{API}?{query}", json.dumps(payload()), content_type="application/json")
        assert bad.status_code == 400 and reason in bad.json()["description"], query
    malformed = client.post(API, b"{oops", content_type="application/json")
    assert malformed.status_code == 400 and "JSON is malformed" in malformed.json()["conflicts"][0]["value"]
    monkeypatch.setattr(dhis2, "MAX_BYTES", 50)
    big = client.post(API, json.dumps(payload()), content_type="application/json")
    assert big.status_code == 413 and "too large" in big.json()["description"]
    suzak = token_client(person("suzak", "district_coordinator", SUZAK_RAYON), "write")
    monkeypatch.setattr(dhis2, "MAX_BYTES", 20 * 1024 * 1024)
    refused = suzak.post(API, json.dumps(payload()), content_type="application/json")
    assert refused.status_code == 409 and "You may not import data for" in refused.json()["conflicts"][0]["value"]
    assert not Report.objects.exists()


def test_api_schema_documents_the_endpoint(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(person("schema-reader", "national_analyst", "41700000000000"))
    response = client.get("/api/schema/")
    assert response.status_code == 200 and b"dhis2_data_value_sets_import" in response.content


# --- the page ----------------------------------------------------------------------------------


def test_the_page_imports_and_shows_every_conflict(form, coordinator):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(coordinator)
    client.cookies["aimak_language"] = "en"
    page = client.get("/exchange/dhis2/")
    assert page.status_code == 200 and b"Download CSV" in page.content
    upload = io.BytesIO(json.dumps(payload({**FULL, ("t-mood", ""): "9"})).encode())
    upload.name = "march.json"
    response = client.post("/exchange/dhis2/", {"file": upload, "dry_run": "", "strategy": "CREATE_AND_UPDATE", "mode": "ALL"})
    text = response.content.decode()
    assert response.status_code == 200 and "Mood: choose a score from 1 to 5" in text and "Nothing was imported (conflicts: 1)" in text
    upload = io.BytesIO(_csv(payload()))
    upload.name = "march.csv"
    response = client.post("/exchange/dhis2/", {"file": upload, "dry_run": "on", "strategy": "CREATE_AND_UPDATE", "mode": "NONE"})
    assert "Dry run: the import would succeed" in response.content.decode() and not Report.objects.exists()
    broken = io.BytesIO(b"{")
    broken.name = "broken.json"
    response = client.post("/exchange/dhis2/", {"file": broken, "strategy": "CREATE", "mode": "ALL"})
    assert "JSON is malformed" in response.content.decode()


def test_the_page_speaks_the_page_language(form, coordinator):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(coordinator)
    client.cookies["aimak_language"] = "ru"
    upload = io.BytesIO(json.dumps(payload({**FULL, ("t-mood", ""): "9"})).encode())
    upload.name = "march.json"
    response = client.post("/exchange/dhis2/", {"file": upload, "strategy": "CREATE_AND_UPDATE", "mode": "ALL"})
    assert response.status_code == 200 and "выберите оценку от 1 до 5" in response.content.decode()


def test_the_page_is_for_coordinators_and_analysts(form, reports):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(person("barskoon-monitor", "local_monitor", BARSKOON))
    assert client.get("/exchange/dhis2/").status_code == 403
    client.force_login(person("analyst", "national_analyst", "41700000000000"))
    assert client.get("/exchange/dhis2/").status_code == 200
    doc = json.loads(get(client, "/exchange/dhis2/dataValueSets.json", orgUnit=BARSKOON))
    assert len(doc["dataValues"]) == 13
    text = get(client, "/exchange/dhis2/dataValueSets.csv", period="202603")
    assert text.count("\n") == 1 + 13
    bad = client.get("/exchange/dhis2/dataValueSets.csv", {"period": "2026Q9"})
    assert bad.status_code == 302


def test_incident_counts_are_exported_but_not_imported(coordinator):
    """The register's figures leave Aimak like any value; coming back they would bypass the
    incidents they are counted from, so each is a conflict that says what to send instead."""
    from django.core.management import call_command

    call_command("load_monitoring_catalogue", stdout=__import__("io").StringIO())
    summary = run(coordinator, payload({("fatalities", ""): "1", ("intergroup-fights", ""): "2"}))
    assert counts(summary)["imported"] == 0 and not DataValue.objects.exists()
    assert "Aimak counts it from incident reports" in " | ".join(c["value"] for c in summary.conflicts)

"""Partners' own Kobo forms read through a mapping: delivered into the right report, once, edits
replace; every check of a mapping names its row; only people who configure the country change
mappings; a form definition lists its questions."""

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook

from aimak.accounts.models import Role
from aimak.accounts.tests.factories import person
from aimak.accounts.tokens import create_integration_secret
from aimak.audit.models import ChangeRecord
from aimak.monitoring.models import DataValue, FormAssignment, FormIndicator, Report, ReportEvent
from aimak.monitoring.tests import factories as mf

from ..models import FormMapping, FormMappingRow, Submission
from ..services import mappings as services

pytestmark = pytest.mark.django_db

BARSKOON, JETI_OGUZ, COUNTRY = "41702210815000", "41702210000000", "41700000000000"
WEBHOOK = "/api/exchange/kobo/submissions"
XFORM_ID = "aPartnerVillage01"
ROWS = [
    {"question": "grp_incidents/fights_total", "indicator": "t-fights", "category": "total"},
    {"question": "grp_incidents/fights_women", "indicator": "t-fights", "category": "f"},
    {"question": "grp_incidents/water_dispute", "indicator": "t-water", "category": ""},
]


@pytest.fixture(autouse=True)
def quick_analytics(monkeypatch, request):
    if "real_analytics" not in request.fixturenames:
        monkeypatch.setattr("aimak.monitoring.services.analytics.refresh_after_report", lambda report: None)


@pytest.fixture
def real_analytics():
    """Asked for by the tests that run the live analysis for real."""


@pytest.fixture
def partner_form(territory):
    """A monthly form with fights (split by sex), a water dispute yes/no and a formula."""
    mf.reporting_test_form()  # makes the test indicators (and a form of its own, unused here)
    indicators = [mf.indicator(code) for code in ("t-fights", "t-water", "t-rate")]
    form = mf.form("p-monthly", indicators=indicators, period_type="monthly")
    FormAssignment.objects.create(form=form, area=territory(JETI_OGUZ), kinds=["aiyl_aimak"])
    return form


@pytest.fixture
def analyst(partner_form):
    return person("analyst", "national_analyst", COUNTRY)


def mapping_data(**changes):
    data = {
        "name": "UNDP village survey", "xform_id": XFORM_ID, "form": "p-monthly",
        "territory_question": "grp_site/village_code", "territory_choices": {"barskoon": BARSKOON},
        "period_rule": "date", "period_question": "today", "narrative_question": "grp_notes/what_happened",
        "sources_question": "", "is_active": True,
    }
    data.update(changes)
    return data


@pytest.fixture
def mapping(analyst):
    return services.create_mapping(analyst, mapping_data(), ROWS)


@pytest.fixture
def secret(partner_form, territory):
    _s, key = create_integration_secret(created_by=None, name="undp-barskoon", role=Role.objects.get(code="local_monitor"),
                                        territory=territory(BARSKOON))
    return key


def partner_record(instance, *, village="barskoon", today="2026-03-28", total="4", women="1", water="no",
                   deprecated="", xform_id=XFORM_ID, submitted="2026-04-02T08:00:00", **extra) -> dict:
    """A submission of the partner's own form as Kobo's REST service posts it."""
    record = {
        "_id": 5012,
        "formhub/uuid": "9d1e7c3b2a4f4e8d9c0b1a2f3e4d5c6b",
        "start": "2026-03-28T09:12:40.000+06:00",
        "end": "2026-03-28T09:31:02.000+06:00",
        "today": today,
        "grp_site/village_code": village,
        "grp_site/enumerator": "Aida",
        "grp_incidents/fights_total": total,
        "grp_incidents/fights_women": women,
        "grp_incidents/water_dispute": water,
        "grp_notes/what_happened": "Two families quarrelled over irrigation turns.",
        "__version__": "vHx3bXr9uQpT2kLmN8",
        "meta/instanceID": instance,
        "_xform_id_string": xform_id,
        "_uuid": instance.removeprefix("uuid:"),
        "_attachments": [],
        "_status": "submitted_via_web",
        "_geolocation": [42.1, 77.6],
        "_submission_time": submitted,
        "_tags": [],
        "_notes": [],
        "_validation_status": {},
        "_submitted_by": "undp_field",
        **extra,
    }
    for key in [k for k, v in record.items() if v is None]:
        del record[key]
    if deprecated:
        record["meta/deprecatedID"] = deprecated
    return record


def post_kobo(client, record, key):
    return client.post(WEBHOOK, json.dumps(record), content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}",
                       HTTP_ACCEPT_LANGUAGE="en")


def values_of(report):
    return {(v.indicator.code, v.category): v.value for v in DataValue.objects.filter(report=report).select_related("indicator")}


# --- delivered through the mapping ----------------------------------------------------------


def test_a_partner_submission_is_delivered_once_and_its_edit_replaces(client, mapping, secret, real_analytics):
    from aimak.monitoring.models import AggregateValue

    first = partner_record("uuid:p-1")
    response = post_kobo(client, first, secret)
    assert response.status_code == 201, response.json()
    report = Report.objects.get()
    assert (report.form.code, report.territory.code, report.period_start) == ("p-monthly", BARSKOON, date(2026, 3, 1))
    assert report.status == Report.Status.SUBMITTED and response.json()["report"] == report.pk
    assert values_of(report) == {("t-fights", ""): Decimal(4), ("t-fights", "f"): Decimal(1), ("t-water", ""): Decimal(0)}
    assert report.narrative == "Two families quarrelled over irrigation turns."
    stored = Submission.objects.get(instance_id="uuid:p-1")
    assert stored.status == "accepted" and stored.form_code == "p-monthly" and stored.territory.code == BARSKOON
    assert stored.result["message"]["en"] == "Accepted: the report of Barskoon aiyl aimak for 2026-03 was submitted."
    rayon = AggregateValue.objects.get(indicator__code="t-fights", territory__code=JETI_OGUZ, period_start=date(2026, 3, 1), category="")
    assert rayon.value == Decimal(4)

    again = post_kobo(client, first, secret)  # Kobo retries: the same instance changes nothing
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert Submission.objects.count() == 1 and ReportEvent.objects.filter(report=report).count() == 2

    edit = partner_record("uuid:p-2", total="6", women=None, deprecated="uuid:p-1")
    response = post_kobo(client, edit, secret)
    assert response.status_code == 201, response.json()
    report.refresh_from_db()
    assert values_of(report) == {("t-fights", ""): Decimal(6), ("t-water", ""): Decimal(0)}  # the women's figure left out is gone
    assert Submission.objects.get(instance_id="uuid:p-1").status == "replaced"
    assert Report.objects.count() == 1
    rayon.refresh_from_db()
    assert rayon.value == Decimal(6)


def test_odk_collect_instances_of_a_partner_form_are_read_by_their_paths(client, mapping, secret):
    import base64

    xml = (
        f'<?xml version="1.0"?><data xmlns:jr="http://openrosa.org/javarosa" id="{XFORM_ID}" version="2026031201">'
        "<today>2026-03-05</today><grp_site><village_code>41702210815000</village_code><enumerator>Aida</enumerator></grp_site>"
        "<grp_incidents><fights_total>2</fights_total><fights_women>2</fights_women><water_dispute>yes</water_dispute></grp_incidents>"
        "<grp_notes><what_happened/></grp_notes><meta><instanceID>uuid:odk-p-1</instanceID></meta></data>"
    ).encode()
    data = {"xml_submission_file": SimpleUploadedFile("submission.xml", xml, content_type="text/xml")}
    auth = "Basic " + base64.b64encode(f"aida:{secret}".encode()).decode()
    response = client.post("/submission", data, HTTP_AUTHORIZATION=auth, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 201, response.content
    stored = Submission.objects.get()
    assert stored.form_code == "p-monthly" and stored.channel == "openrosa"
    assert values_of(stored.report) == {("t-fights", ""): Decimal(2), ("t-fights", "f"): Decimal(2), ("t-water", ""): Decimal(1)}


def test_without_a_mapping_in_use_a_partner_form_is_still_an_unknown_form(client, mapping, secret, analyst):
    services.update_mapping(analyst, mapping, mapping_data(is_active=False), ROWS)
    response = post_kobo(client, partner_record("uuid:off-1"), secret)
    assert response.status_code == 422
    assert "Unknown form “aPartnerVillage01”" in response.json()["message"]
    other = post_kobo(client, partner_record("uuid:other-1", xform_id="aSomethingElse9"), secret)
    assert other.status_code == 422 and "Unknown form “aSomethingElse9”" in other.json()["message"]
    assert Report.objects.count() == 0


@pytest.mark.parametrize("change, field, text", [
    ({"village": "tamga"}, "territory", "The territory question “grp_site/village_code” gave “tamga”"),
    ({"village": ""}, "territory", "no answer to the territory question “grp_site/village_code”"),
    ({"today": "28.03.2026"}, "period", "The period question “today” gave “28.03.2026”, which is not a date"),
    ({"today": "2099-01-10"}, "period", "has not begun yet"),
    ({"total": "many"}, "value:t-fights:", ""),
])
def test_wrong_answers_are_refused_naming_the_question(client, mapping, secret, change, field, text):
    response = post_kobo(client, partner_record("uuid:bad-1", **change), secret)
    assert response.status_code == 422, response.json()
    assert field in response.json()["errors"] and text in response.json()["message"]
    stored = Submission.objects.get()
    assert stored.status == "rejected" and stored.form_code == "p-monthly" and set(stored.result["errors"]) == {"ky", "ru", "en"}
    assert Report.objects.count() == 0


def test_a_soate_answer_needs_no_table_and_a_territory_outside_the_secret_is_refused(client, mapping, secret):
    assert post_kobo(client, partner_record("uuid:code-1", village=BARSKOON), secret).status_code == 201
    response = post_kobo(client, partner_record("uuid:far-1", village="41703220856000"), secret)
    assert response.status_code == 403 and "may not report for" in response.json()["message"]


def test_the_period_read_as_a_code_or_as_the_month_before_the_submission(analyst, mapping):
    by_code = services.update_mapping(analyst, mapping, mapping_data(period_rule="code", period_question="grp_site/period"), ROWS)
    assert services.apply(by_code, partner_record("uuid:x", **{"grp_site/period": "202603"})).period_start == date(2026, 3, 1)
    assert services.apply(by_code, partner_record("uuid:x", **{"grp_site/period": "2026-02"})).period_start == date(2026, 2, 1)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.apply(by_code, partner_record("uuid:x", **{"grp_site/period": "2026Q1"}))
    assert "is reported monthly; 2026Q1 is not such a period" in caught.value.message_dict["period"][0]

    previous = services.update_mapping(analyst, mapping, mapping_data(period_rule="previous", period_question=""), ROWS)
    delivery = services.apply(previous, partner_record("uuid:x", submitted="2026-04-02T08:00:00"))
    assert delivery.period_start == date(2026, 3, 1)
    no_stamp = partner_record("uuid:x")
    del no_stamp["_submission_time"]
    assert services.apply(previous, no_stamp, received=date(2026, 1, 15)).period_start == date(2025, 12, 1)
    assert delivery.values == {("t-fights", ""): "4", ("t-fights", "f"): "1", ("t-water", ""): "no"}


def test_a_question_moved_to_another_group_is_still_found_by_its_name(mapping):
    record = partner_record("uuid:x")
    record["grp_counts/fights_total"] = record.pop("grp_incidents/fights_total")
    assert services.apply(mapping, record).values[("t-fights", "")] == "4"


# --- checks of a mapping ----------------------------------------------------------------------


@pytest.mark.parametrize("rows, key, text", [
    ([*ROWS, {"question": "grp_x/q", "indicator": "no-such", "category": ""}], "row:3", "Row 4 (grp_x/q): there is no indicator with the code “no-such”."),
    ([*ROWS, {"question": "grp_x/rate", "indicator": "t-rate", "category": ""}], "row:3", "Row 4 (grp_x/rate): “Fights per trust point” is computed from other indicators"),
    ([*ROWS, {"question": "grp_x/trust", "indicator": "t-trust", "category": ""}], "row:3", "Row 4 (grp_x/trust): “Trust in the aiyl okmotu” is not on the form “p-monthly”."),
    ([*ROWS, {"question": "grp_x/kids", "indicator": "t-fights", "category": "f_0_17"}], "row:3", "Row 4 (grp_x/kids): “f_0_17” is not a category of “Fights”; use one of: total, f, m."),
    ([*ROWS, {"question": "grp_incidents/fights_total", "indicator": "t-fights", "category": "m"}], "row:3",
     "Row 4: the question “grp_incidents/fights_total” is already mapped in row 1."),
    ([*ROWS, {"question": "grp_x/women_again", "indicator": "t-fights", "category": "f"}], "row:3",
     "Row 4 (grp_x/women_again): Fights — women is already fed by row 2."),
    ([*ROWS, {"question": "", "indicator": "t-fights", "category": "m"}], "row:3", "Row 4: give the question path."),
    (ROWS[1:], "rows", "requires the totals of: Fights"),
    ([], "rows", "Map at least one question to an indicator."),
])
def test_each_bad_row_is_refused_naming_it(analyst, rows, key, text):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.create_mapping(analyst, mapping_data(), rows)
    assert any(text in m for m in caught.value.message_dict[key]), caught.value.message_dict
    assert FormMapping.objects.count() == 0 and FormMappingRow.objects.count() == 0


@pytest.mark.parametrize("changes, key, text", [
    ({"territory_choices": {"barskoon": BARSKOON, "tamga": "41702210899999"}}, "territory_choices",
     "Territory choices, “tamga”: “41702210899999” is not the SOATE code of a territory."),
    ({"territory_choices": "barskoon = 41702210815000\ntamga"}, "territory_choices", "Territory choices, line 2 (“tamga”)"),
    ({"xform_id": "aimak-t-monthly"}, "xform_id", "is a form Aimak generated: it needs no mapping"),
    ({"xform_id": ""}, "xform_id", "Give the form id"),
    ({"form": "nope"}, "form", "There is no reporting form with the code “nope”."),
    ({"territory_question": ""}, "territory_question", "Give the territory question"),
    ({"period_question": ""}, "period_question", "Give the period question"),
    ({"period_rule": "weekly"}, "period_rule", "Choose how the period is read."),
])
def test_bad_fields_are_refused_naming_the_field(analyst, changes, key, text):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.create_mapping(analyst, mapping_data(**changes), ROWS)
    assert any(text in m for m in caught.value.message_dict[key]), caught.value.message_dict


def test_one_mapping_per_partner_form_and_the_choice_table_as_typed(analyst, mapping):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.create_mapping(analyst, mapping_data(name="again"), ROWS)
    assert "Another mapping already reads the form “aPartnerVillage01”." in caught.value.message_dict["xform_id"]
    table = "barskoon = 41702210815000\n# comment\nBarskoon village\t41702210815000"
    changed = services.update_mapping(analyst, mapping, mapping_data(territory_choices=table), ROWS[:1] + ROWS[2:])
    assert changed.territory_choices == {"barskoon": BARSKOON, "Barskoon village": BARSKOON}
    assert list(changed.rows.values_list("question", "category", "order")) == [
        ("grp_incidents/fights_total", "", 0), ("grp_incidents/water_dispute", "", 1)]
    removed = ChangeRecord.objects.filter(object_type="exchange.formmappingrow", action="delete")
    assert removed.count() == 1 and ChangeRecord.objects.filter(object_type="exchange.formmapping", action="update").exists()


# --- who may change mappings -------------------------------------------------------------------


def test_a_local_monitor_may_read_but_not_change_mappings(client, mapping):
    monitor = person("monitor", "local_monitor", BARSKOON)
    with pytest.raises(PermissionDenied):
        services.create_mapping(monitor, mapping_data(xform_id="aOther"), ROWS)
    with pytest.raises(PermissionDenied):
        services.update_mapping(monitor, mapping, mapping_data(is_active=False), ROWS)
    with pytest.raises(PermissionDenied):
        services.delete_mapping(monitor, mapping)
    client.force_login(monitor)
    listing = client.get("/exchange/mappings/")
    assert listing.status_code == 200 and "UNDP village survey" in listing.content.decode()
    assert "/exchange/mappings/new/" not in listing.content.decode()
    assert client.get("/exchange/mappings/new/").status_code == 403
    assert client.post("/exchange/mappings/new/", {"name": "x"}).status_code == 403
    assert client.get(f"/exchange/mappings/{mapping.pk}/").status_code == 403
    assert client.post(f"/exchange/mappings/{mapping.pk}/delete/").status_code == 403
    assert FormMapping.objects.filter(pk=mapping.pk, is_active=True).exists()


def test_a_district_coordinator_cannot_configure_either(mapping):
    coordinator = person("coord", "district_coordinator", JETI_OGUZ)
    with pytest.raises(PermissionDenied):
        services.delete_mapping(coordinator, mapping)


# --- the pages ----------------------------------------------------------------------------------


def page_data(**changes):
    data = {
        "name": "UNDP village survey", "xform_id": XFORM_ID, "form": "p-monthly",
        "territory_question": "grp_site/village_code", "territory_choices": "barskoon = 41702210815000",
        "period_rule": "date", "period_question": "today", "narrative_question": "", "sources_question": "",
        "is_active": "on", "questions_json": "", "pasted": "",
        "rows-TOTAL_FORMS": "3", "rows-INITIAL_FORMS": "0", "rows-MIN_NUM_FORMS": "0", "rows-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(ROWS):
        data.update({f"rows-{i}-question": row["question"], f"rows-{i}-indicator": row["indicator"], f"rows-{i}-category": row["category"] or "total"})
    data.update(changes)
    return data


def test_an_analyst_creates_edits_and_deletes_a_mapping_in_the_browser(client, analyst):
    client.force_login(analyst)
    assert "/exchange/mappings/" in client.get("/exchange/").content.decode()
    assert client.get("/exchange/mappings/new/").status_code == 200
    response = client.post("/exchange/mappings/new/", page_data(save="1"))
    mapping = FormMapping.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exchange/mappings/{mapping.pk}/"
    assert mapping.created_by == analyst and mapping.territory_choices == {"barskoon": BARSKOON}
    assert list(mapping.rows.values_list("question", "indicator__code", "category")) == [
        ("grp_incidents/fights_total", "t-fights", ""), ("grp_incidents/fights_women", "t-fights", "f"),
        ("grp_incidents/water_dispute", "t-water", "")]

    page = client.get(f"/exchange/mappings/{mapping.pk}/").content.decode()
    assert 'value="grp_incidents/fights_women"' in page and "barskoon = 41702210815000" in page

    bad = client.post(f"/exchange/mappings/{mapping.pk}/", page_data(**{"rows-2-indicator": "t-rate", "rows-2-question": "grp_x/rate"}),
                      HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 422 and "Row 3 (grp_x/rate)" in bad.content.decode()
    assert mapping.rows.count() == 3

    removed = client.post(f"/exchange/mappings/{mapping.pk}/", page_data(**{"rows-1-DELETE": "on"}))
    assert removed.status_code == 302 and mapping.rows.count() == 2

    more = client.post(f"/exchange/mappings/{mapping.pk}/", page_data(add_row="1"), HTTP_HX_REQUEST="true")
    assert more.status_code == 200 and 'name="rows-3-question"' in more.content.decode()
    assert 'name="rows-TOTAL_FORMS" value="4"' in more.content.decode()
    assert mapping.rows.count() == 2  # adding a row saves nothing

    assert client.get(f"/exchange/mappings/{mapping.pk}/delete/").status_code == 200
    assert client.post(f"/exchange/mappings/{mapping.pk}/delete/").status_code == 302
    assert FormMapping.objects.count() == 0 and FormMappingRow.objects.count() == 0


# --- a form definition lists its questions --------------------------------------------------------


def partner_xlsform() -> bytes:
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    for row in [
        ["type", "name", "label::English (en)", "label::Русский (ru)", "required"],
        ["start", "start", None, None, None],
        ["today", "today", None, None, None],
        ["note", "intro", "Ask the village head", "Спросите главу села", None],
        ["begin_group", "grp_site", "Site", "Место", None],
        ["select_one villages", "village_code", "Village", "Село", "yes"],
        ["text", "enumerator", "Your name", "Ваше имя", None],
        ["end_group", None, None, None, None],
        ["begin group", "grp_incidents", "Incidents", "Инциденты", None],
        ["integer", "fights_total", "Fights (total)", "Драки (всего)", "yes"],
        ["integer", "fights_women", "Fights involving women", "Драки с участием женщин", None],
        ["select_one yes_no", "water_dispute", "Water dispute?", "Спор из-за воды?", None],
        ["begin_repeat", "people", "People involved", "Участники", None],
        ["text", "person_name", "Name", "Имя", None],
        ["end_repeat", None, None, None, None],
        ["end group", None, None, None, None],
        ["calculate", "fights_men", None, None, None],
    ]:
        survey.append(row)
    choices = book.create_sheet("choices")
    for row in [["list_name", "name", "label::English (en)"], ["villages", "barskoon", "Barskoon"], ["villages", "tamga", "Tamga"],
                ["yes_no", "yes", "Yes"], ["yes_no", "no", "No"]]:
        choices.append(row)
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version"])
    settings.append(["Village conflict survey", "village_conflicts", "2026031201"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_xlsform_lists_its_questions_with_paths_types_and_labels():
    with translation.override("ru"):
        found = services.read_definition(partner_xlsform())
    by_path = {q["path"]: q for q in found.questions}
    assert list(by_path) == ["start", "today", "grp_site/village_code", "grp_site/enumerator", "grp_incidents/fights_total",
                             "grp_incidents/fights_women", "grp_incidents/water_dispute", "fights_men"]
    assert by_path["grp_site/village_code"] == {"path": "grp_site/village_code", "name": "village_code", "type": "select_one",
                                                "label": "Село", "choices": ["barskoon", "tamga"]}
    assert by_path["grp_incidents/fights_total"]["type"] == "integer" and by_path["today"]["type"] == "today"
    assert found.in_repeats == 1 and found.form_id == "village_conflicts" and found.title == "Village conflict survey"


def test_a_pasted_survey_sheet_lists_its_questions_too():
    pasted = ("type\tname\tlabel\nbegin_group\tgrp_incidents\tIncidents\ninteger\tfights_total\tFights\n"
              "end_group\t\t\ndate\treport_date\tDate of the report\n")
    found = services.read_definition(pasted)
    assert [(q["path"], q["type"], q["label"]) for q in found.questions] == [
        ("grp_incidents/fights_total", "integer", "Fights"), ("report_date", "date", "Date of the report")]
    with translation.override("en"):
        with pytest.raises(services.DefinitionError, match="at least “type” and “name”"):
            services.read_definition("question\tlabel\nq1\tWhat\n")
        with pytest.raises(services.DefinitionError, match="not an Excel workbook"):
            services.read_definition(b"PK\x03\x04broken")


def test_the_mapping_page_offers_the_uploaded_questions_in_select_boxes(client, analyst):
    client.force_login(analyst)
    data = page_data(read_questions="1", xform_id="", name="")
    data["definition"] = SimpleUploadedFile("village.xlsx", partner_xlsform())
    response = client.post("/exchange/mappings/new/", data, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200 and "8 questions listed" in page and "1 question inside a repeat group was left out" in page
    assert '<option value="grp_incidents/fights_women" selected>' in page
    assert 'value="village_conflicts"' in page  # the form id from the settings sheet, until Kobo's own id is typed in
    assert "barskoon, tamga" in page  # the territory question's choices, for the table
    assert FormMapping.objects.count() == 0
    saved = client.post("/exchange/mappings/new/", {**page_data(save="1"), "questions_json": json.dumps(
        services.read_definition(partner_xlsform()).questions)})
    assert saved.status_code == 302 and len(FormMapping.objects.get().questions) == 8


def test_formula_indicators_are_not_offered_on_the_page(client, analyst):
    client.force_login(analyst)
    page = client.get("/exchange/mappings/new/").content.decode()
    assert 'value="t-fights"' in page and 'value="t-rate"' not in page
    assert FormIndicator.objects.filter(form__code="p-monthly", indicator__code="t-rate").exists()

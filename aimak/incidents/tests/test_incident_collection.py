"""Incidents from phones: the XLSForm Aimak generates (converts with pyxform, asks what
``check`` asks), the form list, the Kobo and OpenRosa receivers turning a submission into one
incident (repeats change nothing, an edit corrects the same incident once, refusals name the
field), and partners' own forms mapped to incidents."""

import base64
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from aimak import urls as site_urls
from aimak.accounts.models import Role
from aimak.accounts.tokens import create_integration_secret
from aimak.exchange import xlsform
from aimak.exchange.models import FormMapping, Submission
from aimak.exchange.services import mappings
from aimak.exchange.views.odk import root_urlpatterns
from aimak.incidents.models import Incident, IncidentEvent
from aimak.monitoring.models import DataValue
from aimak.territories.selectors import by_code

urlpatterns = [*root_urlpatterns, *site_urls.urlpatterns]
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

BARSKOON, SUZAK_AA, COUNTRY = "41702210815000", "41703220856000", "41700000000000"
WEBHOOK = "/api/exchange/kobo/submissions"
PARTNER_FORM = "aSaferVillages42"


@pytest.fixture(autouse=True)
def quick_analytics(monkeypatch):
    monkeypatch.setattr("aimak.monitoring.services.analytics.refresh_after_report", lambda report: None)


@pytest.fixture
def secret(catalogue, people, territory):
    _s, key = create_integration_secret(created_by=None, name="kobo-barskoon", role=Role.objects.get(code="local_monitor"),
                                        territory=territory(BARSKOON))
    return key


def answers(**over) -> dict:
    values = {
        "territory": BARSKOON, "village": "Barskoon", "date": "2026-03-14", "date_precision": "1",
        "incident_type": "violence", "incident_subtype": "intergroup-fight", "location": "42.1540 77.6020 1720.5 4.8",
        "geo_precision": "1", "actors/actor1": "Youth of Barskoon", "actors/actor1_kind": "5", "actors/assoc_actor1": "",
        "actors/actor2": "Youth of Tamga", "actors/actor2_kind": "5", "actors/groups": "two neighbouring villages",
        "casualties/participants": "30", "casualties/injured": "2", "casualties/injured_women": "0", "casualties/killed": "0",
        "casualties/displaced_households": "0", "description": "A fight after a football match.", "sources": "Aiyl okmotu; police",
        "sensitivity": "public",
    }
    values.update(over)
    return {k: v for k, v in values.items() if v is not None}


def kobo_incident(instance: str, *, deprecated="", **over) -> dict:
    """A submission of the incident form as Kobo's REST service posts it."""
    record = {
        "_id": 7001, "formhub/uuid": "c0ffee00c0ffee00c0ffee00c0ffee00", "start": "2026-03-14T18:02:11.000+06:00",
        "end": "2026-03-14T18:09:40.000+06:00", **answers(**over), "aimak_form": "incident", "__version__": "vIncident01",
        "meta/instanceID": instance, "_xform_id_string": "aIncidentAsset1", "_uuid": instance.removeprefix("uuid:"),
        "_attachments": [], "_status": "submitted_via_web", "_geolocation": [42.154, 77.602],
        "_submission_time": "2026-03-14T12:10:00", "_tags": [], "_notes": [], "_validation_status": {}, "_submitted_by": None,
    }
    if deprecated:
        record["meta/deprecatedID"] = deprecated
    return record


def openrosa_incident(instance: str, **over) -> bytes:
    """The same as ODK Collect posts it: the instance of the generated XForm, groups nested."""
    values = answers(**over)
    groups: dict = {}
    top = []
    for key, value in values.items():
        if "/" in key:
            group, name = key.split("/")
            groups.setdefault(group, []).append(f"<{name}>{value}</{name}>")
        else:
            top.append(f"<{key}>{value}</{key}>")
    body = "".join(top) + "".join(f"<{g}>{''.join(items)}</{g}>" for g, items in groups.items())
    return (f'<?xml version="1.0" ?><data xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" '
            f'id="aimak-incident" version="abc">{body}<aimak_form>incident</aimak_form>'
            f"<meta><instanceID>{instance}</instanceID></meta></data>").encode()


def post_kobo(client, record, key):
    return client.post(WEBHOOK, json.dumps(record), content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}",
                       HTTP_ACCEPT_LANGUAGE="en")


def sheet_rows(data: bytes, name: str) -> list[dict]:
    sheet = load_workbook(io.BytesIO(data))[name]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


# --- the XLSForm ------------------------------------------------------------------------------


def test_the_incident_xlsform_converts_and_asks_what_aimak_checks(catalogue, people):
    from pyxform.xls2xform import convert

    book = xlsform.incident_workbook(people["monitor"])
    data = book.to_xlsx()
    warnings = []
    result = convert(xlsform=io.BytesIO(data), warnings=warnings, file_type=".xlsx")
    assert warnings == []
    assert 'id="aimak-incident"' in result.xform and f'version="{book.version}"' in result.xform
    assert "Кыргызча (ky)" in result.xform and "Русский (ru)" in result.xform and "English (en)" in result.xform
    survey = {row["name"]: row for row in sheet_rows(data, "survey") if row["name"]}
    choices = sheet_rows(data, "choices")
    assert [c["name"] for c in choices if c["list_name"] == "territories"] == [BARSKOON]  # where the monitor records
    assert survey["incident_subtype"]["choice_filter"] == "parent=${incident_type}"
    subtypes = {c["name"]: c["parent"] for c in choices if c["list_name"] == "incident_subtypes"}
    assert subtypes["intergroup-fight"] == "violence" and subtypes["protest-peaceful"] == "protest"
    assert "violence" not in subtypes  # a type with sub-types is not itself a sub-type
    assert survey["date"]["type"] == "date" and survey["date"]["constraint"] == ". <= today() and . >= date('1991-01-01')"
    assert survey["date_precision"]["default"] == "1" and survey["geo_precision"]["type"] == "select_one precision"
    assert survey["location"]["type"] == "geopoint" and not survey["location"].get("required")
    assert "selected-at(., 0) >= 39.0 and selected-at(., 0) <= 43.5" in survey["location"]["constraint"]
    assert "selected-at(., 1) >= 69.0 and selected-at(., 1) <= 80.5" in survey["location"]["constraint"]
    assert survey["actor1_kind"]["relevant"] == "${actor1} != ''"
    assert [c["name"] for c in choices if c["list_name"] == "actor_kinds"] == [str(n) for n in range(1, 9)]
    assert survey["injured"]["constraint"] == ". >= 0 and . <= 1000000" and survey["injured"]["required"] == "yes"
    assert survey["injured_women"]["constraint"] == ". >= 0 and . <= ${injured}" and survey["injured_women"]["relevant"] == "${injured} > 0"
    assert survey["killed_women"]["constraint"] == ". >= 0 and . <= ${killed}"
    assert survey["description"]["required"] == "yes"
    assert survey["sensitivity"]["default"] == "public"
    assert survey["aimak_form"]["calculation"] == "'incident'"
    assert {"label::Кыргызча (ky)", "label::Русский (ru)", "label::English (en)"} <= set(survey["territory"])
    settings = sheet_rows(data, "settings")[0]
    assert settings["form_id"] == "aimak-incident"
    assert xlsform.incident_workbook(people["monitor"]).version == book.version


def test_without_a_territory_to_choose_the_form_asks_for_the_code_and_a_superuser_gets_them_all(catalogue, people):
    from aimak.accounts.services import ensure_user

    analyst_book = xlsform.incident_workbook(people["analyst"])  # may not record incidents
    assert {r["name"]: r for r in analyst_book.survey}["territory"]["type"] == "text"
    assert not xlsform.may_report_incidents(people["analyst"])
    root = ensure_user("root-i", "a-long-test-password", superuser=True)
    book = xlsform.incident_workbook(root)
    places = [c["name"] for c in book.choices if c["list_name"] == "territories"]
    assert BARSKOON in places and SUZAK_AA in places and COUNTRY not in places
    assert not any(by_code(code).kind == "village" for code in places[:50])
    warnings = []
    assert "<h:head>" in book.to_xform(warnings) and warnings == []


def test_phones_find_the_incident_form_in_the_list_and_download_it(client, secret, people):
    basic = "Basic " + base64.b64encode(f"anyone:{secret}".encode()).decode()
    listing = client.get("/formList", HTTP_AUTHORIZATION=basic).content.decode()
    assert "<formID>aimak-incident</formID>" in listing
    assert "<downloadUrl>http://testserver/exchange/odk/forms/incident.xml</downloadUrl>" in listing
    xform = client.get("/exchange/odk/forms/incident.xml", HTTP_AUTHORIZATION=basic)
    assert xform.status_code == 200 and b'id="aimak-incident"' in xform.content and BARSKOON.encode() in xform.content
    client.force_login(people["monitor"])
    workbook = client.get("/exchange/odk/forms/incident.xlsx")
    assert workbook.status_code == 200 and workbook.content.startswith(b"PK")
    page = client.get("/exchange/odk/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "aimak-incident" in page and "/exchange/odk/forms/incident.xlsx" in page
    assert client.get("/exchange/odk/forms/nothing.xlsx").status_code == 404


# --- receiving --------------------------------------------------------------------------------


def test_a_kobo_incident_sent_twice_then_edited_is_one_incident_changed_once(client, secret):
    first = kobo_incident("uuid:inc-1")
    response = post_kobo(client, first, secret)
    assert response.status_code == 201, response.json()
    incident = Incident.objects.get()
    assert (incident.external_id, incident.origin, incident.territory.code, incident.incident_type.code) == ("uuid:inc-1", "aimak", BARSKOON, "intergroup-fight")
    assert (incident.date, incident.participants, incident.injured, incident.injured_women, incident.actor1_kind) == (date(2026, 3, 14), 30, 2, 0, 5)
    assert (incident.latitude, incident.longitude) == (Decimal("42.154"), Decimal("77.602"))
    assert incident.integration == "integration:kobo-barskoon" and incident.groups == "two neighbouring villages"
    stored = Submission.objects.get(instance_id="uuid:inc-1")
    assert (stored.status, stored.form_code, stored.incident, stored.territory.code) == ("accepted", "incident", incident, BARSKOON)
    assert stored.result["message"]["en"] == f"Accepted: the incident AIM{incident.pk} in Barskoon aiyl aimak was recorded."
    assert set(stored.result["message"]) == {"ky", "ru", "en"}
    assert DataValue.objects.filter(report__form__is_register=True, indicator__code="intergroup-fights", territory=incident.territory).get().value == 1

    again = post_kobo(client, first, secret)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert Incident.objects.count() == 1 and IncidentEvent.objects.count() == 1

    edit = kobo_incident("uuid:inc-2", deprecated="uuid:inc-1", **{"casualties/injured": "3", "casualties/injured_women": "1",
                                                                    "description": "A fight after a football match; three hurt."})
    response = post_kobo(client, edit, secret)
    assert response.status_code == 201, response.json()
    assert post_kobo(client, edit, secret).status_code == 200  # the edit's retry changes nothing
    incident.refresh_from_db()
    assert Incident.objects.count() == 1
    assert (incident.injured, incident.injured_women, incident.external_id) == (3, 1, "uuid:inc-2")
    assert list(incident.events.order_by("id").values_list("action", flat=True)) == ["recorded", "changed"]
    original, edited = Submission.objects.get(instance_id="uuid:inc-1"), Submission.objects.get(instance_id="uuid:inc-2")
    assert original.status == "replaced" and original.result["replaced_by"] == "uuid:inc-2"
    assert edited.status == "accepted" and edited.incident == incident and edited.deprecated_id == "uuid:inc-1"
    assert edited.result["message"]["en"] == f"Accepted as an edit: the incident AIM{incident.pk} in Barskoon aiyl aimak was corrected."

    second_edit = kobo_incident("uuid:inc-3", deprecated="uuid:inc-2", **{"casualties/killed": "1"})
    assert post_kobo(client, second_edit, secret).status_code == 201
    incident.refresh_from_db()
    assert (incident.killed, incident.external_id, Incident.objects.count()) == (1, "uuid:inc-3", 1)

    from aimak.accounts.services import ensure_user

    client.force_login(ensure_user("inc-admin", "a-long-test-password", superuser=True))
    page = client.get(f"/exchange/submissions/{edited.pk}/").content.decode()
    assert f'href="/incidents/{incident.pk}/"' in page and f"AIM{incident.pk}" in page


def test_an_edit_that_arrives_first_is_the_incident_and_the_late_original_changes_nothing(client, secret):
    edit = kobo_incident("uuid:late-2", deprecated="uuid:late-1", **{"casualties/injured": "4"})
    response = post_kobo(client, edit, secret)
    assert response.status_code == 201
    assert "which Aimak never received" in " ".join(n["en"] for n in Submission.objects.get().result["notes"])
    late = post_kobo(client, kobo_incident("uuid:late-1"), secret)
    assert late.status_code == 202 and Submission.objects.get(instance_id="uuid:late-1").status == "replaced"
    incident = Incident.objects.get()
    assert (incident.injured, incident.external_id, incident.events.count()) == (4, "uuid:late-2", 1)


def test_odk_collect_posts_an_incident(client, secret):
    data = {"xml_submission_file": SimpleUploadedFile("submission.xml", openrosa_incident("uuid:odk-inc-1"), content_type="text/xml")}
    auth = "Basic " + base64.b64encode(f"monitor:{secret}".encode()).decode()
    response = client.post("/submission", data, HTTP_AUTHORIZATION=auth, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 201, response.content
    incident = Incident.objects.get(external_id="uuid:odk-inc-1")
    assert incident.actor2 == "Youth of Tamga" and incident.sources == "Aiyl okmotu; police"
    assert Submission.objects.get().channel == "openrosa"


@pytest.mark.parametrize("change, field, text", [
    ({"date": "2099-01-01"}, "date", "is in the future"),
    ({"date": "14.03.2026"}, "date", "is not a date"),
    ({"incident_subtype": "alien-landing", "incident_type": "alien"}, "incident_type", "“alien-landing” is not the code of an incident type"),
    ({"casualties/injured_women": "5"}, "injured_women", "Cannot be more than the total (2)"),
    ({"location": "12.1 77.6 0 5"}, "latitude", "outside Kyrgyzstan"),
    ({"location": "somewhere"}, "location", "is not a point"),
    ({"casualties/killed": "-1"}, "killed", "is not a whole number"),
    ({"actors/actor1_kind": "12"}, "actor1_kind", "is not a kind of actor"),
    ({"description": ""}, "description", "Describe what happened."),
    ({"territory": "41799999999999"}, "territory", "Unknown territory"),
    ({"sensitivity": "secret"}, "sensitivity", "is not a sensitivity"),
])
def test_bad_incident_submissions_are_kept_and_refused_naming_the_field(client, secret, change, field, text):
    response = post_kobo(client, kobo_incident("uuid:bad-1", **change), secret)
    assert response.status_code == 422, response.json()
    body = response.json()
    assert field in body["errors"] and text in " ".join(body["errors"][field]), body
    stored = Submission.objects.get()
    assert stored.status == "rejected" and stored.incident is None and stored.form_code == "incident"
    assert set(stored.result["errors"]) == {"ky", "ru", "en"}
    assert Incident.objects.count() == 0


def test_an_incident_outside_the_senders_territory_is_refused(client, secret):
    response = post_kobo(client, kobo_incident("uuid:far-1", territory=SUZAK_AA), secret)
    assert response.status_code == 403
    assert "may not record incidents in Suzak aiyl aimak" in response.json()["message"]
    assert Incident.objects.count() == 0 and Submission.objects.get().status == "rejected"


# --- partners' forms mapped to incidents --------------------------------------------------------


INCIDENT_ROWS = [
    {"question": "when/day", "incident_field": "date"},
    {"question": "what/kind", "incident_field": "incident_type", "choices": "fight = intergroup-fight\nblockade = road-blockade"},
    {"question": "who/side_a", "incident_field": "actor1"},
    {"question": "who/side_a_kind", "incident_field": "actor1_kind", "choices": {"youth": "5", "police": "1"}},
    {"question": "harm/hurt", "incident_field": "injured"},
    {"question": "harm/hurt_women", "incident_field": "injured_women"},
    {"question": "where/gps", "incident_field": "location"},
]


def incident_mapping_data(**changes):
    data = {"name": "Safer villages — incident log", "xform_id": PARTNER_FORM, "target": "incident",
            "territory_question": "where/village", "territory_choices": {"barskoon": BARSKOON},
            "narrative_question": "what/story", "sources_question": "", "is_active": True}
    data.update(changes)
    return data


def partner_incident(instance, *, deprecated="", **over) -> dict:
    record = {
        "_id": 9100, "where/village": "barskoon", "when/day": "2026-03-20", "what/kind": "fight", "who/side_a": "Youth of Barskoon",
        "who/side_a_kind": "youth", "harm/hurt": "1", "harm/hurt_women": "", "where/gps": "42.15 77.60 0 9",
        "what/story": "Young men fought over a pasture.", "meta/instanceID": instance, "_xform_id_string": PARTNER_FORM,
        "_submission_time": "2026-03-20T10:00:00",
    }
    record.update(over)
    if deprecated:
        record["meta/deprecatedID"] = deprecated
    return record


def test_a_partners_form_mapped_to_incidents_records_and_edits_incidents(client, secret, people):
    mapping = mappings.create_mapping(people["analyst"], incident_mapping_data(), INCIDENT_ROWS)
    assert mapping.target == "incident" and mapping.form is None
    assert list(mapping.rows.values_list("incident_field", flat=True)) == ["date", "incident_type", "actor1", "actor1_kind", "injured",
                                                                          "injured_women", "location"]
    assert mapping.rows.get(incident_field="incident_type").choices == {"fight": "intergroup-fight", "blockade": "road-blockade"}

    response = post_kobo(client, partner_incident("uuid:pi-1"), secret)
    assert response.status_code == 201, response.json()
    incident = Incident.objects.get()
    assert (incident.incident_type.code, incident.actor1_kind, incident.injured, incident.injured_women) == ("intergroup-fight", 5, 1, None)
    assert (incident.date, incident.territory.code, incident.description) == (date(2026, 3, 20), BARSKOON, "Young men fought over a pasture.")
    assert Submission.objects.get().form_code == PARTNER_FORM

    edit = partner_incident("uuid:pi-2", deprecated="uuid:pi-1", **{"what/kind": "blockade", "who/side_a_kind": "police"})
    assert post_kobo(client, edit, secret).status_code == 201
    incident.refresh_from_db()
    assert (incident.incident_type.code, incident.actor1_kind, Incident.objects.count()) == ("road-blockade", 1, 1)

    bad = post_kobo(client, partner_incident("uuid:pi-3", **{"what/kind": "picnic", "when/day": "yesterday"}), secret)
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"incident_type", "date"}


def test_an_incident_mapping_names_its_problems_row_by_row(people, catalogue):
    with pytest.raises(ValidationError) as exc:
        mappings.create_mapping(people["analyst"], incident_mapping_data(narrative_question=""), [
            {"question": "what/kind", "incident_field": "incident_type", "choices": "fight = violence\nblockade = nothing-such"},
            {"question": "who/side_a_kind", "incident_field": "actor1_kind", "choices": "youth = 9"},
            {"question": "who/side_b", "incident_field": "actor1"},
            {"question": "who/side_c", "incident_field": "actor1"},
            {"question": "harm/hurt", "incident_field": "injured", "choices": "some = 2"},
            {"question": "harm/other", "incident_field": "feelings"},
            {"question": "harm/x", "indicator": "t-fights"},
        ])
    errors = exc.value.message_dict
    assert "“Violence between groups” has sub-types" in " ".join(errors["row:0"]) and "“nothing-such” is not the code of an incident type" in " ".join(errors["row:0"])
    assert "is not a kind of actor" in " ".join(errors["row:1"])
    assert "already given by row 3" in " ".join(errors["row:3"])
    assert "only the type, the precisions" in " ".join(errors["row:4"])
    assert "“feelings” is not an incident field" in " ".join(errors["row:5"])
    assert "not indicators" in " ".join(errors["row:6"])
    assert "date of the incident" in " ".join(errors["rows"]) and "what happened (description)" in " ".join(errors["rows"])
    assert FormMapping.objects.count() == 0


def test_an_incident_mapping_is_made_in_the_browser(client, catalogue, people):
    client.force_login(people["analyst"])
    data = {"name": "Safer villages", "xform_id": PARTNER_FORM, "target": "incident", "form": "", "territory_question": "where/village",
            "territory_choices": "barskoon = 41702210815000", "period_rule": "date", "period_question": "", "narrative_question": "what/story",
            "sources_question": "", "is_active": "on", "questions_json": "", "save": "1",
            "rows-TOTAL_FORMS": "2", "rows-INITIAL_FORMS": "0", "rows-MIN_NUM_FORMS": "0", "rows-MAX_NUM_FORMS": "1000",
            "rows-0-question": "when/day", "rows-0-incident_field": "date", "rows-0-category": "total",
            "rows-1-question": "what/kind", "rows-1-incident_field": "incident_type", "rows-1-choices": "fight = intergroup-fight",
            "rows-1-category": "total"}
    response = client.post("/exchange/mappings/new/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302, response.content.decode()[-3000:]
    mapping = FormMapping.objects.get()
    assert mapping.target == "incident" and mapping.rows.get(question="what/kind").choices == {"fight": "intergroup-fight"}
    page = client.get(f"/exchange/mappings/{mapping.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "fight = intergroup-fight" in page
    listing = client.get("/exchange/mappings/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "incident report" in listing


def test_a_report_mapping_refuses_incident_rows(people, catalogue):
    from aimak.monitoring.tests import factories as mf

    mf.reporting_test_form()
    with pytest.raises(ValidationError) as exc:
        mappings.create_mapping(people["analyst"], {"name": "x", "xform_id": "aX", "form": "t-monthly", "territory_question": "v",
                                                    "period_rule": "previous"}, [{"question": "q", "incident_field": "date"}])
    assert "choose “incident reports”" in " ".join(exc.value.message_dict["row:0"])


def test_the_submission_of_a_restricted_incident_is_as_restricted_as_the_incident(client, secret, people):
    from aimak.core import scoping

    assert post_kobo(client, kobo_incident("uuid:hush-1", sensitivity="restricted"), secret).status_code == 201
    assert post_kobo(client, kobo_incident("uuid:open-1"), secret).status_code == 201
    assert post_kobo(client, kobo_incident("uuid:bad-9", date="soon"), secret).status_code == 422
    everything = Submission.objects.all()
    seen_by = {who: set(scoping.restrict(everything, people[who]).values_list("instance_id", flat=True)) for who in ("monitor", "coordinator")}
    assert seen_by["coordinator"] == {"uuid:hush-1", "uuid:open-1", "uuid:bad-9"}
    assert seen_by["monitor"] == {"uuid:open-1", "uuid:bad-9"}  # the phone recorded it, not this person

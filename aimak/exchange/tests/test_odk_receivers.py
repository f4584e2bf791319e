"""Kobo webhook and OpenRosa receivers: kept raw, idempotent, edits replace, bad input refused
with the reason."""

import base64
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aimak import urls as site_urls
from aimak.accounts.models import Role
from aimak.accounts.services import sync_builtin_roles
from aimak.accounts.tokens import create_integration_secret, revoke_integration_secret
from aimak.audit.models import SecurityEvent
from aimak.monitoring.models import DataValue, FormAssignment, PeriodClosure, Report, ReportEvent
from aimak.monitoring.tests import factories as mf

from ..models import Submission
from ..services import odk as services
from ..views.odk import root_urlpatterns
from .fake_kobo import attachment, kobo_record, openrosa_xml

urlpatterns = [*root_urlpatterns, *site_urls.urlpatterns]
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

BARSKOON, JETI_OGUZ, SUZAK_AA = "41702210815000", "41702210000000", "41703220856000"
WEBHOOK = "/api/exchange/kobo/submissions"
FULL = {("t-fights", ""): "3", ("t-fights", "f"): "1", ("t-fights", "m"): "2", ("t-trust", ""): "40", ("t-water", ""): "no",
        ("t-mood", ""): "2", ("t-protest", ""): "0"}


@pytest.fixture(autouse=True)
def quick_analytics(monkeypatch, request):
    if "real_analytics" not in request.fixturenames:
        monkeypatch.setattr("aimak.monitoring.services.analytics.refresh_after_report", lambda report: None)


@pytest.fixture
def form(territory):
    sync_builtin_roles()
    form = mf.reporting_test_form()
    FormAssignment.objects.create(form=form, area=territory(JETI_OGUZ), kinds=["aiyl_aimak"])
    FormAssignment.objects.create(form=form, area=territory("41703220000000"), kinds=["aiyl_aimak"])
    return form


@pytest.fixture
def secret(form, territory):
    _secret, key = create_integration_secret(created_by=None, name="kobo-barskoon", role=Role.objects.get(code="local_monitor"),
                                             territory=territory(BARSKOON))
    return key


def post_kobo(client, record, key, **extra):
    body = record if isinstance(record, (str, bytes)) else json.dumps(record)
    return client.post(WEBHOOK, body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}",
                       HTTP_ACCEPT_LANGUAGE="en", **extra)


def post_openrosa(client, xml: bytes, key, *, files=(), basic=True):
    data = {"xml_submission_file": SimpleUploadedFile("submission.xml", xml, content_type="text/xml")}
    for i, f in enumerate(files):
        data[f"photo{i}"] = f
    auth = "Basic " + base64.b64encode(f"monitor:{key}".encode()).decode() if basic else f"Token {key}"
    return client.post("/submission", data, HTTP_AUTHORIZATION=auth, HTTP_X_OPENROSA_VERSION="1.0",
                       HTTP_ACCEPT_LANGUAGE="en")


def values_of(report):
    return {(v.indicator.code, v.category): v.value for v in DataValue.objects.filter(report=report).select_related("indicator")}


# --- done means --------------------------------------------------------------------------------


def test_the_same_kobo_submission_twice_and_an_edit_make_one_report_updated_once(client, secret):
    first = kobo_record("uuid:aaaa-1", FULL, narrative="Calm month")
    assert post_kobo(client, first, secret).status_code == 201
    again = post_kobo(client, first, secret)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    edited_values = {k: v for k, v in FULL.items() if k not in (("t-fights", "f"), ("t-fights", "m"))}
    edited_values[("t-fights", "")] = "5"
    edit = kobo_record("uuid:aaaa-2", edited_values, deprecated="uuid:aaaa-1", kobo_id=1)
    response = post_kobo(client, edit, secret)
    assert response.status_code == 201, response.json()
    assert post_kobo(client, edit, secret).status_code == 200  # the edit's retry changes nothing either

    report = Report.objects.get()
    assert report.status == Report.Status.SUBMITTED and response.json()["report"] == report.pk
    assert values_of(report) == {("t-fights", ""): Decimal(5), ("t-trust", ""): Decimal(40), ("t-water", ""): Decimal(0),
                                 ("t-mood", ""): Decimal(2), ("t-protest", ""): Decimal(0)}  # the parts the edit left out are gone
    actions = list(ReportEvent.objects.filter(report=report).order_by("id").values_list("action", "integration"))
    assert actions == [("saved", "integration:kobo-barskoon"), ("submitted", "integration:kobo-barskoon"),
                       ("saved", "integration:kobo-barskoon")]  # submitted once, updated once
    original, edited = Submission.objects.get(instance_id="uuid:aaaa-1"), Submission.objects.get(instance_id="uuid:aaaa-2")
    assert original.status == "replaced" and original.result["replaced_by"] == "uuid:aaaa-2"
    assert edited.status == "accepted" and edited.deprecated_id == "uuid:aaaa-1" and edited.report == report
    assert edited.channel == "kobo_webhook" and edited.integration == "integration:kobo-barskoon"
    assert json.loads(edited.payload) == edit and edited.content_type == "application/json"
    assert set(edited.result["message"]) == {"ky", "ru", "en"}
    assert edited.result["message"]["en"] == "Accepted as an edit: the report of Barskoon aiyl aimak for 2026-03 was updated."
    assert Submission.objects.count() == 2


@pytest.fixture
def real_analytics():
    """Asked for by the tests that run the live analysis for real."""


def test_an_accepted_submission_reaches_the_analysis(client, secret, real_analytics):
    from aimak.monitoring.models import AggregateValue

    assert post_kobo(client, kobo_record("uuid:live-1", FULL), secret).status_code == 201
    rayon = AggregateValue.objects.get(indicator__code="t-fights", territory__code=JETI_OGUZ, period_start=date(2026, 3, 1), category="")
    assert rayon.value == Decimal(3) and rayon.reports == 1


def test_odk_collect_lists_downloads_and_submits(client, secret, form):
    assert client.head("/submission").status_code == 401
    assert 'Basic realm="Aimak"' in client.head("/submission")["WWW-Authenticate"]
    basic = "Basic " + base64.b64encode(f"anyone:{secret}".encode()).decode()
    head = client.head("/submission", HTTP_AUTHORIZATION=basic)
    assert head.status_code == 204 and head["X-OpenRosa-Version"] == "1.0"
    assert int(head["X-OpenRosa-Accept-Content-Length"]) == services.MAX_SUBMISSION_BYTES

    listing = client.get("/formList", HTTP_AUTHORIZATION=basic)
    assert listing.status_code == 200 and listing["X-OpenRosa-Version"] == "1.0"
    text = listing.content.decode()
    assert "<formID>aimak-t-monthly</formID>" in text and "<hash>md5:" in text
    url = text.split("<downloadUrl>")[1].split("</downloadUrl>")[0]
    assert url == "http://testserver/exchange/odk/forms/t-monthly.xml"
    xform = client.get(url.removeprefix("http://testserver"), HTTP_AUTHORIZATION=basic)
    assert xform.status_code == 200 and b'id="aimak-t-monthly"' in xform.content and BARSKOON.encode() in xform.content

    photo = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff" + b"0" * 100, content_type="image/jpeg")
    response = post_openrosa(client, openrosa_xml("uuid:odk-1", FULL), secret, files=[photo])
    assert response.status_code == 201, response.content
    assert b'nature="submit_success"' in response.content and b"http://openrosa.org/http/response" in response.content
    stored = Submission.objects.get(instance_id="uuid:odk-1")
    assert stored.channel == "openrosa" and stored.status == "accepted" and stored.form_code == "t-monthly"
    assert stored.attachments == [{"name": "photo.jpg", "type": "image/jpeg", "size": 103}]
    assert "<instanceID>uuid:odk-1</instanceID>" in stored.payload
    assert values_of(stored.report)[("t-fights", "m")] == Decimal(2)

    repeat = post_openrosa(client, openrosa_xml("uuid:odk-1", FULL), secret, basic=False)
    assert repeat.status_code == 202 and b"Already received" in repeat.content
    assert Submission.objects.count() == 1 and ReportEvent.objects.count() == 2


def test_formlist_offers_nothing_to_a_sender_without_reporting_territories(client, form, territory):
    _s, key = create_integration_secret(created_by=None, name="reader", role=Role.objects.get(code="national_analyst"),
                                        territory=territory(BARSKOON))
    listing = client.get("/formList", HTTP_AUTHORIZATION=f"Token {key}")
    assert listing.status_code == 200 and b"<xform>" not in listing.content


# --- bad input ---------------------------------------------------------------------------------


def test_malformed_xml_and_json_are_kept_and_refused(client, secret):
    response = post_openrosa(client, b"<data><territory>4170", secret)
    assert response.status_code == 400 and b"not well-formed XML" in response.content
    broken = post_kobo(client, '{"meta/instanceID": "uuid:x", ', secret)
    assert broken.status_code == 400 and "not valid JSON" in broken.json()["message"]
    kept = list(Submission.objects.order_by("id"))
    assert [s.status for s in kept] == ["rejected", "rejected"] and kept[0].payload == "<data><territory>4170"
    assert all(s.instance_id.startswith("sha256:") for s in kept)
    assert post_kobo(client, '{"meta/instanceID": "uuid:x", ', secret).status_code == 400
    assert Submission.objects.count() == 2  # the same broken delivery is kept once
    entity = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e "x">]><data>&e;</data>'
    assert post_openrosa(client, entity, secret).status_code == 400


def test_a_submission_without_instance_id_is_refused(client, secret):
    response = post_openrosa(client, openrosa_xml("", FULL), secret)
    assert response.status_code == 400 and b"meta/instanceID" in response.content
    record = kobo_record("uuid:none", FULL)
    del record["meta/instanceID"], record["_uuid"]
    assert post_kobo(client, record, secret).status_code == 400
    assert Report.objects.count() == 0 and Submission.objects.filter(status="rejected").count() == 2


@pytest.mark.parametrize("change, field, text", [
    ({"form": "no-such-form"}, "form", "Unknown form “no-such-form”"),
    ({"territory": "41799999999999"}, "territory", "Unknown territory “41799999999999”"),
    ({"period": "2026-13"}, "period", "is not a period"),
    ({"period": "2026Q1"}, "period", "is not such a period"),
    ({"period": "2099-01"}, "period", "has not begun yet"),
])
def test_unknown_codes_and_impossible_periods_are_refused_with_the_field(client, secret, change, field, text):
    response = post_kobo(client, kobo_record("uuid:bad-1", FULL, **change), secret)
    assert response.status_code == 422, response.json()
    assert field in response.json()["errors"] and text in response.json()["message"]
    stored = Submission.objects.get()
    assert stored.status == "rejected" and set(stored.result["errors"]) == {"ky", "ru", "en"}
    assert Report.objects.count() == 0  # nothing half-written, not even an empty draft


def test_a_closed_period_is_refused(client, secret, form):
    PeriodClosure.objects.create(form=form, period_start=date(2026, 3, 1))
    response = post_kobo(client, kobo_record("uuid:closed-1", FULL), secret)
    assert response.status_code == 422 and "closed for reporting" in response.json()["errors"]["period"][0]


def test_values_of_the_wrong_type_are_refused_whole(client, secret):
    bad = {**FULL, ("t-trust", ""): "140", ("t-mood", ""): "many", ("t-fights", "f"): "7"}
    response = post_kobo(client, kobo_record("uuid:types-1", bad), secret)
    assert response.status_code == 422
    found = response.json()["errors"]
    assert "value:t-trust:" in found and "value:t-mood:" in found and "value:t-fights:f" in found
    assert Report.objects.count() == 0 and DataValue.objects.count() == 0
    stored = Submission.objects.get()
    assert stored.form_code == "t-monthly" and stored.territory.code == BARSKOON  # placed, so its coordinators see it


def test_a_territory_outside_the_secret_is_refused_and_logged(client, secret):
    response = post_kobo(client, kobo_record("uuid:far-1", FULL, territory=SUZAK_AA), secret)
    assert response.status_code == 403 and "may not report for" in response.json()["message"]
    assert SecurityEvent.objects.filter(kind="permission_refused", username="integration:kobo-barskoon",
                                        detail__instance="uuid:far-1").exists()
    assert Report.objects.count() == 0


def test_wrong_and_revoked_secrets_get_401_and_are_logged(client, secret):
    record = kobo_record("uuid:who-1", FULL)
    assert client.post(WEBHOOK, json.dumps(record), content_type="application/json").status_code == 401
    assert post_kobo(client, record, "aimakint_wrong").status_code == 401
    assert post_openrosa(client, openrosa_xml("uuid:who-1", FULL), "aimakint_wrong").status_code == 401
    from aimak.accounts.models import IntegrationSecret

    revoke_integration_secret(None, IntegrationSecret.objects.get(name="kobo-barskoon"))
    assert post_kobo(client, record, secret).status_code == 401
    assert SecurityEvent.objects.filter(kind="permission_refused", detail__reason="bad secret").count() == 3
    from aimak.accounts.tests.factories import person

    client.force_login(person("m", "local_monitor", BARSKOON))  # a browser session is no credential for posting
    data = {"xml_submission_file": SimpleUploadedFile("s.xml", openrosa_xml("uuid:who-1", FULL), content_type="text/xml")}
    assert client.post("/submission", data).status_code == 401
    assert Submission.objects.count() == 0


def test_an_oversized_delivery_gets_413(client, secret, monkeypatch):
    monkeypatch.setattr(services, "MAX_SUBMISSION_BYTES", 500)
    assert post_kobo(client, kobo_record("uuid:big-1", {**FULL}, narrative="x" * 600), secret).status_code == 413
    assert post_openrosa(client, openrosa_xml("uuid:big-2", FULL, narrative="x" * 600), secret).status_code == 413
    assert Submission.objects.count() == 0


def test_an_edit_of_an_unknown_submission_is_taken_as_new_with_a_note(client, secret):
    response = post_kobo(client, kobo_record("uuid:e-2", FULL, deprecated="uuid:never-seen"), secret)
    assert response.status_code == 201
    stored = Submission.objects.get()
    assert stored.status == "accepted" and "never received" in stored.result["notes"][0]["en"]


def test_an_original_arriving_after_its_edit_does_not_overwrite_it(client, secret):
    edited = {**FULL, ("t-fights", ""): "4"}
    assert post_kobo(client, kobo_record("uuid:late-2", edited, deprecated="uuid:late-1"), secret).status_code == 201
    late = post_kobo(client, kobo_record("uuid:late-1", FULL), secret)
    assert late.status_code == 202 and late.json()["status"] == "replaced"
    assert values_of(Report.objects.get())[("t-fights", "")] == Decimal(4)


def test_kobo_attachments_are_listed_not_kept(client, secret):
    post_kobo(client, kobo_record("uuid:att-1", FULL, attachments=[attachment()]), secret)
    assert Submission.objects.get().attachments == [{"name": "photo.jpg", "type": "image/jpeg", "size": 48213}]


def test_a_locked_report_refuses_an_edit(client, secret):
    from aimak.accounts.tests.factories import person
    from aimak.monitoring.services import reporting

    post_kobo(client, kobo_record("uuid:lock-1", FULL), secret)
    reporting.approve(person("c", "district_coordinator", JETI_OGUZ), Report.objects.get())
    response = post_kobo(client, kobo_record("uuid:lock-2", {**FULL, ("t-fights", ""): "9"}, deprecated="uuid:lock-1"), secret)
    assert response.status_code == 422 and "approved and locked" in response.json()["message"]
    assert Submission.objects.get(instance_id="uuid:lock-1").status == "accepted"  # still the one that counts


def test_a_delivery_left_unprocessed_is_taken_up_by_the_retry_but_not_twice_at_once(client, secret):
    from django.utils import timezone

    record = kobo_record("uuid:crash-1", FULL)
    Submission.objects.create(channel="kobo_webhook", instance_id="uuid:crash-1", payload=json.dumps(record))  # a crash after storing
    assert post_kobo(client, record, secret).status_code == 201
    assert Submission.objects.get().status == "accepted" and Report.objects.count() == 1

    busy = kobo_record("uuid:busy-1", {**FULL}, period="2026-02")
    Submission.objects.create(channel="kobo_webhook", instance_id="uuid:busy-1", payload=json.dumps(busy), processed_at=timezone.now())
    response = post_kobo(client, busy, secret)  # another worker is processing it right now
    assert response.status_code == 202 and response.json()["duplicate"] is True and Report.objects.count() == 1

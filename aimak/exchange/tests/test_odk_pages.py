"""The ODK page (downloads, set-up) and the list of received submissions, within scope."""

import io

import pytest
from openpyxl import load_workbook

from aimak.accounts.models import Role
from aimak.accounts.tests.factories import person
from aimak.accounts.tokens import create_integration_secret, integration_actor
from aimak.monitoring.models import FormAssignment
from aimak.monitoring.tests import factories as mf

from ..models import Submission
from ..services import odk as services
from .fake_kobo import kobo_record

pytestmark = pytest.mark.django_db
BARSKOON, JETI_OGUZ, SUZAK_RAYON, SUZAK_AA = "41702210815000", "41702210000000", "41703220000000", "41703220856000"
FULL = {("t-fights", ""): "3", ("t-trust", ""): "40", ("t-water", ""): "no", ("t-mood", ""): "2", ("t-protest", ""): "0"}


@pytest.fixture(autouse=True)
def quick_analytics(monkeypatch):
    monkeypatch.setattr("aimak.monitoring.services.analytics.refresh_after_report", lambda report: None)


@pytest.fixture
def received(territory):
    """One accepted submission in Barskoon, one refused in Suzak, one unreadable (unplaced)."""
    form = mf.reporting_test_form()
    FormAssignment.objects.create(form=form, area=territory(JETI_OGUZ), kinds=["aiyl_aimak"])
    FormAssignment.objects.create(form=form, area=territory(SUZAK_RAYON), kinds=["aiyl_aimak"])
    person("someone", "local_monitor", BARSKOON)  # makes the roles
    role = Role.objects.get(code="local_monitor")
    _s, north = create_integration_secret(created_by=None, name="north", role=role, territory=territory(BARSKOON))
    _s, south = create_integration_secret(created_by=None, name="south", role=role, territory=territory(SUZAK_AA))
    ok = services.receive_kobo(integration_actor(north), kobo_record("uuid:ok", FULL)).submission
    bad = services.receive_kobo(integration_actor(south), kobo_record("uuid:bad", {**FULL, ("t-trust", ""): "400"}, territory=SUZAK_AA)).submission
    broken = services.receive_kobo(integration_actor(north), "{not json").submission
    return ok, bad, broken


def test_the_odk_page_offers_the_forms_and_explains_the_set_up(client, received):
    client.force_login(person("m", "local_monitor", BARSKOON))
    page = client.get("/exchange/odk/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "aimak-t-monthly" in text and "/exchange/odk/forms/t-monthly.xlsx" in text and "/exchange/odk/forms/t-monthly.xml" in text
    assert "http://testserver/" in text and "/api/exchange/kobo/submissions" in text
    workbook = client.get("/exchange/odk/forms/t-monthly.xlsx")
    assert workbook.status_code == 200 and workbook["Content-Disposition"].startswith('attachment; filename="aimak-t-monthly-')
    assert load_workbook(io.BytesIO(workbook.content)).sheetnames == ["survey", "choices", "settings"]
    xform = client.get("/exchange/odk/forms/t-monthly.xml")  # signed in: no secret needed
    assert xform.status_code == 200 and b"<h:html" in xform.content
    assert client.get("/exchange/odk/forms/no-such.xlsx").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, received):
    assert client.get("/exchange/odk/").status_code == 302
    assert client.get("/exchange/submissions/").status_code == 302
    assert client.get("/exchange/odk/forms/t-monthly.xml").status_code == 401


def test_submissions_are_listed_within_scope_with_their_result(client, received):
    ok, bad, broken = received
    client.force_login(person("c", "district_coordinator", JETI_OGUZ))
    page = client.get("/exchange/submissions/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    assert "uuid:ok" in text and "uuid:bad" not in text and broken.instance_id not in text
    assert f'href="/monitoring/reports/{ok.report_id}/"' in text
    csv = b"".join(client.get("/exchange/submissions/?export=csv").streaming_content).decode("utf-8-sig")
    assert "uuid:ok" in csv and "uuid:bad" not in csv
    detail = client.get(f"/exchange/submissions/{ok.pk}/")
    assert detail.status_code == 200 and "meta/instanceID" in detail.content.decode()
    assert client.get(f"/exchange/submissions/{bad.pk}/").status_code == 404
    assert client.get(f"/exchange/submissions/{broken.pk}/").status_code == 404


def test_a_refused_submission_shows_why_in_the_readers_language(client, received):
    _ok, bad, _broken = received
    client.force_login(person("s", "district_coordinator", SUZAK_RAYON))
    filtered = client.get("/exchange/submissions/?status=rejected", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "uuid:bad" in filtered
    detail = client.get(f"/exchange/submissions/{bad.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "value:t-trust:" in detail and "between 0 and 100" in detail
    assert set(bad.result["errors"]) == {"ky", "ru", "en"}
    ru = client.get(f"/exchange/submissions/{bad.pk}/", HTTP_ACCEPT_LANGUAGE="ru")
    assert ru.status_code == 200


def test_administrators_see_unplaced_deliveries(staff_client, received):
    _ok, _bad, broken = received
    text = staff_client.get("/exchange/submissions/").content.decode()
    assert broken.instance_id in text and Submission.objects.count() == 3

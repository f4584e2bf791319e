"""Pulling from a Kobo server reconciles missed webhooks: once each, edits replace, repeats
change nothing. Tested against a local fake Kobo serving real-shaped pages."""

import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from aimak.accounts.models import Role
from aimak.accounts.services import sync_builtin_roles
from aimak.accounts.tokens import create_integration_secret, integration_actor
from aimak.monitoring.models import DataValue, FormAssignment, Report
from aimak.monitoring.tests import factories as mf

from ..models import Submission
from ..services import odk as services
from .fake_kobo import ASSET, FakeKobo, attachment, kobo_record

pytestmark = pytest.mark.django_db
BARSKOON, JETI_OGUZ = "41702210815000", "41702210000000"
FULL = {("t-fights", ""): "3", ("t-fights", "f"): "1", ("t-trust", ""): "40", ("t-water", ""): "yes", ("t-mood", ""): "2",
        ("t-protest", ""): "0"}


@pytest.fixture(autouse=True)
def quick_analytics(monkeypatch):
    monkeypatch.setattr("aimak.monitoring.services.analytics.refresh_after_report", lambda report: None)


@pytest.fixture
def secret(territory):
    sync_builtin_roles()
    form = mf.reporting_test_form()
    FormAssignment.objects.create(form=form, area=territory(JETI_OGUZ), kinds=["aiyl_aimak"])
    _s, key = create_integration_secret(created_by=None, name="kobo-pull", role=Role.objects.get(code="local_monitor"),
                                        territory=territory(BARSKOON))
    return key


def pages():
    """Two pages: a first submission with a photo, another month, then the edit of the first
    and a repeat of the second (Kobo's list may overlap after a retry)."""
    first = kobo_record("uuid:p-1", FULL, kobo_id=11, submitted="2026-04-02T08:00:00", attachments=[attachment(kobo_id=11)])
    february = kobo_record("uuid:p-2", {**FULL, ("t-fights", ""): "1", ("t-fights", "f"): "0"}, period="2026-02", kobo_id=12,
                           submitted="2026-04-02T09:00:00")
    edit = kobo_record("uuid:p-3", {**FULL, ("t-fights", ""): "6", ("t-fights", "f"): "2"}, deprecated="uuid:p-1", kobo_id=11,
                       submitted="2026-04-03T10:00:00")
    return [[first, february], [edit, february]]


def value(period_code, code="t-fights", category=""):
    return DataValue.objects.get(report__period_start=f"{period_code}-01", indicator__code=code, category=category).value


def test_a_pull_receives_each_submission_once_and_applies_the_edit(secret):
    with FakeKobo(pages()) as kobo:
        summary = services.pull(kobo.url, ASSET, "kobo-token", actor=integration_actor(secret))
        again = services.pull(kobo.url, ASSET, "kobo-token", actor=integration_actor(secret))
    assert (summary.received, summary.accepted, summary.duplicates, summary.pages) == (4, 3, 1, 2)
    assert summary.latest == "2026-04-03T10:00:00"
    assert (again.received, again.accepted, again.duplicates) == (4, 0, 4)
    assert Report.objects.count() == 2
    assert value("2026-03") == Decimal(6) and value("2026-03", category="f") == Decimal(2) and value("2026-02") == Decimal(1)
    assert dict(Submission.objects.values_list("instance_id", "status")) == {"uuid:p-1": "replaced", "uuid:p-2": "accepted", "uuid:p-3": "accepted"}
    first = Submission.objects.get(instance_id="uuid:p-1")
    assert first.channel == "kobo_pull" and first.attachments == [{"name": "photo.jpg", "type": "image/jpeg", "size": 48213}]
    assert json.loads(first.payload)["_id"] == 11
    asked = kobo.requests[0]
    assert asked["authorization"] == "Token kobo-token" and asked["path"] == f"/api/v2/assets/{ASSET}/data/?format=json"


def test_since_asks_kobo_for_newer_submissions_only(secret):
    with FakeKobo(pages()) as kobo:
        summary = services.pull(kobo.url, ASSET, "kobo-token", "2026-04-02T08:30:00", actor=integration_actor(secret))
    assert "query=%7B%22_submission_time%22%3A%7B%22%24gt%22%3A%222026-04-02T08%3A30%3A00%22%7D%7D" in kobo.requests[0]["path"]
    # the edit of an instance Aimak never saw is taken as new
    assert summary.accepted == 2 and summary.duplicates == 1
    edit = Submission.objects.get(instance_id="uuid:p-3")
    assert "never received" in edit.result["notes"][0]["en"]


def test_the_command_reports_and_refuses_bad_arguments(secret):
    out = io.StringIO()
    with FakeKobo(pages()) as kobo:
        call_command("pull_kobo", server=kobo.url, asset=ASSET, token="kobo-token", secret=secret, stdout=out)
        with pytest.raises(CommandError, match="answered 401"):
            call_command("pull_kobo", server=kobo.url, asset=ASSET, token="wrong", secret=secret, stdout=io.StringIO())
        with pytest.raises(CommandError, match="answered 404"):
            call_command("pull_kobo", server=kobo.url, asset="nope", token="kobo-token", secret=secret, stdout=io.StringIO())
        with pytest.raises(CommandError, match="not a date"):
            call_command("pull_kobo", server=kobo.url, asset=ASSET, token="kobo-token", secret=secret, since="yesterday", stdout=io.StringIO())
        with pytest.raises(CommandError, match="wrong, revoked"):
            call_command("pull_kobo", server=kobo.url, asset=ASSET, token="kobo-token", secret="aimakint_bad", stdout=io.StringIO())
    assert "4 received on 2 pages: 3 accepted" in out.getvalue() and "latest: 2026-04-03T10:00:00" in out.getvalue()
    with pytest.raises(CommandError, match="https://"):
        call_command("pull_kobo", server="file:///etc/passwd", asset=ASSET, token="t", secret=secret, stdout=io.StringIO())

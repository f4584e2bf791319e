"""Machine senders (Kobo, ODK Collect) report through the same services and the same scope as
people: an integration secret's role on its territory, recorded by name, never as a person."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from aimak.accounts.models import Role
from aimak.accounts.services import sync_builtin_roles
from aimak.accounts.tokens import create_integration_secret, integration_actor
from aimak.audit.models import ChangeRecord, SecurityEvent
from aimak.monitoring.models import FormAssignment, ReportEvent
from aimak.monitoring.services import reporting

from . import factories as f

pytestmark = pytest.mark.django_db
BARSKOON, JETI_OGUZ, SUZAK_AA = "41702210815000", "41702210000000", "41703220856000"
MARCH = date(2026, 3, 1)


@pytest.fixture
def sender(territory):
    sync_builtin_roles()
    _secret, key = create_integration_secret(
        created_by=None, name="kobo-barskoon", role=Role.objects.get(code="local_monitor"), territory=territory(BARSKOON)
    )
    return integration_actor(key)


@pytest.fixture
def form(territory):
    form = f.reporting_test_form()
    FormAssignment.objects.create(form=form, area=territory(JETI_OGUZ), kinds=["aiyl_aimak"])
    FormAssignment.objects.create(form=form, area=territory("41703220000000"), kinds=["aiyl_aimak"])
    return form


def test_a_sender_reports_for_its_territory_under_its_own_name(sender, form, territory):
    report = reporting.start_report(sender, form, territory(BARSKOON), MARCH)
    reporting.save_draft(sender, report, {("t-fights", ""): "2", ("t-trust", ""): "50", ("t-water", ""): "0",
                                          ("t-mood", ""): "2", ("t-protest", ""): "0"})
    reporting.submit(sender, report)
    report.refresh_from_db()
    assert report.status == "submitted" and report.submitted_by is None and report.created_by is None
    assert set(ReportEvent.objects.filter(report=report).values_list("integration", flat=True)) == {"integration:kobo-barskoon"}
    assert ChangeRecord.objects.filter(object_type="monitoring.datavalue", integration="integration:kobo-barskoon", user=None).exists()


def test_a_sender_cannot_leave_its_territory(sender, form, territory):
    with pytest.raises(PermissionDenied):
        reporting.start_report(sender, form, territory(SUZAK_AA), MARCH)
    refused = SecurityEvent.objects.get(kind="permission_refused")
    assert refused.user is None and refused.username == "integration:kobo-barskoon"


def test_a_wrong_or_revoked_secret_gives_no_actor():
    assert integration_actor("aimak_int_nonsense") is None

"""The one way in for outside values: through the reporting services, whole or not at all."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aimak.accounts.tests.factories import person
from aimak.audit.models import SecurityEvent
from aimak.monitoring.models import DataValue, FormAssignment, Report
from aimak.monitoring.services import reporting
from aimak.monitoring.tests import factories as mf

from ..services.delivery import Delivery, deliver

pytestmark = pytest.mark.django_db
BARSKOON, JETI_OGUZ, SUZAK_AA = "41702210815000", "41702210000000", "41703220856000"
MARCH = date(2026, 3, 1)
FULL = {("t-fights", ""): "3", ("t-fights", "f"): "1", ("t-trust", ""): "40", ("t-water", ""): "нет", ("t-mood", ""): "2",
        ("t-protest", ""): "0"}


@pytest.fixture
def form(territory):
    form = mf.reporting_test_form()
    FormAssignment.objects.create(form=form, area=territory(JETI_OGUZ), kinds=["aiyl_aimak"])
    return form


def values(report):
    return {(v.indicator.code, v.category): v.value for v in DataValue.objects.filter(report=report).select_related("indicator")}


def test_a_delivery_is_submitted_and_counted(form, territory):
    monitor = person("m", "local_monitor", BARSKOON)
    report = deliver(monitor, Delivery(form, territory(BARSKOON), MARCH, dict(FULL)))
    assert report.status == Report.Status.SUBMITTED
    assert values(report)[("t-fights", "")] == Decimal(3) and values(report)[("t-water", "")] == Decimal(0)
    assert set(DataValue.objects.filter(report=report).values_list("counted", flat=True)) == {True}


def test_a_replacing_delivery_removes_what_it_no_longer_says(form, territory):
    monitor = person("m", "local_monitor", BARSKOON)
    deliver(monitor, Delivery(form, territory(BARSKOON), MARCH, dict(FULL)))
    edited = {k: v for k, v in FULL.items() if k != ("t-fights", "f")}
    report = deliver(monitor, Delivery(form, territory(BARSKOON), MARCH, edited), replace=True)
    assert ("t-fights", "f") not in values(report) and values(report)[("t-fights", "")] == Decimal(3)
    assert Report.objects.count() == 1


def test_a_locked_report_refuses_the_whole_delivery(form, territory):
    monitor = person("m", "local_monitor", BARSKOON)
    report = deliver(monitor, Delivery(form, territory(BARSKOON), MARCH, dict(FULL)))
    reporting.approve(person("c", "district_coordinator", JETI_OGUZ), report)
    with pytest.raises(ValidationError) as excinfo:
        deliver(monitor, Delivery(form, territory(BARSKOON), MARCH, {**FULL, ("t-fights", ""): "9"}))
    assert "report" in excinfo.value.message_dict
    assert values(report)[("t-fights", "")] == Decimal(3)


def test_bad_values_and_foreign_places_are_refused(form, territory):
    monitor = person("m", "local_monitor", BARSKOON)
    with pytest.raises(ValidationError) as excinfo:
        deliver(monitor, Delivery(form, territory(BARSKOON), MARCH, {**FULL, ("t-trust", ""): "140"}))
    assert "value:t-trust:" in excinfo.value.message_dict
    assert not Report.objects.exists()  # no empty draft left behind
    with pytest.raises(PermissionDenied):
        deliver(person("s", "local_monitor", SUZAK_AA), Delivery(form, territory(BARSKOON), MARCH, dict(FULL)))
    assert SecurityEvent.objects.filter(kind="permission_refused", username="s", detail__action="deliver").exists()


def test_the_exchange_page_lists_every_way_in(client):
    client.force_login(person("m", "local_monitor", BARSKOON))
    body = client.get("/exchange/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for url in ("/exchange/spreadsheets/", "/exchange/odk/", "/exchange/submissions/", "/exchange/dhis2/"):
        assert f'href="{url}"' in body

import pytest
from django.test import Client

from aimak.accounts.models import Role, RoleAssignment, User
from aimak.audit.models import ChangeRecord, SecurityEvent
from aimak.core.context import acting_as
from aimak.territories.importers import import_changes
from aimak.territories.selectors import by_code

pytestmark = pytest.mark.django_db


def test_a_save_records_who_when_before_and_after():
    admin = User.objects.create(username="editor")
    barskoon = by_code("41702210815000")
    with acting_as(admin):
        barskoon.population = 12345
        barskoon.save()
    record = ChangeRecord.objects.filter(object_type="territories.territory", object_id=str(barskoon.pk)).first()
    assert record.action == "update" and record.user == admin and record.request_id
    assert record.before["population"] is None and record.after["population"] == 12345
    assert record.changed_fields() == ["population"]
    assert record.territory_path == barskoon.path


def test_creates_and_deletes_are_recorded_with_the_integration_name():
    user = User.objects.create(username="x")
    with acting_as(integration="unit-test"):
        a = RoleAssignment.objects.create(user=user, role=Role.objects.get(code="local_monitor"), territory=by_code("41702210815000"))
        pk = a.pk
        a.delete()
    actions = list(ChangeRecord.objects.filter(object_type="accounts.roleassignment", object_id=str(pk)).order_by("id").values_list("action", "integration"))
    assert actions == [("create", "unit-test"), ("delete", "unit-test")]


def test_imports_record_every_change_they_make(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("event,date,type,from_code,to_code,name_ru\nA-1,2025-01-01,rename,41702210815000,,Новое имя\n", encoding="utf-8")
    with acting_as(integration="import_territories changes"):
        assert import_changes(str(path)).committed
    record = ChangeRecord.objects.filter(object_type="territories.territory", action="update", integration="import_territories changes").last()
    assert record.after["name_ru"] == "Новое имя" and record.before["name_ru"] == "Барскоонский айылный аймак"


def test_passwords_are_never_copied_into_the_trail():
    with acting_as(integration="t"):
        user = User.objects.create_user("secretive", password="a-long-test-password")
        user.set_password("another-long-password")
        user.save()
    for record in ChangeRecord.objects.filter(object_type="accounts.user", object_id=str(user.pk)):
        assert "password" not in (record.before or {}) and "password" not in (record.after or {})


def test_sign_in_failures_lead_to_a_lockout_and_are_logged():
    User.objects.create_user("monitor", password="the-right-password-1")
    client = Client()
    for _ in range(5):
        response = client.post("/accounts/sign-in/", {"username": "monitor", "password": "wrong"})
        assert response.status_code == 200
    assert SecurityEvent.objects.filter(kind="sign_in_failed", username="monitor").count() == 5
    client.cookies["aimak_language"] = "en"
    response = client.post("/accounts/sign-in/", {"username": "monitor", "password": "the-right-password-1"})
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert SecurityEvent.objects.filter(kind="lockout", username="monitor").exists()


def test_a_good_sign_in_is_logged_with_the_request_id():
    User.objects.create_user("monitor2", password="the-right-password-1")
    client = Client()
    response = client.post("/accounts/sign-in/", {"username": "monitor2", "password": "the-right-password-1"})
    assert response.status_code == 302
    event = SecurityEvent.objects.get(kind="sign_in", username="monitor2")
    assert event.request_id and event.ip_address == "127.0.0.1"


def test_every_export_of_the_change_log_is_a_security_event(staff_client):
    from aimak.audit.models import SecurityEvent

    for fmt in ("csv", "xlsx"):
        assert staff_client.get(f"/audit/?export={fmt}").status_code == 200
    logged = SecurityEvent.objects.filter(kind="export", detail__what="change log")
    assert sorted(logged.values_list("detail__format", flat=True)) == ["csv", "xlsx"]

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from freezegun import freeze_time

from aimak.accounts.models import Role, RoleAssignment, User
from aimak.audit.models import ChangeRecord, SecurityEvent
from aimak.territories.selectors import by_code

pytestmark = pytest.mark.django_db
BARSKOON, SUZAK_AA, JETI_OGUZ = "41702210815000", "41703220856000", "41702210000000"


def person(username, role, code):
    user = User.objects.create_user(username, email=f"{username}@example.kg", password="a-long-test-password")
    RoleAssignment.objects.create(user=user, role=Role.objects.get(code=role), territory=by_code(code))
    return user


def client_for(user, lang="en"):
    c = Client()
    c.force_login(user)
    c.cookies["aimak_language"] = lang
    return c


def test_access_page_follows_the_tree():
    coord = client_for(person("coord", "district_coordinator", JETI_OGUZ))
    assert coord.get(f"/accounts/access/{JETI_OGUZ}/").status_code == 200
    assert coord.get(f"/accounts/access/{BARSKOON}/").status_code == 200
    assert coord.get(f"/accounts/access/{SUZAK_AA}/").status_code == 403
    assert coord.get("/accounts/access/41702000000000/").status_code == 403  # the oblast above
    monitor = client_for(person("mon", "local_monitor", BARSKOON))
    assert monitor.get(f"/accounts/access/{BARSKOON}/").status_code == 403
    assert SecurityEvent.objects.filter(kind="permission_refused").count() >= 3


def test_granting_and_ending_a_role_in_the_browser_is_audited():
    coord_user = person("coord", "district_coordinator", JETI_OGUZ)
    target = User.objects.create_user("newbie", password="a-long-test-password")
    c = client_for(coord_user)
    monitor_role = Role.objects.get(code="local_monitor")
    r = c.post(f"/accounts/access/{BARSKOON}/", {"action": "grant", "grant-user": target.pk, "grant-role": monitor_role.pk})
    assert r.status_code == 302
    a = RoleAssignment.objects.get(user=target)
    record = ChangeRecord.objects.get(object_type="accounts.roleassignment", object_id=str(a.pk), action="create")
    assert record.user == coord_user and record.territory_path == by_code(BARSKOON).path
    c.post(f"/accounts/access/{BARSKOON}/", {"action": "end", "assignment": a.pk})
    a.refresh_from_db()
    assert a.valid_to is not None
    assert ChangeRecord.objects.filter(object_type="accounts.roleassignment", object_id=str(a.pk), action="update").exists()


def test_granting_outside_scope_or_above_own_rights_is_refused_clearly():
    c = client_for(person("coord", "district_coordinator", JETI_OGUZ))
    target = User.objects.create_user("newbie", password="a-long-test-password")
    admin_role = Role.objects.get(code="national_administrator")
    r = c.post(f"/accounts/access/{BARSKOON}/", {"action": "grant", "grant-user": target.pk, "grant-role": admin_role.pk})
    assert r.status_code == 400 and "more rights than your own" in r.content.decode()
    assert not RoleAssignment.objects.filter(user=target).exists()


def test_invitation_link_sets_a_password_once():
    c = client_for(person("coord", "district_coordinator", JETI_OGUZ))
    r = c.post(f"/accounts/access/{BARSKOON}/", {
        "action": "invite", "invite-email": "aida@example.kg", "invite-first_name": "Аида", "invite-last_name": "Бекова",
        "invite-role": Role.objects.get(code="local_monitor").pk, "invite-preferred_language": "ky",
    })
    assert r.status_code == 302, r.content.decode()[:500]
    assert len(mail.outbox) == 1 and "aida@example.kg" in mail.outbox[0].to
    link = re.search(r"https?://\S+/accounts/invitation/\S+/", mail.outbox[0].body).group(0)
    path = "/" + link.split("/", 3)[3]
    anon = Client()
    assert anon.get(path).status_code == 200
    r = anon.post(path, {"new_password1": "Жаңы-пароль-2026", "new_password2": "Жаңы-пароль-2026"})
    assert r.status_code == 302
    invited = User.objects.get(email="aida@example.kg")
    assert invited.check_password("Жаңы-пароль-2026")
    assert anon.get(path).status_code == 400  # used
    assert SecurityEvent.objects.filter(kind="invitation").count() >= 2


def test_expired_or_forged_invitations_are_refused():
    from aimak.accounts.invitations import make_token

    user = User.objects.create(username="late")
    user.set_unusable_password()
    user.save()
    token = make_token(user)
    with freeze_time(timedelta(days=8)):
        r = Client().get(f"/accounts/invitation/{token}/", HTTP_COOKIE="aimak_language=en")
        assert r.status_code == 400 and "expired" in r.content.decode()
    r = Client().get(f"/accounts/invitation/{token[:-3]}xyz/", HTTP_COOKIE="aimak_language=en")
    assert r.status_code == 400 and "not valid" in r.content.decode()


def test_password_reset_by_email():
    User.objects.create_user("resetme", email="r@example.kg", password="old-long-password-1")
    c = Client()
    assert c.post("/accounts/password-reset/", {"email": "r@example.kg"}).status_code == 302
    link = re.search(r"https?://\S+/accounts/password-reset/\S+/\S+/", mail.outbox[0].body).group(0)
    path = "/" + link.split("/", 3)[3]
    r = c.get(path, follow=True)
    form_url = r.redirect_chain[-1][0] if r.redirect_chain else path
    r = c.post(form_url, {"new_password1": "new-long-password-2", "new_password2": "new-long-password-2"})
    assert r.status_code == 302
    assert User.objects.get(username="resetme").check_password("new-long-password-2")
    bad = Client().get("/accounts/password-reset/MQ/bad-token/", HTTP_COOKIE="aimak_language=en")
    assert "not valid" in bad.content.decode()
    assert SecurityEvent.objects.filter(kind="password_reset", detail__step="refused").exists()
    assert SecurityEvent.objects.filter(kind="password_reset", detail__step="completed").exists()


def test_forged_csrf_is_refused():
    user = person("coord", "district_coordinator", JETI_OGUZ)
    c = Client(enforce_csrf_checks=True)
    c.force_login(user)
    c.cookies["aimak_language"] = "en"
    r = c.post(f"/accounts/access/{BARSKOON}/", {"action": "grant"})
    assert r.status_code == 403 and "The form has expired" in r.content.decode()
    assert SecurityEvent.objects.filter(kind="permission_refused", detail__reason="csrf").exists()


def test_people_pages_show_only_people_in_scope():
    coord = person("coord", "district_coordinator", JETI_OGUZ)
    inside = person("inside", "local_monitor", BARSKOON)
    outside = person("outside", "local_monitor", SUZAK_AA)
    c = client_for(coord)
    html = c.get("/accounts/people/").content.decode()
    assert "inside" in html and "outside" not in html
    assert c.get(f"/accounts/people/{inside.pk}/").status_code == 200
    assert c.get(f"/accounts/people/{outside.pk}/").status_code == 404
    c.post(f"/accounts/people/{inside.pk}/", {"action": "deactivate"})
    inside.refresh_from_db()
    assert not inside.is_active


def test_change_log_is_scoped_and_its_export_is_logged():
    coord = person("coord", "district_coordinator", JETI_OGUZ)
    from aimak.core.context import acting_as

    with acting_as(integration="t"):
        b = by_code(BARSKOON)
        b.population = 1
        b.save()
        s = by_code(SUZAK_AA)
        s.population = 2
        s.save()
    c = client_for(coord)
    page = c.get("/audit/").content.decode()
    assert "Барскоон" in page or "Barskoon" in page
    assert "Suzak" not in page and "Сузак" not in page
    export = c.get("/audit/", {"export": "csv"})
    assert b"Barskoon" in b"".join(export.streaming_content)
    assert SecurityEvent.objects.filter(kind="export", user=coord).exists()
    assert client_for(person("mon", "local_monitor", BARSKOON)).get("/audit/").content.decode().count("<tr>") <= 2


def test_security_log_is_for_superusers():
    assert client_for(person("coord", "district_coordinator", JETI_OGUZ)).get("/audit/security/").status_code == 403
    admin = User.objects.create_superuser("root", password="a-long-test-password")
    assert client_for(admin).get("/audit/security/").status_code == 200


def test_home_lists_my_places():
    html = client_for(person("mon", "local_monitor", BARSKOON)).get("/").content.decode()
    assert "Your places" in html and BARSKOON in html

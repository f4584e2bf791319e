"""Invitation dates, lockout lifted by a new password, clear refusals on a person's page,
revoking integration secrets, and turning off someone's two-factor sign-in."""

import io
import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from aimak.accounts import services, totp
from aimak.accounts.models import Role, RoleAssignment, User
from aimak.accounts.tokens import create_integration_secret, find_integration, revoke_integration_secret
from aimak.audit.models import ChangeRecord, SecurityEvent
from aimak.core.context import acting_as
from aimak.core.scoping import today
from aimak.territories.selectors import by_code

pytestmark = pytest.mark.django_db
BARSKOON, SUZAK_AA, JETI_OGUZ = "41702210815000", "41703220856000", "41702210000000"
PASSWORD = "a-long-test-password"


def person(username, role, code, **extra):
    user = User.objects.create_user(username, email=f"{username}@example.kg", password=PASSWORD, **extra)
    RoleAssignment.objects.create(user=user, role=Role.objects.get(code=role), territory=by_code(code))
    return user


def client_for(user, lang="en"):
    c = Client()
    c.force_login(user)
    c.cookies["aimak_language"] = lang
    return c


def invite_data(**extra):
    return {
        "action": "invite", "invite-email": "aida@example.kg", "invite-first_name": "Аида", "invite-last_name": "Бекова",
        "invite-role": Role.objects.get(code="local_monitor").pk, "invite-preferred_language": "ky", **extra,
    }


# 1. "Valid until (optional)" on the invitation form


def test_an_invitation_gives_the_role_its_end_date():
    c = client_for(person("coord", "district_coordinator", JETI_OGUZ))
    end = today() + timedelta(days=90)
    r = c.post(f"/accounts/access/{BARSKOON}/", invite_data(**{"invite-valid_to": end.isoformat()}))
    assert r.status_code == 302, r.content.decode()[:500]
    assignment = RoleAssignment.objects.get(user__email="aida@example.kg")
    assert assignment.valid_to == end and assignment.valid_from is None


def test_an_invitation_with_an_end_date_already_past_is_refused_and_creates_nobody():
    c = client_for(person("coord", "district_coordinator", JETI_OGUZ))
    r = c.post(f"/accounts/access/{BARSKOON}/", invite_data(**{"invite-valid_to": today().isoformat()}))
    assert r.status_code == 400 and "The end date must be after today." in r.content.decode()
    assert not User.objects.filter(email="aida@example.kg").exists() and not mail.outbox


def test_invite_passes_both_dates_and_checks_their_order():
    coord = person("coord", "district_coordinator", JETI_OGUZ)
    kwargs = dict(invited_by=coord, first_name="A", last_name="B", role=Role.objects.get(code="local_monitor"), territory=by_code(BARSKOON))
    start, end = date(2030, 1, 1), date(2030, 12, 31)
    user, assignment, _link = services.invite(email="a@example.kg", valid_from=start, valid_to=end, **kwargs)
    assignment.refresh_from_db()
    assert (assignment.valid_from, assignment.valid_to, assignment.user) == (start, end, user)
    with pytest.raises(ValidationError) as refused:
        services.invite(email="b@example.kg", valid_from=end, valid_to=start, **kwargs)
    assert "valid_to" in refused.value.message_dict
    assert not User.objects.filter(email="b@example.kg").exists()


def test_granting_a_role_that_has_already_ended_is_refused():
    c = client_for(person("coord", "district_coordinator", JETI_OGUZ))
    target = User.objects.create_user("newbie", password=PASSWORD)
    r = c.post(f"/accounts/access/{BARSKOON}/", {
        "action": "grant", "grant-user": target.pk, "grant-role": Role.objects.get(code="local_monitor").pk,
        "grant-valid_to": (today() - timedelta(days=1)).isoformat(),
    })
    assert r.status_code == 400 and not RoleAssignment.objects.filter(user=target).exists()


# 2. A new password lifts the sign-in lockout


def lock(username):
    c = Client()
    for _ in range(5):
        c.post("/accounts/sign-in/", {"username": username, "password": "wrong-password"})
    r = c.post("/accounts/sign-in/", {"username": username, "password": PASSWORD}, HTTP_COOKIE="aimak_language=en")
    assert r.status_code == 200 and "Too many failed attempts" in r.content.decode()


def sign_in(username, password):
    return Client().post("/accounts/sign-in/", {"username": username, "password": password})


def test_a_completed_password_reset_lifts_the_lockout():
    User.objects.create_user("forgetful", email="f@example.kg", password=PASSWORD)
    lock("forgetful")
    c = Client()
    c.post("/accounts/password-reset/", {"email": "f@example.kg"})
    link = re.search(r"https?://\S+/accounts/password-reset/\S+/\S+/", mail.outbox[0].body).group(0)
    r = c.get("/" + link.split("/", 3)[3], follow=True)
    r = c.post(r.redirect_chain[-1][0], {"new_password1": "new-long-password-2", "new_password2": "new-long-password-2"})
    assert r.status_code == 302
    assert SecurityEvent.objects.filter(kind="password_reset", username="forgetful", detail__step="completed").exists()
    assert sign_in("forgetful", "new-long-password-2").status_code == 302
    # failures after the reset count again
    for _ in range(5):
        sign_in("forgetful", "wrong-password")
    assert sign_in("forgetful", "new-long-password-2").status_code == 200


def test_a_password_set_by_an_administrator_lifts_the_lockout():
    User.objects.create_user("locked", password=PASSWORD)
    lock("locked")
    admin = User.objects.create_superuser("root", password=PASSWORD)
    target = User.objects.get(username="locked")
    r = client_for(admin).post(f"/admin/accounts/user/{target.pk}/password/", {
        "usable_password": "true", "password1": "set-by-the-admin-3", "password2": "set-by-the-admin-3",
    })
    assert r.status_code == 302, r.content.decode()[:2000]
    event = SecurityEvent.objects.get(kind="password_reset", username="locked")
    assert event.user == admin and event.detail == {"step": "set by administrator", "by": "root"}
    assert sign_in("locked", "set-by-the-admin-3").status_code == 302


def test_other_password_reset_steps_do_not_lift_the_lockout():
    User.objects.create_user("still", email="s@example.kg", password=PASSWORD)
    lock("still")
    SecurityEvent.objects.create(kind="password_reset", username="still", detail={"step": "requested"})
    assert sign_in("still", PASSWORD).status_code == 200


# 3. Deactivating someone with roles elsewhere: a clear message, not a bare 403


def test_deactivating_someone_with_roles_elsewhere_explains_why():
    coord = person("coord", "district_coordinator", JETI_OGUZ)
    both = person("both", "local_monitor", BARSKOON)
    RoleAssignment.objects.create(user=both, role=Role.objects.get(code="local_monitor"), territory=by_code(SUZAK_AA))
    r = client_for(coord).post(f"/accounts/people/{both.pk}/", {"action": "deactivate"}, follow=True)
    assert r.status_code == 200 and r.redirect_chain[-1][0] == f"/accounts/people/{both.pk}/"
    assert "also has roles outside your territory" in r.content.decode()
    both.refresh_from_db()
    assert both.is_active
    assert SecurityEvent.objects.filter(kind="permission_refused", user=coord, detail__action="deactivate_user", detail__person="both").exists()


def test_the_refusal_is_translated():
    coord = person("coord", "district_coordinator", JETI_OGUZ)
    both = person("both", "local_monitor", BARSKOON)
    RoleAssignment.objects.create(user=both, role=Role.objects.get(code="local_monitor"), territory=by_code(SUZAK_AA))
    r = client_for(coord, "ru").post(f"/accounts/people/{both.pk}/", {"action": "deactivate"}, follow=True)
    page = r.content.decode()
    assert 'class="error"' in page and "both" in page


def test_only_a_superuser_deactivates_someone_without_a_role():
    coord = person("coord", "district_coordinator", JETI_OGUZ)
    loose = User.objects.create_user("loose", password=PASSWORD)
    with pytest.raises(PermissionDenied, match="only an administrator"):
        services.deactivate_user(by=coord, user=loose)
    services.deactivate_user(by=User.objects.create_superuser("root", password=PASSWORD), user=loose)
    loose.refresh_from_db()
    assert not loose.is_active


# 4. Revoking integration secrets


def test_revoking_an_integration_secret_by_command_is_in_the_change_log():
    secret, key = create_integration_secret(created_by=None, name="kobo-barskoon", role=Role.objects.get(code="local_monitor"), territory=by_code(BARSKOON))
    assert find_integration(key) == secret
    out = io.StringIO()
    call_command("revoke_integration_secret", "kobo-barskoon", stdout=out)
    assert "revoked" in out.getvalue()
    secret.refresh_from_db()
    assert secret.revoked_at is not None and find_integration(key) is None
    record = ChangeRecord.objects.get(object_type="accounts.integrationsecret", object_id=str(secret.pk), action="update")
    assert record.integration == "revoke_integration_secret" and record.changed_fields() == ["revoked_at"]
    assert record.territory_path == by_code(BARSKOON).path
    out = io.StringIO()
    call_command("revoke_integration_secret", "kobo-barskoon", stdout=out)
    assert "already revoked" in out.getvalue()
    assert ChangeRecord.objects.filter(object_type="accounts.integrationsecret", object_id=str(secret.pk), action="update").count() == 1
    with pytest.raises(CommandError, match="kobo-barskoon"):
        call_command("revoke_integration_secret", "no-such-sender")


def test_only_a_superuser_revokes_an_integration_secret():
    from rest_framework.exceptions import PermissionDenied as APIPermissionDenied

    secret, _key = create_integration_secret(created_by=None, name="odk", role=Role.objects.get(code="local_monitor"), territory=by_code(BARSKOON))
    coord = person("coord", "district_coordinator", JETI_OGUZ)
    with pytest.raises(APIPermissionDenied):
        revoke_integration_secret(coord, secret)
    assert SecurityEvent.objects.filter(kind="permission_refused", detail__action="revoke_integration_secret").exists()
    admin = User.objects.create_superuser("root", password=PASSWORD)
    with acting_as(admin):
        assert revoke_integration_secret(admin, secret) is True
    assert ChangeRecord.objects.get(object_type="accounts.integrationsecret", object_id=str(secret.pk), action="update").user == admin


# 5. Turning off someone else's two-factor sign-in


def with_two_factor(user):
    secret = totp.new_secret()
    assert services.enable_two_factor(user, secret, totp.code_at(secret, totp.current_step()))
    return user


BUTTON = "Turn off two-factor sign-in (the person lost their phone)"


def test_a_coordinator_turns_off_two_factor_for_someone_in_their_territory():
    coord = person("coord", "district_coordinator", JETI_OGUZ)
    lost = with_two_factor(person("lost", "local_monitor", BARSKOON))
    c = client_for(coord)
    assert BUTTON in c.get(f"/accounts/people/{lost.pk}/").content.decode()
    r = c.post(f"/accounts/people/{lost.pk}/", {"action": "reset_two_factor"}, follow=True)
    assert "Two-factor sign-in is off for" in r.content.decode()
    lost.refresh_from_db()
    assert not lost.totp_enabled and lost.totp_secret == ""
    event = SecurityEvent.objects.get(kind="two_factor", username="lost", detail__outcome="turned off by an administrator")
    assert event.user == coord and event.detail["by"] == "coord"
    record = ChangeRecord.objects.filter(object_type="accounts.user", object_id=str(lost.pk), action="update").first()
    assert record.user == coord and "totp_enabled" in record.changed_fields() and "totp_secret" not in record.after
    # the person now signs in with the password alone
    r = sign_in("lost", PASSWORD)
    assert r.status_code == 302 and not r["Location"].endswith("/accounts/sign-in/code/")


def test_two_factor_of_someone_with_roles_elsewhere_is_not_turned_off_by_a_coordinator():
    coord = person("coord", "district_coordinator", JETI_OGUZ)
    both = with_two_factor(person("both", "local_monitor", BARSKOON))
    RoleAssignment.objects.create(user=both, role=Role.objects.get(code="local_monitor"), territory=by_code(SUZAK_AA))
    c = client_for(coord)
    assert BUTTON not in c.get(f"/accounts/people/{both.pk}/").content.decode()
    r = c.post(f"/accounts/people/{both.pk}/", {"action": "reset_two_factor"}, follow=True)
    assert "also has roles outside your territory" in r.content.decode()
    both.refresh_from_db()
    assert both.totp_enabled
    assert SecurityEvent.objects.filter(kind="permission_refused", detail__action="reset_two_factor").exists()
    # a superuser may
    admin = User.objects.create_superuser("root", password=PASSWORD)
    client_for(admin).post(f"/accounts/people/{both.pk}/", {"action": "reset_two_factor"})
    both.refresh_from_db()
    assert not both.totp_enabled


def test_people_without_the_right_cannot_turn_off_two_factor():
    monitor = person("mon", "local_monitor", BARSKOON)
    colleague = with_two_factor(person("colleague", "local_monitor", BARSKOON))
    assert client_for(monitor).post(f"/accounts/people/{colleague.pk}/", {"action": "reset_two_factor"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.reset_two_factor(by=monitor, user=colleague)
    admin = with_two_factor(User.objects.create_superuser("root", password=PASSWORD))
    with pytest.raises(PermissionDenied):
        services.reset_two_factor(by=admin, user=admin)  # one's own: on the Two-factor page, with a code
    colleague.refresh_from_db()
    admin.refresh_from_db()
    assert colleague.totp_enabled and admin.totp_enabled


def test_turning_two_factor_on_and_off_oneself_is_a_security_event():
    user = with_two_factor(User.objects.create_user("self", password=PASSWORD))
    assert SecurityEvent.objects.filter(kind="two_factor", user=user, detail__outcome="turned on").exists()
    assert services.disable_two_factor(user, totp.code_at(user.totp_secret, totp.current_step() + 1))
    assert SecurityEvent.objects.filter(kind="two_factor", user=user, detail__outcome="turned off").exists()

from datetime import timedelta

import pytest
from django.test import Client
from freezegun import freeze_time

from aimak.accounts.models import APIToken, Role, User
from aimak.accounts.tokens import create_integration_secret, create_token, find_integration
from aimak.audit.models import SecurityEvent
from aimak.territories.selectors import by_code

pytestmark = pytest.mark.django_db


def api(key, language="en"):
    """An API client; messages come in the language it asks for (Kyrgyz when it asks for none)."""
    return Client(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE=language)


def test_a_token_is_shown_once_and_stored_hashed():
    user = User.objects.create_user("u", password="a-long-test-password")
    c = Client()
    c.force_login(user)
    c.cookies["aimak_language"] = "en"
    page = c.post("/accounts/tokens/", {"name": "Excel", "scope": "read", "days": 30}).content.decode()
    token = APIToken.objects.get(user=user)
    key = page.split('id="new-key">')[1].split("<")[0]
    assert key.startswith(token.prefix) and key not in str(token.__dict__)
    assert key not in c.get("/accounts/tokens/").content.decode()


def test_tokens_authenticate_and_read_only_tokens_cannot_write():
    user = User.objects.create_user("u", password="a-long-test-password")
    _t, key = create_token(user=user, name="r", scope="read", days=5)
    assert api(key).get("/api/territories/41702210815000/").status_code == 200
    assert api(key).post("/api/territories/", {}).status_code == 403
    assert SecurityEvent.objects.filter(kind="token_used", user=user, detail__outcome="accepted").exists()


def test_revoked_expired_and_unknown_tokens_are_refused_and_logged():
    user = User.objects.create_user("u", password="a-long-test-password")
    token, key = create_token(user=user, name="r", days=1)
    with freeze_time(timedelta(days=2)):
        assert api(key).get("/api/territories/41702210815000/").status_code == 401
    token.revoked_at = token.created_at
    token.save()
    r = api(key).get("/api/territories/41702210815000/")
    assert r.status_code == 401 and "revoked" in r.json()["detail"]
    assert api(key, language="ky").get("/api/territories/41702210815000/").json()["detail"] == "Бул токен жокко чыгарылган."
    assert api("aimak_nonsense").get("/api/territories/41702210815000/").status_code == 401
    assert SecurityEvent.objects.filter(kind="token_used", detail__outcome="refused").count() == 4


def test_token_lifetime_is_bounded():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        create_token(user=User.objects.create(username="u"), name="x", days=1000)


def test_integration_secrets():
    secret, key = create_integration_secret(created_by=None, name="kobo", role=Role.objects.get(code="local_monitor"), territory=by_code("41702210815000"))
    assert find_integration(key) == secret
    assert find_integration("wrong") is None
    secret.revoked_at = secret.created_at
    secret.save()
    assert find_integration(key) is None
    assert SecurityEvent.objects.filter(kind="permission_refused", detail__reason="bad secret").count() == 2

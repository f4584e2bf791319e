
import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from aimak.accounts import totp
from aimak.accounts.models import User

pytestmark = pytest.mark.django_db


def test_rfc6238_vector():
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # "12345678901234567890" in base32
    assert totp.code_at(secret, 59 // 30) == "287082"  # RFC 6238 gives 94287082 for 8 digits
    assert totp.code_at(secret, 1111111109 // 30) == "081804"


@given(st.text(max_size=10))
def test_codes_that_are_not_six_digits_never_match(code):
    if not (code.strip().isdigit() and len(code.strip()) == 6):
        assert totp.matching_step("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", code) is None


def test_turning_on_and_signing_in_with_a_code_once():
    user = User.objects.create_user("two", password="a-long-test-password")
    c = Client()
    c.force_login(user)
    c.get("/accounts/two-factor/")
    secret = c.session["aimak_new_totp_secret"]
    assert c.post("/accounts/two-factor/", {"code": "000000" if totp.code_at(secret, totp.current_step()) != "000000" else "111111"}).status_code == 400
    code = totp.code_at(secret, totp.current_step())
    assert c.post("/accounts/two-factor/", {"code": code}).status_code == 302
    user.refresh_from_db()
    assert user.totp_enabled

    fresh = Client()
    r = fresh.post("/accounts/sign-in/", {"username": "two", "password": "a-long-test-password"})
    assert r.status_code == 302 and r["Location"].endswith("/accounts/sign-in/code/")
    assert "_auth_user_id" not in fresh.session
    # the code already used to turn it on is refused (no replays); the next one works
    assert fresh.post("/accounts/sign-in/code/", {"code": code}).status_code == 400
    next_code = totp.code_at(secret, totp.current_step() + 1)
    assert fresh.post("/accounts/sign-in/code/", {"code": next_code}).status_code == 302
    assert "_auth_user_id" in fresh.session

"""Invitation links: signed, expiring, single-use (a used link finds the password already set)."""

from django.core import signing

INVITATION_SALT = "aimak.accounts.invitation"
INVITATION_DAYS = 7


def make_token(user) -> str:
    return signing.TimestampSigner(salt=INVITATION_SALT).sign_object({"u": user.pk, "p": user.password[-12:]})


def read_token(token: str):
    """The invited user, or raise signing.BadSignature / SignatureExpired."""
    from .models import User

    data = signing.TimestampSigner(salt=INVITATION_SALT).unsign_object(token, max_age=INVITATION_DAYS * 24 * 3600)
    user = User.objects.filter(pk=data.get("u")).first()
    if user is None or user.password[-12:] != data.get("p"):
        raise signing.BadSignature("used or unknown invitation")
    return user

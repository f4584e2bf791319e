"""API tokens and integration secrets: random keys, stored as SHA-256 hashes, shown once."""

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions, permissions

from aimak.audit.services import log_security_event

from .models import APIToken, IntegrationSecret

MAX_TOKEN_DAYS = 366


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key(kind: str) -> str:
    return f"{kind}_{secrets.token_urlsafe(30)}"


def create_token(*, user, name: str, scope: str = APIToken.Scope.READ, days: int = 90) -> tuple[APIToken, str]:
    if not 1 <= int(days) <= MAX_TOKEN_DAYS:
        raise ValidationError({"days": _("A token lives from 1 to %(max)d days.") % {"max": MAX_TOKEN_DAYS}})
    if scope not in APIToken.Scope.values:
        raise ValidationError({"scope": _("Unknown scope.")})
    key = new_key("aimak")
    token = APIToken.objects.create(
        user=user, name=name, scope=scope, prefix=key[:12], key_hash=_hash(key), expires_at=timezone.now() + timedelta(days=int(days))
    )
    return token, key


def revoke_token(*, by, token: APIToken) -> None:
    if token.user_id != by.pk and not by.is_superuser:
        raise exceptions.PermissionDenied
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])


def create_integration_secret(*, created_by, name, role, territory, days=None) -> tuple[IntegrationSecret, str]:
    key = new_key("aimakint")
    secret = IntegrationSecret.objects.create(
        name=name, role=role, territory=territory, created_by=created_by, prefix=key[:12], key_hash=_hash(key),
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    return secret, key


def revoke_integration_secret(by, secret: IntegrationSecret) -> bool:
    """End an integration secret at once; the sender it was given to can no longer send.
    ``by`` is a superuser, or None for the server's administrator running the command. The
    change (``revoked_at``) goes to the change log. Returns False if it was already revoked."""
    if by is not None and not (by.is_authenticated and by.is_active and by.is_superuser):
        log_security_event("permission_refused", user=by, detail={"action": "revoke_integration_secret", "integration": secret.name})
        raise exceptions.PermissionDenied
    if secret.revoked_at:
        return False
    secret.revoked_at = timezone.now()
    secret.save(update_fields=["revoked_at"])
    return True


def find_integration(key: str) -> IntegrationSecret | None:
    """The integration a secret belongs to, if it is valid; every refusal is logged."""
    secret = IntegrationSecret.objects.filter(key_hash=_hash(key or "")).select_related("role", "territory").first()
    now = timezone.now()
    if secret is None or secret.revoked_at or (secret.expires_at and secret.expires_at <= now):
        log_security_event("permission_refused", detail={"integration": secret.name if secret else None, "reason": "bad secret"})
        return None
    return secret


class IntegrationActor:
    """A machine sender (a Kobo server, ODK Collect) acting through the same services and the
    same ``restrict()`` as a person: its rights are its secret's role on its secret's territory.
    It is not a ``User``: services store it as ``integration`` (a name), never in a person field."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_superuser = False
    is_staff = False
    is_integration = True
    pk = id = None
    preferred_language = ""

    def __init__(self, secret: IntegrationSecret):
        self.secret = secret
        self.integration_name = f"integration:{secret.name}"
        self.username = self.integration_name

    def __str__(self):
        return self.secret.name

    def get_username(self) -> str:
        return self.username

    def integration_grants(self, action: str, model) -> list[str]:
        from aimak.core.scoping import model_label

        return [self.secret.territory.path] if self.secret.role.allows(model_label(model), action) else []


def integration_actor(key: str) -> IntegrationActor | None:
    """The acting machine for a secret, or None (refusal logged) when the secret is not valid."""
    secret = find_integration(key)
    return IntegrationActor(secret) if secret is not None else None


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token <key>``. Revoked, expired or unknown keys are refused and logged."""

    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token after the word Token."))
        token = APIToken.objects.filter(key_hash=_hash(header[1])).select_related("user").first()
        now = timezone.now()
        reason = None
        if token is None:
            reason = _("Unknown token.")
        elif token.revoked_at:
            reason = _("This token was revoked.")
        elif token.expires_at <= now:
            reason = _("This token has expired.")
        elif not token.user.is_active:
            reason = _("The token's owner is deactivated.")
        if reason:
            log_security_event("token_used", user=token.user if token else None, detail={"outcome": "refused", "reason": str(reason), "prefix": header[1][:12]})
            raise exceptions.AuthenticationFailed(reason)
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=10):
            APIToken.objects.filter(pk=token.pk).update(last_used_at=now)
            log_security_event("token_used", user=token.user, detail={"outcome": "accepted", "token": token.prefix})
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class TokenScopePermission(permissions.BasePermission):
    """A read-only token cannot write, whatever its owner may do."""

    message = _("This token is read-only.")

    def has_permission(self, request, view):
        token = getattr(request, "auth", None)
        if isinstance(token, APIToken) and token.scope == APIToken.Scope.READ:
            return request.method in permissions.SAFE_METHODS
        return True

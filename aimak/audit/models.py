from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeRecord(models.Model):
    """One create, update or delete of business data: who, when, what, before and after."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    integration = models.CharField(_("integration or process"), max_length=100, blank=True)
    request_id = models.CharField(_("request id"), max_length=40, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, db_index=True)
    object_repr = models.CharField(_("object"), max_length=300)
    territory_path = models.CharField(max_length=48, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    territory_field = None  # scoped through territory_path, see selectors

    class Meta:
        verbose_name = _("change record")
        verbose_name_plural = _("change records")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.get_action_display()} {self.object_repr}"

    def changed_fields(self) -> list[str]:
        before, after = self.before or {}, self.after or {}
        return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


class SecurityEvent(models.Model):
    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", _("signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("failed sign-in")
        LOCKOUT = "lockout", _("locked out")
        SIGN_OUT = "sign_out", _("signed out")
        TOKEN_USED = "token_used", _("API token used")
        PERMISSION_REFUSED = "permission_refused", _("permission refused")
        EXPORT = "export", _("export of restricted or personal data")
        INVITATION = "invitation", _("invitation")
        PASSWORD_RESET = "password_reset", _("password reset")
        TWO_FACTOR = "two_factor", _("two-factor sign-in turned on or off")

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("event"), max_length=24, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    username = models.CharField(_("user name given"), max_length=150, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(max_length=40, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    territory_field = None  # seen by administrators only

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.username}"

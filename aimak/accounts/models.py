from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in to Aimak; never deleted, only deactivated (history points at them)."""

    position = models.CharField(_("position"), max_length=200, blank=True)
    organisation = models.CharField(_("organisation"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, blank=True, default=""
    )
    totp_secret = models.CharField(_("two-factor key"), max_length=64, blank=True, editable=False)
    totp_enabled = models.BooleanField(_("two-factor sign-in"), default=False)
    totp_last_step = models.BigIntegerField(default=0, editable=False)

    territory_field = None  # people are reached through their role assignments
    audited = True
    audit_exclude = ("password", "totp_secret", "totp_last_step")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.get_full_name() or self.username


class Role(models.Model):
    """A named set of permissions: "<object type>:<action>", with "*" for every type."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    permissions = models.JSONField(_("permissions"), default=list, blank=True)
    is_builtin = models.BooleanField(_("built in"), default=False, editable=False)

    territory_field = None  # roles apply wherever they are assigned
    audited = True

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def allows(self, object_type: str, action: str) -> bool:
        perms = set(self.permissions or [])
        return f"{object_type}:{action}" in perms or f"*:{action}" in perms


class RoleAssignment(models.Model):
    """(person, role, territory, dates): the grant covers the territory and all below it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="assignments")
    role = models.ForeignKey(Role, verbose_name=_("role"), on_delete=models.PROTECT, related_name="assignments")
    territory = models.ForeignKey("territories.Territory", verbose_name=_("territory"), on_delete=models.PROTECT, related_name="role_assignments")
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("granted by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    territory_field = "territory"
    audited = True

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["territory__path", "role__name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True) | models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=models.F("valid_from")),
                name="role_assignment_dates_ordered",
            )
        ]

    def __str__(self):
        return f"{self.user} — {self.role} — {self.territory}"


class APIToken(models.Model):
    """A personal key for the API. Only its hash is stored; the key is shown once."""

    class Scope(models.TextChoices):
        READ = "read", _("read only")
        WRITE = "write", _("read and write")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for, e.g. “Excel report”."))
    prefix = models.CharField(_("starts with"), max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("scope"), max_length=5, choices=Scope.choices, default=Scope.READ)
    expires_at = models.DateTimeField(_("expires"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    territory_field = None  # acts with its owner's roles
    audited = True
    audit_exclude = ("key_hash", "last_used_at")

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class IntegrationSecret(models.Model):
    """A machine sender (a Kobo server, an ODK form): it acts with a role on a territory."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    prefix = models.CharField(_("starts with"), max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    role = models.ForeignKey(Role, verbose_name=_("role"), on_delete=models.PROTECT)
    territory = models.ForeignKey("territories.Territory", verbose_name=_("territory"), on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    territory_field = "territory"
    audited = True
    audit_exclude = ("key_hash",)

    class Meta:
        verbose_name = _("integration secret")
        verbose_name_plural = _("integration secrets")

    def __str__(self):
        return self.name

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

    territory_field = None  # people are reached through their role assignments
    audited = True
    audit_exclude = ("password",)

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

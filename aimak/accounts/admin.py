from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.utils.translation import gettext_lazy as _

from .models import Role, RoleAssignment, User


class PasswordSetForm(AdminPasswordChangeForm):
    """**Set password** in the administration: recorded as a security event, which also lifts
    a sign-in lockout on the person's user name."""

    def save(self, commit=True):
        from aimak.core.context import actor

        from .services import record_password_set

        user = super().save(commit=commit)
        if commit and user.has_usable_password():
            record_password_set(user=user, by=actor())
        return user


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    change_password_form = PasswordSetForm
    fieldsets = BaseUserAdmin.fieldsets + ((_("Work"), {"fields": ("position", "organisation", "phone", "preferred_language")}),)
    list_display = ("username", "first_name", "last_name", "organisation", "is_active")


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "is_builtin")
    readonly_fields = ("is_builtin",)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "territory", "valid_from", "valid_to")
    raw_id_fields = ("user", "territory", "granted_by")

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Role, RoleAssignment, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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

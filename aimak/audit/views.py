from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.utils.translation import gettext_lazy as _

from aimak.core.tables import Column
from aimak.core.views import ObjectListView

from .filtersets import ChangeRecordFilterSet, SecurityEventFilterSet
from .models import SecurityEvent
from .selectors import visible_changes

CHANGE_COLUMNS = [
    Column(_("When"), "created_at"),
    Column(_("Who"), lambda r: r.user or r.integration or "—"),
    Column(_("Action"), "get_action_display"),
    Column(_("Object type"), "object_type"),
    Column(_("Object"), "object_repr"),
    Column(_("Changed fields"), lambda r: ", ".join(r.changed_fields())),
    Column(_("Before"), lambda r: r.before if r.action == "update" else ""),
    Column(_("After"), lambda r: r.after if r.action == "update" else ""),
    Column(_("Request id"), "request_id"),
]
SECURITY_COLUMNS = [
    Column(_("When"), "created_at"),
    Column(_("Event"), "get_kind_display"),
    Column(_("User name"), "username"),
    Column(_("IP address"), "ip_address"),
    Column(_("Detail"), "detail"),
    Column(_("Request id"), "request_id"),
]


class ChangeLogView(LoginRequiredMixin, ObjectListView):
    """The searchable log of changes to business data, within the reader's territories."""

    filterset_class = ChangeRecordFilterSet
    columns = CHANGE_COLUMNS
    export_name = "aimak-change-log"
    export_logged_as = "change log"
    title = _("Change log")

    def get_base_queryset(self):
        return visible_changes(self.request.user).select_related("user")



class SecurityLogView(UserPassesTestMixin, ObjectListView):
    filterset_class = SecurityEventFilterSet
    columns = SECURITY_COLUMNS
    export_name = "aimak-security-events"
    export_logged_as = "security events"
    title = _("Security events")

    def test_func(self):
        return self.request.user.is_authenticated and self.request.user.is_superuser

    def get_base_queryset(self):
        return SecurityEvent.objects.all()

"""Alert inbox, one alert with its evidence and actions, and the person's notifications.
Thin: reads come from ``selectors.alerts``, writes from ``services.alert_workflow``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import ListView, TemplateView

from aimak.core import scoping
from aimak.core.answers import kept
from aimak.core.tables import Column
from aimak.core.views import ObjectListView

from ..filtersets import AlertFilterSet
from ..models import Alert, Level, ResponsePlan
from ..selectors import alerts as selectors
from ..services import alert_workflow

LEVEL_COLOUR_NAMES = {
    Level.BLUE: _("blue"),
    Level.GREEN: _("green"),
    Level.YELLOW: _("yellow"),
    Level.ORANGE: _("orange"),
    Level.RED: _("red"),
}


def severity_badge(code) -> dict:
    """The level as words and colour together (colour is never the only signal)."""
    return {"code": code, "colour": LEVEL_COLOUR_NAMES.get(code, code), "label": selectors.level_label(code)}


def _ack_text(alert):
    timing = selectors.acknowledgement(alert)
    if timing.hours is None:
        return ""
    return timing.hours


ALERT_COLUMNS = [
    Column(_("Period"), lambda a: a.period.code),
    Column(_("Territory"), "territory.name"),
    Column(_("SOATE code"), "territory.code"),
    Column(_("Severity"), lambda a: f"{LEVEL_COLOUR_NAMES.get(a.severity, a.severity)} — {selectors.level_label(a.severity)}"),
    Column(_("Status"), "get_status_display"),
    Column(_("Summary"), "summary", link=True),
    Column(_("Rule"), "rule.name"),
    Column(_("Raised"), lambda a: a.raised_at.isoformat(timespec="minutes")),
    Column(_("Acknowledge by"), lambda a: a.acknowledge_due.isoformat(timespec="minutes")),
    Column(_("Acknowledged"), lambda a: a.acknowledged_at.isoformat(timespec="minutes") if a.acknowledged_at else ""),
    Column(_("Acknowledged by"), "acknowledged_by"),
    Column(_("Hours to acknowledge"), _ack_text),
    Column(_("Overdue"), lambda a: _("yes") if getattr(a, "is_overdue", False) else ""),
    Column(_("Escalated to"), "escalated_to.name"),
    Column(_("Synthetic demo data"), lambda a: _("yes") if a.is_synthetic else ""),
]


@method_decorator(kept(page=True), name="dispatch")
class AlertInboxView(LoginRequiredMixin, ObjectListView):
    filterset_class = AlertFilterSet
    columns = ALERT_COLUMNS
    export_name = "alerts"
    title = _("Alerts")
    template_name = "monitoring/alerts/inbox.html"

    def get_base_queryset(self):
        return selectors.inbox(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["items"] = [
            {"alert": a, "badge": severity_badge(a.severity), "timing": selectors.acknowledgement(a), "territory_url": selectors.territory_url(a.territory)}
            for a in context["object_list"]
        ]
        context["overdue_count"] = selectors.overdue(self.request.user).count()
        context["any_synthetic"] = any(a.is_synthetic for a in context["object_list"])
        return context


class AlertDetailView(LoginRequiredMixin, TemplateView):
    template_name = "monitoring/alerts/detail.html"

    def get_context_data(self, **kwargs):
        from aimak.incidents.selectors import panels as incident_panels

        context = super().get_context_data(**kwargs)
        user = self.request.user
        alert = selectors.alert_for(user, self.kwargs["pk"])
        evidence = selectors.explain_evidence(alert.evidence)
        can_review = scoping.can(user, "review", alert)
        context.update(
            alert=alert,
            badge=severity_badge(alert.severity),
            timing=selectors.acknowledgement(alert),
            territory_url=selectors.territory_url(alert.territory),
            escalated_url=selectors.territory_url(alert.escalated_to) if alert.escalated_to else "",
            evidence=evidence,
            has_evidence=any(evidence.values()),
            events=[{"event": e, "label": selectors.event_label(e.action)} for e in selectors.events(alert)],
            plans=selectors.plans_for(user, alert),
            incident_panel=incident_panels.alert_panel(user, alert),
            can_review=can_review,
            can_acknowledge=can_review and alert.status == Alert.Status.RAISED,
            can_plan=alert.is_open and scoping.allowed_within(user, "create", ResponsePlan, alert.territory) and can_review,
            can_escalate=can_review and alert.status != Alert.Status.RESOLVED and (alert.escalated_to or alert.territory).parent_id is not None,
            can_resolve=can_review and alert.status != Alert.Status.RESOLVED,
        )
        return context


ACTIONS = {
    "acknowledge": (lambda user, alert, text: alert_workflow.acknowledge(user, alert, text), _("Alert acknowledged.")),
    "escalate": (lambda user, alert, text: alert_workflow.escalate(user, alert, text), _("Alert escalated to the next level.")),
    "resolve": (lambda user, alert, text: alert_workflow.resolve(user, alert, text), _("Alert resolved.")),
    "comment": (lambda user, alert, text: alert_workflow.comment(user, alert, text), _("Comment added.")),
}


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return " ".join(m for msgs in exc.message_dict.values() for m in msgs)
    return " ".join(exc.messages)


class AlertActionView(LoginRequiredMixin, View):
    """One workflow step from the alert page's forms (POST, then back to the alert)."""

    http_method_names = ["post"]

    def post(self, request, pk, action):
        if action not in ACTIONS:
            raise Http404
        alert = selectors.alert_for(request.user, pk)
        run, done = ACTIONS[action]
        try:
            run(request.user, alert, request.POST.get("comment", ""))
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, done)
        return HttpResponseRedirect(reverse("monitoring:alert", args=[alert.pk]))


class NotificationListView(LoginRequiredMixin, ListView):
    template_name = "monitoring/alerts/notifications.html"
    paginate_by = 50
    context_object_name = "notifications"

    def get_queryset(self):
        return selectors.notifications(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["unread"] = selectors.unread_count(self.request.user)
        return context


class NotificationOpenView(LoginRequiredMixin, View):
    """Following a notification marks it read and goes where it points."""

    def get(self, request, pk):
        notification = selectors.notification_for(request.user, pk)
        alert_workflow.mark_notification_read(request.user, notification)
        target = notification.url or (notification.alert.get_absolute_url() if notification.alert_id else "")
        if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            target = reverse("monitoring:notifications")
        return HttpResponseRedirect(target)


class NotificationsReadAllView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        count = alert_workflow.mark_all_notifications_read(request.user)
        if count:
            messages.success(request, _("All notifications marked as read."))
        return HttpResponseRedirect(reverse("monitoring:notifications"))


urlpatterns = [
    path("alerts/", AlertInboxView.as_view(), name="alerts"),
    path("alerts/<int:pk>/", AlertDetailView.as_view(), name="alert"),
    path("alerts/<int:pk>/<slug:action>/", AlertActionView.as_view(), name="alert-action"),
    path("notifications/", NotificationListView.as_view(), name="notifications"),
    path("notifications/<int:pk>/open/", NotificationOpenView.as_view(), name="notification-open"),
    path("notifications/read-all/", NotificationsReadAllView.as_view(), name="notifications-read-all"),
]

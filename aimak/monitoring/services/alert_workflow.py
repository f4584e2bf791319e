"""What people do with an alert: acknowledge it, answer it with a plan, resolve it, or hand it
to the next level up; and the notes they leave on the way.

Each action checks the person's right on the alert's territory, changes the alert, and writes
an ``AlertEvent`` in one transaction, so the log and the status never disagree. The alert row
is locked while it changes: two coordinators pressing "Acknowledge" at once get one success
and one clear refusal."""

from __future__ import annotations

import importlib


from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from aimak.core import scoping

from ..models import Alert, AlertEvent, Notification, ResponsePlan

RAISED, ACKNOWLEDGED, RESPONDING = Alert.Status.RAISED, Alert.Status.ACKNOWLEDGED, Alert.Status.RESPONDING
RESOLVED, ESCALATED = Alert.Status.RESOLVED, Alert.Status.ESCALATED


def _locked(user, alert: Alert, action: str = "review") -> Alert:
    scoping.require(user, action, alert)
    # lock only the alert row: PostgreSQL refuses FOR UPDATE on the nullable side of a join
    return Alert.objects.select_for_update(of=("self",)).select_related("territory", "escalated_to").get(pk=alert.pk)


def _log(alert: Alert, action: str, user, comment: str = "") -> AlertEvent:
    return AlertEvent.objects.create(alert=alert, action=action, user=user, comment=comment)


def _sync(original: Alert, current: Alert) -> Alert:
    """Let the caller's object show the new state too."""
    original.refresh_from_db()
    return current


def _required(text: str, field: str = "comment") -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: _("Write a comment: it says what was done and why.")})
    return text


def _mark_acknowledged(alert: Alert, user, now) -> None:
    alert.status = ACKNOWLEDGED
    alert.acknowledged_by = user
    alert.acknowledged_at = now


def acknowledge(user, alert: Alert, comment: str = "") -> Alert:
    """Someone responsible has seen the alert; the clock against ``acknowledge_due`` stops."""
    with transaction.atomic():
        current = _locked(user, alert)
        if current.acknowledged_at is not None:
            who = current.acknowledged_by or _("someone")
            when = timezone.localtime(current.acknowledged_at).strftime("%Y-%m-%d %H:%M")
            raise ValidationError({"status": _("This alert was already acknowledged by %(who)s on %(when)s.") % {"who": who, "when": when}})
        if current.status != RAISED:
            raise ValidationError(
                {"status": _("This alert is %(status)s; only a newly raised alert can be acknowledged.") % {"status": current.get_status_display()}}
            )
        _mark_acknowledged(current, user, timezone.now())
        current.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
        _log(current, "acknowledged", user, (comment or "").strip())
    return _sync(alert, current)


def start_response(user, alert: Alert, plan: ResponsePlan) -> Alert:
    """Answer the alert with a plan. An alert still waiting for acknowledgement is acknowledged
    on the way (logged as such), because opening a plan shows it has been seen."""
    with transaction.atomic():
        current = _locked(user, alert)
        scoping.require(user, "edit", plan)
        if current.status not in Alert.OPEN:
            raise ValidationError(
                {"status": _("This alert is %(status)s; a plan can no longer be opened for it.") % {"status": current.get_status_display()}}
            )
        now = timezone.now()
        if current.status == RAISED:
            _mark_acknowledged(current, user, now)
            _log(current, "acknowledged", user, _("Acknowledged when a response plan was opened."))
        current.status = RESPONDING
        current.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
        plan.alerts.add(current)
        _log(current, "plan_opened", user, plan.title)
    return _sync(alert, current)


def resolve(user, alert: Alert, comment: str) -> Alert:
    """Close the alert; the comment says how the situation was settled."""
    text = _required(comment)
    with transaction.atomic():
        current = _locked(user, alert)
        if current.status == RESOLVED:
            raise ValidationError({"status": _("This alert is already resolved.")})
        current.status = RESOLVED
        current.resolved_at = timezone.now()
        current.save(update_fields=["status", "resolved_at"])
        _log(current, "resolved", user, text)
    return _sync(alert, current)


def _notify_parent(alert: Alert, message: str) -> None:
    """The people who hold the level the alert now sits at hear of it again, unread."""
    notifications = importlib.import_module("aimak.monitoring.services.notifications")
    notifications.notify_holders(alert, message=message, territory=alert.escalated_to)


def _escalation_message(place, summary: str, text: str):
    """Evaluated when turned into text, so each person reads it in their own language."""
    return lazy(
        lambda: _("Alert escalated to %(place)s: %(summary)s — %(comment)s") % {"place": place, "summary": summary, "comment": text}, str
    )()


def escalate(user, alert: Alert, comment: str) -> Alert:
    """Hand the alert to the next level up (municipality -> rayon -> oblast -> country) and tell
    the people who hold that level. An alert already escalated goes one level further, which
    needs the right to review at the level that holds it now."""
    text = _required(comment)
    with transaction.atomic():
        current = _locked(user, alert)
        if current.status == RESOLVED:
            raise ValidationError({"status": _("This alert is resolved; reopen it by raising a new one instead of escalating.")})
        holder = current.escalated_to or current.territory
        if not scoping.allowed_within(user, "review", Alert, holder):
            from aimak.audit.services import log_security_event

            log_security_event("permission_refused", user=user, detail={"action": "escalate", "object": "monitoring.alert", "pk": current.pk})
            raise PermissionDenied
        parent = holder.parent
        if parent is None:
            raise ValidationError({"escalated_to": _("%(place)s is the top level; there is no one to escalate to.") % {"place": holder}})
        current.status = ESCALATED
        current.escalated_to = parent
        current.save(update_fields=["status", "escalated_to"])
        _log(current, "escalated", user, text)
        _notify_parent(current, _escalation_message(parent, current.summary, text))
    return _sync(alert, current)


def comment(user, alert: Alert, text: str) -> AlertEvent:
    """A note in the alert's log (a call made, a visit planned) that changes nothing else."""
    note = _required(text, "text")
    with transaction.atomic():
        current = _locked(user, alert)
        return _log(current, "commented", user, note)


def mark_notification_read(user, notification: Notification) -> Notification:
    """Opening a notification marks it read; only its addressee can."""
    if notification.user_id != getattr(user, "pk", None):
        raise PermissionDenied
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_notifications_read(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())

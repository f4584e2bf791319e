"""Tell the people who answer for a territory that an alert needs them.

Why these people: whoever may *review* alerts on the territory or on any unit above it (the
district and oblast coordinators, national analysts) is the one expected to acknowledge it;
monitors who only enter data are not paged. One in-app notification per person and alert
(a refreshed alert does not notify twice; news such as an escalation brings it back unread), written in the person's own language, and an
e-mail when they have an address. The e-mail leaves only once the transaction commits, so a
rolled-back submission never sends one.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aimak.accounts.selectors import assignments_at
from aimak.core.scoping import model_label

from ..models import Alert, Level, Notification
from ..periods import PeriodSpan

logger = logging.getLogger(__name__)


def holders(alert: Alert, territory=None) -> list:
    """Active people with review rights on alerts at the alert's territory (or ``territory``,
    the level it was escalated to) or above."""
    label = model_label(Alert)
    people = {}
    for assignment in assignments_at(territory or alert.territory):
        user = assignment.user
        if user.is_active and assignment.role.allows(label, "review"):
            people.setdefault(user.pk, user)
    return list(people.values())


def _alert_url(alert: Alert) -> str:
    try:
        return reverse("monitoring:alert", args=[alert.pk])
    except NoReverseMatch:  # pages not wired (e.g. a bare API deployment)
        return ""


def _language(user) -> str:
    return user.preferred_language or settings.LANGUAGE_CODE


def alert_message(alert: Alert) -> str:
    """One line in the active language naming the territory, period and severity."""
    level = Level(alert.severity).label if alert.severity in Level.values else alert.severity
    return _("Alert (%(severity)s) for %(territory)s, period %(period)s: %(rule)s.") % {
        "severity": level, "territory": alert.territory, "period": PeriodSpan(alert.period_type, alert.period_start).code,
        "rule": alert.rule,
    }


def notify_holders(alert: Alert, message: str | None = None, *, territory=None) -> list[Notification]:
    """In-app notification (once per person and alert) and e-mail to the territory's holders."""
    url = _alert_url(alert)
    created_for = []
    for user in holders(alert, territory):
        with translation.override(_language(user)):
            text = str(message) if message else alert_message(alert)
            notification, created = Notification.objects.get_or_create(user=user, alert=alert, defaults={"message": text[:400], "url": url})
            if not created:
                if not message:
                    continue  # a refreshed alert does not page anyone twice
                # news about the alert (an escalation): the person's notice comes back unread, on top
                notification.message, notification.read_at = text[:400], None
                notification.save(update_fields=["message", "read_at"])
                Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now())
            created_for.append(notification)
            if user.email:
                subject = _("Aimak alert: %(territory)s") % {"territory": alert.territory}
                body = "\n\n".join([
                    text,
                    _("Summary: %(summary)s") % {"summary": alert.summary},
                    _("Please acknowledge it by %(due)s.") % {"due": timezone.localtime(alert.acknowledge_due).strftime("%Y-%m-%d %H:%M")},
                    url,
                ]).strip()
                transaction.on_commit(lambda s=str(subject), b=body, to=user.email: _send(s, b, to))
    return created_for


def _send(subject: str, body: str, to: str) -> None:
    try:
        send_mail(subject, body, None, [to])
    except Exception:  # a mail server being down must not hide the alert in the app
        logger.exception("could not e-mail an alert notification to %s", to)

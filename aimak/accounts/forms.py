from datetime import timedelta

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aimak.audit.models import SecurityEvent
from aimak.audit.services import log_security_event

LOCKOUT_THRESHOLD = 5  # failed sign-ins ...
LOCKOUT_WINDOW = timedelta(minutes=15)  # ... within this time lock the name for this long


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("Too many failed attempts for this user name. Try again in %(minutes)d minutes or reset your password."),
    }

    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip()
        if username and self.is_locked(username):
            log_security_event("lockout", username=username, request=self.request)
            raise forms.ValidationError(self.error_messages["locked"], code="locked", params={"minutes": int(LOCKOUT_WINDOW.total_seconds() // 60)})
        return super().clean()

    @staticmethod
    def is_locked(username: str) -> bool:
        """5 failures within 15 minutes lock the name. Only failures after the last successful
        sign-in, and after the last new password (reset link or administrator), count."""
        from .services import PASSWORD_SET_STEPS

        since = timezone.now() - LOCKOUT_WINDOW
        recent = SecurityEvent.objects.filter(username=username, created_at__gte=since)
        cleared = recent.filter(
            Q(kind="sign_in") | Q(kind="password_reset", detail__step__in=PASSWORD_SET_STEPS)
        ).order_by("-pk").values_list("pk", flat=True).first()
        failures = recent.filter(kind="sign_in_failed", pk__gt=cleared or 0)
        return failures.count() >= LOCKOUT_THRESHOLD

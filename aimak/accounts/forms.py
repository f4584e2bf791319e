from datetime import timedelta

from django import forms
from django.contrib.auth.forms import AuthenticationForm
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
        since = timezone.now() - LOCKOUT_WINDOW
        last_success = (
            SecurityEvent.objects.filter(kind="sign_in", username=username, created_at__gte=since).order_by("-created_at").values_list("created_at", flat=True).first()
        )
        failures = SecurityEvent.objects.filter(kind="sign_in_failed", username=username, created_at__gte=last_success or since)
        return failures.count() >= LOCKOUT_THRESHOLD

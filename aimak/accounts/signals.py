from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from aimak.audit.services import log_security_event


@receiver(user_logged_in)
def signed_in(sender, request, user, **kwargs):
    log_security_event("sign_in", user=user, request=request)


@receiver(user_logged_out)
def signed_out(sender, request, user, **kwargs):
    if user is not None:
        log_security_event("sign_out", user=user, request=request)


@receiver(user_login_failed)
def sign_in_failed(sender, credentials, request=None, **kwargs):
    log_security_event("sign_in_failed", username=str(credentials.get("username", ""))[:150], request=request)

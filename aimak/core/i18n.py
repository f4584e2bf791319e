"""Choosing a language: remembered in the browser (cookie) and, when signed in, on the user."""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST


@require_POST
def set_language(request):
    code = request.POST.get("language", "")
    next_url = request.POST.get("next") or request.META.get("HTTP_REFERER") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if code not in dict(settings.LANGUAGES):
        return response
    translation.activate(code)
    if request.user.is_authenticated and request.user.preferred_language != code:
        from aimak.accounts.services import set_preferred_language

        set_preferred_language(request.user, code)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        path="/",
    )
    return response

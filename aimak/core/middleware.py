"""Language: the signed-in user's choice wins, then the browser's cookie, then Accept-Language."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class LanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        user = getattr(request, "user", None)
        preferred = getattr(user, "preferred_language", "") if user and user.is_authenticated else ""
        if preferred in dict(settings.LANGUAGES):
            translation.activate(preferred)
            request.LANGUAGE_CODE = preferred
            return
        super().process_request(request)

    def process_response(self, request, response):
        response = super().process_response(request, response)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response

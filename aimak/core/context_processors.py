from django.conf import settings
from django.utils import translation


def aimak(request):
    current = translation.get_language()
    return {
        "AIMAK_LANGUAGES": [
            {"code": code, "name": name, "current": code == current} for code, name in settings.LANGUAGES
        ],
        "AIMAK_DEBUG": settings.DEBUG,
    }

from django.conf import settings
from django.utils import translation


def aimak(request):
    current = translation.get_language()
    return {
        "AIMAK_LANGUAGES": [
            {"code": code, "name": name, "current": code == current} for code, name in settings.LANGUAGES
        ],
        "AIMAK_DEBUG": settings.DEBUG,
        "can_configure": _can_configure(request),
        "can_manage_people": _can_manage_people(request),
        # a callable: the query runs only if the page shows the badge
        "unread_notifications": lambda: _unread_notifications(request),
    }


def _can_configure(request) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    from aimak.core.scoping import grants
    from aimak.territories.models import Territory

    return user.is_superuser or any(len(p) == 6 for p in grants(user, "configure", Territory))


def _can_manage_people(request) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    from aimak.accounts.models import RoleAssignment
    from aimak.core.scoping import grants

    return user.is_superuser or bool(grants(user, "manage_users", RoleAssignment))


def _unread_notifications(request) -> int:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    try:
        from aimak.monitoring.selectors.alerts import unread_count
    except ImportError:  # the alerts inbox is not installed yet
        return 0
    return unread_count(user)

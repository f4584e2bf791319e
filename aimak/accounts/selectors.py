from django.db.models import Q

from aimak.core.scoping import today

from .models import RoleAssignment


def active_assignments(user, *, on=None):
    """The user's role assignments in force on a date (today by default); read on every request,
    so their territories come without boundaries."""
    from aimak.territories.selectors import without_boundaries

    day = on or today()
    return list(without_boundaries(
        RoleAssignment.objects.filter(user=user)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .select_related("role", "territory"), "territory",
    ))


def assignments_at(territory, *, on=None):
    """Who has access to a territory: assignments on it and on every unit above it."""
    from aimak.territories.models import Territory, path_ids

    day = on or today()
    return (
        RoleAssignment.objects.filter(territory__in=Territory.objects.filter(pk__in=path_ids(territory.path)))
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .select_related("user", "role", "territory")
        .order_by("territory__depth", "role__name", "user__last_name")
    )

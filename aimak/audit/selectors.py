from django.db.models import Q

from aimak.core import scoping

from .models import ChangeRecord


def visible_changes(user):
    """Change records a person may read: everything for a superuser; for people who manage
    users, the records of objects placed in their territories."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return ChangeRecord.objects.all()
    from aimak.accounts.models import RoleAssignment

    paths = scoping.grants(user, "manage_users", RoleAssignment)
    if not paths:
        return ChangeRecord.objects.none()
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(territory_path__startswith=path)
    return ChangeRecord.objects.filter(condition)


def history_of(obj, user):
    return visible_changes(user).filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).select_related("user")

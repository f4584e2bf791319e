"""Territory-scoped access: one queryset filter answers "what may this user do, where".

Every model whose rows belong to a place declares how it reaches its territory with
``territory_field`` (a lookup path to a ``Territory`` foreign key, or ``"self"`` for the
territory model itself). A role assignment on a territory covers it and everything under it
(materialised-path prefix), so ``restrict(queryset, user, action)`` is a single
``WHERE path LIKE 'prefix%' OR ...`` filter, never a per-object permission row.

Models with rows the public may see declare ``public_q()`` (a Q of what is published).
Models with sensitive rows declare ``restricted_q()``: such rows additionally need the
``view_restricted`` right where they live, whatever the action (one cannot edit what one may
not see); ``own_q(user)`` names the sensitive rows a person may still see because they wrote
them.
"""

from __future__ import annotations

from datetime import date

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

# What a role can allow; the same words appear in the role editor and the permission matrix.
ACTIONS = (
    "view", "create", "edit", "delete", "submit", "review", "approve", "configure",
    "manage_users", "view_restricted", "export_personal",
)


def territory_field(model) -> str | None:
    return getattr(model, "territory_field", None)


def scoped_models() -> list[type[Model]]:
    """Every model that declares where its rows live; the permission matrix walks this list."""
    return [m for m in apps.get_models() if territory_field(m) is not None]


def _path_lookup(model) -> str:
    field = territory_field(model)
    return "path" if field == "self" else f"{field}__path"


def model_label(model) -> str:
    return model._meta.label_lower


def grants(user, action: str, model) -> list[str]:
    """Paths of the territories where ``user`` may do ``action`` on ``model`` today."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if getattr(user, "is_integration", False):  # a machine sender: its secret's role and territory
        return user.integration_grants(action, model)
    cache = getattr(user, "_aimak_grants", None)
    if cache is None:
        cache = user._aimak_grants = {}
    key = (action, model_label(model))
    if key not in cache:
        from aimak.accounts.selectors import active_assignments

        paths = []
        for assignment in active_assignments(user):
            if assignment.role.allows(model_label(model), action):
                paths.append(assignment.territory.path)
        # a grant under another grant adds nothing
        paths.sort()
        kept = [p for i, p in enumerate(paths) if not any(p.startswith(q) for q in paths[:i])]
        cache[key] = kept
    return cache[key]


def restrict(queryset: QuerySet, user, action: str = "view") -> QuerySet:
    """The rows of ``queryset`` that ``user`` may ``action``; nothing for unknown models."""
    model = queryset.model
    if territory_field(model) is None:
        raise TypeError(f"{model_label(model)} does not declare territory_field; it cannot be scoped")
    if user is not None and user.is_authenticated and user.is_active and user.is_superuser:
        return queryset
    condition = Q(pk__in=[])
    if action == "view" and hasattr(model, "public_q"):
        condition |= model.public_q()
    lookup = _path_lookup(model)
    for path in grants(user, action, model):
        condition |= Q(**{f"{lookup}__startswith": path})
    if hasattr(model, "restricted_q"):
        may_see_sensitive = Q(pk__in=[])
        for path in grants(user, "view_restricted", model):
            may_see_sensitive |= Q(**{f"{lookup}__startswith": path})
        if hasattr(model, "own_q") and user is not None and user.is_authenticated:
            may_see_sensitive |= model.own_q(user)  # what one recorded oneself stays visible to one
        condition &= ~model.restricted_q() | may_see_sensitive
    return queryset.filter(condition)


def territories_where(user, action: str, model, territories: QuerySet) -> QuerySet:
    """The ``territories`` where ``user`` may ``action`` a ``model`` row (a form's choices)."""
    if user is not None and user.is_authenticated and user.is_active and user.is_superuser:
        return territories
    condition = Q(pk__in=[])
    for path in grants(user, action, model):
        condition |= Q(path__startswith=path)
    return territories.filter(condition)


def can(user, action: str, obj: Model) -> bool:
    return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()


def territory_of(obj: Model):
    """The territory an object belongs to, following its declared field."""
    field = territory_field(type(obj))
    if field == "self":
        return obj
    target = obj
    for part in field.split("__"):
        target = getattr(target, part, None)
        if target is None:
            return None
    return target


def allowed_within(user, action: str, model, territory) -> bool:
    """May ``user`` do ``action`` on a ``model`` row placed at ``territory``? (before it exists)"""
    if user is not None and user.is_authenticated and user.is_active and user.is_superuser:
        return True
    if territory is None:
        return False
    return any(territory.path.startswith(p) for p in grants(user, action, model))


def refuse(user, action: str, obj: Model, message: str = ""):
    """Write the refusal to the security log and raise PermissionDenied with ``message``."""
    from aimak.audit.services import log_security_event
    from aimak.core.context import person

    log_security_event("permission_refused", user=person(user), detail={"action": action, "object": model_label(type(obj)), "pk": obj.pk})
    raise PermissionDenied(message)


def require(user, action: str, obj: Model) -> None:
    """Refuse (and log) an action on an object outside the user's scope, e.g. after an edit
    moved it elsewhere."""
    if not allowed_within(user, action, type(obj), territory_of(obj)):
        refuse(user, action, obj)


def today() -> date:
    return timezone.localdate()

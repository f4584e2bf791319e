"""Guards the call services share: refusals are logged as security events, then raised."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from aimak.core import context, scoping

from ..models import Call


def refuse(user, action: str, obj, message: str):
    from aimak.audit.services import log_security_event

    log_security_event("permission_refused", user=context.person(user),
                       detail={"action": action, "object": scoping.model_label(type(obj)), "pk": obj.pk})
    raise PermissionDenied(message)


def may_configure(user, call: Call) -> bool:
    return scoping.allowed_within(user, "configure", Call, call.territory)


def configuring(user, call: Call) -> None:
    """Only people who configure where the call is run may change it."""
    if not may_configure(user, call):
        refuse(user, "configure", call, _("You may not change calls run at the level of %(territory)s.") % {"territory": call.territory})


def errors_add(errors: dict, field: str, message) -> None:
    errors.setdefault(field, []).append(message)

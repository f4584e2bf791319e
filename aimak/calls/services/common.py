"""Guards the call services share: refusals are logged as security events, then raised."""

from __future__ import annotations

from django.utils.translation import gettext as _

from aimak.core import scoping

from ..models import Call

refuse = scoping.refuse  # the services of this app import it from here


def may_configure(user, call: Call) -> bool:
    return scoping.allowed_within(user, "configure", Call, call.territory)


def configuring(user, call: Call) -> None:
    """Only people who configure where the call is run may change it."""
    if not may_configure(user, call):
        refuse(user, "configure", call, _("You may not change calls run at the level of %(territory)s.") % {"territory": call.territory})


def errors_add(errors: dict, field: str, message) -> None:
    errors.setdefault(field, []).append(message)

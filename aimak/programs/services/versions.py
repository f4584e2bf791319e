"""Frozen copies of a program: one saved whenever staff want a milestone, and one for every
text the council approved. A version is never changed afterwards; a revision edits the program
itself, so the approved copy stays as the council saw it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from aimak.core import context

from ..models import Program, ProgramVersion
from ..selectors.content import program_content
from .programs import acting_on


def _next_number(program: Program) -> int:
    # lock the program's row so two saves at once do not take the same number
    Program.objects.select_for_update().filter(pk=program.pk).first()
    return (program.versions.aggregate(n=Max("number"))["n"] or 0) + 1


def freeze(user, program: Program, *, label: str = "", approved: bool = False) -> ProgramVersion:
    """Write a version of the program as it is now (no permission check: callers do it)."""
    return ProgramVersion.objects.create(
        program=program, number=_next_number(program), label=label[:200], stage=program.stage,
        is_approved=approved, snapshot=program_content(program), created_by=context.person(user),
    )


@transaction.atomic
def save_version(user, program: Program, label: str = "") -> ProgramVersion:
    """A milestone chosen by staff ("draft for the hearing", "after the district review")."""
    acting_on(user, program, "edit")
    label = (label or "").strip()
    if len(label) > 200:
        raise ValidationError({"label": _("The label is at most 200 characters.")})
    return freeze(user, program, label=label or _("Saved by hand"))

"""Starting a program and the guards every write to a program goes through.

Writes to a program's content (``services.content``), its process (``services.process``), its
hearings (``services.hearings``) all start with ``editable()`` or ``acting_on()``: permission
where the program's municipality is, then whether its stage lets the part change."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aimak.core import context, scoping
from aimak.territories.models import MUNICIPAL_KINDS

from ..models import Edition, Program, ProgramStep, Stage

EARLIEST_YEAR, LATEST_YEAR = 2000, 2060
LONGEST_PROGRAM = 7  # years; the methodology speaks of 3-5


refuse = scoping.refuse  # the services of this app import it from here


def acting_on(user, program: Program, action: str = "edit") -> None:
    """Refuse unless ``user`` may ``action`` on programs where this one's municipality is."""
    if not scoping.allowed_within(user, action, Program, program.territory):
        refuse(user, action, program, _("You may not change the program of %(territory)s.") % {"territory": program.territory})


def editable(user, program: Program) -> None:
    """Content may change only while the program is being written; an approved program changes
    through a revision (a new version), so its approved text stays as the council saw it."""
    acting_on(user, program, "edit")
    if not program.is_editable:
        raise ValidationError(_("The program is %(stage)s; start a revision to change it.") % {"stage": program.get_stage_display()})


def check_years(start_year, end_year, *, field_start="start_year", field_end="end_year") -> dict:
    errors: dict[str, list[str]] = {}
    for field, year in ((field_start, start_year), (field_end, end_year)):
        if year is None:
            errors.setdefault(field, []).append(_("Enter the year."))
        elif not EARLIEST_YEAR <= year <= LATEST_YEAR:
            errors.setdefault(field, []).append(_("Enter a year from %(low)s to %(high)s.") % {"low": EARLIEST_YEAR, "high": LATEST_YEAR})
    if not errors and end_year < start_year:
        errors.setdefault(field_end, []).append(_("The last year cannot come before the first year (%(year)s).") % {"year": start_year})
    return errors


@transaction.atomic
def start_program(user, *, territory, edition: Edition, title: str, start_year: int, end_year: int,
                  language: str = "ru", previous: Program | None = None, is_synthetic: bool = False) -> Program:
    """A new program of a city or aiyl aimak, at its first step (the working group)."""
    errors = check_years(start_year, end_year)
    if territory is None:
        errors.setdefault("territory", []).append(_("Choose the municipality."))
    elif territory.kind not in MUNICIPAL_KINDS:
        errors.setdefault("territory", []).append(_("A development program belongs to a city or an aiyl aimak, not to %(territory)s.") % {"territory": territory})
    if not (title or "").strip():
        errors.setdefault("title", []).append(_("Enter the title."))
    if edition is None:
        errors.setdefault("edition", []).append(_("Choose the methodology edition."))
    if not errors and end_year - start_year + 1 > LONGEST_PROGRAM:
        errors.setdefault("end_year", []).append(_("A program covers at most %(years)s years.") % {"years": LONGEST_PROGRAM})
    if language not in ("ky", "ru"):
        errors.setdefault("language", []).append(_("Choose Kyrgyz or Russian."))
    if territory is not None and not scoping.allowed_within(user, "create", Program, territory):
        raise PermissionDenied(_("You may not start a program for %(territory)s.") % {"territory": territory})
    if errors:
        raise ValidationError(errors)
    program = Program.objects.create(
        territory=territory, edition=edition, title=title.strip(), start_year=start_year, end_year=end_year,
        language=language, previous=previous, created_by=context.person(user), is_synthetic=is_synthetic,
    )
    ProgramStep.objects.create(program=program, step=ProgramStep.Step.CREATED, stage=Stage.WORKING_GROUP,
                               date=scoping.today(), actor=context.person(user))
    return program

"""Annex files of a program (profile tables, protocols, the working-group order, the scanned
council resolution...).

The edition's template says which file types and how large (``annexes`` in editions.json);
``core.uploads`` judges the file itself. Every error is on the field "file"."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aimak.core import context, scoping, uploads

from ..models import Annex, Program, ProgramStep
from .programs import refuse

DEFAULT_RULES = {"max_bytes": 10 * 1024 * 1024, "types": ["pdf", "jpg", "jpeg", "png", "docx", "xlsx", "odt", "ods"]}

def rules(program: Program) -> dict:
    """The edition's upload rules, with safe defaults for an edition that names none."""
    found = (program.edition.template or {}).get("annexes") or {}
    return {"max_bytes": int(found.get("max_bytes") or DEFAULT_RULES["max_bytes"]),
            "types": [t.lower() for t in (found.get("types") or DEFAULT_RULES["types"])]}


def check_file(program: Program, file) -> str:
    """The file's extension when it may be attached to this program; else a ValidationError
    on "file" saying why."""
    return uploads.check_upload(file, **rules(program))[0]


def may_attach(user, program: Program, kind: str) -> bool:
    """Attaching needs the right to edit where the program is; the council resolution scan may
    also be attached by whoever presents the program for approval."""
    if scoping.allowed_within(user, "edit", Program, program.territory):
        return True
    return kind == Annex.Kind.RESOLUTION and scoping.allowed_within(user, "submit", Program, program.territory)


@transaction.atomic
def add_annex(user, program: Program, *, kind: str, title: str, file) -> Annex:
    """Attach a checked file to the program."""
    if not may_attach(user, program, kind):
        refuse(user, "edit", program, _("You may not attach documents to the program of %(territory)s.") % {"territory": program.territory})
    errors: dict[str, list[str]] = {}
    if kind not in Annex.Kind.values:
        errors["kind"] = [_("Choose what kind of document this is.")]
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("Enter the title of the document.")]
    elif len(title) > 300:
        errors["title"] = [_("The title is at most 300 characters.")]
    try:
        extension = check_file(program, file)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    file.seek(0)
    return Annex.objects.create(program=program, kind=kind, title=title, file=file,
                                content_type=uploads.CONTENT_TYPES[extension], size=file.size,
                                uploaded_by=context.person(user))


@transaction.atomic
def remove_annex(user, annex: Annex) -> None:
    """Remove an annex while the program is being written. A document that a step of the
    history points at (the resolution scan, an order) stays: the history is never rewritten."""
    program = annex.program
    if not scoping.allowed_within(user, "edit", Program, program.territory):
        refuse(user, "edit", program, _("You may not change the program of %(territory)s.") % {"territory": program.territory})
    if not program.is_editable:
        raise ValidationError({"file": _("The program is %(stage)s; its documents stay as they were approved.") % {"stage": program.get_stage_display()}})
    if ProgramStep.objects.filter(annex=annex).exists():
        raise ValidationError({"file": _("This document belongs to a step of the program's history and cannot be removed.")})
    stored = annex.file.name
    storage = annex.file.storage
    annex.delete()
    transaction.on_commit(lambda: storage.delete(stored) if stored and storage.exists(stored) else None)


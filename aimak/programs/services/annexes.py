"""Annex files of a program (profile tables, protocols, the working-group order, the scanned
council resolution...).

The edition's template says which file types and how large (``annexes`` in editions.json);
a file is judged by its extension *and* its first bytes, so a renamed executable or a web
page saved as ".pdf" is refused. Every error is on the field "file"."""

from __future__ import annotations

import os
import zipfile

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aimak.core import context, scoping

from ..models import Annex, Program, ProgramStep
from .programs import refuse

DEFAULT_RULES = {"max_bytes": 10 * 1024 * 1024, "types": ["pdf", "jpg", "jpeg", "png", "docx", "xlsx", "odt", "ods"]}

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}

# what the first bytes of each type must be
SIGNATURES = {
    "pdf": (b"%PDF",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "odt": (b"PK\x03\x04",),
    "ods": (b"PK\x03\x04",),
}


def rules(program: Program) -> dict:
    """The edition's upload rules, with safe defaults for an edition that names none."""
    found = (program.edition.template or {}).get("annexes") or {}
    return {"max_bytes": int(found.get("max_bytes") or DEFAULT_RULES["max_bytes"]),
            "types": [t.lower() for t in (found.get("types") or DEFAULT_RULES["types"])]}


def limit_in_mb(max_bytes: int) -> str:
    mb = max_bytes / (1024 * 1024)
    return f"{mb:.0f}" if mb == int(mb) else f"{mb:.1f}"


def _zip_is(file, extension: str) -> bool:
    """A docx must hold word/, an xlsx xl/, an OpenDocument file its own mimetype."""
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            if extension == "docx":
                return "[Content_Types].xml" in names and any(n.startswith("word/") for n in names)
            if extension == "xlsx":
                return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)
            if "mimetype" not in names:
                return False
            return archive.read("mimetype").decode("ascii", "replace").strip() == CONTENT_TYPES[extension]
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return False
    finally:
        file.seek(0)


def check_file(program: Program, file) -> str:
    """The file's extension when it may be attached to this program; else a ValidationError
    on "file" saying why."""
    if file is None:
        raise ValidationError({"file": _("Choose a file.")})
    allowed = rules(program)
    name = os.path.basename(getattr(file, "name", "") or "")
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    if extension not in allowed["types"]:
        raise ValidationError({"file": _("Files of this type cannot be attached. Allowed: %(types)s.") % {
            "types": ", ".join(t.upper() for t in allowed["types"])}})
    size = getattr(file, "size", None) or 0
    if size <= 0:
        raise ValidationError({"file": _("The file is empty.")})
    if size > allowed["max_bytes"]:
        raise ValidationError({"file": _("The file is larger than %(limit)s MB; make it smaller (for a scan, a lower resolution) and try again.") % {
            "limit": limit_in_mb(allowed["max_bytes"])}})
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if not any(head.startswith(sig) for sig in SIGNATURES.get(extension, ())) or (
            extension in ("docx", "xlsx", "odt", "ods") and not _zip_is(file, extension)):
        raise ValidationError({"file": _("The file's content is not a %(type)s file, although its name ends in .%(ext)s.") % {
            "type": extension.upper(), "ext": extension}})
    return extension


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
                                content_type=CONTENT_TYPES[extension], size=file.size,
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


"""Checking an uploaded document (an annex of a program, an attachment of an application):
judged by its extension *and* its content, so a renamed executable or a web page saved as
".pdf" is refused; office files must also hold what their type holds inside the zip. Every
error is on the field "file"."""

from __future__ import annotations

import os
import zipfile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

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
ZIPPED = ("docx", "xlsx", "odt", "ods")


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


def check_upload(file, *, types, max_bytes: int) -> tuple[str, str]:
    """(extension, content type) of an acceptable file; else a ValidationError on "file" saying why."""
    if file is None:
        raise ValidationError({"file": _("Choose a file.")})
    types = [t.lower() for t in types]
    name = os.path.basename(getattr(file, "name", "") or "")
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    if extension not in types or extension not in SIGNATURES:
        raise ValidationError({"file": _("Files of this type cannot be attached. Allowed: %(types)s.") % {
            "types": ", ".join(t.upper() for t in types)}})
    size = getattr(file, "size", None) or 0
    if size <= 0:
        raise ValidationError({"file": _("The file is empty.")})
    if size > max_bytes:
        raise ValidationError({"file": _("The file is larger than %(limit)s MB; make it smaller (for a scan, a lower resolution) and try again.") % {
            "limit": limit_in_mb(max_bytes)}})
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if not any(head.startswith(sig) for sig in SIGNATURES[extension]) or (extension in ZIPPED and not _zip_is(file, extension)):
        raise ValidationError({"file": _("The file's content is not a %(type)s file, although its name ends in .%(ext)s.") % {
            "type": extension.upper(), "ext": extension}})
    return extension, CONTENT_TYPES[extension]

"""What every importer reports, and how it reads its input.

Importers are all-or-nothing: they validate every row, and if any row is rejected the
transaction is rolled back and the report lists every rejected line with its reason.
Running the same file twice changes nothing the second time (rows are matched by their
natural keys: codes, event ids), which the report shows as "unchanged".
"""

from __future__ import annotations

import csv
import io
import json
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_DOWNLOAD_BYTES = 100 * 1024 * 1024


class ImportAborted(Exception):
    """Raised inside the import transaction to roll it back; carries the report."""

    def __init__(self, report: "ImportReport"):
        super().__init__(report.summary())
        self.report = report


class SourceError(Exception):
    """The input cannot be read at all (missing file, wrong encoding, not JSON...)."""


@dataclass
class Issue:
    line: int | None
    message: str
    key: str = ""

    def __str__(self) -> str:
        where = _("line %(line)s") % {"line": self.line} if self.line else ""
        parts = [p for p in (where, self.key, self.message) if p]
        return ": ".join(parts)


@dataclass
class ImportReport:
    """Counts and reasons, in the words a data manager would use."""

    source: str
    title: str = ""
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[Issue] = field(default_factory=list)
    rejected: list[Issue] = field(default_factory=list)
    corrected: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    committed: bool = False

    def skip(self, line, message, key=""):
        self.skipped.append(Issue(line, str(message), str(key)))

    def reject(self, line, message, key=""):
        self.rejected.append(Issue(line, str(message), str(key)))

    def correct(self, line, message, key=""):
        self.corrected.append(Issue(line, str(message), str(key)))

    @property
    def ok(self) -> bool:
        return not self.rejected

    def summary(self) -> str:
        return _(
            "%(title)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
            "%(skipped)d skipped, %(rejected)d rejected"
        ) % {
            "title": self.title or self.source,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": len(self.skipped),
            "rejected": len(self.rejected),
        }

    def as_text(self, limit: int = 50) -> str:
        lines = [self.summary()]
        if self.dry_run:
            lines.append(_("Dry run: nothing was saved."))
        elif self.rejected:
            lines.append(_("Nothing was saved because some rows were rejected."))
        for label, issues in ((_("Rejected"), self.rejected), (_("Corrected"), self.corrected), (_("Skipped"), self.skipped)):
            if issues:
                lines.append(f"{label} ({len(issues)}):")
                lines.extend(f"  {issue}" for issue in issues[:limit])
                if len(issues) > limit:
                    lines.append("  " + _("… and %(count)d more") % {"count": len(issues) - limit})
        lines.extend(self.notes)
        return "\n".join(lines)

    def as_dict(self) -> dict:
        def issues(items):
            return [{"line": i.line, "key": i.key, "message": i.message} for i in items]

        return {
            "source": self.source,
            "title": self.title,
            "dry_run": self.dry_run,
            "committed": self.committed,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": issues(self.skipped),
            "rejected": issues(self.rejected),
            "corrected": issues(self.corrected),
            "notes": self.notes,
        }


def run_import(report: ImportReport, work, *, dry_run: bool = False) -> ImportReport:
    """Run ``work(report)`` in one transaction; roll back on any rejection or a dry run."""
    report.dry_run = dry_run
    try:
        with transaction.atomic():
            work(report)
            if report.rejected or dry_run:
                raise ImportAborted(report)
    except ImportAborted:
        report.committed = False
    else:
        report.committed = True
    return report


# --- reading sources -------------------------------------------------------------------------

SOURCE_TOO_LARGE = gettext_lazy("The file is larger than %(limit)d MB.")


def read_bytes(source) -> bytes:
    """Bytes of a path, an http(s) URL, an uploaded file or raw bytes."""
    if isinstance(source, bytes):
        return source
    if hasattr(source, "read"):
        data = source.read(MAX_DOWNLOAD_BYTES + 1)  # an upload is never read whole when it is too large
        data = data.encode("utf-8") if isinstance(data, str) else data
        if len(data) > MAX_DOWNLOAD_BYTES:
            raise SourceError(SOURCE_TOO_LARGE % {"limit": MAX_DOWNLOAD_BYTES // (1024 * 1024)})
        return data
    text = str(source)
    if urllib.parse.urlparse(text).scheme in {"http", "https"}:
        try:
            with urllib.request.urlopen(text, timeout=60) as response:  # noqa: S310 (user-given URL)
                data = response.read(MAX_DOWNLOAD_BYTES + 1)
        except OSError as exc:
            raise SourceError(_("Could not download %(url)s: %(reason)s") % {"url": text, "reason": exc}) from exc
        if len(data) > MAX_DOWNLOAD_BYTES:
            raise SourceError(SOURCE_TOO_LARGE % {"limit": MAX_DOWNLOAD_BYTES // (1024 * 1024)})
        return data
    path = Path(text)
    if not path.is_file():
        raise SourceError(_("File not found: %(path)s") % {"path": text})
    return path.read_bytes()


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), falling back to Windows-1251 from old Excel."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError as exc:
        raise SourceError(_("The file is neither UTF-8 nor Windows-1251 text.")) from exc
    if "\x00" in text:
        raise SourceError(_("The file is not a text file."))
    return text


def read_csv(source, required: list[str]) -> list[tuple[int, dict]]:
    """Rows with their line numbers (the header is line 1); checks the required columns."""
    text = decode_text(read_bytes(source))
    if "\x00" in text:
        raise SourceError(_("The file is not a text file."))
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        fieldnames = reader.fieldnames  # reads the header row, which may be malformed too
    except csv.Error as exc:
        raise SourceError(_("The CSV is malformed near line %(line)d: %(reason)s") % {"line": max(reader.line_num, 1), "reason": exc}) from exc
    header = [h.strip() for h in (fieldnames or [])]
    if not header:
        raise SourceError(_("The file is empty or has no header row."))
    reader.fieldnames = header
    missing = [c for c in required if c not in header]
    if missing:
        raise SourceError(
            _("Required columns are missing: %(columns)s. Found: %(found)s.")
            % {"columns": ", ".join(missing), "found": ", ".join(header)}
        )
    rows = []
    try:
        for row in reader:
            if None in row:
                rows.append((reader.line_num, {"__extra__": row.pop(None), **row}))
            else:
                rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise SourceError(_("The CSV is malformed near line %(line)d: %(reason)s") % {"line": reader.line_num, "reason": exc}) from exc
    return rows


def read_json(source):
    try:
        return json.loads(decode_text(read_bytes(source)))
    except json.JSONDecodeError as exc:
        raise SourceError(
            _("The file is not valid JSON (line %(line)d, column %(column)d): %(reason)s")
            % {"line": exc.lineno, "column": exc.colno, "reason": exc.msg}
        ) from exc
    except RecursionError:
        raise SourceError(_("The JSON is nested too deeply.")) from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise SourceError(_("The file is not valid JSON: %(reason)s") % {"reason": exc}) from None


def data_path(*parts: str) -> str:
    """A file of the reference data set, under AIMAK_DATA (a folder or a URL)."""
    from django.conf import settings

    base = settings.AIMAK_DATA
    if urllib.parse.urlparse(base).scheme in {"http", "https"}:
        return base.rstrip("/") + "/" + "/".join(parts)
    return str(Path(base, *parts))


MAX_UNPACKED_XLSX_BYTES = 200 * 1024 * 1024  # far above any workbook people fill in


def xlsx_sheets(data: bytes, *, max_rows: int, max_columns: int = 200, sheets: tuple[str, ...] | None = None) -> dict[str, list[tuple]]:
    """Every sheet of an uploaded workbook as rows of values ({lower-cased title: rows}), read
    defensively: a damaged file, a zip bomb, a sheet longer than ``max_rows`` or a value typed
    in column XFD (rows are cut to ``max_columns``) is a ``SourceError``, never a crash or a
    memory blow-up. ``sheets`` limits reading to those titles."""
    import zipfile

    from openpyxl import load_workbook

    not_xlsx = _("The file is not an Excel workbook (.xlsx) that can be read.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise SourceError(not_xlsx) from exc
    if unpacked > MAX_UNPACKED_XLSX_BYTES:
        raise SourceError(_("The workbook unpacks to more than %(limit)d MB.") % {"limit": MAX_UNPACKED_XLSX_BYTES // (1024 * 1024)})
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 (openpyxl raises many kinds for a damaged file)
        raise SourceError(not_xlsx) from exc
    found = {}
    try:
        for sheet in book.worksheets:
            title = sheet.title.strip().lower()
            if sheets is not None and title not in sheets:
                continue
            sheet.reset_dimensions()  # do not trust the size the file declares
            rows = []
            for row in sheet.iter_rows(values_only=True):
                rows.append(tuple(row[:max_columns]))
                if len(rows) > max_rows:
                    raise SourceError(_("The sheet “%(sheet)s” has more than %(count)d rows.") % {"sheet": sheet.title, "count": max_rows})
            found[title] = rows
    except SourceError:
        raise
    except Exception as exc:  # noqa: BLE001 (openpyxl reads a sheet only while iterating: damage shows here)
        raise SourceError(_("A sheet of the workbook cannot be read: the file is damaged. Open it in Excel, save it again and upload it once more.")) from exc
    finally:
        book.close()
    return found


"""Excel templates of the reporting forms: one sheet per form and period, one row per territory
the person reports for, and the way back in.

The workbook is made to come back: the form and period sit in header cells, the indicator
and category codes in a hidden row, so a template filled in (or exported with the current
values) is read by code, never by the translated labels people see. What is read goes through
``exchange.services.delivery.deliver`` row by row, so the same rights, checks and audit trail
apply as on the data-entry page. A row that would change nothing is not delivered at all:
re-importing an exported template writes nothing, not even a "saved" event.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from aimak.audit.services import log_security_event
from aimak.core import scoping
from aimak.core.imports import ImportReport, SourceError
from aimak.monitoring import disaggregation, periods
from aimak.monitoring.models import DataValue, Indicator, Report, ReportingForm
from aimak.monitoring.selectors import forms as form_selectors
from aimak.monitoring.services import analytics, reporting
from aimak.territories import selectors as territory_selectors

from .delivery import Delivery, deliver

MAX_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # a filled template of MAX_ROWS rows unpacks to a few MB
MAX_ROWS = 5000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Where things are on the data sheet (1-based, as Excel numbers them).
FORM_CELL, PERIOD_CELL = "B1", "B2"
NAME_ROW, CATEGORY_ROW, CODE_ROW, FIRST_ROW = 4, 5, 6, 7
FIXED_COLUMNS = ["territory", "name", "status"]  # codes of the columns before the values
TOTAL_CODE = "total"

# The answers written in a prefilled template, in the reader's language; the reporting
# service reads all of them whatever the uploader's language.
YES_NO = {"ky": ("ооба", "жок"), "ru": ("да", "нет"), "en": ("yes", "no")}


def _answers() -> tuple[str, str]:
    return YES_NO.get((translation.get_language() or "ky")[:2], YES_NO["ky"])


# --- what the template holds ----------------------------------------------------------------


@dataclass
class Column:
    indicator: Indicator
    category: str  # "" is the total
    required: bool

    @property
    def code(self) -> str:
        return f"{self.indicator.code}:{self.category or TOTAL_CODE}"

    @property
    def label(self) -> str:
        return str(disaggregation.label(self.indicator.disaggregation, self.category))


def columns(form: ReportingForm) -> list[Column]:
    """The cells a monitor enters, in the form's order (computed indicators are left out)."""
    return [
        Column(item.indicator, category, item.required)
        for item in reporting.form_items(form) if not item.indicator.is_formula
        for category in item.categories
    ]


def parse_period(form: ReportingForm, code: str) -> periods.PeriodSpan:
    """The period a person typed (2026-03, 2026Q1, 2026 or DHIS2's 202603), checked against the form."""
    text = (code or "").strip()
    if re.fullmatch(r"\d{6}", text):
        text = f"{text[:4]}-{text[4:]}"
    try:
        span = periods.parse(text)
    except ValueError:
        raise ValidationError({"period": _("“%(code)s” is not a period: write 2026-03 for a month, 2026Q1 for a quarter, 2026 for a year.")
                               % {"code": code}}) from None
    if span.type != form.period_type:
        raise ValidationError({"period": _("This form is reported %(type)s; the period %(code)s does not fit.")
                               % {"type": dict(periods.PERIOD_TYPES)[form.period_type], "code": span.code}})
    if span.start < form.first_period:
        raise ValidationError({"period": _("Period %(period)s is before the first period of this form (%(first)s).")
                               % {"period": span.code, "first": periods.containing(form.period_type, form.first_period).code}})
    if span.start > scoping.today():
        raise ValidationError({"period": _("Period %(period)s has not begun yet.") % {"period": span.code}})
    return span


def territories(user, form: ReportingForm, span: periods.PeriodSpan):
    """The territories that report ``form`` in ``span`` and for which ``user`` may report."""
    qs = form_selectors.expected_territories(form, as_of=span.end)
    if not getattr(user, "is_superuser", False):
        condition = Q(pk__in=[])
        for path in scoping.grants(user, "create", Report):
            condition |= Q(path__startswith=path)
        qs = qs.filter(condition)
    return qs.order_by("path")


def forms_for(user) -> list[ReportingForm]:
    """Active forms with at least one territory the person reports for (what the page offers)."""
    today = scoping.today()
    return [f for f in ReportingForm.objects.filter(is_active=True).order_by("code")
            if territories(user, f, periods.containing(f.period_type, today)).exists()]


# --- writing the template -------------------------------------------------------------------


def _plain(number: Decimal | None) -> str:
    return "" if number is None else format(number.normalize(), "f")


def _bounds(indicator: Indicator) -> tuple[Decimal | None, Decimal | None]:
    """The smallest and largest value the reporting service accepts for the indicator."""
    T = Indicator.ValueType
    low, high = {T.COUNT: (Decimal(0), None), T.SCALE: (Decimal(1), Decimal(5)),
                 T.PERCENTAGE: (Decimal(0), Decimal(100))}.get(indicator.value_type, (None, None))
    if indicator.min_value is not None:
        low = indicator.min_value if low is None else max(low, indicator.min_value)
    if indicator.max_value is not None:
        high = indicator.max_value if high is None else min(high, indicator.max_value)
    return low, high


def _validation(indicator: Indicator):
    """Excel's own check for the cells of one indicator, with the reason in the reader's language."""
    from openpyxl.worksheet.datavalidation import DataValidation

    T = Indicator.ValueType
    name = indicator.name
    if indicator.value_type == T.YES_NO:
        yes, no = _answers()
        dv = DataValidation(type="list", formula1=f'"{yes},{no}"', allow_blank=True)
        dv.error = _("%(indicator)s: answer yes or no.") % {"indicator": name}
        dv.prompt = f"{yes} / {no}"
    else:
        whole = indicator.value_type in (T.COUNT, T.SCALE)
        dv = DataValidation(type="whole" if whole else "decimal", operator="between", allow_blank=True)
        low, high = _bounds(indicator)
        if whole:
            low = None if low is None else Decimal(math.ceil(low))
            high = None if high is None else Decimal(math.floor(high))
        kind = _("a whole number") if whole else _("a number")
        words = {"indicator": name, "kind": kind, "min": _plain(low), "max": _plain(high)}
        if low is not None and high is not None:
            dv.error = _("%(indicator)s: enter %(kind)s from %(min)s to %(max)s.") % words
        elif low is not None:
            dv.error = _("%(indicator)s: enter %(kind)s of at least %(min)s.") % words
        elif high is not None:
            dv.error = _("%(indicator)s: enter %(kind)s of at most %(max)s.") % words
        else:
            dv.error = _("%(indicator)s: enter %(kind)s.") % words
        limit = Decimal(10) ** reporting.MAX_WHOLE_DIGITS - 1  # what the reporting service stores
        dv.formula1 = _plain(-limit if low is None else low)
        dv.formula2 = _plain(limit if high is None else high)
        dv.prompt = dv.error
        if indicator.unit:
            dv.prompt += f" ({indicator.unit})"
    # Excel refuses the whole file over longer texts
    dv.error, dv.prompt = dv.error[:255], dv.prompt[:255]
    dv.errorTitle = _("Value not accepted")[:32]
    dv.promptTitle = name[:32]
    dv.showErrorMessage = True
    dv.showInputMessage = True
    return dv


def _cell_value(indicator: Indicator, value: Decimal):
    if indicator.value_type == Indicator.ValueType.YES_NO:
        yes, no = _answers()
        return yes if value else no
    return int(value) if value == value.to_integral_value() else value.normalize()


def build_template(user, form: ReportingForm, span: periods.PeriodSpan, *, filled: bool = False) -> bytes:
    """The XLSX template of ``form`` for ``span`` (with the current values when ``filled``).

    Raises ValidationError when the person reports for no territory on this form."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter

    places = list(territories(user, form, span))
    if not places:
        raise ValidationError({"form": _("You report for no territory on the form “%(form)s”.") % {"form": form}})
    cols = columns(form)
    reports = {r.territory_id: r for r in Report.objects.filter(form=form, period_start=span.start, territory__in=places)}
    stored = {}
    if filled:
        values = scoping.restrict(DataValue.objects.filter(report__in=list(reports.values())), user, "view")
        stored = {(v.territory_id, v.indicator_id, v.category): v.value for v in values}

    workbook = Workbook()
    workbook.security.lockStructure = True  # sheets stay where the importer looks for them
    sheet = workbook.active
    sheet.title = _("Data")[:31]
    bold, head_fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F0")
    entry_fill = PatternFill("solid", fgColor="FFF9DB")
    wrap = Alignment(wrap_text=True, vertical="top")

    sheet["A1"], sheet[FORM_CELL], sheet["C1"] = _("Form"), form.code, form.name
    sheet["A2"], sheet[PERIOD_CELL] = _("Period"), span.code
    sheet["C2"] = f"{span.start.isoformat()} – {span.end.isoformat()}"
    for ref in ("A1", "A2", FORM_CELL, PERIOD_CELL):
        sheet[ref].font = bold
    sheet["A3"] = _("Fill in the yellow cells only. An empty cell means no value (not zero). "
                    "Upload the file on the page “Reports in Excel” for the same form and period.")
    sheet["A3"].alignment = Alignment(wrap_text=False)

    fixed_labels = [_("Territory code"), _("Territory"), _("Report status")]
    for index, label in enumerate(fixed_labels, start=1):
        sheet.cell(NAME_ROW, index, label)
        sheet.cell(CODE_ROW, index, FIXED_COLUMNS[index - 1])
    first_value_col = len(FIXED_COLUMNS) + 1
    start = first_value_col
    for index, column in enumerate(cols, start=first_value_col):
        sheet.cell(CATEGORY_ROW, index, column.label)
        sheet.cell(CODE_ROW, index, column.code)
        if index == start or cols[index - first_value_col - 1].indicator.pk != column.indicator.pk:
            start = index
            label = column.indicator.name + (f", {column.indicator.unit}" if column.indicator.unit else "")
            sheet.cell(NAME_ROW, index, label + ("" if column.required else " " + _("(optional)")))
        following = cols[index - first_value_col + 1] if index - first_value_col + 1 < len(cols) else None
        if (following is None or following.indicator.pk != column.indicator.pk) and index > start:
            sheet.merge_cells(start_row=NAME_ROW, start_column=start, end_row=NAME_ROW, end_column=index)
    last_col = len(FIXED_COLUMNS) + len(cols)
    for row in (NAME_ROW, CATEGORY_ROW):
        for index in range(1, last_col + 1):
            cell = sheet.cell(row, index)
            cell.font, cell.fill, cell.alignment = bold, head_fill, wrap
    sheet.row_dimensions[NAME_ROW].height = 60
    sheet.row_dimensions[CODE_ROW].hidden = True

    last_row = FIRST_ROW + len(places) - 1
    for offset, place in enumerate(places):
        row = FIRST_ROW + offset
        report = reports.get(place.pk)
        sheet.cell(row, 1, place.code).number_format = "@"
        sheet.cell(row, 2, place.name)
        sheet.cell(row, 3, report.get_status_display() if report else "")
        for index, column in enumerate(cols, start=first_value_col):
            cell = sheet.cell(row, index)
            value = stored.get((place.pk, column.indicator.pk, column.category))
            if value is not None:
                cell.value = _cell_value(column.indicator, value)
            cell.protection = Protection(locked=False)
            cell.fill = entry_fill
    for index, column in enumerate(cols, start=first_value_col):
        letter = get_column_letter(index)
        dv = _validation(column.indicator)
        dv.add(f"{letter}{FIRST_ROW}:{letter}{last_row}")
        sheet.add_data_validation(dv)
        sheet.column_dimensions[letter].width = 14
    sheet.column_dimensions["A"].width = 17
    sheet.column_dimensions["B"].width = 28
    sheet.column_dimensions["C"].width = 16
    sheet.freeze_panes = sheet.cell(FIRST_ROW, first_value_col)
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False  # people may still widen columns and rows
    sheet.protection.formatRows = False

    about = workbook.create_sheet(_("Indicators")[:31])
    about.append([_("Code"), _("Indicator"), _("Value type"), _("Unit"), _("Smallest valid value"),
                  _("Largest valid value"), _("Required"), _("Definition")])
    for cell in about[1]:
        cell.font, cell.fill = bold, head_fill
    seen = set()
    for column in cols:
        ind = column.indicator
        if ind.pk in seen:
            continue
        seen.add(ind.pk)
        low, high = _bounds(ind)
        about.append([ind.code, ind.name, ind.get_value_type_display(), ind.unit, _plain(low), _plain(high),
                      _("yes") if column.required else _("no"), ind.definition])
    for letter, width in zip("ABCDEFGH", (16, 40, 14, 10, 12, 12, 10, 60)):
        about.column_dimensions[letter].width = width
    about.protection.sheet = True

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_filename(form: ReportingForm, span: periods.PeriodSpan, *, filled: bool = False) -> str:
    return f"{form.code}-{span.code}{'-values' if filled else ''}.xlsx"


# --- reading a filled template --------------------------------------------------------------


@dataclass
class CellError:
    cell: str  # "E7", or "" for the whole row
    label: str  # which part of the indicator ("women"), when the message alone does not say it
    message: str
    column: str = ""  # the column's code, e.g. "t-fights:f"


@dataclass
class RowResult:
    row: int
    code: str
    territory: object = None
    outcome: str = ""  # created, updated, unchanged, empty, rejected
    errors: list[CellError] = field(default_factory=list)
    values: dict = field(default_factory=dict)  # {(indicator code, category): text}


@dataclass
class SpreadsheetImport(ImportReport):
    """The import report, row by row: what became of each territory's row and why a row was refused."""

    form: ReportingForm | None = None
    period: periods.PeriodSpan | None = None
    valid_rows_only: bool = False
    rows: list[RowResult] = field(default_factory=list)
    empty: int = 0

    @property
    def rejected_rows(self) -> list[RowResult]:
        return [r for r in self.rows if r.outcome == "rejected"]

    def as_dict(self) -> dict:
        data = super().as_dict()
        data.update(
            form=self.form.code if self.form else None, period=self.period.code if self.period else None,
            mode="valid_rows" if self.valid_rows_only else "all_or_nothing", empty=self.empty,
            rows=[{"row": r.row, "territory": r.code, "outcome": r.outcome,
                   "errors": [{"cell": e.cell, "column": e.column, "message": e.message} for e in r.errors]}
                  for r in self.rows if r.outcome != "empty"],
        )
        return data


class _Rollback(Exception):
    pass


def _read_bytes(upload) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise SourceError(_("The file is larger than %(limit)d MB.") % {"limit": MAX_BYTES // (1024 * 1024)})
    data = upload if isinstance(upload, bytes) else upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise SourceError(_("The file is larger than %(limit)d MB.") % {"limit": MAX_BYTES // (1024 * 1024)})
    return data


def _open(data: bytes):
    from openpyxl import load_workbook

    not_xlsx = _("The file is not an Excel workbook (.xlsx). Download the template on this page, fill it in and upload it as .xlsx.")
    if not data.startswith(b"PK"):
        raise SourceError(not_xlsx)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # the sizes the archive declares are the most its members give when read
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise SourceError(not_xlsx) from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise SourceError(_("The workbook unpacks to more than %(limit)d MB: it is not a filled template.")
                          % {"limit": MAX_UNPACKED_BYTES // (1024 * 1024)})
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # BadZipFile, KeyError, ValueError...: openpyxl's many ways of saying "damaged"
        raise SourceError(not_xlsx) from exc


def _read_rows(workbook, width: int) -> list[tuple]:
    """The first sheet's rows. The header rows are kept whole; a data row is cut to the
    template's ``width``, keeping its first value further right (if any) to be reported, so a
    cell typed in column XFD of every row costs no memory."""
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # do not trust the size the file declares
        rows = []
        for line in sheet.iter_rows(values_only=True):
            if len(rows) >= FIRST_ROW - 1 and len(line) > width:
                beyond = next((v for v in line[width:] if _text(v)), None)
                line = line[:width] + (() if beyond is None else (beyond,))
            rows.append(line)
            if len(rows) > FIRST_ROW + MAX_ROWS:
                raise SourceError(_("The file has more than %(count)d rows.") % {"count": MAX_ROWS})
    except SourceError:
        raise
    except Exception as exc:  # openpyxl reads the sheet only now: a damaged one fails here (ValueError, IndexError...)
        raise SourceError(_("The first sheet of the workbook cannot be read: the file is damaged. Open it in Excel, save it again and upload it once more.")) from exc
    return rows


def _text(value) -> str:
    """A cell as the reporting service reads typed text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def _code(value) -> str:
    """A territory code, also when Excel made a number of it."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _text(value).replace(" ", "")


def _header(rows: list[tuple], form: ReportingForm, span: periods.PeriodSpan, cols: list[Column]) -> None:
    def at(row, col):
        line = rows[row - 1] if len(rows) >= row else ()
        return _text(line[col - 1]) if len(line) >= col else ""

    found_form, found_period = at(1, 2), at(2, 2)
    expected = [*FIXED_COLUMNS, *(c.code for c in cols)]
    found = [at(CODE_ROW, i) for i in range(1, max(len(rows[CODE_ROW - 1]) if len(rows) >= CODE_ROW else 0, len(expected)) + 1)]
    while len(found) > len(expected) and not found[-1]:
        found.pop()
    if not found_form or not found_period or found[:1] != ["territory"]:
        raise SourceError(_("This workbook is not an Aimak template: the form (cell B1), the period (cell B2) or the hidden row of codes is missing. Download the template on this page."))
    if found_form != form.code or found_period != span.code:
        raise SourceError(_("This is the template of the form “%(file_form)s” for %(file_period)s, but you chose the form “%(form)s” for %(period)s. Choose the form and period of the file, or download the right template.")
                          % {"file_form": found_form, "file_period": found_period, "form": form.code, "period": span.code})
    if found != expected:
        from openpyxl.utils import get_column_letter

        for index in range(max(len(found), len(expected))):
            want = expected[index] if index < len(expected) else ""
            got = found[index] if index < len(found) else ""
            if want != got:
                raise SourceError(_("The header of the template was changed: column %(column)s should hold “%(expected)s” but holds “%(found)s”. Download a fresh template and copy your values into it.")
                                  % {"column": get_column_letter(index + 1), "expected": want or "—", "found": got or "—"})


def import_template(user, upload, form: ReportingForm, span: periods.PeriodSpan, *, valid_rows_only: bool = False,
                    submit: bool = True, clear_empty: bool = False, dry_run: bool = False) -> SpreadsheetImport:
    """Read a filled template of ``form`` for ``span`` and deliver its rows.

    All or nothing by default: any rejected row rolls every row back. With ``valid_rows_only``
    the rows without errors are written and the others listed. ``clear_empty``: empty cells
    remove stored values (otherwise they leave them as they are). Raises SourceError when
    the file as a whole cannot be read (not XLSX, too large, another form or period, edited
    header); everything else is in the returned report."""
    from openpyxl.utils import get_column_letter

    result = SpreadsheetImport(source=getattr(upload, "name", "") or "upload.xlsx", title=str(form), form=form,
                               period=span, valid_rows_only=valid_rows_only)
    workbook = _open(_read_bytes(upload))
    cols = columns(form)
    try:
        rows = _read_rows(workbook, len(FIXED_COLUMNS) + len(cols))
    finally:
        workbook.close()
    _header(rows, form, span, cols)
    first_value = len(FIXED_COLUMNS)
    places = {}
    for number, line in enumerate(rows[FIRST_ROW - 1:], start=FIRST_ROW):
        line = tuple(line) + (None,) * (first_value + len(cols) - len(line))
        code = _code(line[0])
        cells = [_text(v) for v in line[first_value:first_value + len(cols)]]
        extra = [v for v in line[first_value + len(cols):] if _text(v)]
        if not code and not any(cells):
            continue  # a blank line
        row = RowResult(number, code)
        result.rows.append(row)
        if extra:
            row.errors.append(CellError("", "", _("There are values to the right of the template's last column.")))
        if not code:
            row.errors.append(CellError(f"A{number}", "", _("The territory code is missing."), FIXED_COLUMNS[0]))
            continue
        territory = territory_selectors.by_code(code)
        if territory is None:
            row.errors.append(CellError(f"A{number}", "", _("No territory has the code “%(code)s”.") % {"code": code}, FIXED_COLUMNS[0]))
            continue
        row.territory = territory
        places.setdefault(territory.pk, []).append(row)
        row.values = {(c.indicator.code, c.category): text for c, text in zip(cols, cells) if text}
    for same in places.values():
        if len(same) > 1:
            for row in same:
                row.errors.append(CellError("", "", _("%(territory)s appears in rows %(rows)s; keep one row per territory.")
                                            % {"territory": row.territory, "rows": ", ".join(str(r.row) for r in same)}))
    refused = []
    for row in result.rows:
        if row.territory is None or row.errors:
            continue
        if not row.values and not (clear_empty and Report.objects.filter(form=form, territory=row.territory, period_start=span.start).exists()):
            row.outcome = "empty"  # a row left blank asks nothing of anyone (nor of another person's report)
        elif not scoping.allowed_within(user, "create", Report, row.territory):
            row.errors.append(CellError("", "", _("You may not report for %(territory)s.") % {"territory": row.territory}))
            refused.append(row.code)

    cell_of = {(c.indicator.code, c.category): (get_column_letter(first_value + i + 1), c) for i, c in enumerate(cols)}
    try:
        with transaction.atomic(), analytics.batched():  # one refresh per period, at the end
            for row in result.rows:
                if not row.errors and row.outcome != "empty":
                    _deliver_row(user, row, form, span, cell_of, submit=submit, replace=clear_empty)
            for row in result.rows:
                if row.errors:
                    row.outcome = "rejected"
                    for error in row.errors:
                        result.reject(row.row, f"{error.label}: {error.message}" if error.label else error.message,
                                      " ".join(p for p in (row.code, error.cell) if p))
            result.created = sum(r.outcome == "created" for r in result.rows)
            result.updated = sum(r.outcome == "updated" for r in result.rows)
            result.unchanged = sum(r.outcome == "unchanged" for r in result.rows)
            result.empty = sum(r.outcome == "empty" for r in result.rows)
            if dry_run or (result.rejected and not valid_rows_only):
                raise _Rollback
    except _Rollback:
        result.committed = False
    else:
        result.committed = True
    result.dry_run = dry_run
    if refused:  # recorded after the rollback so that it stays
        log_security_event("permission_refused", user=user, detail={
            "action": "spreadsheet_import", "form": form.code, "period": span.code, "territories": refused})
    return result


def _deliver_row(user, row: RowResult, form, span, cell_of, *, submit: bool, replace: bool) -> None:
    values = dict(row.values)
    report = Report.objects.filter(form=form, territory=row.territory, period_start=span.start).first()
    if report is None and not values:
        row.outcome = "empty"
        return
    if report is not None and _unchanged(report, values, cell_of, submit=submit, replace=replace):
        row.outcome = "unchanged"
        return
    try:
        deliver(user, Delivery(form, row.territory, span.start, values), submit=submit, replace=replace)
    except ValidationError as exc:
        messages = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        for key, texts in messages.items():
            where, label, column = "", "", ""
            if key.startswith("value:"):
                code, _sep, category = key[len("value:"):].partition(":")
                found = cell_of.get((code, category))
                if found:
                    where, column = f"{found[0]}{row.row}", found[1].code
                    label = found[1].label if found[1].category else ""
            for text in texts:
                row.errors.append(CellError(where, label, str(text), column))
        row.outcome = "rejected"
    except PermissionDenied as exc:
        row.errors.append(CellError("", "", str(exc) or _("You do not have the right to do this for this territory.")))
        row.outcome = "rejected"
    else:
        row.outcome = "updated" if report is not None else "created"


def _unchanged(report: Report, values: dict, cell_of: dict, *, submit: bool, replace: bool) -> bool:
    """Whether delivering the row would leave the report exactly as it is."""
    if submit and report.status in (Report.Status.DRAFT, Report.Status.RETURNED):
        return False
    if replace:
        values = {**{key: "" for key in cell_of}, **values}
    errors, _warnings, merged = reporting.validate_values(report, values)
    if errors:
        return False
    stored = {(v.indicator_id, v.category): v.value for v in DataValue.objects.filter(report=report)}
    return merged == stored

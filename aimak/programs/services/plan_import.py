"""The action plan and the monitoring matrix to and from Excel.

``template_workbook`` gives the workbook Aimak asks staff to fill in: a sheet for the action plan
(one column per funding source per program year), a sheet for the indicators (a target column
per program year, split into women and men), instructions, and drop-down lists where Excel
offers them. It already holds the program's current rows, so what is downloaded, corrected and
uploaded again comes back as updates.

``import_plan`` reads it back with the editor's own rules (``services.content.clean_*``), all or
nothing: if any row is refused, nothing is saved and every refused row is reported with its
sheet, line, column and reason. Measures are matched by number and indicators by name, so
importing the same file twice changes nothing."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aimak.core.imports import ImportReport, SourceError, run_import, xlsx_sheets

from ..models import FundingSource, Group, Program
from . import content
from .programs import editable

MAX_ROWS = 2000
LANGS = ("ky", "ru", "en")
YES = {"yes", "y", "true", "1", "x", "+", "да", "ооба", "ha"}
NO = {"no", "n", "false", "0", "-", "нет", "жок", ""}

PLAN_SHEET = gettext_lazy("Action plan")
INDICATOR_SHEET = gettext_lazy("Indicators")
INSTRUCTIONS_SHEET = gettext_lazy("Instructions")
LISTS_SHEET = "Lists"

PLAN_COLUMNS = (
    ("number", gettext_lazy("No.")),
    ("title", gettext_lazy("Measure")),
    ("objective", gettext_lazy("Goal or objective (No.)")),
    ("expected_result", gettext_lazy("Expected result")),
    ("indicator", gettext_lazy("Indicator of the result")),
    ("start_year", gettext_lazy("From year")),
    ("start_quarter", gettext_lazy("From quarter")),
    ("end_year", gettext_lazy("Until year")),
    ("end_quarter", gettext_lazy("Until quarter")),
    ("responsible", gettext_lazy("Responsible")),
    ("target_groups", gettext_lazy("Target groups")),
    ("cost", gettext_lazy("Cost, thousand som")),
)
INDICATOR_COLUMNS = (
    ("name", gettext_lazy("Indicator")),
    ("unit", gettext_lazy("Unit")),
    ("counts_people", gettext_lazy("Counts people (yes/no)")),
    ("goal", gettext_lazy("Goal or objective (No.)")),
    ("measure", gettext_lazy("Measure (No.)")),
    ("baseline", gettext_lazy("Baseline")),
    ("baseline_women", gettext_lazy("Baseline, women")),
    ("baseline_men", gettext_lazy("Baseline, men")),
    ("baseline_year", gettext_lazy("Baseline year")),
)
INDICATOR_TAIL = (
    ("data_source", gettext_lazy("Data source")),
    ("responsible", gettext_lazy("Responsible")),
)


def plan_columns(program: Program) -> list[tuple[str, str]]:
    """(code, header) of the action plan sheet in the current language."""
    columns = [(code, str(label)) for code, label in PLAN_COLUMNS]
    for year in program.years:
        for source, label in FundingSource.choices:
            columns.append((f"funding:{year}:{source}", f"{year} · {label}"))
    return columns


def indicator_columns(program: Program) -> list[tuple[str, str]]:
    columns = [(code, str(label)) for code, label in INDICATOR_COLUMNS]
    for year in program.years:
        columns.append((f"target:{year}", _("Target %(year)s") % {"year": year}))
        columns.append((f"target:{year}:women", _("Target %(year)s, women") % {"year": year}))
        columns.append((f"target:{year}:men", _("Target %(year)s, men") % {"year": year}))
    columns += [(code, str(label)) for code, label in INDICATOR_TAIL]
    return columns


def _norm(text) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip().lower().replace("–", "-")


def _in_every_language(make) -> dict[str, str]:
    """{normalised text: code} for what ``make()`` gives in each language, and the codes."""
    found = {}
    for lang in LANGS:
        with translation.override(lang):
            for code, label in make():
                found.setdefault(_norm(label), code)
                found.setdefault(_norm(code), code)
    return found


def _group_names() -> dict[str, str]:
    names = {}
    for lang in LANGS:
        with translation.override(lang):
            for code, label in Group.choices:
                names.setdefault(_norm(label), code)
    for code in Group.values:
        names[_norm(code)] = code
    return names


def _sheet_titles(label) -> set[str]:
    titles = set()
    for lang in LANGS:
        with translation.override(lang):
            titles.add(str(label).strip().lower()[:31])
    return titles


# --- the template ----------------------------------------------------------------------------------------------

def template_workbook(program: Program) -> bytes:
    """The workbook to fill in, in the current language, with the program's rows as they are."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    bold, head_fill = Font(bold=True), PatternFill("solid", fgColor="EEF3F7")
    wrap = Alignment(wrap_text=True, vertical="top")

    lists = book.active
    lists.title = LISTS_SHEET
    goals = list(program.goals.all())
    group_labels = [str(label) for _code, label in Group.choices]
    list_columns = {
        "years": [str(y) for y in program.years], "quarters": ["1", "2", "3", "4"],
        "goals": [g.number or g.title[:250] for g in goals], "groups": group_labels, "yesno": [_("yes"), _("no")],
    }
    ranges = {}
    for index, (name, values) in enumerate(list_columns.items(), start=1):
        letter = get_column_letter(index)
        lists.cell(row=1, column=index, value=name)
        for row, value in enumerate(values, start=2):
            lists.cell(row=row, column=index, value=value)
        if values:
            ranges[name] = f"{LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}"
    lists.sheet_state = "hidden"

    def sheet(title, columns, rows, validations):
        ws = book.create_sheet(str(title)[:31])
        for col, (_code, header) in enumerate(columns, start=1):
            cell = ws.cell(row=1, column=col, value=header)
            cell.font, cell.fill, cell.alignment = bold, head_fill, wrap
            ws.column_dimensions[get_column_letter(col)].width = 14 if ":" in _code or _code.endswith(("year", "quarter")) else 28
        ws.row_dimensions[1].height = 45
        ws.freeze_panes = "C2"
        for r, values in enumerate(rows, start=2):
            for col, (code, _header) in enumerate(columns, start=1):
                value = values.get(code)
                if value is not None and value != "":
                    cell = ws.cell(row=r, column=col, value=value)
                    if isinstance(value, str):
                        cell.data_type = "s"  # text that looks like a formula stays text
                        cell.alignment = wrap
        last = max(len(rows) + 200, 300)
        codes = [c for c, _h in columns]
        for name, (kind, formula) in validations.items():
            targets = [i for i, c in enumerate(codes, start=1) if c == name or (name.endswith("*") and c.startswith(name[:-1]))]
            if not targets or not formula:
                continue
            rule = DataValidation(type=kind, formula1=formula, allow_blank=True) if kind == "list" else \
                DataValidation(type=kind, operator="greaterThanOrEqual", formula1="0", allow_blank=True)
            rule.error = _("Choose from the list or leave empty.") if kind == "list" else _("Enter a number that is not negative.")
            rule.showErrorMessage = True
            ws.add_data_validation(rule)
            for col in targets:
                letter = get_column_letter(col)
                rule.add(f"{letter}2:{letter}{last}")
        return ws

    measures = list(program.measures.select_related("objective").prefetch_related("funding"))
    label_of_group = dict(Group.choices)
    plan_rows = []
    for m in measures:
        row = {
            "number": m.number, "title": m.title, "objective": (m.objective.number or m.objective.title) if m.objective else "",
            "expected_result": m.expected_result, "indicator": m.indicator, "start_year": m.start_year,
            "start_quarter": m.start_quarter, "end_year": m.end_year, "end_quarter": m.end_quarter, "responsible": m.responsible,
            "target_groups": "; ".join(str(label_of_group[g]) for g in m.target_groups or [] if g in label_of_group),
            "cost": _cell_number(m.cost),
        }
        for f in m.funding.all():
            row[f"funding:{f.year}:{f.source}"] = _cell_number(f.amount)
        plan_rows.append(row)
    sheet(PLAN_SHEET, plan_columns(program), plan_rows, {
        "objective": ("list", ranges.get("goals")), "start_year": ("list", ranges.get("years")),
        "end_year": ("list", ranges.get("years")), "start_quarter": ("list", ranges.get("quarters")),
        "end_quarter": ("list", ranges.get("quarters")), "cost": ("decimal", "0"), "funding:*": ("decimal", "0"),
    })

    indicator_rows = []
    for i in program.indicators.select_related("goal", "measure").prefetch_related("targets"):
        row = {
            "name": i.name, "unit": i.unit, "counts_people": _("yes") if i.counts_people else _("no"),
            "goal": (i.goal.number or i.goal.title) if i.goal else "", "measure": (i.measure.number or "") if i.measure else "",
            "baseline": _cell_number(i.baseline), "baseline_women": _cell_number(i.baseline_women),
            "baseline_men": _cell_number(i.baseline_men), "baseline_year": i.baseline_year,
            "data_source": i.data_source, "responsible": i.responsible,
        }
        for t in i.targets.all():
            row[f"target:{t.year}"] = _cell_number(t.value)
            row[f"target:{t.year}:women"] = _cell_number(t.women)
            row[f"target:{t.year}:men"] = _cell_number(t.men)
        indicator_rows.append(row)
    sheet(INDICATOR_SHEET, indicator_columns(program), indicator_rows, {
        "counts_people": ("list", ranges.get("yesno")), "goal": ("list", ranges.get("goals")),
        "baseline_year": ("whole", "0"),
    })

    notes = book.create_sheet(str(INSTRUCTIONS_SHEET)[:31])
    lines = [
        _("How to fill in this workbook"),
        _("Program: %(title)s, %(first)s–%(last)s.") % {"title": program.title, "first": program.start_year, "last": program.end_year},
        _("Do not rename the sheets or change the first row (the column headings)."),
        _("Action plan: one row per measure. The number identifies the measure: a row with the number of a measure already in the program updates it, a new number adds a measure. Measures that are not in the file stay as they are."),
        _("Years must be inside the program's years; quarters are 1 to 4; a measure cannot end before it starts."),
        _("Costs and amounts are in thousand som, with at most one decimal, never negative."),
        _("Put each amount in the column of its year and source. When a measure has amounts, they must add up exactly to its cost, and each year must be inside the measure's years."),
        _("Target groups: write them as in the list below, separated by a semicolon (;)."),
        _("Indicators: one row per indicator, identified by its name. For an indicator that counts people write “yes” and give women and men; women and men must add up to the total."),
        _("If any row is refused, nothing is saved: the page lists every refused row with its sheet, line, column and reason."),
        "",
        _("Target groups:"),
        *[f"— {label}" for label in group_labels],
        "",
        _("Funding sources:"),
        *[f"— {label}" for _code, label in FundingSource.choices],
    ]
    for row, text in enumerate(lines, start=1):
        notes.cell(row=row, column=1, value=str(text)).alignment = Alignment(wrap_text=True, vertical="top")
    notes["A1"].font = Font(bold=True, size=13)
    notes.column_dimensions["A"].width = 110
    book.move_sheet(notes, offset=-(len(book.sheetnames) - 1))
    book.active = book.sheetnames.index(str(PLAN_SHEET)[:31])

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell_number(value):
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


# --- the import ------------------------------------------------------------------------------------------------------

def _clean_cell(value):
    """Excel's floats as the decimals people typed (2020.0 -> 2020, 33.300000000001 -> 33.3)."""
    if isinstance(value, float):
        value = Decimal(str(round(value, 6))).normalize()
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, str):
        return value.strip()
    return value


def _header_map(header_row, known: dict[str, str]) -> tuple[dict[str, int], list[str]]:
    """{code: column index} for the headings that are known; the unknown headings."""
    found, unknown = {}, []
    for index, text in enumerate(header_row):
        if text is None or str(text).strip() == "":
            continue
        code = known.get(_norm(text))
        if code is None:
            unknown.append(str(text))
        elif code not in found:
            found[code] = index
    return found, unknown


def _find_sheet(sheets: dict, label) -> tuple[str, list] | tuple[None, None]:
    titles = _sheet_titles(label)
    for title, rows in sheets.items():
        if title in titles:
            return title, rows
    return None, None


def import_plan(user, program: Program, data: bytes, *, dry_run: bool, source: str = "") -> ImportReport:
    """Read the filled-in workbook into the program's action plan and monitoring matrix."""
    report = ImportReport(source=source or "xlsx", title=_("Action plan and indicators"))
    report.dry_run = dry_run
    try:
        editable(user, program)
    except PermissionDenied:
        raise
    except ValidationError as exc:
        report.reject(None, " ".join(exc.messages))
        return report
    try:
        sheets = xlsx_sheets(data, max_rows=MAX_ROWS, max_columns=400)
    except SourceError as exc:
        report.reject(None, str(exc))
        return report
    plan_title, plan_rows = _find_sheet(sheets, PLAN_SHEET)
    indicator_title, indicator_rows = _find_sheet(sheets, INDICATOR_SHEET)
    if plan_rows is None and indicator_rows is None:
        report.reject(None, _("The workbook has neither an “%(plan)s” nor an “%(indicators)s” sheet. Download the template and fill it in.") % {
            "plan": PLAN_SHEET, "indicators": INDICATOR_SHEET})
        return report

    def work(report):
        measures_by_number = {}
        if plan_rows:
            measures_by_number = _import_measures(program, str(PLAN_SHEET), plan_rows, report)
        if indicator_rows:
            _import_indicators(program, str(INDICATOR_SHEET), indicator_rows, measures_by_number, report)

    return run_import(report, work, dry_run=dry_run)


def _reject_all(report, line, sheet, headers, exc: ValidationError, field_column):
    for field, messages in exc.message_dict.items():
        column = field_column(field)
        for message in messages:
            report.reject(line, message, key=f"{sheet} · {headers.get(column, column) if column else _('row')}")


def _goal_lookup(program) -> dict:
    found = {}
    for goal in program.goals.all():
        if goal.number:
            found.setdefault(_norm(goal.number), goal)
        found.setdefault(_norm(goal.title), goal)
    return found


def _import_measures(program, sheet, rows, report) -> dict:
    columns = plan_columns(program)
    headers = dict(columns)
    known = _in_every_language(lambda: plan_columns(program))
    index, unknown = _header_map(rows[0] if rows else (), known)
    for text in unknown:
        report.reject(1, _("Unknown column “%(column)s”; keep the headings of the template.") % {"column": text}, key=sheet)
    for code in ("number", "title", "start_year", "end_year", "cost"):
        if code not in index:
            report.reject(1, _("The column “%(column)s” is missing.") % {"column": headers[code]}, key=sheet)
    if report.rejected:
        return {}
    goals = _goal_lookup(program)
    groups = _group_names()
    existing = {m.number: m for m in program.measures.prefetch_related("funding") if m.number}
    in_file = {}
    funding_columns = [(code, i) for code, i in index.items() if code.startswith("funding:")]
    for line, row in enumerate(rows[1:], start=2):
        cells = {code: _clean_cell(row[i]) if i < len(row) else None for code, i in index.items()}
        if all(v is None or v == "" for v in cells.values()):
            continue
        problems = False
        number = str(cells.get("number") or "").strip()
        if number.endswith(".0") and number[:-2].isdigit():
            number = number[:-2]
        if not number:
            report.reject(line, _("Enter the measure's number; the import matches measures by it."), key=f"{sheet} · {headers['number']}")
            problems = True
        elif number in in_file:
            report.reject(line, _("The number %(number)s is also on line %(line)s.") % {"number": number, "line": in_file[number]},
                          key=f"{sheet} · {headers['number']}")
            problems = True
        else:
            in_file[number] = line
        data = {code: cells.get(code) for code, _label in PLAN_COLUMNS}
        data["number"] = number
        objective = cells.get("objective")
        data["objective"] = None
        if objective not in (None, ""):
            goal = goals.get(_norm(objective))
            if goal is None:
                report.reject(line, _("No goal or objective “%(value)s” in this program.") % {"value": objective},
                              key=f"{sheet} · {headers['objective']}")
                problems = True
            data["objective"] = goal
        chosen = []
        for piece in re.split(r"[;\n]", str(cells.get("target_groups") or "")):
            piece = _norm(piece)
            if not piece:
                continue
            if piece in groups:
                chosen.append(groups[piece])
                continue
            parts = [_norm(p) for p in piece.split(",") if _norm(p)]
            if parts and all(p in groups for p in parts):
                chosen += [groups[p] for p in parts]
            else:
                report.reject(line, _("Unknown target group “%(value)s”.") % {"value": piece}, key=f"{sheet} · {headers['target_groups']}")
                problems = True
        data["target_groups"] = chosen
        data["funding"] = []
        for code, column in funding_columns:
            amount = cells.get(code)
            if amount is None or amount == "":
                continue
            _prefix, year, source = code.split(":")
            data["funding"].append({"index": column, "year": int(year), "source": source, "amount": amount})
        measure = existing.get(number)
        try:
            values, lines = content.clean_measure(program, data, measure)
        except ValidationError as exc:
            def field_column(field):
                if field.startswith("funding-"):
                    position = int(field.split("-")[1])
                    return next((code for code, i in index.items() if i == position), None)
                return field if field in headers else None

            _reject_all(report, line, sheet, headers, exc, field_column)
            continue
        if problems:
            continue
        if measure is not None and content.measure_unchanged(measure, values, lines):
            report.unchanged += 1
            continue
        saved = content.store_measure(program, values, lines, measure)
        existing[number] = saved
        if measure is None:
            report.created += 1
        else:
            report.updated += 1
    return existing


def _yes(value) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _norm(value)
    yes = {_norm(w) for w in YES}
    for lang in LANGS:
        with translation.override(lang):
            yes.add(_norm(_("yes")))
    no = {_norm(w) for w in NO}
    for lang in LANGS:
        with translation.override(lang):
            no.add(_norm(_("no")))
    if text in yes:
        return True
    if text in no:
        return False
    return None


def _import_indicators(program, sheet, rows, measures_by_number, report) -> None:
    columns = indicator_columns(program)
    headers = dict(columns)
    known = _in_every_language(lambda: indicator_columns(program))
    index, unknown = _header_map(rows[0] if rows else (), known)
    for text in unknown:
        report.reject(1, _("Unknown column “%(column)s”; keep the headings of the template.") % {"column": text}, key=sheet)
    if "name" not in index:
        report.reject(1, _("The column “%(column)s” is missing.") % {"column": headers["name"]}, key=sheet)
        return
    goals = _goal_lookup(program)
    existing = {i.name.strip().lower(): i for i in program.indicators.prefetch_related("targets")}
    in_file = {}
    for line, row in enumerate(rows[1:], start=2):
        cells = {code: _clean_cell(row[i]) if i < len(row) else None for code, i in index.items()}
        if all(v is None or v == "" for v in cells.values()):
            continue
        problems = False
        name = str(cells.get("name") or "").strip()
        if name and name.lower() in in_file:
            report.reject(line, _("The indicator “%(name)s” is also on line %(line)s.") % {"name": name, "line": in_file[name.lower()]},
                          key=f"{sheet} · {headers['name']}")
            problems = True
        in_file.setdefault(name.lower(), line)
        counts = _yes(cells.get("counts_people"))
        if counts is None:
            report.reject(line, _("Write “yes” or “no”."), key=f"{sheet} · {headers['counts_people']}")
            problems = True
        data = {code: cells.get(code) for code, _label in INDICATOR_COLUMNS + INDICATOR_TAIL}
        data["counts_people"] = bool(counts)
        data["goal"] = None
        if cells.get("goal") not in (None, ""):
            data["goal"] = goals.get(_norm(cells["goal"]))
            if data["goal"] is None:
                report.reject(line, _("No goal or objective “%(value)s” in this program.") % {"value": cells["goal"]},
                              key=f"{sheet} · {headers['goal']}")
                problems = True
        data["measure"] = None
        if cells.get("measure") not in (None, ""):
            number = str(cells["measure"]).strip()
            data["measure"] = measures_by_number.get(number) or program.measures.filter(number=number).first()
            if data["measure"] is None:
                report.reject(line, _("No measure number %(value)s in this program.") % {"value": number},
                              key=f"{sheet} · {headers['measure']}")
                problems = True
        data["targets"] = {year: {"value": cells.get(f"target:{year}"), "women": cells.get(f"target:{year}:women"),
                                  "men": cells.get(f"target:{year}:men")} for year in program.years}
        indicator = existing.get(name.lower())
        try:
            values, targets = content.clean_indicator(program, data, indicator)
        except ValidationError as exc:
            def field_column(field):
                if field.startswith("target-"):
                    parts = field.split("-")
                    return f"target:{parts[1]}" + (f":{parts[2]}" if len(parts) > 2 else "")
                return field if field in headers else None

            _reject_all(report, line, sheet, headers, exc, field_column)
            continue
        if problems:
            continue
        if indicator is not None and content.indicator_unchanged(indicator, values, targets):
            report.unchanged += 1
            continue
        saved = content.store_indicator(program, values, targets, indicator)
        existing[name.lower()] = saved
        if indicator is None:
            report.created += 1
        else:
            report.updated += 1

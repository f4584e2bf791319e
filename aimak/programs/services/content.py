"""Every change to a program's content, part by part (approval block, profile tables, problems
and SWOT, the "Dream", priorities -> goals -> objectives, the action plan with its funding
lines, the monitoring matrix).

Each write checks ``editable()`` first (permission where the program is, and a stage that lets
content change), validates the whole part and either saves all of it in one transaction or
raises a ``ValidationError`` whose dict names the field and the reason. The ``clean_*``
functions are the same rules without the write, so the XLSX import refuses exactly what the
editor refuses."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from ..models import Dream as DreamModel
from ..models import (
    DreamGroup,
    Funding,
    FundingSource,
    Goal,
    Group,
    IndicatorTarget,
    Measure,
    Problem,
    ProfileRow,
    Program,
    ProgramIndicator,
    SectionText,
    Strategy,
    SwotItem,
    template_label,
)
from .programs import EARLIEST_YEAR, editable

MONEY_COLUMNS = ("planned", "actual")  # money columns may carry one decimal (thousand som)
MAX_NUMBER = Decimal("999999999999")


# --- reading what people typed -------------------------------------------------------------

class Errors(dict):
    """{field: [messages]} that becomes a ValidationError when anything was added."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            raise ValidationError(dict(self))


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value, field: str, errors: Errors, *, max_length: int, required: bool = False, missing: str = "") -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        errors.add(field, missing or _("This cannot be empty."))
    elif len(text) > max_length:
        errors.add(field, _("At most %(count)d characters (now %(length)d).") % {"count": max_length, "length": len(text)})
    return text


def parse_decimal(value, field: str, errors: Errors, *, places: int, negative: bool = False, required: bool = False) -> Decimal | None:
    """A number as people type it ("1 234,5" included); None when blank."""
    if _blank(value):
        if required:
            errors.add(field, _("Enter a number."))
        return None
    if isinstance(value, bool):
        errors.add(field, _("Enter a number."))
        return None
    if isinstance(value, (int, Decimal)):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        raw = re.sub(r"[\s\u00a0\u202f']", "", str(value)).replace(",", ".")
        try:
            number = Decimal(raw)
        except InvalidOperation:
            errors.add(field, _("“%(value)s” is not a number.") % {"value": str(value).strip()[:40]})
            return None
    if not number.is_finite():
        errors.add(field, _("Enter a number."))
        return None
    if number < 0 and not negative:
        errors.add(field, _("Cannot be negative (%(value)s).") % {"value": _fmt(number)})
        return None
    if abs(number) > MAX_NUMBER:
        errors.add(field, _("The number is too large."))
        return None
    if number != number.quantize(Decimal(1).scaleb(-places)):
        if places == 0:
            errors.add(field, _("Enter a whole number."))
        else:
            errors.add(field, _("At most %(places)d decimal place(s).") % {"places": places})
        return None
    return number.quantize(Decimal(1).scaleb(-places)) if places else number.quantize(Decimal(1))


def parse_int(value, field: str, errors: Errors, *, low: int | None = None, high: int | None = None, required: bool = False,
              message: str = "") -> int | None:
    number = parse_decimal(value, field, errors, places=0, negative=True, required=required)
    if number is None:
        return None
    number = int(number)
    if (low is not None and number < low) or (high is not None and number > high):
        errors.add(field, message or _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high})
        return None
    return number


def _choices(values, allowed, field: str, errors: Errors) -> list[str]:
    """A list of codes from the allowed ones, in their canonical order, without repeats."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values] if values else []
    chosen = [str(v) for v in values if str(v)]
    unknown = [v for v in chosen if v not in allowed]
    if unknown:
        errors.add(field, _("Unknown choice: %(values)s.") % {"values": ", ".join(unknown)})
    return [v for v in allowed if v in chosen]


def _fmt(number) -> str:
    """A number as the message shows it: 1 234.5 without trailing zeros."""
    if number is None:
        return "—"
    number = Decimal(number)
    text = f"{number.normalize():f}" if number == number.to_integral_value() else f"{number:f}".rstrip("0").rstrip(".")
    if "." in text:
        whole, frac = text.split(".")
    else:
        whole, frac = text, ""
    sign = "-" if whole.startswith("-") else ""
    whole = whole.lstrip("-")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sign + "\u00a0".join(groups) + (f".{frac}" if frac else "")


def _json_number(number: Decimal):
    return int(number) if number == number.to_integral_value() else float(number)


def label_of(labels, fallback: str = "") -> str:
    return template_label(labels, fallback=fallback)


# --- approval block ----------------------------------------------------------------------------

@transaction.atomic
def save_approval(user, program: Program, *, alignment, alignment_note: str) -> Program:
    """The national strategies the program serves and how."""
    editable(user, program)
    errors = Errors()
    chosen = _choices(alignment, Strategy.values, "alignment", errors)
    note = _text(alignment_note, "alignment_note", errors, max_length=5000)
    errors.raise_if_any()
    program.alignment, program.alignment_note = chosen, note
    program.save(update_fields=["alignment", "alignment_note", "updated_at"])
    return program


# --- profile tables -------------------------------------------------------------------------

def profile_table(program: Program, table: str) -> dict:
    """The template of one of this program's profile tables; a ValidationError for another."""
    codes = {c for s in program.edition.template.get("sections", []) for c in s.get("tables", [])}
    found = program.edition.profile_table(table) if table in codes else None
    if found is None:
        raise ValidationError({"table": _("This program's edition has no profile table “%(table)s”.") % {"table": table}})
    return found


def is_money(column: dict) -> bool:
    return bool(column.get("money")) or column["code"] in MONEY_COLUMNS


def clean_profile_values(table: dict, values: dict) -> dict:
    """The figures of one row by the table's columns, checked: whole non-negative numbers (money
    with one decimal), a part not above its total, women + men = total and the age groups adding
    up to the total when all are given. Errors are keyed by column code."""
    errors = Errors()
    columns = table["columns"]
    label = {c["code"]: label_of(c.get("label"), c["code"]) for c in columns}
    numbers: dict[str, Decimal] = {}
    for column in columns:
        code = column["code"]
        number = parse_decimal(values.get(code), code, errors, places=1 if is_money(column) else 0)
        if number is not None:
            numbers[code] = number
    for column in columns:
        code, whole = column["code"], column.get("part_of")
        if whole and code in numbers and whole in numbers and numbers[code] > numbers[whole]:
            errors.add(code, _("%(part)s (%(value)s) cannot be more than %(total)s (%(whole)s).") % {
                "part": label[code], "value": _fmt(numbers[code]), "total": label[whole], "whole": _fmt(numbers[whole])})
    for split in ("sex", "age"):
        parts = [c for c in columns if c.get("split") == split]
        if not parts or errors:
            continue
        whole = parts[0].get("part_of")
        if whole not in numbers or not all(c["code"] in numbers for c in parts):
            continue
        added = sum((numbers[c["code"]] for c in parts), Decimal(0))
        if added != numbers[whole]:
            last = parts[-1]["code"]
            if split == "sex":
                errors.add(last, _("%(women)s (%(w)s) and %(men)s (%(m)s) make %(sum)s, not %(total)s (%(whole)s).") % {
                    "women": label[parts[0]["code"]], "w": _fmt(numbers[parts[0]["code"]]),
                    "men": label[last], "m": _fmt(numbers[last]), "sum": _fmt(added),
                    "total": label[whole], "whole": _fmt(numbers[whole])})
            else:
                errors.add(last, _("The age groups (%(groups)s) add up to %(sum)s, not %(total)s (%(whole)s).") % {
                    "groups": ", ".join(label[c["code"]] for c in parts), "sum": _fmt(added),
                    "total": label[whole], "whole": _fmt(numbers[whole])})
    errors.raise_if_any()
    return {code: _json_number(numbers[code]) for code in (c["code"] for c in columns) if code in numbers}


@transaction.atomic
def save_profile_row(user, program: Program, *, table: str, row: str, values: dict, note: str = "",
                     label: str | None = None) -> ProfileRow:
    """The figures of a template row or of a row the municipality added (a village, a facility)."""
    editable(user, program)
    template = profile_table(program, table)
    template_rows = {r["code"] for r in template.get("rows", [])}
    existing = ProfileRow.objects.filter(program=program, table=table, row=row).first()
    if row not in template_rows and existing is None:
        raise ValidationError({"row": _("The table “%(table)s” has no row “%(row)s”.") % {
            "table": label_of(template.get("title"), table), "row": row}})
    errors = Errors()
    try:
        cleaned = clean_profile_values(template, values)
    except ValidationError as exc:
        cleaned = {}
        for field, messages in exc.message_dict.items():
            for message in messages:
                errors.add(field, message)
    note = _text(note, "note", errors, max_length=300)
    if label is not None and row not in template_rows:
        label = _text(label, "label", errors, max_length=300, required=True, missing=_("Enter the name of the row."))
    errors.raise_if_any()
    if existing is None:
        order = next(i for i, r in enumerate(template["rows"]) if r["code"] == row)
        return ProfileRow.objects.create(program=program, table=table, row=row, values=cleaned, note=note, order=order)
    existing.values, existing.note = cleaned, note
    fields = ["values", "note"]
    if label is not None and row not in template_rows:
        existing.label = label
        fields.append("label")
    existing.save(update_fields=fields)
    return existing


@transaction.atomic
def add_profile_row(user, program: Program, *, table: str, label: str) -> ProfileRow:
    """A row the municipality adds to a table that allows it (villages of the population table,
    facilities of the infrastructure table)."""
    editable(user, program)
    template = profile_table(program, table)
    if not template.get("custom_rows"):
        raise ValidationError({"label": _("Rows cannot be added to this table.")})
    errors = Errors()
    label = _text(label, "label", errors, max_length=300, required=True, missing=_("Enter the name of the row."))
    if label and ProfileRow.objects.filter(program=program, table=table, label__iexact=label).exists():
        errors.add("label", _("The table already has a row “%(label)s”.") % {"label": label})
    errors.raise_if_any()
    taken = set(ProfileRow.objects.filter(program=program, table=table).values_list("row", flat=True))
    number = 1
    while f"c{number}" in taken:
        number += 1
    last = ProfileRow.objects.filter(program=program, table=table).aggregate(m=Max("order"))["m"]
    order = max(last or 0, len(template.get("rows", []))) + 1
    return ProfileRow.objects.create(program=program, table=table, row=f"c{number}", label=label, order=order)


@transaction.atomic
def remove_profile_row(user, program: Program, *, table: str, row: str) -> None:
    """Remove a row the municipality added; the template's rows stay (their figures can be cleared)."""
    editable(user, program)
    template = profile_table(program, table)
    if row in {r["code"] for r in template.get("rows", [])}:
        raise ValidationError({"row": _("Rows of the methodology cannot be removed; clear their figures instead.")})
    ProfileRow.objects.filter(program=program, table=table, row=row).delete()


# --- texts, the "Dream", the vision ---------------------------------------------------------------

@transaction.atomic
def save_text(user, program: Program, *, section: str, text: str) -> SectionText:
    """The narrative of a section the edition asks for in words."""
    editable(user, program)
    found = program.edition.section(section)
    if found is None or found.get("part") != "text":
        raise ValidationError({"section": _("This program's edition has no text section “%(section)s”.") % {"section": section}})
    errors = Errors()
    text = _text(text, "text", errors, max_length=100_000)
    errors.raise_if_any()
    item, _created = SectionText.objects.update_or_create(program=program, section=section, defaults={"text": text})
    return item


@transaction.atomic
def save_dream(user, program: Program, *, group: str, dream: str, changes: str) -> DreamModel:
    """One group's step of the "Dream" exercise."""
    editable(user, program)
    errors = Errors()
    if group not in DreamGroup.values:
        errors.add("group", _("Unknown group “%(group)s”.") % {"group": group})
    dream = _text(dream, "dream", errors, max_length=10_000)
    changes = _text(changes, "changes", errors, max_length=10_000)
    errors.raise_if_any()
    item, _created = DreamModel.objects.update_or_create(program=program, group=group, defaults={"dream": dream, "changes": changes})
    return item


@transaction.atomic
def save_vision(user, program: Program, *, vision: str) -> Program:
    editable(user, program)
    errors = Errors()
    vision = _text(vision, "vision", errors, max_length=5000)
    errors.raise_if_any()
    program.vision = vision
    program.save(update_fields=["vision", "updated_at"])
    return program


# --- situation analysis ---------------------------------------------------------------------------

def _own(program: Program, item):
    if item is not None and item.program_id != program.pk:
        raise ValidationError({"__all__": _("This row belongs to another program.")})


@transaction.atomic
def save_problem(user, program: Program, data: dict, problem: Problem | None = None) -> Problem:
    """A problem found at village meetings or surveys, its rank and whom it affects."""
    editable(user, program)
    _own(program, problem)
    errors = Errors()
    values = {
        "title": _text(data.get("title"), "title", errors, max_length=300, required=True, missing=_("Enter the problem.")),
        "description": _text(data.get("description"), "description", errors, max_length=10_000),
        "effects_on_groups": _text(data.get("effects_on_groups"), "effects_on_groups", errors, max_length=10_000),
        "groups": _choices(data.get("groups"), Group.values, "groups", errors),
    }
    rank = parse_int(data.get("rank"), "rank", errors, low=1, high=999)
    values["rank"] = rank if rank is not None else (problem.rank if problem else program.problems.count() + 1)
    source = str(data.get("source") or Problem.Source.VILLAGE_MEETING)
    if source not in Problem.Source.values:
        errors.add("source", _("Choose how the problem was found."))
    values["source"] = source
    errors.raise_if_any()
    return _store(Problem, program, problem, values)


@transaction.atomic
def delete_problem(user, problem: Problem) -> None:
    editable(user, problem.program)
    problem.delete()


@transaction.atomic
def save_swot_item(user, program: Program, data: dict, item: SwotItem | None = None) -> SwotItem:
    """A strength, weakness, opportunity or threat and the groups it concerns."""
    editable(user, program)
    _own(program, item)
    errors = Errors()
    kind = str(data.get("kind") or (item.kind if item else ""))
    if kind not in SwotItem.Kind.values:
        errors.add("kind", _("Choose strength, weakness, opportunity or threat."))
    values = {
        "kind": kind,
        "text": _text(data.get("text"), "text", errors, max_length=500, required=True, missing=_("Enter the text.")),
        "groups": _choices(data.get("groups"), Group.values, "groups", errors),
    }
    errors.raise_if_any()
    if item is None:
        values["order"] = (program.swot.filter(kind=kind).aggregate(m=Max("order"))["m"] or 0) + 1
    return _store(SwotItem, program, item, values)


@transaction.atomic
def delete_swot_item(user, item: SwotItem) -> None:
    editable(user, item.program)
    item.delete()


def _store(model, program, item, values):
    if item is None:
        return model.objects.create(program=program, **values)
    for field, value in values.items():
        setattr(item, field, value)
    item.save()
    return item


# --- priorities, goals, objectives ----------------------------------------------------------------

PARENT_LEVEL = {Goal.Level.GOAL: Goal.Level.PRIORITY, Goal.Level.OBJECTIVE: Goal.Level.GOAL}


@transaction.atomic
def save_goal(user, program: Program, data: dict, goal: Goal | None = None) -> Goal:
    """A priority, a goal under a priority, or an objective under a goal."""
    editable(user, program)
    _own(program, goal)
    errors = Errors()
    level = str(data.get("level") or (goal.level if goal else ""))
    if level not in Goal.Level.values:
        errors.add("level", _("Choose priority, goal or objective."))
    parent = None
    parent_id = data.get("parent")
    if not _blank(parent_id):
        parent = program.goals.filter(pk=parent_id).first() if str(parent_id).isdigit() else None
        if parent is None:
            errors.add("parent", _("Choose a priority or goal of this program."))
    if level == Goal.Level.PRIORITY and parent is not None:
        errors.add("parent", _("A priority is not placed under anything."))
    elif level in PARENT_LEVEL:
        wanted = PARENT_LEVEL[level]
        if parent is None and level == Goal.Level.OBJECTIVE and "parent" not in errors:
            errors.add("parent", _("Choose the goal this objective serves."))
        elif parent is not None and parent.level != wanted:
            errors.add("parent", _("A goal is placed under a priority.") if level == Goal.Level.GOAL
                       else _("An objective is placed under a goal."))
    values = {
        "level": level, "parent": parent,
        "number": _text(data.get("number"), "number", errors, max_length=12),
        "title": _text(data.get("title"), "title", errors, max_length=500, required=True, missing=_("Enter the title.")),
        "groups": _choices(data.get("groups"), Group.values, "groups", errors),
    }
    if goal is not None and level != goal.level and goal.children.exists():
        errors.add("level", _("Move or delete what is under it before changing its level."))
    errors.raise_if_any()
    if goal is None:
        values["order"] = (program.goals.aggregate(m=Max("order"))["m"] or 0) + 1
    return _store(Goal, program, goal, values)


@transaction.atomic
def delete_goal(user, goal: Goal) -> None:
    """Delete a priority, goal or objective with what is under it; measures that served it stay."""
    editable(user, goal.program)
    goal.delete()


# --- the action plan ----------------------------------------------------------------------------------

def funding_lines(data: dict) -> list[dict]:
    """The funding lines given as ``funding`` (a list of dicts); blank lines are left out."""
    lines = []
    for index, line in enumerate(data.get("funding") or []):
        if line.get("remove"):
            continue
        if all(_blank(line.get(k)) for k in ("year", "source", "amount")):
            continue
        lines.append({**line, "index": line.get("index", index)})
    return lines


def clean_measure(program: Program, data: dict, measure: Measure | None = None) -> tuple[dict, list[dict]]:
    """The measure's fields and funding lines, checked; a ValidationError naming each field.
    Funding errors are on ``funding-<n>-year|source|amount``; a total that does not match is on
    ``cost`` and says both figures."""
    errors = Errors()
    first, last = program.start_year, program.end_year
    outside = _("Enter a year of the program (%(first)s–%(last)s).") % {"first": first, "last": last}
    values = {
        "number": _text(data.get("number"), "number", errors, max_length=12),
        "title": _text(data.get("title"), "title", errors, max_length=500, required=True, missing=_("Enter the measure.")),
        "expected_result": _text(data.get("expected_result"), "expected_result", errors, max_length=10_000),
        "indicator": _text(data.get("indicator"), "indicator", errors, max_length=300),
        "responsible": _text(data.get("responsible"), "responsible", errors, max_length=300),
        "target_groups": _choices(data.get("target_groups"), Group.values, "target_groups", errors),
    }
    objective = data.get("objective")
    values["objective"] = None
    if isinstance(objective, Goal):
        values["objective"] = objective if objective.program_id == program.pk else None
        if values["objective"] is None:
            errors.add("objective", _("Choose a goal or objective of this program."))
    elif not _blank(objective):
        found = program.goals.filter(pk=objective).first() if str(objective).isdigit() else None
        if found is None:
            errors.add("objective", _("Choose a goal or objective of this program."))
        values["objective"] = found
    if values["number"] and program.measures.filter(number=values["number"]).exclude(pk=measure.pk if measure else None).exists():
        errors.add("number", _("Another measure already has the number %(number)s.") % {"number": values["number"]})
    start = parse_int(data.get("start_year"), "start_year", errors, low=first, high=last, required=True, message=outside)
    end = parse_int(data.get("end_year"), "end_year", errors, low=first, high=last, required=True, message=outside)
    quarter = _("Enter a quarter from 1 to 4.")
    start_q = parse_int(data.get("start_quarter"), "start_quarter", errors, low=1, high=4, message=quarter)
    end_q = parse_int(data.get("end_quarter"), "end_quarter", errors, low=1, high=4, message=quarter)
    if start is not None and end is not None:
        if end < start:
            errors.add("end_year", _("The measure cannot end (%(end)s) before it starts (%(start)s).") % {"end": end, "start": start})
        elif end == start and start_q and end_q and end_q < start_q:
            errors.add("end_quarter", _("The measure cannot end in quarter %(end)s before it starts in quarter %(start)s.") % {"end": end_q, "start": start_q})
    values.update(start_year=start, end_year=end, start_quarter=start_q, end_quarter=end_q)
    cost = parse_decimal(data.get("cost"), "cost", errors, places=1)
    values["cost"] = cost if cost is not None else Decimal(0)

    lines, seen, total = [], {}, Decimal(0)
    for line in funding_lines(data):
        n = line["index"]
        year = parse_int(line.get("year"), f"funding-{n}-year", errors, required=True, low=first, high=last, message=outside)
        if year is not None and start is not None and end is not None and not start <= year <= end and not errors.get("end_year"):
            errors.add(f"funding-{n}-year", _("%(year)s is outside the measure's years (%(start)s–%(end)s).") % {"year": year, "start": start, "end": end})
            year = None
        source = str(line.get("source") or "")
        if source not in FundingSource.values:
            errors.add(f"funding-{n}-source", _("Choose the funding source."))
            source = None
        amount = parse_decimal(line.get("amount"), f"funding-{n}-amount", errors, places=1, required=True)
        if year is not None and source is not None:
            if (year, source) in seen:
                errors.add(f"funding-{n}-source", _("%(source)s in %(year)s is already on line %(line)s; put the amounts on one line.") % {
                    "source": FundingSource(source).label, "year": year, "line": seen[(year, source)] + 1})
            else:
                seen[(year, source)] = len(lines)
        if amount is not None:
            total += amount
        lines.append({"year": year, "source": source, "amount": amount})
    if lines and not errors and total != values["cost"]:
        errors.add("cost", _("The funding lines add up to %(total)s thousand som, but the cost is %(cost)s thousand som.") % {
            "total": _fmt(total), "cost": _fmt(values["cost"])})
    errors.raise_if_any()
    return values, lines


def measure_unchanged(measure: Measure, values: dict, lines: list[dict]) -> bool:
    """Would saving these values change nothing? (an import of the same file twice)"""
    for field, value in values.items():
        current = getattr(measure, field)
        if field == "cost":
            if Decimal(current) != value:
                return False
        elif current != value:
            return False
    have = {(f.year, f.source): Decimal(f.amount) for f in measure.funding.all()}
    return have == {(line["year"], line["source"]): line["amount"] for line in lines}


def store_measure(program: Program, values: dict, lines: list[dict], measure: Measure | None) -> Measure:
    """Write checked values (inside the caller's transaction): the measure and exactly its lines."""
    if measure is None:
        values = {**values, "order": (program.measures.aggregate(m=Max("order"))["m"] or 0) + 1}
        measure = Measure.objects.create(program=program, **values)
    else:
        for field, value in values.items():
            setattr(measure, field, value)
        measure.save()
    wanted = {(line["year"], line["source"]): line["amount"] for line in lines}
    for line in list(measure.funding.all()):
        key = (line.year, line.source)
        if key not in wanted:
            line.delete()
        elif Decimal(line.amount) != wanted[key]:
            line.amount = wanted.pop(key)
            line.save(update_fields=["amount"])
        else:
            wanted.pop(key)
    for (year, source), amount in wanted.items():
        Funding.objects.create(measure=measure, year=year, source=source, amount=amount)
    return measure


@transaction.atomic
def save_measure(user, program: Program, data: dict, measure: Measure | None = None) -> Measure:
    """A row of the action plan with its funding lines, all or nothing."""
    editable(user, program)
    _own(program, measure)
    values, lines = clean_measure(program, data, measure)
    return store_measure(program, values, lines, measure)


@transaction.atomic
def delete_measure(user, measure: Measure) -> None:
    editable(user, measure.program)
    measure.delete()


# --- the monitoring matrix ---------------------------------------------------------------------------

def clean_indicator(program: Program, data: dict, indicator: ProgramIndicator | None = None) -> tuple[dict, list[dict]]:
    """The indicator and one target per program year, checked. People-counting indicators are
    split into women and men, who must add up to the total when both and the total are given.
    Target errors are on ``target-<year>``, ``target-<year>-women``, ``target-<year>-men``."""
    errors = Errors()
    counts_people = str(data.get("counts_people") or "").strip().lower() in ("1", "true", "on", "yes")
    if isinstance(data.get("counts_people"), bool):
        counts_people = data["counts_people"]
    values = {
        "name": _text(data.get("name"), "name", errors, max_length=300, required=True, missing=_("Enter the indicator.")),
        "unit": _text(data.get("unit"), "unit", errors, max_length=60),
        "data_source": _text(data.get("data_source"), "data_source", errors, max_length=300),
        "responsible": _text(data.get("responsible"), "responsible", errors, max_length=300),
        "counts_people": counts_people,
    }
    if values["name"] and program.indicators.filter(name__iexact=values["name"]).exclude(pk=indicator.pk if indicator else None).exists():
        errors.add("name", _("The matrix already has an indicator “%(name)s”.") % {"name": values["name"]})
    wrong = {"goal": _("Choose a goal or objective of this program."), "measure": _("Choose a measure of this program.")}
    for field, model in (("goal", Goal), ("measure", Measure)):
        given = data.get(field)
        values[field] = None
        if isinstance(given, model):
            values[field] = given if given.program_id == program.pk else None
            if values[field] is None:
                errors.add(field, wrong[field])
        elif not _blank(given):
            found = model.objects.filter(program=program, pk=given).first() if str(given).isdigit() else None
            if found is None:
                errors.add(field, wrong[field])
            values[field] = found
    values["baseline_year"] = parse_int(data.get("baseline_year"), "baseline_year", errors, low=EARLIEST_YEAR, high=program.end_year)

    def split(prefix_total: str, prefix_women: str, prefix_men: str, raw_total, raw_women, raw_men):
        total = parse_decimal(raw_total, prefix_total, errors, places=2, negative=not counts_people)
        if not counts_people:
            return total, None, None
        women = parse_decimal(raw_women, prefix_women, errors, places=2)
        men = parse_decimal(raw_men, prefix_men, errors, places=2)
        if women is not None and men is not None and total is not None and women + men != total:
            errors.add(prefix_men, _("Women (%(w)s) and men (%(m)s) make %(sum)s, not the total %(total)s.") % {
                "w": _fmt(women), "m": _fmt(men), "sum": _fmt(women + men), "total": _fmt(total)})
        return total, women, men

    values["baseline"], values["baseline_women"], values["baseline_men"] = split(
        "baseline", "baseline_women", "baseline_men", data.get("baseline"), data.get("baseline_women"), data.get("baseline_men"))
    targets = []
    given_targets = data.get("targets") or {}
    for year in program.years:
        given = given_targets.get(year) or given_targets.get(str(year)) or {}
        value, women, men = split(f"target-{year}", f"target-{year}-women", f"target-{year}-men",
                                  given.get("value"), given.get("women"), given.get("men"))
        if value is not None or women is not None or men is not None:
            targets.append({"year": year, "value": value, "women": women, "men": men})
    unknown = [str(y) for y in given_targets if str(y).isdigit() and int(y) not in program.years]
    if unknown:
        errors.add("targets", _("Targets are set for the program's years only (%(first)s–%(last)s), not for %(years)s.") % {
            "first": program.start_year, "last": program.end_year, "years": ", ".join(unknown)})
    errors.raise_if_any()
    return values, targets


def indicator_unchanged(indicator: ProgramIndicator, values: dict, targets: list[dict]) -> bool:
    for field, value in values.items():
        current = getattr(indicator, field)
        if isinstance(value, Decimal) or isinstance(current, Decimal):
            if (None if current is None else Decimal(current)) != value:
                return False
        elif current != value:
            return False

    def norm(v):
        return None if v is None else Decimal(v)

    have = {t.year: (norm(t.value), norm(t.women), norm(t.men)) for t in indicator.targets.all()}
    return have == {t["year"]: (t["value"], t["women"], t["men"]) for t in targets}


def store_indicator(program: Program, values: dict, targets: list[dict], indicator: ProgramIndicator | None) -> ProgramIndicator:
    if indicator is None:
        values = {**values, "order": (program.indicators.aggregate(m=Max("order"))["m"] or 0) + 1}
        indicator = ProgramIndicator.objects.create(program=program, **values)
    else:
        for field, value in values.items():
            setattr(indicator, field, value)
        indicator.save()
    wanted = {t["year"]: t for t in targets}
    for target in list(indicator.targets.all()):
        if target.year not in wanted:
            target.delete()
            continue
        new = wanted.pop(target.year)
        target.value, target.women, target.men = new["value"], new["women"], new["men"]
        target.save()
    for year, new in wanted.items():
        IndicatorTarget.objects.create(indicator=indicator, year=year, value=new["value"], women=new["women"], men=new["men"])
    return indicator


@transaction.atomic
def save_indicator(user, program: Program, data: dict, indicator: ProgramIndicator | None = None) -> ProgramIndicator:
    """A row of the monitoring matrix with its yearly targets, all or nothing."""
    editable(user, program)
    _own(program, indicator)
    values, targets = clean_indicator(program, data, indicator)
    return store_indicator(program, values, targets, indicator)


@transaction.atomic
def delete_indicator(user, indicator: ProgramIndicator) -> None:
    editable(user, indicator.program)
    indicator.delete()

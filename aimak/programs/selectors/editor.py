"""What the editor pages read: who may see and change a program, the sections of its edition,
and each part's rows in the shape the templates show (with a refused row's typed values and
reasons put back in place). A few queries per page, whatever the program's size."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.http import Http404

from aimak.core import scoping

from ..forms import content as forms
from ..models import DreamGroup, Goal, Program, SwotItem
from ..services.content import is_money, label_of
from . import programs as program_selectors
from .content import financing_summary
from .inclusion import budget_shares


def program_for(user, pk: int) -> Program:
    """The program when ``user`` may see it: approved programs are public; a draft is a 404 for
    the public and a 403 for people who may not see programs where it is."""
    program = Program.objects.select_related("edition", "territory").filter(pk=pk).first()
    if program is None:
        raise Http404
    if not scoping.restrict(Program.objects.filter(pk=pk), user, "view").exists():
        if user is None or not user.is_authenticated:
            raise Http404
        raise PermissionDenied
    return program


def can_edit(user, program: Program) -> bool:
    return program.is_editable and scoping.allowed_within(user, "edit", Program, program.territory)


sections = program_selectors.sections  # the same list the overview shows


class Errs(dict):
    """Reasons by field; a field without any reads as an empty list (and is not added)."""

    def __missing__(self, key):
        return []


@dataclass
class Row:
    """One editable row: its DOM key, the object (None for a new one), the values shown and the
    reasons a save was refused, by field."""

    key: str
    obj: object = None
    v: dict = field(default_factory=dict)
    e: dict = field(default_factory=Errs)
    extra: dict = field(default_factory=dict)


def errors_of(message_dict: dict | None) -> Errs:
    found = Errs()
    for name, messages in (message_dict or {}).items():
        found.setdefault("all" if name in ("__all__", "all") else name, []).extend(messages)
    return found


def make_row(key, obj, initial, failed):
    if failed and failed.get("key") == key:
        return Row(key=key, obj=obj, v=failed["values"], e=errors_of(failed["errors"]))
    return Row(key=key, obj=obj, v=initial)


# --- the parts -------------------------------------------------------------------------------------------

def profile_tables(program: Program, section: dict, failed=None) -> list[dict]:
    """The section's profile tables: the template's rows, then the rows the municipality added."""
    stored = defaultdict(dict)
    for row in program.profile_rows.filter(table__in=section.get("tables", [])):
        stored[row.table][row.row] = row
    tables = []
    for code in section.get("tables", []):
        table = program.edition.profile_table(code)
        if table is None:
            continue
        columns = [{"code": c["code"], "label": label_of(c.get("label"), c["code"]), "money": is_money(c),
                    "part_of": c.get("part_of", "")} for c in table["columns"]]
        rows = []
        template_codes = set()
        for spec in table.get("rows", []):
            template_codes.add(spec["code"])
            obj = stored[code].get(spec["code"])
            row = make_row(f"profile-{code}-{spec['code']}", obj, forms.profile_initial(obj), failed)
            row.extra = {"code": spec["code"], "label": label_of(spec.get("label"), spec["code"]), "custom": False}
            rows.append(row)
        for obj in sorted((r for c, r in stored[code].items() if c not in template_codes), key=lambda r: (r.order, r.pk)):
            row = make_row(f"profile-{code}-{obj.row}", obj, forms.profile_initial(obj), failed)
            row.extra = {"code": obj.row, "label": obj.label, "custom": True}
            rows.append(row)
        for row in rows:
            given = row.v.get("values", {})
            row.extra["cells"] = [{"code": c["code"], "label": c["label"], "money": c["money"], "value": given.get(c["code"], ""),
                                   "errors": row.e[c["code"]]} for c in columns]
        adding = make_row(f"new-profile-{code}", None, {"label": ""}, failed)
        tables.append({"code": code, "title": label_of(table.get("title"), code), "columns": columns, "rows": rows,
                       "custom_rows": bool(table.get("custom_rows")), "counts_people": bool(table.get("counts_people")),
                       "custom_row_label": label_of(table.get("custom_row_label"), ""), "adding": adding})
    return tables


def problems(program: Program, failed=None) -> dict:
    rows = [make_row(f"problem-{p.pk}", p, forms.problem_initial(p), failed) for p in program.problems.all()]
    return {"rows": rows, "adding": make_row("new-problem", None, forms.problem_initial(None), failed)}


def swot(program: Program, failed=None) -> list[dict]:
    by_kind = defaultdict(list)
    for item in program.swot.all():
        by_kind[item.kind].append(make_row(f"swot-{item.pk}", item, forms.swot_initial(item), failed))
    return [{"kind": kind, "label": label, "rows": by_kind[kind],
             "adding": make_row(f"new-swot-{kind}", None, forms.swot_initial(None, kind), failed)}
            for kind, label in SwotItem.Kind.choices]


def dreams(program: Program, failed=None) -> list[Row]:
    found = {d.group: d for d in program.dreams.all()}
    rows = []
    for group, label in DreamGroup.choices:
        row = make_row(f"dream-{group}", found.get(group), forms.dream_initial(found.get(group)), failed)
        row.extra = {"group": group, "label": label}
        rows.append(row)
    return rows


def goals(program: Program, failed=None) -> dict:
    """The tree as a list in reading order, each row with its depth."""
    all_goals = list(program.goals.all())
    children = defaultdict(list)
    for g in all_goals:
        children[g.parent_id].append(g)
    ordered = []

    def walk(parent_id, depth):
        for g in children[parent_id]:
            ordered.append((g, depth))
            walk(g.pk, depth + 1)

    walk(None, 0)
    seen = {g.pk for g, _depth in ordered}
    ordered += [(g, 0) for g in all_goals if g.pk not in seen]  # a parent lost to another program: shown at the top
    rows = []
    for g, depth in ordered:
        row = make_row(f"goal-{g.pk}", g, forms.goal_initial(g), failed)
        row.extra = {"depth": depth}
        rows.append(row)
    parents = [(g.pk, str(g), g.level) for g in all_goals if g.level != Goal.Level.OBJECTIVE]
    return {"rows": rows, "parents": parents,
            "adding": make_row("new-goal", None, forms.goal_initial(None, Goal.Level.PRIORITY), failed)}


def _with_lines(row: Row, years: list[int]) -> Row:
    """A measure row's funding lines for the form, with one blank line to fill in."""
    lines = [dict(line) for line in row.v.get("funding", []) if not line.get("remove")]
    lines.append({"year": "", "source": "", "amount": "", "remove": False})
    if row.extra.get("more_lines"):
        lines.append({"year": "", "source": "", "amount": "", "remove": False})
    for n, line in enumerate(lines):
        old = line.get("index", n)
        line.update(i=n, f_year=f"funding-{n}-year", f_source=f"funding-{n}-source", f_amount=f"funding-{n}-amount",
                    e={"year": row.e.get(f"funding-{old}-year", []), "source": row.e.get(f"funding-{old}-source", []),
                       "amount": row.e.get(f"funding-{old}-amount", [])})
    row.extra["lines"] = lines
    row.extra["years"] = years
    return row


def measures(program: Program, failed=None, more_lines_for: str = "") -> dict:
    rows = []
    for m in program.measures.select_related("objective").prefetch_related("funding"):
        row = make_row(f"measure-{m.pk}", m, forms.measure_initial(m), failed)
        row.extra["more_lines"] = row.key == more_lines_for
        rows.append(_with_lines(row, program.years))
    adding = _with_lines(make_row("new-measure", None, forms.measure_initial(None), failed), program.years)
    return {"rows": rows, "adding": adding, "objectives": [(g.pk, str(g), g.level) for g in program.goals.all()]}


def measure_row(program: Program, measure, failed=None, more_lines: bool = False) -> Row:
    row = make_row(f"measure-{measure.pk}", measure, forms.measure_initial(measure), failed)
    row.extra["more_lines"] = more_lines
    return _with_lines(row, program.years)


def _with_targets(row: Row, years) -> Row:
    targets = []
    for year in years:
        given = row.v.get("targets", {}).get(year) or row.v.get("targets", {}).get(str(year)) or {}
        targets.append({"year": year, "value": given.get("value", ""), "women": given.get("women", ""), "men": given.get("men", ""),
                        "f": f"target-{year}", "f_women": f"target-{year}-women", "f_men": f"target-{year}-men",
                        "e": {"value": row.e.get(f"target-{year}", []), "women": row.e.get(f"target-{year}-women", []),
                              "men": row.e.get(f"target-{year}-men", [])}})
    row.extra["targets"] = targets
    return row


def indicators(program: Program, failed=None) -> dict:
    years = program.years
    rows = [_with_targets(make_row(f"indicator-{i.pk}", i, forms.indicator_initial(i, years), failed), years)
            for i in program.indicators.select_related("goal", "measure").prefetch_related("targets")]
    adding = _with_targets(make_row("new-indicator", None, forms.indicator_initial(None, years), failed), years)
    return {"rows": rows, "adding": adding, "years": years,
            "goals": [(g.pk, str(g)) for g in program.goals.all()],
            "measures": [(m.pk, str(m)) for m in program.measures.all()]}


def indicator_row(program: Program, indicator, failed=None) -> Row:
    return _with_targets(make_row(f"indicator-{indicator.pk}", indicator, forms.indicator_initial(indicator, program.years), failed),
                         program.years)


def financing(program: Program) -> dict:
    """The summary table by year and source, with the shares of the budget for inclusion and
    migration; all sums by the database."""
    summary = financing_summary(program)
    table = [{"year": year, "cells": [summary["cells"].get((year, s)) for s in summary["sources"]],
              "total": summary["by_year"].get(year)} for year in summary["years"]]
    from ..models import FundingSource

    return {"summary": summary, "table": table,
            "sources": [(s, FundingSource(s).label) for s in summary["sources"]],
            "source_totals": [summary["by_source"][s] for s in summary["sources"]],
            "shares": budget_shares(program)}

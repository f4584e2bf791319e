"""What the editor's forms carry, both ways: ``*_initial(obj)`` gives the values a row shows,
``*_posted(post)`` reads what was typed into the same shape, and ``*_data(post)`` gives the
services their input. The rules live in ``services.content``: a refused row is shown again
with exactly what was typed and the reason on each field."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Annex, FundingSource

MAX_FUNDING_LINES = 60


def number_text(value) -> str:
    """A stored number as an input shows it: 1200 not 1200.0, 12.5 as 12.5."""
    if value is None or value == "":
        return ""
    if isinstance(value, (int, float, Decimal)):
        value = Decimal(str(value))
        if value == value.to_integral_value():
            return str(int(value))
        return format(value.normalize(), "f")
    return str(value)


def _text(post, name) -> str:
    return post.get(name, "") or ""


# --- profile rows -----------------------------------------------------------------------------------

def profile_posted(post, table: dict) -> dict:
    return {"values": {c["code"]: _text(post, c["code"]) for c in table["columns"]}, "note": _text(post, "note"),
            "label": post.get("label")}


def profile_initial(row) -> dict:
    if row is None:
        return {"values": {}, "note": "", "label": ""}
    return {"values": {k: number_text(v) for k, v in (row.values or {}).items()}, "note": row.note, "label": row.label}


# --- texts ------------------------------------------------------------------------------------------------

def approval_posted(post) -> dict:
    return {"alignment": post.getlist("alignment"), "alignment_note": _text(post, "alignment_note")}


def approval_initial(program) -> dict:
    return {"alignment": list(program.alignment or []), "alignment_note": program.alignment_note}


def dream_posted(post) -> dict:
    return {"dream": _text(post, "dream"), "changes": _text(post, "changes")}


def dream_initial(dream) -> dict:
    return {"dream": dream.dream if dream else "", "changes": dream.changes if dream else ""}


# --- problems, SWOT, goals -----------------------------------------------------------------------------

def problem_posted(post) -> dict:
    return {k: _text(post, k) for k in ("rank", "title", "description", "source", "effects_on_groups")} | {"groups": post.getlist("groups")}


def problem_initial(problem) -> dict:
    if problem is None:
        return {"rank": "", "title": "", "description": "", "source": "village_meeting", "effects_on_groups": "", "groups": []}
    return {"rank": str(problem.rank), "title": problem.title, "description": problem.description, "source": problem.source,
            "effects_on_groups": problem.effects_on_groups, "groups": list(problem.groups or [])}


def swot_posted(post) -> dict:
    return {"kind": _text(post, "kind"), "text": _text(post, "text"), "groups": post.getlist("groups")}


def swot_initial(item, kind: str = "") -> dict:
    if item is None:
        return {"kind": kind, "text": "", "groups": []}
    return {"kind": item.kind, "text": item.text, "groups": list(item.groups or [])}


def goal_posted(post) -> dict:
    return {k: _text(post, k) for k in ("level", "parent", "number", "title")} | {"groups": post.getlist("groups")}


def goal_initial(goal, level: str = "") -> dict:
    if goal is None:
        return {"level": level, "parent": "", "number": "", "title": "", "groups": []}
    return {"level": goal.level, "parent": str(goal.parent_id or ""), "number": goal.number, "title": goal.title,
            "groups": list(goal.groups or [])}


# --- measures -------------------------------------------------------------------------------------------------

MEASURE_FIELDS = ("number", "title", "objective", "expected_result", "indicator", "start_year", "start_quarter",
                  "end_year", "end_quarter", "responsible", "cost")


def measure_posted(post) -> dict:
    """What was typed into a measure's row, funding lines included (``funding-<n>-...``)."""
    values = {k: _text(post, k) for k in MEASURE_FIELDS}
    values["target_groups"] = post.getlist("target_groups")
    try:
        count = min(int(post.get("funding-count") or 0), MAX_FUNDING_LINES)
    except ValueError:
        count = 0
    values["funding"] = [
        {"index": n, "year": _text(post, f"funding-{n}-year"), "source": _text(post, f"funding-{n}-source"),
         "amount": _text(post, f"funding-{n}-amount"), "remove": bool(post.get(f"funding-{n}-remove"))}
        for n in range(count)
    ]
    return values


def measure_data(post) -> dict:
    return measure_posted(post)


def measure_initial(measure) -> dict:
    if measure is None:
        return {k: "" for k in MEASURE_FIELDS} | {"target_groups": [], "funding": []}
    return {
        "number": measure.number, "title": measure.title, "objective": str(measure.objective_id or ""),
        "expected_result": measure.expected_result, "indicator": measure.indicator,
        "start_year": str(measure.start_year), "start_quarter": str(measure.start_quarter or ""),
        "end_year": str(measure.end_year), "end_quarter": str(measure.end_quarter or ""),
        "responsible": measure.responsible, "cost": number_text(measure.cost),
        "target_groups": list(measure.target_groups or []),
        "funding": [{"index": n, "year": str(f.year), "source": f.source, "amount": number_text(f.amount), "remove": False}
                    for n, f in enumerate(measure.funding.all())],
    }


# --- indicators ---------------------------------------------------------------------------------------------------

INDICATOR_FIELDS = ("name", "unit", "goal", "measure", "baseline", "baseline_women", "baseline_men", "baseline_year",
                    "data_source", "responsible")


def indicator_posted(post, years) -> dict:
    values = {k: _text(post, k) for k in INDICATOR_FIELDS}
    values["counts_people"] = bool(post.get("counts_people"))
    values["targets"] = {year: {"value": _text(post, f"target-{year}"), "women": _text(post, f"target-{year}-women"),
                                "men": _text(post, f"target-{year}-men")} for year in years}
    return values


def indicator_initial(indicator, years) -> dict:
    if indicator is None:
        return {k: "" for k in INDICATOR_FIELDS} | {"counts_people": False, "targets": {y: {"value": "", "women": "", "men": ""} for y in years}}
    targets = {t.year: t for t in indicator.targets.all()}
    return {
        "name": indicator.name, "unit": indicator.unit, "goal": str(indicator.goal_id or ""), "measure": str(indicator.measure_id or ""),
        "baseline": number_text(indicator.baseline), "baseline_women": number_text(indicator.baseline_women),
        "baseline_men": number_text(indicator.baseline_men), "baseline_year": str(indicator.baseline_year or ""),
        "data_source": indicator.data_source, "responsible": indicator.responsible, "counts_people": indicator.counts_people,
        "targets": {y: {"value": number_text(targets[y].value) if y in targets else "",
                        "women": number_text(targets[y].women) if y in targets else "",
                        "men": number_text(targets[y].men) if y in targets else ""} for y in years},
    }


# --- annexes and the import ------------------------------------------------------------------------------------

class AnnexForm(forms.Form):
    """An annex to upload; the file is judged by ``services.annexes``."""

    kind = forms.ChoiceField(label=_("Kind of document"), choices=Annex.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=300)
    file = forms.FileField(label=_("File"))


class PlanImportForm(forms.Form):
    file = forms.FileField(label=_("Filled-in workbook (.xlsx)"))


FUNDING_SOURCES = FundingSource.choices

"""The whole program as one structured document: what versions freeze, what two versions
compare on, what the DOCX/PDF/XLSX documents render. Reads only; a handful of queries whatever
the program's size."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from ..models import Funding, FundingSource, Goal, Program

CONTENT_VERSION = 1  # bump when the shape below changes; compare() refuses mixed shapes


def _num(value):
    """JSON-safe numbers: Decimals as int when whole, else float."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def financing_summary(program: Program) -> dict:
    """Cost by year and source, summed by the database: {"years", "sources", "cells", "by_year",
    "by_source", "total"} with cells[(year, source)]."""
    rows = (Funding.objects.filter(measure__program=program)
            .values("year", "source").annotate(amount=Sum("amount")).order_by("year", "source"))
    cells, by_year, by_source = {}, defaultdict(Decimal), defaultdict(Decimal)
    for row in rows:
        cells[(row["year"], row["source"])] = row["amount"]
        by_year[row["year"]] += row["amount"]
        by_source[row["source"]] += row["amount"]
    years = sorted(set(program.years) | set(by_year))
    sources = [s for s in FundingSource.values if s in by_source]
    return {"years": years, "sources": sources, "cells": cells, "by_year": dict(by_year),
            "by_source": dict(by_source), "total": sum(by_year.values(), Decimal(0))}


def program_content(program: Program) -> dict:
    """Every part of the program as plain JSON-able data, in the order of its edition."""
    goals = list(program.goals.all())
    measures = list(program.measures.prefetch_related("funding").select_related("objective"))
    indicators = list(program.indicators.prefetch_related("targets").select_related("goal", "measure"))
    return {
        "content_version": CONTENT_VERSION,
        "program": {
            "title": program.title, "territory": program.territory.code, "edition": program.edition.code,
            "language": program.language, "start_year": program.start_year, "end_year": program.end_year,
            "vision": program.vision, "alignment": list(program.alignment or []), "alignment_note": program.alignment_note,
            "working_group_order": program.working_group_order,
            "working_group_order_date": program.working_group_order_date.isoformat() if program.working_group_order_date else None,
            "resolution_number": program.resolution_number,
            "resolution_date": program.resolution_date.isoformat() if program.resolution_date else None,
        },
        "profile": [
            {"table": r.table, "row": r.row, "label": r.label, "values": {k: _num(v) for k, v in (r.values or {}).items()}, "note": r.note}
            for r in program.profile_rows.all()
        ],
        "texts": {t.section: t.text for t in program.texts.all()},
        "problems": [
            {"rank": p.rank, "title": p.title, "description": p.description, "source": p.source,
             "groups": list(p.groups or []), "effects_on_groups": p.effects_on_groups}
            for p in program.problems.all()
        ],
        "swot": [{"kind": s.kind, "text": s.text, "groups": list(s.groups or [])} for s in program.swot.all()],
        "dreams": [{"group": d.group, "dream": d.dream, "changes": d.changes} for d in program.dreams.all()],
        "goals": [
            {"key": g.pk, "parent": g.parent_id, "level": g.level, "number": g.number, "title": g.title, "groups": list(g.groups or [])}
            for g in goals
        ],
        "measures": [
            {"key": m.pk, "number": m.number, "title": m.title, "objective": m.objective_id,
             "objective_title": str(m.objective) if m.objective else "",
             "expected_result": m.expected_result, "indicator": m.indicator,
             "start_year": m.start_year, "start_quarter": m.start_quarter, "end_year": m.end_year, "end_quarter": m.end_quarter,
             "responsible": m.responsible, "cost": _num(m.cost), "target_groups": list(m.target_groups or []),
             "funding": [{"year": f.year, "source": f.source, "amount": _num(f.amount)} for f in m.funding.all()]}
            for m in measures
        ],
        "indicators": [
            {"key": i.pk, "name": i.name, "unit": i.unit, "counts_people": i.counts_people,
             "goal": str(i.goal) if i.goal else "", "measure": str(i.measure) if i.measure else "",
             "baseline": _num(i.baseline), "baseline_women": _num(i.baseline_women), "baseline_men": _num(i.baseline_men),
             "baseline_year": i.baseline_year, "data_source": i.data_source, "responsible": i.responsible,
             "targets": [{"year": t.year, "value": _num(t.value), "women": _num(t.women), "men": _num(t.men)} for t in i.targets.all()]}
            for i in indicators
        ],
        "working_group": [
            {"name": w.name, "role": w.role, "position": w.position, "sex": w.sex, "age_group": w.age_group, "has_disability": w.has_disability}
            for w in program.working_group.all()
        ],
        "annexes": [{"kind": a.kind, "title": a.title, "size": a.size} for a in program.annexes.all()],
    }


def goal_tree(program: Program) -> list[tuple[Goal, list]]:
    """Priorities with their goals and objectives, nested: [(priority, [(goal, [objective...])])]."""
    goals = list(program.goals.all())
    children = defaultdict(list)
    for g in goals:
        children[g.parent_id].append(g)

    def walk(parent_id):
        return [(g, walk(g.pk)) for g in children[parent_id]]

    return walk(None)

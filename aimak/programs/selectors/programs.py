"""Reads behind the program list, the overview, the history, annual reports and versions
(with the comparison of two versions, computed from their frozen snapshots)."""

from __future__ import annotations

import difflib

from django.core.exceptions import ValidationError
from django.db.models import Count, DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aimak.core import scoping
from aimak.territories.models import MUNICIPAL_KINDS, Territory

from ..models import (
    AgeGroup,
    Annex,
    AnnualReport,
    Edition,
    FundingSource,
    Goal,
    Group,
    IndicatorActual,
    IndicatorTarget,
    MeasureProgress,
    Program,
    ProgramVersion,
    Sex,
    Stage,
    Strategy,
    SwotItem,
    WorkingGroupMember,
    template_label,
)


def url_or_none(name: str, *args, query: str = "") -> str | None:
    """A link to a page another part of the module provides, or None while it does not exist."""
    try:
        return reverse(name, args=args) + (f"?{query}" if query else "")
    except NoReverseMatch:
        return None


def visible_programs(user):
    """Programs this person may see: approved ones are public, drafts where one has a role."""
    return scoping.restrict(Program.objects.select_related("territory", "edition"), user, "view")


def program_for(user, pk: int) -> Program:
    found = visible_programs(user).filter(pk=pk).first()
    if found is None:
        raise Http404(_("No such program, or it is not public yet and outside your access."))
    return found


def program_with_versions_for(user, pk: int) -> Program:
    """A program whose versions this person may read: a visible program, or one under revision
    whose approved text stays public (the approved versions are public documents)."""
    found = visible_programs(user).filter(pk=pk).first()
    if found is None:
        found = Program.objects.select_related("territory", "edition").filter(pk=pk, versions__is_approved=True).distinct().first()
    if found is None:
        raise Http404(_("No such program, or it is not public yet and outside your access."))
    return found


def may(user, action: str, program: Program) -> bool:
    return scoping.allowed_within(user, action, Program, program.territory)


def municipalities_for_new(user):
    """Cities and aiyl aimaks where this person may start a program."""
    base = Territory.objects.current().filter(kind__in=MUNICIPAL_KINDS).order_by("path")
    return scoping.territories_where(user, "create", Program, base)


def may_create(user) -> bool:
    return user.is_authenticated and municipalities_for_new(user).exists()


def active_editions():
    return Edition.objects.filter(is_active=True).order_by("-valid_from")


def localized(value) -> str:
    """A {ky, ru, en} title of the edition template in the page's language."""
    return template_label(value)


def sections(program: Program) -> list[dict]:
    """The edition's sections in order, each with its part and its page in the editor."""
    return [{"code": s["code"], "part": s["part"], "title": template_label(s.get("title"), fallback=s["code"]),
             "url": reverse("programs:section", args=[program.pk, s["code"]])}
            for s in program.edition.template.get("sections", [])]


def section_titles(edition_template: dict) -> dict[str, str]:
    return {s["code"]: localized(s.get("title")) for s in edition_template.get("sections", [])}


def inclusion(program: Program) -> dict | None:
    """The inclusion profile (built by the editor's selectors); None while that part is absent."""
    try:
        from . import inclusion as profile_module
    except ImportError:
        return None
    checks = profile_module.profile(program)
    return {"summary": profile_module.summary(program, checks), "checks": checks,
            "url": url_or_none("programs:inclusion", program.pk)}


def documents(program: Program) -> list[dict]:
    """Downloads of the whole program and its action plan, where those pages exist."""
    found = []
    for fmt in ("docx", "pdf"):
        for lang, name in (("ky", "Кыргызча"), ("ru", "Русский")):
            url = url_or_none("programs:document", program.pk, fmt, query=f"lang={lang}")
            if url:
                found.append({"url": url, "label": f"{fmt.upper()} · {name}"})
    plan = url_or_none("programs:plan-xlsx", program.pk)
    if plan:
        found.append({"url": plan, "label": _("Action plan and monitoring matrix (XLSX)")})
    return found


def history(program: Program):
    """The steps, oldest first (newest last), with who recorded them and their document."""
    return program.steps.select_related("actor", "annex").order_by("date", "recorded_at", "id")


def working_group(program: Program):
    return program.working_group.all()


def share(part, total) -> int | None:
    """A percentage of two database sums, rounded; None when there is nothing to divide."""
    return round(100 * (part or 0) / total) if total else None


def working_group_balance(program: Program) -> dict:
    """Women, youth and persons with disabilities among the working group, counted by the database."""
    counts = WorkingGroupMember.objects.filter(program=program).aggregate(
        total=Count("id"), women=Count("id", filter=Q(sex=Sex.FEMALE)),
        youth=Count("id", filter=Q(age_group=AgeGroup.YOUTH)), disability=Count("id", filter=Q(has_disability=True)))
    return {**counts, "women_share": share(counts["women"], counts["total"]), "youth_share": share(counts["youth"], counts["total"]),
            "disability_share": share(counts["disability"], counts["total"])}


def annexes(user, program: Program):
    return scoping.restrict(program.annexes.all(), user, "view").select_related("uploaded_by")


def annex_for(user, pk: int) -> Annex:
    found = scoping.restrict(Annex.objects.select_related("program"), user, "view").filter(pk=pk).first()
    if found is None:
        raise Http404(_("No such document, or it is outside your access."))
    return found


# --- annual reports -----------------------------------------------------------------------------

def annual_reports(user, program: Program):
    """Reports with the money spent in them summed by the database; drafts only for staff."""
    spent = (MeasureProgress.objects.filter(report=OuterRef("pk")).values("report")
             .annotate(s=Sum("spent")).values("s"))
    return (scoping.restrict(program.annual_reports.all(), user, "view")
            .annotate(spent=Coalesce(Subquery(spent, output_field=DecimalField()), Value(0, output_field=DecimalField())),
                      measures_done=Count("measures", filter=Q(measures__status=MeasureProgress.Status.DONE)))
            .order_by("year"))


def report_for(user, pk: int) -> AnnualReport:
    found = scoping.restrict(AnnualReport.objects.select_related("program__territory", "program__edition", "submitted_by"), user, "view").filter(pk=pk).first()
    if found is None:
        raise Http404(_("No such report, or it is outside your access."))
    return found


def report_rows(report: AnnualReport) -> dict:
    """Measures running in the report's year with their progress, indicators with the year's
    target and the actual value, and the totals (by the database)."""
    program, year = report.program, report.year
    progress = {p.measure_id: p for p in report.measures.all()}
    measures = [{"measure": m, "progress": progress.get(m.pk)}
                for m in program.measures.filter(start_year__lte=year, end_year__gte=year).order_by("order", "id")]
    targets = {t.indicator_id: t for t in IndicatorTarget.objects.filter(indicator__program=program, year=year)}
    actuals = {a.indicator_id: a for a in IndicatorActual.objects.filter(report=report)}
    indicators = [{"indicator": i, "target": targets.get(i.pk), "actual": actuals.get(i.pk)} for i in program.indicators.order_by("order", "id")]
    totals = report.measures.aggregate(spent=Coalesce(Sum("spent"), Value(0, output_field=DecimalField())),
                                       done=Count("id", filter=Q(status=MeasureProgress.Status.DONE)))
    planned = program.measures.filter(funding__year=year).aggregate(s=Sum("funding__amount"))["s"]
    return {"measures": measures, "indicators": indicators, "spent": totals["spent"], "done": totals["done"], "planned": planned}


# --- versions and their comparison ---------------------------------------------------------------

def versions(user, program: Program):
    """Approved versions are public; the others only for people with a role where the program is."""
    return scoping.restrict(program.versions.all(), user, "view").select_related("created_by").order_by("number")


def version_for(user, program: Program, number) -> ProgramVersion:
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise Http404(_("Choose two versions to compare.")) from None
    found = versions(user, program).filter(number=number).first()
    if found is None:
        raise Http404(_("The program has no version %(number)s that you may see.") % {"number": number})
    return found


PARTS = [
    ("program", gettext_lazy("Title, period and approval")),
    ("profile", gettext_lazy("Socio-economic profile")),
    ("texts", gettext_lazy("Texts of the sections")),
    ("problems", gettext_lazy("Problems")),
    ("swot", gettext_lazy("SWOT")),
    ("dreams", gettext_lazy("“Dream” of the groups")),
    ("goals", gettext_lazy("Priorities, goals and objectives")),
    ("measures", gettext_lazy("Action plan")),
    ("indicators", gettext_lazy("Monitoring matrix")),
    ("working_group", gettext_lazy("Working group")),
    ("annexes", gettext_lazy("Annexes")),
]

FIELD_LABELS = {
    "title": gettext_lazy("title"), "start_year": gettext_lazy("first year"), "end_year": gettext_lazy("last year"),
    "language": gettext_lazy("language of the text"), "vision": gettext_lazy("vision statement"),
    "alignment": gettext_lazy("aligned with"), "alignment_note": gettext_lazy("how it is aligned"),
    "working_group_order": gettext_lazy("order forming the working group (number)"),
    "working_group_order_date": gettext_lazy("date of the order"), "resolution_number": gettext_lazy("council resolution number"),
    "resolution_date": gettext_lazy("council resolution date"), "label": gettext_lazy("label"), "note": gettext_lazy("source or note"),
    "rank": gettext_lazy("rank"), "description": gettext_lazy("description"), "source": gettext_lazy("found through"),
    "groups": gettext_lazy("groups"), "effects_on_groups": gettext_lazy("how it affects different groups"),
    "dream": gettext_lazy("how the group sees the municipality"), "changes": gettext_lazy("changes needed"),
    "level": gettext_lazy("level"), "number": gettext_lazy("number"), "parent": gettext_lazy("under"),
    "objective_title": gettext_lazy("serves"), "expected_result": gettext_lazy("expected result"),
    "indicator": gettext_lazy("indicator of the result"), "start_quarter": gettext_lazy("from quarter"),
    "end_quarter": gettext_lazy("until quarter"), "responsible": gettext_lazy("responsible"), "cost": gettext_lazy("cost, thousand som"),
    "target_groups": gettext_lazy("target groups"), "funding": gettext_lazy("funding"), "name": gettext_lazy("name"),
    "unit": gettext_lazy("unit"), "counts_people": gettext_lazy("counts people"), "goal": gettext_lazy("measures progress of"),
    "measure": gettext_lazy("measure"), "baseline": gettext_lazy("baseline"), "baseline_women": gettext_lazy("baseline, women"),
    "baseline_men": gettext_lazy("baseline, men"), "baseline_year": gettext_lazy("baseline year"),
    "data_source": gettext_lazy("data source"), "targets": gettext_lazy("targets"), "role": gettext_lazy("role"),
    "position": gettext_lazy("position or organisation"), "sex": gettext_lazy("sex"), "age_group": gettext_lazy("age group"),
    "has_disability": gettext_lazy("person with a disability"), "kind": gettext_lazy("kind"), "size": gettext_lazy("size, bytes"),
}
TEXT_FIELDS = {"vision", "alignment_note", "description", "effects_on_groups", "dream", "changes", "expected_result"}
# fields a comparison does not show: database keys and what their labels already say
SKIPPED = {"key", "objective", "territory", "edition", "table", "row", "values"}


def _label_of(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _display(field: str, value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field in ("groups", "target_groups"):
        return ", ".join(_label_of(Group, g) for g in value)
    if field == "alignment":
        return ", ".join(_label_of(Strategy, s) for s in value)
    if field == "sex":
        return _label_of(Sex, value)
    if field == "age_group":
        return _label_of(AgeGroup, value)
    if field == "funding":
        return "; ".join(f"{f['year']} · {_label_of(FundingSource, f['source'])}: {f['amount']}" for f in value)
    if field == "targets":
        parts = []
        for t in value:
            split = f" ({_('women')} {t['women'] if t['women'] is not None else '—'}, {_('men')} {t['men'] if t['men'] is not None else '—'})" if t.get("women") is not None or t.get("men") is not None else ""
            parts.append(f"{t['year']}: {t['value'] if t['value'] is not None else '—'}{split}")
        return "; ".join(parts)
    if field == "kind" and value in SwotItem.Kind.values:
        return _label_of(SwotItem.Kind, value)
    return str(value)


def line_diff(before: str, after: str) -> list[tuple[str, str]]:
    """Lines of two texts as ("same" | "added" | "removed", line)."""
    ops = {" ": "same", "+": "added", "-": "removed"}
    return [(ops[line[0]], line[2:]) for line in difflib.ndiff((before or "").splitlines(), (after or "").splitlines()) if line[0] in ops]


def _field_changes(before: dict, after: dict) -> list[dict]:
    changes = []
    for field in list(dict.fromkeys([*before, *after])):
        if field in SKIPPED:
            continue
        old, new = before.get(field), after.get(field)
        if old == new:
            continue
        change = {"field": str(FIELD_LABELS.get(field, field)), "before": _display(field, old), "after": _display(field, new), "diff": None}
        if field in TEXT_FIELDS and (len(str(old or "")) > 80 or len(str(new or "")) > 80 or "\n" in str(old or "") + str(new or "")):
            change["diff"] = line_diff(old or "", new or "")
        changes.append(change)
    return changes


def _keyed(rows: list[dict], key) -> dict:
    found = {}
    for row in rows:
        found.setdefault(key(row), row)
    return found


def _rows_part(old_rows, new_rows, key, label) -> dict:
    old, new = _keyed(old_rows, key), _keyed(new_rows, key)
    added = [label(new[k]) for k in new if k not in old]
    removed = [label(old[k]) for k in old if k not in new]
    changed = []
    for k in new:
        if k in old and old[k] != new[k]:
            fields = _field_changes(old[k], new[k])
            if fields:
                changed.append({"label": label(new[k]), "fields": fields})
    return {"added": added, "removed": removed, "changed": changed}


def _profile_part(old_rows, new_rows, table_titles) -> dict:
    def key(r):
        return (r["table"], r["row"])

    def label(r):
        return f"{table_titles.get(r['table'], r['table'])} · {r.get('label') or r['row']}"

    part = _rows_part(old_rows, new_rows, key, label)
    old = _keyed(old_rows, key)
    for r in new_rows:
        k = key(r)
        if k in old and old[k]["values"] != r["values"]:
            fields = [{"field": column, "before": _display(column, old[k]["values"].get(column)),
                       "after": _display(column, r["values"].get(column)), "diff": None}
                      for column in dict.fromkeys([*old[k]["values"], *r["values"]]) if old[k]["values"].get(column) != r["values"].get(column)]
            existing = next((c for c in part["changed"] if c["label"] == label(r)), None)
            if existing:
                existing["fields"] = fields + existing["fields"]
            else:
                part["changed"].append({"label": label(r), "fields": fields})
    return part


def compare(old: dict, new: dict, *, template: dict | None = None) -> list[dict]:
    """What changed from one snapshot to another, part by part: rows added, removed and changed
    (field by field, texts line by line). Refuses snapshots of different shapes."""
    if old.get("content_version") != new.get("content_version"):
        raise ValidationError(_("These versions were saved in different formats (%(a)s and %(b)s) and cannot be compared.") % {
            "a": old.get("content_version", "?"), "b": new.get("content_version", "?")})
    template = template or {}
    titles = section_titles(template)
    table_titles = {t["code"]: localized(t.get("title")) for t in template.get("profile_tables", [])}
    goal_titles = {g["key"]: f"{g['number']} {g['title']}".strip() for g in [*old.get("goals", []), *new.get("goals", [])]}

    def goal_label(g):
        return f"{_label_of(Goal.Level, g['level'])}: {g['number']} {g['title']}".strip()

    parts = {
        "program": {"added": [], "removed": [], "changed": ([{"label": new.get("program", {}).get("title", ""), "fields": f}]
                                                           if (f := _field_changes(old.get("program", {}), new.get("program", {}))) else [])},
        "profile": _profile_part(old.get("profile", []), new.get("profile", []), table_titles),
        "texts": {"added": [], "removed": [], "changed": [
            {"label": titles.get(code, code), "fields": [{"field": str(FIELD_LABELS["description"]), "before": "", "after": "",
                                                          "diff": line_diff(old.get("texts", {}).get(code, ""), new.get("texts", {}).get(code, ""))}]}
            for code in dict.fromkeys([*old.get("texts", {}), *new.get("texts", {})])
            if (old.get("texts", {}).get(code) or "") != (new.get("texts", {}).get(code) or "")]},
        "problems": _rows_part(old.get("problems", []), new.get("problems", []), lambda r: r["title"], lambda r: r["title"]),
        "swot": _rows_part(old.get("swot", []), new.get("swot", []), lambda r: (r["kind"], r["text"]),
                           lambda r: f"{_display('kind', r['kind'])}: {r['text']}"),
        "dreams": _rows_part(old.get("dreams", []), new.get("dreams", []), lambda r: r["group"], lambda r: _display("groups", [r["group"]])),
        "goals": _rows_part(old.get("goals", []), new.get("goals", []), lambda r: r["key"], goal_label),
        "measures": _rows_part(old.get("measures", []), new.get("measures", []), lambda r: r["key"],
                               lambda r: f"{r['number']} {r['title']}".strip()),
        "indicators": _rows_part(old.get("indicators", []), new.get("indicators", []), lambda r: r["key"], lambda r: r["name"]),
        "working_group": _rows_part(old.get("working_group", []), new.get("working_group", []), lambda r: r["name"], lambda r: r["name"]),
        "annexes": _rows_part(old.get("annexes", []), new.get("annexes", []), lambda r: (r["kind"], r["title"]), lambda r: r["title"]),
    }
    # a goal's parent is shown by its title, not its key
    for row in parts["goals"]["changed"]:
        for f in row["fields"]:
            if f["field"] == str(FIELD_LABELS["parent"]):
                f["before"] = goal_titles.get(_int(f["before"]), f["before"])
                f["after"] = goal_titles.get(_int(f["after"]), f["after"])
    result = []
    for code, title in PARTS:
        part = parts[code]
        if part["added"] or part["removed"] or part["changed"]:
            result.append({"code": code, "title": title, **part})
    return result


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def stage_label(value: str) -> str:
    return _label_of(Stage, value)

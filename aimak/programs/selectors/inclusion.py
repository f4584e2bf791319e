"""The inclusion profile of a program: what of gender, migration and inclusion the program
already holds and what is missing, each gap with the page where it is closed.

Which checks apply and their thresholds come from the edition's template ("checks"), so a new
methodology changes them in data. Every figure is counted by the database: a fixed handful of
aggregate queries whatever the size of the program."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from ..models import (
    INCLUSIVE_GROUPS,
    AgeGroup,
    Attendance,
    Dream,
    Funding,
    FundingSource,
    Group,
    Measure,
    Problem,
    ProfileRow,
    Program,
    ProgramIndicator,
    Sex,
    SwotItem,
    WorkingGroupMember,
    template_label,
)

MET, PARTIAL, MISSING = "met", "partial", "missing"
ORDER = ("disaggregated_profile", "vulnerable_groups", "migration_profile", "participation", "analysis_names_groups",
         "vision_names_inclusion", "inclusive_measures", "inclusive_budget_share", "disaggregated_indicators",
         "migration_measures", "alignment")
MIGRATION_GROUPS = (Group.MIGRANT_FAMILIES, Group.RETURNEES)
# the rows the migration check looks for: (table, row); an edition may name others in its params
MIGRATION_CORE_ROWS = (("migration", "emigrants"), ("migration", "returnees"))
MIGRATION_FAMILY_ROWS = (("households", "remittance_dependent"), ("migration", "children_left_behind"))


@dataclass(frozen=True)
class Check:
    code: str
    title: str
    status: str
    figure: str
    explanation: str
    fix_url: str


def names_any(field: str, groups) -> Q:
    """Rows whose JSON list ``field`` holds any of ``groups`` (a text match on the quoted code,
    which both SQLite and PostgreSQL answer)."""
    condition = Q(pk__in=[])
    for group in groups:
        condition |= Q(**{f"{field}__icontains": f'"{group}"'})
    return condition


def _pct(share) -> str:
    return f"{round(float(share) * 100)}%"


def _share(part, whole) -> float:
    return float(part) / float(whole) if whole else 0.0


def section_url(program: Program, part: str, anchor: str = "") -> str:
    """The editor page of this program's section of a ``part``; the program's page when its
    edition has none."""
    section = next((s for s in program.edition.template.get("sections", []) if s.get("part") == part), None)
    if section is None:
        return reverse("programs:program", args=[program.pk]) + (f"#{anchor}" if anchor else "")
    return reverse("programs:section", args=[program.pk, section["code"]]) + (f"#{anchor}" if anchor else "")


def _tables(program: Program) -> list[dict]:
    codes = [c for s in program.edition.template.get("sections", []) for c in s.get("tables", [])]
    return [t for t in program.edition.template.get("profile_tables", []) if t["code"] in codes]


def _filled(table: str, row: str) -> Q:
    return Q(table=table, row=row, values__has_key="total")


# --- the checks --------------------------------------------------------------------------------------------

def _disaggregated_profile(program, params):
    tables = [t for t in _tables(program) if t.get("counts_people")]
    template_rows = Q(pk__in=[])
    template_count = 0
    for table in tables:
        codes = [r["code"] for r in table.get("rows", [])]
        template_count += len(codes)
        template_rows |= Q(table=table["code"], row__in=codes)
    counts = ProfileRow.objects.filter(program=program, table__in=[t["code"] for t in tables]).aggregate(
        custom=Count("id", filter=~template_rows),
        split=Count("id", filter=Q(values__has_keys=["women", "men"])),
    )
    rows = template_count + counts["custom"]
    split = counts["split"]
    share = _share(split, rows)
    minimum = float(params.get("min_share", 0.8))
    status = MET if rows and share >= minimum else PARTIAL if split else MISSING
    figure = _("%(split)d of %(rows)d rows (%(share)s)") % {"split": split, "rows": rows, "share": _pct(share)}
    if status == MET:
        text = _("Counts of people in the profile are split into women and men.")
    else:
        text = _("Only %(split)d of %(rows)d rows that count people give women and men separately; at least %(min)s should. "
                 "Without the split, the program cannot show who its measures reach.") % {"split": split, "rows": rows, "min": _pct(minimum)}
    first = tables[0]["code"] if tables else ""
    return status, figure, text, section_url(program, "profile", f"table-{first}" if first else "")


def _vulnerable_groups(program, params):
    tables = [t for t in _tables(program) if t.get("inclusion")]
    rows = sum(len(t.get("rows", [])) for t in tables)
    filled = ProfileRow.objects.filter(program=program, table__in=[t["code"] for t in tables], values__has_key="total").count()
    minimum = int(params.get("min_rows", 3))
    status = MET if filled >= minimum else PARTIAL if filled else MISSING
    figure = _("%(filled)d of %(rows)d groups counted") % {"filled": filled, "rows": rows}
    if status == MET:
        text = _("The profile counts the vulnerable groups of the municipality.")
    else:
        text = _("The vulnerable groups table has %(filled)d groups counted; at least %(min)d are needed "
                 "(persons with disabilities, low-income families, elderly living alone, minorities, youth out of work and school).") % {
            "filled": filled, "min": minimum}
    anchor = f"table-{tables[0]['code']}" if tables else ""
    return status, figure, text, section_url(program, "profile", anchor)


def _migration_profile(program, params):
    core = [tuple(r.split(".", 1)) for r in params.get("rows", [])] or list(MIGRATION_CORE_ROWS)
    family = [tuple(r.split(".", 1)) for r in params.get("family_rows", [])] or list(MIGRATION_FAMILY_ROWS)
    condition = Q(pk__in=[])
    for table, row in core + family:
        condition |= _filled(table, row)
    found = set(ProfileRow.objects.filter(program=program).filter(condition).values_list("table", "row"))
    core_found = [r for r in core if r in found]
    family_found = [r for r in family if r in found]
    status = MET if len(core_found) == len(core) and family_found else PARTIAL if found else MISSING
    figure = _("%(found)d of %(rows)d figures") % {"found": len(found), "rows": len(core) + len(family)}
    if status == MET:
        text = _("The profile shows emigration, return and the families migrants leave behind.")
    else:
        missing = [row for row in core + family if row not in found]
        labels = {}
        for table in _tables(program):
            for row in table.get("rows", []):
                labels[(table["code"], row["code"])] = _label(row.get("label"), row["code"])
        text = _("Missing in the profile: %(rows)s. Migration shapes who lives in the municipality and who needs support.") % {
            "rows": ", ".join(labels.get(r, ".".join(r)) for r in missing)}
    return status, figure, text, section_url(program, "profile", "table-migration")


def _participation(program, params):
    minimum = float(params.get("min_women_share", 0.3))
    group = WorkingGroupMember.objects.filter(program=program).aggregate(
        people=Count("id"), women=Count("id", filter=Q(sex=Sex.FEMALE)),
        youth=Count("id", filter=Q(age_group=AgeGroup.YOUTH)), disability=Count("id", filter=Q(has_disability=True)))
    meetings = Attendance.objects.filter(meeting__program=program).aggregate(
        people=Sum("count"), women=Sum("count", filter=Q(sex=Sex.FEMALE)),
        youth=Sum("count", filter=Q(age_group=AgeGroup.YOUTH)), disability=Sum("count", filter=Q(with_disability=True)))
    meetings = {k: v or 0 for k, v in meetings.items()}
    group_share, meeting_share = _share(group["women"], group["people"]), _share(meetings["women"], meetings["people"])
    youth = group["youth"] + meetings["youth"]
    disability = group["disability"] + meetings["disability"]
    if not group["people"] and not meetings["people"]:
        status = MISSING
    elif (group["people"] and group_share >= minimum and meetings["people"] and meeting_share >= minimum and youth and disability):
        status = MET
    else:
        status = PARTIAL
    figure = _("women: %(group)s of the working group, %(meetings)s at meetings") % {
        "group": _pct(group_share) if group["people"] else "—", "meetings": _pct(meeting_share) if meetings["people"] else "—"}
    gaps = []
    if not group["people"]:
        gaps.append(_("the working group's members are not recorded"))
    elif group_share < minimum:
        gaps.append(_("women are %(share)s of the working group (at least %(min)s expected)") % {"share": _pct(group_share), "min": _pct(minimum)})
    if not meetings["people"]:
        gaps.append(_("attendance of village meetings and hearings is not counted by sex"))
    elif meeting_share < minimum:
        gaps.append(_("women are %(share)s of those at meetings (at least %(min)s expected)") % {"share": _pct(meeting_share), "min": _pct(minimum)})
    if not youth:
        gaps.append(_("no young people (18–28) are recorded as taking part"))
    if not disability:
        gaps.append(_("no persons with disabilities are recorded as taking part"))
    text = (_("Women, youth and persons with disabilities took part in preparing the program.") if status == MET
            else _("Gaps: %(gaps)s.") % {"gaps": "; ".join(gaps)})
    return status, figure, text, reverse("programs:program", args=[program.pk]) + "#working-group"


def _analysis_names_groups(program, params):
    named = ~Q(groups=[])
    problems = Problem.objects.filter(program=program).aggregate(
        n=Count("id"), named=Count("id", filter=named | ~Q(effects_on_groups="")))
    swot = SwotItem.objects.filter(program=program).aggregate(n=Count("id"), named=Count("id", filter=named))
    items, with_groups = problems["n"] + swot["n"], problems["named"] + swot["named"]
    share = _share(with_groups, items)
    minimum = float(params.get("min_share", 0.5))
    status = MET if items and share >= minimum else PARTIAL if with_groups else MISSING
    figure = _("%(named)d of %(items)d problems and SWOT items") % {"named": with_groups, "items": items}
    if status == MET:
        text = _("The problems and the SWOT say whom they affect.")
    elif not items:
        text = _("No problems or SWOT items yet; write them with the groups each one affects.")
    else:
        text = _("%(named)d of %(items)d problems and SWOT items name the groups they affect; at least %(min)s should "
                 "(women, youth, persons with disabilities, migrants' families...).") % {"named": with_groups, "items": items, "min": _pct(minimum)}
    return status, figure, text, section_url(program, "analysis", "problems")


def _vision_names_inclusion(program, params):
    dreams = Dream.objects.filter(program=program).exclude(dream="", changes="").count()
    goals = program.goals.filter(names_any("groups", INCLUSIVE_GROUPS)).count()
    minimum = int(params.get("min_dream_groups", 3))
    has_vision = bool(program.vision.strip())
    parts = [dreams >= minimum, has_vision, goals > 0]
    status = MET if all(parts) else PARTIAL if dreams or has_vision or goals else MISSING
    figure = _("%(dreams)d groups dreamt, %(goals)d goals name groups") % {"dreams": dreams, "goals": goals}
    gaps = []
    if dreams < minimum:
        gaps.append(_("the “Dream” is written for %(dreams)d groups (at least %(min)d)") % {"dreams": dreams, "min": minimum})
    if not has_vision:
        gaps.append(_("the vision statement is empty"))
    if not goals:
        gaps.append(_("no priority, goal or objective names women, youth, persons with disabilities or other groups"))
    text = (_("The vision grows from the groups' dreams and the goals name whom they serve.") if status == MET
            else _("Gaps: %(gaps)s.") % {"gaps": "; ".join(gaps)})
    fix = section_url(program, "vision", "dreams") if dreams < minimum or not has_vision else section_url(program, "goals", "goals")
    return status, figure, text, fix


def _inclusive(program):
    return Measure.objects.filter(program=program).filter(names_any("target_groups", INCLUSIVE_GROUPS))


def _inclusive_measures(program, params):
    funded = Exists(Funding.objects.filter(measure=OuterRef("pk")))
    counts = _inclusive(program).annotate(has_funding=funded).aggregate(
        n=Count("id"),
        complete=Count("id", filter=Q(has_funding=True, cost__gt=0) & ~Q(responsible="")),
        no_responsible=Count("id", filter=Q(responsible="")),
        no_cost=Count("id", filter=Q(cost=0)),
        no_source=Count("id", filter=Q(has_funding=False)),
    )
    minimum = int(params.get("min_count", 3))
    status = MET if counts["complete"] >= minimum else PARTIAL if counts["n"] else MISSING
    figure = _("%(complete)d complete of %(n)d") % counts
    if status == MET:
        text = _("The action plan has inclusive measures with responsible, timeline, cost and funding source.")
    elif not counts["n"]:
        text = _("No measure targets women, youth, persons with disabilities, migrants' families or other groups; "
                 "at least %(min)d are expected, each with responsible, timeline, cost and funding source.") % {"min": minimum}
    else:
        text = _("%(complete)d measures for inclusive groups are complete; at least %(min)d are expected. "
                 "Without a responsible: %(no_responsible)d; without a cost: %(no_cost)d; without a funding source: %(no_source)d.") % {
            **counts, "min": minimum}
    return status, figure, text, section_url(program, "measures", "measures")


def budget_shares(program: Program) -> dict:
    """The money the action plan gives inclusive groups and migration, summed by the database:
    {"total", "inclusive", "inclusive_share", "migration", "migration_share", "diaspora",
    "community", "funded"}."""
    totals = Measure.objects.filter(program=program).aggregate(
        total=Sum("cost"), inclusive=Sum("cost", filter=names_any("target_groups", INCLUSIVE_GROUPS)),
        migration=Sum("cost", filter=names_any("target_groups", MIGRATION_GROUPS)))
    sources = Funding.objects.filter(measure__program=program).aggregate(
        funded=Sum("amount"), diaspora=Sum("amount", filter=Q(source=FundingSource.DIASPORA)),
        community=Sum("amount", filter=Q(source=FundingSource.COMMUNITY)))
    result = {k: v or Decimal(0) for k, v in {**totals, **sources}.items()}
    result["inclusive_share"] = _share(result["inclusive"], result["total"])
    result["migration_share"] = _share(result["migration"], result["total"])
    return result


def _inclusive_budget_share(program, params, shares):
    minimum = float(params.get("min_share", 0.1))
    share = shares["inclusive_share"]
    status = MET if shares["total"] and share >= minimum else PARTIAL if shares["inclusive"] else MISSING
    figure = _("%(share)s of %(total)s thousand som") % {"share": _pct(share), "total": _num(shares["total"])}
    if status == MET:
        text = _("Measures for inclusive groups have %(share)s of the program's budget.") % {"share": _pct(share)}
    else:
        text = _("Measures for inclusive groups cost %(inclusive)s of %(total)s thousand som (%(share)s); at least %(min)s is expected.") % {
            "inclusive": _num(shares["inclusive"]), "total": _num(shares["total"]), "share": _pct(share), "min": _pct(minimum)}
    return status, figure, text, section_url(program, "financing", "shares")


def _num(value) -> str:
    from ..services.content import _fmt

    return _fmt(value)


def _disaggregated_indicators(program, params):
    years = len(program.years)
    split_targets = Count("targets", filter=Q(targets__women__isnull=False, targets__men__isnull=False,
                                              targets__year__gte=program.start_year, targets__year__lte=program.end_year))
    counts = (ProgramIndicator.objects.filter(program=program)
              .annotate(split_years=split_targets)
              .aggregate(n=Count("id"), people=Count("id", filter=Q(counts_people=True)),
                         complete=Count("id", filter=Q(counts_people=True, baseline_women__isnull=False,
                                                       baseline_men__isnull=False, split_years__gte=years))))
    minimum = float(params.get("min_share", 0.8))
    share = _share(counts["complete"], counts["people"])
    status = MET if counts["people"] and share >= minimum else PARTIAL if counts["complete"] or counts["people"] else MISSING
    figure = _("%(complete)d of %(people)d indicators counting people") % counts
    if status == MET:
        text = _("Indicators that count people have baselines and yearly targets for women and men.")
    elif not counts["people"]:
        text = _("No indicator of the monitoring matrix counts people; mark those that do and give women and men separately.")
    else:
        text = _("%(complete)d of %(people)d indicators counting people give the baseline and every yearly target for women "
                 "and men; at least %(min)s should.") % {**counts, "min": _pct(minimum)}
    return status, figure, text, section_url(program, "indicators", "indicators")


def _migration_measures(program, params, shares):
    counts = Measure.objects.filter(program=program).annotate(
        has_diaspora=Exists(Funding.objects.filter(measure=OuterRef("pk"), source=FundingSource.DIASPORA))).aggregate(
        migrants=Count("id", filter=names_any("target_groups", MIGRATION_GROUPS)),
        diaspora=Count("id", filter=Q(has_diaspora=True)))
    status = MET if counts["migrants"] or counts["diaspora"] else MISSING
    figure = _("%(migrants)d for migrants' families or returnees, %(diaspora)d with diaspora funding") % counts
    text = (_("The action plan links migration and development.") if status == MET
            else _("No measure supports migrants' families or returning migrants, and none is funded by the diaspora."))
    return status, figure, text, section_url(program, "measures", "measures")


def _alignment(program, params):
    expected = [s for s in params.get("expected", [])]
    chosen = set(program.alignment or [])
    present = [s for s in expected if s in chosen]
    status = MET if expected and len(present) == len(expected) else PARTIAL if present or chosen else MISSING
    figure = _("%(present)d of %(expected)d commitments") % {"present": len(present), "expected": len(expected)}
    from ..models import Strategy

    missing = [Strategy(s).label for s in expected if s not in chosen and s in Strategy.values]
    text = (_("The program names the national commitments on gender, disability and the SDGs.") if status == MET
            else _("Not yet named: %(missing)s.") % {"missing": ", ".join(str(m) for m in missing)})
    return status, figure, text, section_url(program, "approval", "alignment")


TITLES = {
    "disaggregated_profile": lambda: _("Data by sex and age"),
    "vulnerable_groups": lambda: _("Vulnerable groups in the profile"),
    "migration_profile": lambda: _("Migration in the profile"),
    "participation": lambda: _("Participation of women, youth and persons with disabilities"),
    "analysis_names_groups": lambda: _("Analysis names the groups affected"),
    "vision_names_inclusion": lambda: _("Vision and goals name inclusion"),
    "inclusive_measures": lambda: _("Concrete inclusive measures"),
    "inclusive_budget_share": lambda: _("Budget share of inclusive measures"),
    "disaggregated_indicators": lambda: _("Indicators by sex with baselines and targets"),
    "migration_measures": lambda: _("Migration and development"),
    "alignment": lambda: _("Alignment with national commitments"),
}


def _label(labels, fallback):
    return template_label(labels, fallback=fallback)


def profile(program: Program) -> list[Check]:
    """The checks the program's edition lists, in a fixed order, each with its status."""
    checks = program.edition.template.get("checks", {}) or {}
    shares = budget_shares(program) if {"inclusive_budget_share", "migration_measures"} & set(checks) else None
    result = []
    for code in ORDER:
        if code not in checks:
            continue
        params = checks[code] or {}
        if code == "inclusive_budget_share":
            status, figure, text, url = _inclusive_budget_share(program, params, shares)
        elif code == "migration_measures":
            status, figure, text, url = _migration_measures(program, params, shares)
        else:
            status, figure, text, url = CHECKS[code](program, params)
        result.append(Check(code=code, title=TITLES[code](), status=status, figure=figure, explanation=text, fix_url=url))
    return result


CHECKS = {
    "disaggregated_profile": _disaggregated_profile,
    "vulnerable_groups": _vulnerable_groups,
    "migration_profile": _migration_profile,
    "participation": _participation,
    "analysis_names_groups": _analysis_names_groups,
    "vision_names_inclusion": _vision_names_inclusion,
    "inclusive_measures": _inclusive_measures,
    "disaggregated_indicators": _disaggregated_indicators,
    "alignment": _alignment,
}


def summary(program: Program, checks: list[Check] | None = None) -> dict:
    """{"met", "partial", "missing", "total"} of the profile (pass ``checks`` to reuse them)."""
    checks = profile(program) if checks is None else checks
    counts = {MET: 0, PARTIAL: 0, MISSING: 0}
    for check in checks:
        counts[check.status] += 1
    return {**counts, "total": len(checks)}

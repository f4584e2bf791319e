"""One description of a program's document, built once and rendered twice (DOCX and PDF), so
the two never disagree.

``program_document(program, lang)`` walks the sections of the program's edition in their order
and turns each into blocks (headings, paragraphs, lists, tables with their header rows and
column widths); a run of sections with wide tables (action plan, financing, monitoring matrix)
goes on A4 landscape pages. Every fixed label is looked up in the chosen language (the caller
activates it); the edition's own titles come from its {ky, ru, en} dicts. Sums and counts are
done by the database. Reads only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from ..models import (
    AgeGroup,
    Annex,
    DreamGroup,
    Funding,
    FundingSource,
    Group,
    Measure,
    Problem,
    Program,
    Strategy,
    SwotItem,
    WorkingGroupMember,
    template_label,
)
from ..selectors.content import financing_summary, goal_tree, program_content

# parts of the edition template whose tables need the width of a landscape page
WIDE_PARTS = ("measures", "financing", "indicators")

# the printable width of the page, mm (A4 with the margins both renderers use)
PORTRAIT_WIDTH_MM = 170   # 210 - 25 left - 15 right
LANDSCAPE_WIDTH_MM = 267  # 297 - 15 - 15
MARGINS_MM = {"portrait": (20, 15, 20, 25), "landscape": (20, 15, 20, 15)}  # top, right, bottom, left


# ---------------------------------------------------------------- blocks


@dataclass
class Heading:
    text: str
    level: int = 1
    kind: str = "heading"


@dataclass
class Paragraph:
    """``style``: "" (body), "muted", "strong", "title", "subtitle", "municipality", "place",
    "draft", "approved", "signature"."""

    text: str
    style: str = ""
    kind: str = "paragraph"


@dataclass
class Bullets:
    items: list[str]
    kind: str = "bullets"


@dataclass
class Cell:
    text: str = ""
    bold: bool = False
    colspan: int = 1
    rowspan: int = 1
    align: str = "left"  # left | right | center

    @property
    def lines(self) -> list[str]:
        return str(self.text).split("\n") if self.text not in (None, "") else [""]


@dataclass
class Table:
    """``header``: rows of cells (spans allowed), repeated on every page; ``widths``: relative
    column widths, scaled to the page's printable width."""

    header: list[list[Cell]]
    rows: list[list[Cell]]
    widths: list[float]
    font_pt: float = 8.5
    style: str = "grid"  # grid | plain (no borders: the facts of the approval block) | swot
    kind: str = "table"

    @property
    def columns(self) -> int:
        return len(self.widths)

    @property
    def percents(self) -> list[float]:
        total = sum(self.widths) or 1
        return [round(100 * w / total, 3) for w in self.widths]

    def widths_mm(self, page_width_mm: float) -> list[float]:
        total = sum(self.widths) or 1
        return [page_width_mm * w / total for w in self.widths]


@dataclass
class PageBreak:
    kind: str = "pagebreak"


@dataclass
class Part:
    """A run of pages in one orientation; each part starts on a new page."""

    orientation: str  # portrait | landscape
    blocks: list = field(default_factory=list)
    title_page: bool = False

    @property
    def width_mm(self) -> int:
        return LANDSCAPE_WIDTH_MM if self.orientation == "landscape" else PORTRAIT_WIDTH_MM


@dataclass
class Document:
    lang: str
    title: str          # the document's title (metadata, browser tab)
    running_title: str  # printed in the footer next to the page number
    parts: list[Part]


# ---------------------------------------------------------------- formatting


def localized(labels, lang: str) -> str:
    """The template's own labels in the document's language."""
    return template_label(labels, lang)


def num(value, decimals: int | None = None) -> str:
    """A number as people in the chosen language write it (grouped thousands)."""
    if value is None or value == "":
        return ""
    if not isinstance(value, (int, float, Decimal)):
        return str(value)
    if decimals is None:
        value = Decimal(str(value))
        decimals = 0 if value == value.to_integral_value() else min(2, max(0, -value.normalize().as_tuple().exponent))
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def money(value) -> str:
    return num(value if value is not None else 0, 1)


def day(value) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return value.strftime("%d.%m.%Y")


def choice_labels(choices) -> dict:
    return {value: str(label) for value, label in choices}


def names(codes, labels: dict) -> str:
    return ", ".join(labels.get(c, c) for c in codes or [])


def paragraphs(text: str, style: str = "") -> list[Paragraph]:
    """A text as its paragraphs (blank lines between them); single line breaks stay."""
    chunks = [c.strip() for c in (text or "").replace("\r\n", "\n").split("\n\n")]
    return [Paragraph(c, style) for c in chunks if c]


def period(start_year, start_quarter, end_year, end_quarter) -> str:
    def one(year, quarter):
        if quarter:
            return _("Q%(quarter)s %(year)s") % {"quarter": quarter, "year": year}
        return str(year)

    first, last = one(start_year, start_quarter), one(end_year, end_quarter)
    return first if first == last else f"{first} – {last}"


def municipality_lines(territory) -> tuple[str, str]:
    """(the municipality's name, the district and region it is in) in the active language."""
    above = []
    parent = territory.parent
    while parent is not None and parent.parent_id is not None:  # up to the region, not the country
        above.append(parent.name)
        parent = parent.parent
    return territory.name, ", ".join(reversed(above))


def funding_by_measure(program: Program) -> dict:
    """{measure pk: {source: amount}} summed by the database."""
    sums: dict = {}
    rows = (Funding.objects.filter(measure__program=program).values("measure", "source")
            .annotate(amount=Sum("amount")).order_by("measure", "source"))
    for row in rows:
        sums.setdefault(row["measure"], {})[row["source"]] = row["amount"]
    return sums


# ---------------------------------------------------------------- the program


class _Builder:
    """Turns the program's structured content into blocks, section by section."""

    def __init__(self, program: Program, lang: str):
        self.program = program
        self.lang = lang
        self.content = program_content(program)
        self.groups = choice_labels(Group.choices)
        self.sources = choice_labels(FundingSource.choices)

    # -- the document

    def build(self) -> Document:
        program = self.program
        template = program.edition.template or {}
        parts: list[Part] = [Part("portrait", self.title_page(), title_page=True)]
        for number, section in enumerate(template.get("sections", []), start=1):
            orientation = "landscape" if section.get("part") in WIDE_PARTS else "portrait"
            if parts[-1].title_page or parts[-1].orientation != orientation:
                parts.append(Part(orientation))
            parts[-1].blocks.extend(self.section(number, section))
        name, _above = municipality_lines(program.territory)
        years = f"{program.start_year}–{program.end_year}"
        title = _("Socio-economic development program of %(municipality)s for %(years)s") % {"municipality": name, "years": years}
        running = _("%(municipality)s: development program %(years)s") % {"municipality": name, "years": years}
        if not program.is_published:
            running = f"{running} · {_('DRAFT')}"
        return Document(lang=self.lang, title=title, running_title=running, parts=parts)

    def title_page(self) -> list:
        program = self.program
        name, above = municipality_lines(program.territory)
        blocks = []
        if above:
            blocks.append(Paragraph(above, "place"))
        blocks.append(Paragraph(name, "municipality"))
        blocks.append(Paragraph(_("Socio-economic development program"), "title"))
        blocks.append(Paragraph(_("for %(start)s–%(end)s") % {"start": program.start_year, "end": program.end_year}, "subtitle"))
        if program.title:
            blocks.append(Paragraph(program.title, "subtitle"))
        if program.is_published:
            blocks.append(Paragraph(self.resolution_text(), "approved"))
        else:
            blocks.append(Paragraph(_("DRAFT"), "draft"))
            blocks.append(Paragraph(_("Not approved by the council. Stage: %(stage)s.") % {"stage": program.get_stage_display()}, "muted"))
        blocks.append(Paragraph(_("Methodology: %(edition)s") % {"edition": program.edition.name}, "muted"))
        return blocks

    def resolution_text(self) -> str:
        program = self.program
        if program.resolution_number and program.resolution_date:
            return _("Approved by resolution No. %(number)s of the local council of %(date)s") % {
                "number": program.resolution_number, "date": day(program.resolution_date)}
        if program.resolution_number:
            return _("Approved by resolution No. %(number)s of the local council") % {"number": program.resolution_number}
        return _("Approved by the local council")

    # -- sections

    def section(self, number: int, section: dict) -> list:
        blocks: list = [Heading(f"{number}. {localized(section.get('title'), self.lang)}", 1)]
        part = section.get("part")
        text = self.content["texts"].get(section["code"], "")
        if part == "text":
            blocks.extend(paragraphs(text) or [Paragraph(_("Not written yet."), "muted")])
            return blocks
        blocks.extend(paragraphs(text))
        render = getattr(self, f"part_{part}", None)
        if render is not None:
            blocks.extend(render(number, section))
        return blocks

    def part_approval(self, number, section) -> list:
        program = self.program
        if program.resolution_number or program.resolution_date:
            resolution = _("No. %(number)s of %(date)s") % {"number": program.resolution_number or "—", "date": day(program.resolution_date) or "—"}
        else:
            resolution = _("not approved yet")
        order = ""
        if program.working_group_order or program.working_group_order_date:
            order = _("No. %(number)s of %(date)s") % {"number": program.working_group_order or "—", "date": day(program.working_group_order_date) or "—"}
        facts = [
            (_("Council resolution"), resolution),
            (_("Period"), f"{program.start_year}–{program.end_year}"),
            (_("Methodology edition"), program.edition.name),
            (_("Order forming the working group"), order or "—"),
            (_("Stage"), program.get_stage_display()),
        ]
        blocks: list = [Table(header=[], rows=[[Cell(label, bold=True), Cell(value)] for label, value in facts], widths=[35, 65], font_pt=10, style="plain")]
        blocks.append(Heading(_("Alignment with national strategies and commitments"), 2))
        strategies = choice_labels(Strategy.choices)
        if program.alignment:
            blocks.append(Bullets([strategies.get(code, code) for code in program.alignment]))
        else:
            blocks.append(Paragraph(_("No strategy named yet."), "muted"))
        blocks.extend(paragraphs(program.alignment_note))
        blocks.extend(self.working_group())
        return blocks

    def working_group(self) -> list:
        members = list(WorkingGroupMember.objects.filter(program=self.program))
        if not members:
            return []
        counts = WorkingGroupMember.objects.filter(program=self.program).aggregate(
            total=Count("id"), women=Count("id", filter=Q(sex="f")),
            youth=Count("id", filter=Q(age_group=AgeGroup.YOUTH)), disability=Count("id", filter=Q(has_disability=True)))
        roles = dict(WorkingGroupMember.Role.choices)
        blocks: list = [Heading(_("Working group"), 2),
                        Paragraph(_("Members: %(total)s; women: %(women)s; young people: %(youth)s; persons with disabilities: %(disability)s.") % counts)]
        rows = [[Cell(str(i), align="right"), Cell(m.name), Cell(str(roles.get(m.role, m.role))), Cell(m.position)]
                for i, m in enumerate(members, start=1)]
        blocks.append(Table(header=[[Cell(_("No.")), Cell(_("Name")), Cell(_("Role")), Cell(_("Position or organisation"))]],
                            rows=rows, widths=[6, 34, 18, 42]))
        return blocks

    def part_profile(self, number, section) -> list:
        template = self.program.edition.template or {}
        tables = {t["code"]: t for t in template.get("profile_tables", [])}
        rows_by_table: dict[str, list] = {}
        for row in self.content["profile"]:
            rows_by_table.setdefault(row["table"], []).append(row)
        blocks: list = []
        for index, code in enumerate(section.get("tables", []), start=1):
            spec = tables.get(code)
            if spec is None:
                continue
            blocks.append(Heading(f"{number}.{index}. {localized(spec.get('title'), self.lang)}", 2))
            blocks.append(self.profile_table(spec, rows_by_table.get(code, [])))
        return blocks

    def profile_table(self, spec: dict, entered: list) -> Table:
        columns = spec.get("columns", [])
        by_code = {r["row"]: r for r in entered}
        template_codes = [r["code"] for r in spec.get("rows", [])]
        lines = [(localized(r.get("label"), self.lang), by_code.get(r["code"])) for r in spec.get("rows", [])]
        lines += [(r["label"] or r["row"], r) for r in entered if r["row"] not in template_codes]
        with_notes = any(r and r.get("note") for _label, r in lines)
        first = localized(spec.get("custom_row_label"), self.lang) if spec.get("custom_rows") else ""
        header = [Cell(first or _("Indicator"))] + [Cell(localized(c.get("label"), self.lang), align="center") for c in columns]
        widths = [26] + [10] * len(columns)
        if with_notes:
            header.append(Cell(_("Source or note")))
            widths.append(20)
        rows = []
        for label, row in lines:
            values = (row or {}).get("values") or {}
            cells = [Cell(label)] + [Cell(num(values.get(c["code"])), align="right") for c in columns]
            if with_notes:
                cells.append(Cell((row or {}).get("note", "")))
            rows.append(cells)
        return Table(header=[header], rows=rows, widths=widths)

    def part_analysis(self, number, section) -> list:
        blocks: list = [Heading(_("Problems, ranked"), 2)]
        problems = self.content["problems"]
        if problems:
            found = choice_labels(Problem.Source.choices)
            rows = [[Cell(str(p["rank"]), align="right"),
                     Cell("\n".join(x for x in (p["title"], p["description"]) if x)),
                     Cell(found.get(p["source"], p["source"])),
                     Cell(names(p["groups"], self.groups)),
                     Cell(p["effects_on_groups"])] for p in problems]
            blocks.append(Table(header=[[Cell(_("Rank")), Cell(_("Problem")), Cell(_("Found through")),
                                         Cell(_("Groups most affected")), Cell(_("How it affects different groups"))]],
                                rows=rows, widths=[6, 32, 13, 20, 29]))
        else:
            blocks.append(Paragraph(_("No problems entered yet."), "muted"))
        blocks.append(Heading(_("SWOT analysis"), 2))
        items: dict[str, list[str]] = {k: [] for k in SwotItem.Kind.values}
        for item in self.content["swot"]:
            groups = names(item["groups"], self.groups)
            items.setdefault(item["kind"], []).append(f"• {item['text']}" + (f" ({groups})" if groups else ""))
        kinds = dict(SwotItem.Kind.choices)

        def heading(code):
            return Cell({"S": _("Strengths"), "W": _("Weaknesses"), "O": _("Opportunities"), "T": _("Threats")}.get(code, kinds[code]), bold=True, align="center")

        def body(code):
            return Cell("\n".join(items.get(code) or ["—"]))

        blocks.append(Table(header=[], rows=[[heading("S"), heading("W")], [body("S"), body("W")],
                                             [heading("O"), heading("T")], [body("O"), body("T")]],
                            widths=[50, 50], font_pt=9, style="swot"))
        return blocks

    def part_vision(self, number, section) -> list:
        blocks: list = []
        dreams = [d for d in self.content["dreams"] if d["dream"] or d["changes"]]
        if dreams:
            groups = choice_labels(DreamGroup.choices)
            order = {g: i for i, g in enumerate(DreamGroup.values)}
            dreams.sort(key=lambda d: order.get(d["group"], 99))
            blocks.append(Heading(_("How each group sees the municipality (the “Dream”)"), 2))
            blocks.append(Table(header=[[Cell(_("Group")), Cell(_("How the group sees the municipality")), Cell(_("Changes needed"))]],
                                rows=[[Cell(groups.get(d["group"], d["group"]), bold=True), Cell(d["dream"]), Cell(d["changes"])] for d in dreams],
                                widths=[20, 42, 38]))
        blocks.append(Heading(_("Vision statement"), 2))
        blocks.extend(paragraphs(self.program.vision, "strong") or [Paragraph(_("Not written yet."), "muted")])
        return blocks

    def part_goals(self, number, section) -> list:
        tree = goal_tree(self.program)
        if not tree:
            return [Paragraph(_("No priorities entered yet."), "muted")]
        blocks: list = []

        def walk(nodes, depth):
            for goal, children in nodes:
                groups = names(goal.groups, self.groups)
                line = f"{goal.number}. {goal.title}" if goal.number else goal.title
                label = {"priority": _("Priority"), "goal": _("Goal"), "objective": _("Objective")}.get(goal.level, "")
                text = f"{label} {line}" if label else line
                if groups:
                    text += " — " + _("for: %(groups)s") % {"groups": groups}
                if depth == 0:
                    blocks.append(Heading(text, 2))
                else:
                    blocks.append(Paragraph(("    " * (depth - 1)) + text, "strong" if depth == 1 else ""))
                walk(children, depth + 1)

        walk(tree, 0)
        return blocks

    def part_measures(self, number, section) -> list:
        measures = self.content["measures"]
        if not measures:
            return [Paragraph(_("No measures entered yet."), "muted")]
        funding = funding_by_measure(self.program)
        source_order = FundingSource.values
        header = [[Cell(_("No.")), Cell(_("Measure")), Cell(_("Expected result")), Cell(_("Indicator")),
                   Cell(_("Timeline")), Cell(_("Responsible")), Cell(_("Cost, thousand som")),
                   Cell(_("Funding sources, thousand som")), Cell(_("Target groups"))]]
        rows, objective = [], None
        for index, m in enumerate(measures, start=1):
            if m["objective_title"] and m["objective_title"] != objective:
                objective = m["objective_title"]
                rows.append([Cell(_("Objective %(objective)s") % {"objective": objective}, bold=True, colspan=9)])
            lines = funding.get(m["key"], {})
            sources = "\n".join(f"{self.sources.get(s, s)}: {money(lines[s])}" for s in source_order if s in lines)
            rows.append([Cell(m["number"] or str(index)), Cell(m["title"]), Cell(m["expected_result"]), Cell(m["indicator"]),
                         Cell(period(m["start_year"], m["start_quarter"], m["end_year"], m["end_quarter"]), align="center"),
                         Cell(m["responsible"]), Cell(money(m["cost"]), align="right"), Cell(sources),
                         Cell(names(m["target_groups"], self.groups))])
        total = Measure.objects.filter(program=self.program).aggregate(total=Sum("cost"))["total"]
        rows.append([Cell(_("Total"), bold=True, colspan=6, align="right"), Cell(money(total), bold=True, align="right"), Cell(""), Cell("")])
        return [Table(header=header, rows=rows, widths=[5, 24, 17, 14, 9, 13, 8, 15, 13], font_pt=8)]

    def part_financing(self, number, section) -> list:
        summary = financing_summary(self.program)
        cost = Measure.objects.filter(program=self.program).aggregate(total=Sum("cost"))["total"] or Decimal(0)
        blocks: list = []
        if summary["sources"]:
            years = summary["years"]
            header = [[Cell(_("Funding source"))] + [Cell(str(y), align="center") for y in years] + [Cell(_("Total"), align="center")]]
            rows = []
            for source in summary["sources"]:
                rows.append([Cell(self.sources.get(source, source))]
                            + [Cell(money(summary["cells"].get((y, source))), align="right") for y in years]
                            + [Cell(money(summary["by_source"].get(source)), bold=True, align="right")])
            rows.append([Cell(_("Total"), bold=True)] + [Cell(money(summary["by_year"].get(y)), bold=True, align="right") for y in years]
                        + [Cell(money(summary["total"]), bold=True, align="right")])
            blocks.append(Paragraph(_("Thousand som, by year and source."), "muted"))
            blocks.append(Table(header=header, rows=rows, widths=[30] + [12] * len(years) + [14], font_pt=9))
        else:
            blocks.append(Paragraph(_("No funding entered yet."), "muted"))
        blocks.append(Paragraph(_("Total cost of the action plan: %(cost)s thousand som.") % {"cost": money(cost)}))
        if summary["total"] != cost:
            blocks.append(Paragraph(_("The funding lines add up to %(funded)s thousand som, not to the cost of the measures.") % {"funded": money(summary["total"])}, "strong"))
        return blocks

    def part_indicators(self, number, section) -> list:
        indicators = self.content["indicators"]
        if not indicators:
            return [Paragraph(_("No indicators entered yet."), "muted")]
        years = self.program.years
        split = any(i["counts_people"] for i in indicators)
        span = 3 if split else 1
        rs = 2 if split else 1
        top = [Cell(_("No."), rowspan=rs), Cell(_("Indicator"), rowspan=rs), Cell(_("Unit"), rowspan=rs),
               Cell(_("Baseline year"), rowspan=rs), Cell(_("Baseline"), colspan=span, align="center")]
        top += [Cell(_("Target %(year)s") % {"year": y}, colspan=span, align="center") for y in years]
        top += [Cell(_("Data source"), rowspan=rs), Cell(_("Responsible"), rowspan=rs)]
        header = [top]
        if split:
            header.append([Cell(t, align="center") for _y in range(len(years) + 1) for t in (_("total"), _("women"), _("men"))])
        rows = []
        for index, i in enumerate(indicators, start=1):
            about = i["goal"] or i["measure"]
            cells = [Cell(str(index), align="right"), Cell(i["name"] + (f"\n({about})" if about else "")), Cell(i["unit"]),
                     Cell(str(i["baseline_year"] or ""), align="center")]

            def values(total, women, men, people=i["counts_people"]):
                if not split:
                    return [Cell(num(total), align="right")]
                return [Cell(num(total), align="right"), Cell(num(women) if people else "", align="right"),
                        Cell(num(men) if people else "", align="right")]

            cells += values(i["baseline"], i["baseline_women"], i["baseline_men"])
            targets = {t["year"]: t for t in i["targets"]}
            for y in years:
                t = targets.get(y, {})
                cells += values(t.get("value"), t.get("women"), t.get("men"))
            cells += [Cell(i["data_source"]), Cell(i["responsible"])]
            rows.append(cells)
        number_width = 6 if split else 9
        widths = [4, 24, 7, 6] + [number_width] * (span * (len(years) + 1)) + [13, 13]
        font = 8 if span * (len(years) + 1) <= 12 else 7
        return [Table(header=header, rows=rows, widths=widths, font_pt=font)]

    def part_annexes(self, number, section) -> list:
        annexes = self.content["annexes"]
        if not annexes:
            return [Paragraph(_("No annexes attached."), "muted")]
        kinds = choice_labels(Annex.Kind.choices)
        return [Table(header=[[Cell(_("No.")), Cell(_("Kind")), Cell(_("Title"))]],
                      rows=[[Cell(str(i), align="right"), Cell(kinds.get(a["kind"], a["kind"])), Cell(a["title"])]
                            for i, a in enumerate(annexes, start=1)],
                      widths=[6, 30, 64], font_pt=9)]


def program_document(program: Program, lang: str) -> Document:
    """The whole program as blocks; call inside ``translation.override(lang)``."""
    return _Builder(program, lang).build()


# ---------------------------------------------------------------- the hearing protocol


def attendance_table(meeting) -> tuple[Table, dict]:
    """Attendance by sex and age group, with persons with disabilities, and the totals, all
    summed by the database; returns the table and the totals."""
    from ..models import Attendance, Sex

    cells = {(r["sex"], r["age_group"]): r["people"] for r in
             Attendance.objects.filter(meeting=meeting).values("sex", "age_group").annotate(people=Sum("count")).order_by()}
    by_sex = {r["sex"]: r for r in
              Attendance.objects.filter(meeting=meeting).values("sex").order_by()
              .annotate(people=Sum("count"), disability=Sum("count", filter=Q(with_disability=True)))}
    by_age = {r["age_group"]: r["people"] for r in
              Attendance.objects.filter(meeting=meeting).values("age_group").annotate(people=Sum("count")).order_by()}
    totals = Attendance.objects.filter(meeting=meeting).aggregate(
        people=Sum("count"), women=Sum("count", filter=Q(sex=Sex.FEMALE)), men=Sum("count", filter=Q(sex=Sex.MALE)),
        disability=Sum("count", filter=Q(with_disability=True)))
    totals = {k: v or 0 for k, v in totals.items()}
    ages = AgeGroup.choices
    header = [[Cell("")] + [Cell(str(label), align="center") for _code, label in ages]
              + [Cell(_("Total"), align="center"), Cell(_("of whom persons with disabilities"), align="center")]]
    rows = []
    for sex, label in ((Sex.FEMALE, _("Women")), (Sex.MALE, _("Men"))):
        row = by_sex.get(sex, {})
        rows.append([Cell(label, bold=True)] + [Cell(num(cells.get((sex, code), 0)), align="right") for code, _l in ages]
                    + [Cell(num(row.get("people") or 0), bold=True, align="right"), Cell(num(row.get("disability") or 0), align="right")])
    rows.append([Cell(_("Total"), bold=True)] + [Cell(num(by_age.get(code, 0)), bold=True, align="right") for code, _l in ages]
                + [Cell(num(totals["people"]), bold=True, align="right"), Cell(num(totals["disability"]), bold=True, align="right")])
    return Table(header=header, rows=rows, widths=[16] + [13] * len(ages) + [12, 20], font_pt=9), totals


def protocol_document(meeting, lang: str) -> Document:
    """The protocol of a public hearing (or a village meeting) as blocks; call inside
    ``translation.override(lang)``."""
    from ..models import Comment, Sex

    program = meeting.program
    name, above = municipality_lines(program.territory)
    kind = meeting.get_kind_display()
    blocks: list = []
    if above:
        blocks.append(Paragraph(above, "place"))
    blocks.append(Paragraph(name, "municipality"))
    blocks.append(Paragraph(_("PROTOCOL"), "title"))
    blocks.append(Paragraph(_("%(kind)s on the draft socio-economic development program for %(start)s–%(end)s") % {
        "kind": capfirst(kind), "start": program.start_year, "end": program.end_year}, "subtitle"))
    facts = [
        (_("Program"), program.title),
        (_("Date"), day(meeting.date)),
        (_("Time"), meeting.time.strftime("%H:%M") if meeting.time else "—"),
        (_("Place"), ", ".join(x for x in (meeting.place, meeting.village.name if meeting.village else "") if x)),
        (_("Chaired by"), meeting.chair or "—"),
        (_("Minutes taken by"), meeting.secretary or "—"),
    ]
    blocks.append(Table(header=[], rows=[[Cell(label, bold=True), Cell(value)] for label, value in facts], widths=[30, 70], font_pt=10, style="plain"))

    table, totals = attendance_table(meeting)
    blocks.append(Heading(_("Attendance"), 2))
    blocks.append(Paragraph(_("Took part: %(people)s people; women: %(women)s; men: %(men)s; persons with disabilities: %(disability)s.") % {
        "people": num(totals["people"]), "women": num(totals["women"]), "men": num(totals["men"]), "disability": num(totals["disability"])}))
    blocks.append(table)

    blocks.append(Heading(_("Comments and proposals received"), 2))
    comments = list(meeting.comments.exclude(status=Comment.Status.HIDDEN).select_related("changed_measure").order_by("created_at", "id"))
    hidden = meeting.comments.filter(status=Comment.Status.HIDDEN).count()
    if comments:
        channels, answers = dict(Comment.Channel.choices), dict(Comment.Answer.choices)
        sexes, ages = choice_labels(Sex.choices), choice_labels(AgeGroup.choices)
        rows = []
        for index, c in enumerate(comments, start=1):
            who = c.author_name or _("name not given")
            about = ", ".join(x for x in (sexes.get(c.sex, ""), ages.get(c.age_group, "")) if x)
            received = "\n".join(x for x in (str(channels.get(c.channel, c.channel)), who, about) if x)
            answer = str(answers[c.answer]) if c.answer else _("no answer yet")
            change = []
            if c.answer_reason:
                change.append(c.answer_reason)
            if c.change_made:
                change.append(_("Change made: %(change)s") % {"change": c.change_made})
            if c.changed_measure:
                change.append(_("Measure changed: %(measure)s") % {"measure": c.changed_measure})
            rows.append([Cell(str(index), align="right"), Cell(c.text), Cell(received), Cell(answer, bold=True), Cell("\n".join(change))])
        blocks.append(Table(header=[[Cell(_("No.")), Cell(_("Comment or proposal")), Cell(_("Received, from whom")),
                                     Cell(_("Answer")), Cell(_("Reason and change made"))]],
                            rows=rows, widths=[5, 35, 18, 12, 30], font_pt=9))
    else:
        blocks.append(Paragraph(_("No comments or proposals were received."), "muted"))
    if hidden:
        blocks.append(Paragraph(_("Not published by moderation and not included here: %(count)s.") % {"count": hidden}, "muted"))

    blocks.append(Heading(_("Decisions"), 2))
    blocks.extend(paragraphs(meeting.decisions) or [Paragraph(_("No decisions recorded."), "muted")])
    blocks.append(Paragraph(_("Chair: ____________________ %(name)s") % {"name": meeting.chair}, "signature"))
    blocks.append(Paragraph(_("Secretary: ____________________ %(name)s") % {"name": meeting.secretary}, "signature"))
    title = _("Protocol: %(kind)s of %(date)s") % {"kind": kind, "date": day(meeting.date)}
    return Document(lang=lang, title=title, running_title=f"{name}: {title}", parts=[Part("portrait", blocks)])

"""The program's documents for people: the whole program as DOCX and PDF in Kyrgyz or Russian,
the action plan and monitoring matrix as XLSX, and the protocol of a public hearing as DOCX.

Municipal staff work in Word and Excel and print for council sessions, so pages are A4, wide
tables sit on landscape pages with their header rows repeated, and the fonts carry the Kyrgyz
letters (ң ө ү). The DOCX and the PDF are two renderings of one list of blocks
(``document_parts``), so they never disagree. These functions only read; who may download is
decided by the views (``scoping.restrict`` on the program)."""

from __future__ import annotations

import io
import re

from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ..models import FundingSource, Group, Measure, Program
from ..selectors.content import financing_summary, program_content
from .document_parts import (
    MARGINS_MM,
    Bullets,
    Cell,
    Document,
    Heading,
    PageBreak,
    Paragraph,
    Table,
    choice_labels,
    funding_by_measure,
    names,
    period,
    program_document,
    protocol_document,
)

LANGS = ("ky", "ru")

# The DOCX names a font that has the Kyrgyz letters on every office computer (and whose
# metric twin, Liberation Serif, has them in LibreOffice). The PDF uses one whole system font with
# Cyrillic and the Kyrgyz letters (DejaVu Sans ships with fontconfig on Debian): WeasyPrint maps
# text back to characters wrongly when one family is split over several files (the vendored Noto
# Sans web subsets), so a PDF made from them could not be searched or copied from.
DOCX_FONT = "Times New Roman"
PDF_FONT = "DejaVu Sans"
PDF_FALLBACK_FONTS = '"Noto Sans", "Liberation Sans", sans-serif'

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_TYPE = "application/pdf"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# characters XML 1.0 (DOCX, XLSX) cannot hold; text pasted from other programs sometimes has them
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text) -> str:
    return _CONTROL.sub(" ", str(text if text is not None else ""))


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"documents are written in {LANGS}, not {lang!r}")
    return lang


def filename(program: Program, kind: str, lang: str, ext: str) -> str:
    """ASCII-safe: the municipality's code, the years, the language."""
    return f"{slugify(kind)}-{program.territory.code}-{program.start_year}-{program.end_year}-{lang}.{ext}"


# ================================================================ DOCX


def _set_font(element, name: str) -> None:
    """Name the font for every script (Latin, Cyrillic is "hAnsi"/"ascii", complex, East Asian)
    and drop the theme fonts that would otherwise win in Word."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "cs", "eastAsia"):
        fonts.set(qn(f"w:{attr}"), name)


def _set_lang(element, lang: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rpr = element.get_or_add_rPr()
    tag = rpr.find(qn("w:lang"))
    if tag is None:
        tag = OxmlElement("w:lang")
        rpr.append(tag)
    tag.set(qn("w:val"), {"ky": "ky-KG", "ru": "ru-RU"}.get(lang, lang))


def _shade(cell, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _page(section, orientation: str) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    landscape = orientation == "landscape"
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    top, right, bottom, left = MARGINS_MM[orientation]
    section.top_margin, section.right_margin, section.bottom_margin, section.left_margin = Mm(top), Mm(right), Mm(bottom), Mm(left)
    section.footer_distance = Mm(8)


def _footer(section, running_title: str) -> None:
    """The running title and the page number at the foot of every page."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = paragraph.add_run(clean(running_title) + "   ")
    run.font.size = Pt(8)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    number = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    number.append(text)
    field.append(number)
    paragraph._p.append(field)


_PARAGRAPH_LOOK = {
    # style: (size pt, bold, italic, centred, grey, space before pt)
    "place": (12, False, False, True, False, 60),
    "municipality": (18, True, False, True, False, 12),
    "title": (22, True, False, True, False, 48),
    "subtitle": (14, False, False, True, False, 8),
    "draft": (20, True, False, True, False, 48),
    "approved": (12, False, True, True, False, 48),
    "muted": (10, False, True, False, True, 0),
    "strong": (11, True, False, False, False, 0),
    "signature": (11, False, False, False, False, 24),
    "": (11, False, False, False, False, 0),
}


def _docx_paragraph(document, block: Paragraph, *, centred_page: bool):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    size, bold, italic, centred, grey, before = _PARAGRAPH_LOOK.get(block.style, _PARAGRAPH_LOOK[""])
    paragraph = document.add_paragraph()
    if centred or centred_page:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_before = Pt(before)
    lines = clean(block.text).split("\n")
    for i, line in enumerate(lines):  # single line breaks stay inside the paragraph
        run = paragraph.add_run(line)
        run.font.size, run.bold, run.italic = Pt(size), bold, italic
        if grey:
            run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
        if i < len(lines) - 1:
            run.add_break()
    return paragraph


def _fill(cell, spec: Cell, size: float, bold: bool) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    align = {"right": WD_ALIGN_PARAGRAPH.RIGHT, "center": WD_ALIGN_PARAGRAPH.CENTER}.get(spec.align, WD_ALIGN_PARAGRAPH.LEFT)
    paragraph = cell.paragraphs[0]
    for i, line in enumerate(spec.lines):
        if i:
            paragraph = cell.add_paragraph()
        paragraph.alignment = align
        paragraph.paragraph_format.space_before = Pt(0)
        paragraph.paragraph_format.space_after = Pt(0)
        run = paragraph.add_run(clean(line))
        run.font.size = Pt(size)
        run.bold = bold


def _docx_table(document, block: Table, width_mm: float) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm

    columns = block.columns
    lines = [(True, row) for row in block.header] + [(False, row) for row in block.rows]
    table = document.add_table(rows=len(lines), cols=columns)
    if block.style in ("grid", "swot"):
        table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    widths = [Mm(w) for w in block.widths_mm(width_mm)]
    for column, width in zip(table.columns, widths):
        column.width = width
    grid = [list(row.cells) for row in table.rows]
    for row in grid:
        for cell, width in zip(row, widths):
            cell.width = width
    for index in range(len(block.header)):  # header rows repeat on every page
        mark = OxmlElement("w:tblHeader")
        mark.set(qn("w:val"), "true")
        table.rows[index]._tr.get_or_add_trPr().append(mark)
    taken: set[tuple[int, int]] = set()
    for r, (is_header, cells) in enumerate(lines):
        c = 0
        for spec in cells:
            while (r, c) in taken:
                c += 1
            if c >= columns:
                break
            colspan = max(1, min(spec.colspan, columns - c))
            rowspan = max(1, min(spec.rowspan, len(lines) - r))
            taken.update((r + dr, c + dc) for dr in range(rowspan) for dc in range(colspan))
            target = grid[r][c]
            if colspan > 1 or rowspan > 1:
                target = target.merge(grid[r + rowspan - 1][c + colspan - 1])
            _fill(target, spec, block.font_pt, spec.bold or is_header)
            if is_header or (block.style == "swot" and spec.bold):
                _shade(target, "E7E6E6")
            c += colspan
    document.add_paragraph()  # Word joins tables that touch; a paragraph keeps them apart


def docx_bytes(doc: Document) -> bytes:
    """Render the blocks of a document into a DOCX."""
    from docx import Document as WordDocument
    from docx.enum.section import WD_SECTION
    from docx.enum.text import WD_BREAK
    from docx.shared import Pt, RGBColor

    word = WordDocument()
    word.core_properties.title = clean(doc.title)
    word.core_properties.language = doc.lang
    word.core_properties.author = "Aimak"
    styles = word.styles
    for name, size in (("Normal", 11), ("Heading 1", 14), ("Heading 2", 12), ("List Bullet", 11)):
        style = styles[name]
        _set_font(style.element, DOCX_FONT)
        _set_lang(style.element, doc.lang)
        style.font.size = Pt(size)
        if name.startswith("Heading"):
            style.font.bold = True
            style.font.color.rgb = RGBColor(0, 0, 0)
    styles["Normal"].paragraph_format.space_after = Pt(4)

    for index, part in enumerate(doc.parts):
        if index == 0:
            section = word.sections[0]
        else:
            section = word.add_section(WD_SECTION.NEW_PAGE)
            section.different_first_page_header_footer = False
        _page(section, part.orientation)
        if index == 0:
            _footer(section, doc.running_title)
            section.different_first_page_header_footer = part.title_page
        for block in part.blocks:
            if isinstance(block, Heading):
                word.add_heading(clean(block.text), level=block.level)
            elif isinstance(block, Paragraph):
                _docx_paragraph(word, block, centred_page=part.title_page)
            elif isinstance(block, Bullets):
                for item in block.items:
                    word.add_paragraph(clean(item), style="List Bullet")
            elif isinstance(block, Table):
                _docx_table(word, block, part.width_mm)
            elif isinstance(block, PageBreak):
                word.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def program_docx(program: Program, lang: str) -> bytes:
    """The whole program as a Word document in Kyrgyz or Russian."""
    with translation.override(check_lang(lang)):
        return docx_bytes(program_document(program, lang))


def hearing_protocol_docx(meeting, lang: str) -> bytes:
    """The protocol of a public hearing: who came, what was said, what became of it."""
    with translation.override(check_lang(lang)):
        return docx_bytes(protocol_document(meeting, lang))


# ================================================================ PDF


def program_html(program: Program, lang: str) -> str:
    """The HTML WeasyPrint turns into the PDF (kept separate so it can be looked at)."""
    with translation.override(check_lang(lang)):
        return render_html(program_document(program, lang))


def render_html(doc: Document) -> str:
    return render_to_string("programs/documents/document.html", {
        "doc": doc, "font": PDF_FONT, "fallback_fonts": PDF_FALLBACK_FONTS, "margins": MARGINS_MM,
        "title_page": bool(doc.parts and doc.parts[0].title_page),
    })


def pdf_bytes(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()  # nothing external: the document is self-contained


def program_pdf(program: Program, lang: str) -> bytes:
    """The whole program as a PDF in Kyrgyz or Russian (A4, wide tables on landscape pages)."""
    return pdf_bytes(program_html(program, lang))


# ================================================================ XLSX


def _sheet(workbook, title: str, header: list[str], rows: list[list], widths: list[float], money_columns: set[int], bold_last: bool = False):
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(title=clean(title)[:31])
    sheet.append([clean(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E7E6E6")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append([clean(v) if isinstance(v, str) else v for v in row])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                if cell.value.startswith(("=", "+", "-", "@")):
                    cell.data_type = "s"  # text that looks like a formula stays text
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif cell.column in money_columns:
                cell.number_format = "#,##0.0"
    if bold_last and rows:
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C2"
    return sheet


def plan_xlsx(program: Program, lang: str) -> bytes:
    """The action plan (one row per measure, its cost split by funding source) and the
    monitoring matrix (baseline and a target per year, women and men), for Excel."""
    from openpyxl import Workbook

    with translation.override(check_lang(lang)):
        content = program_content(program)
        summary = financing_summary(program)
        funding = funding_by_measure(program)
        groups = choice_labels(Group.choices)
        source_labels = choice_labels(FundingSource.choices)
        sources = summary["sources"]

        workbook = Workbook()
        workbook.remove(workbook.active)

        header = [_("No."), _("Measure"), _("Objective"), _("Expected result"), _("Indicator"), _("From year"), _("Until year"),
                  _("Timeline"), _("Responsible"), _("Cost, thousand som")]
        header += [_("%(source)s, thousand som") % {"source": source_labels.get(s, s)} for s in sources]
        header += [_("Target groups")]
        rows = []
        for index, m in enumerate(content["measures"], start=1):
            lines = funding.get(m["key"], {})
            rows.append([m["number"] or str(index), m["title"], m["objective_title"], m["expected_result"], m["indicator"],
                         m["start_year"], m["end_year"], period(m["start_year"], m["start_quarter"], m["end_year"], m["end_quarter"]),
                         m["responsible"], m["cost"] or 0]
                        + [lines.get(s) for s in sources] + [names(m["target_groups"], groups)])
        if rows:
            total_cost = Measure.objects.filter(program=program).aggregate(total=Sum("cost"))["total"] or 0
            rows.append(["", _("Total"), "", "", "", None, None, "", "", total_cost] + [summary["by_source"].get(s) for s in sources] + [""])
        first_money = 10
        _sheet(workbook, _("Action plan"), header, rows,
               widths=[6, 40, 30, 30, 25, 9, 9, 16, 22, 12] + [14] * len(sources) + [30],
               money_columns=set(range(first_money, first_money + 1 + len(sources))), bold_last=bool(rows))

        years = program.years
        header = [_("No."), _("Indicator"), _("Unit"), _("Goal or measure"), _("Counts people"), _("Baseline year"),
                  _("Baseline"), _("Baseline, women"), _("Baseline, men")]
        for y in years:
            header += [_("Target %(year)s") % {"year": y}, _("%(year)s, women") % {"year": y}, _("%(year)s, men") % {"year": y}]
        header += [_("Data source"), _("Responsible")]
        rows = []
        for index, i in enumerate(content["indicators"], start=1):
            targets = {t["year"]: t for t in i["targets"]}
            row = [index, i["name"], i["unit"], i["goal"] or i["measure"], _("yes") if i["counts_people"] else _("no"),
                   i["baseline_year"], i["baseline"], i["baseline_women"], i["baseline_men"]]
            for y in years:
                t = targets.get(y, {})
                row += [t.get("value"), t.get("women"), t.get("men")]
            rows.append(row + [i["data_source"], i["responsible"]])
        _sheet(workbook, _("Monitoring matrix"), header, rows,
               widths=[6, 40, 12, 30, 10, 10, 11, 11, 11] + [11] * (3 * len(years)) + [25, 22], money_columns=set())
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

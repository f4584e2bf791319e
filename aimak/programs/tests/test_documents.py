"""The program's documents: DOCX and PDF in Kyrgyz and Russian, the XLSX of the action plan and
monitoring matrix, the hearing protocol, and who may download them."""

import io
import re
import zlib
from datetime import date, time
from decimal import Decimal

import pytest
from django.urls import reverse

from aimak.programs import models as m
from aimak.programs.services import documents

MEASURE_WATER = "Строительство водопровода в селе Тосор"
MEASURE_RAMPS = "Пандусы в школах для людей с инвалидностью"
COMMENT = "Просим провести воду и на верхнюю улицу"


@pytest.fixture
def full_program(program, territory):
    """Barskoon's 2020-2022 draft with something in every part."""
    p = program
    p.vision = "Барскоон — село, где каждый житель, включая женщин и людей с инвалидностью, имеет доступ к воде."
    p.alignment = ["sdg", "crpd"]
    p.resolution_number = "12-3"
    p.resolution_date = date(2020, 3, 15)
    p.save()
    m.ProfileRow.objects.create(program=p, table="population", row="total", values={"total": 5200, "women": 2650, "men": 2550})
    m.ProfileRow.objects.create(program=p, table="population", row="tosor", label="с. Тосор", values={"total": 1200, "women": 610, "men": 590}, order=1)
    m.ProfileRow.objects.create(program=p, table="migration", row="emigrants", values={"total": 430, "women": 120, "men": 310})
    m.SectionText.objects.create(program=p, section="analysis", text="Анализ проведён на сельских сходах.\n\nУчаствовали 240 жителей.")
    m.Problem.objects.create(program=p, rank=1, title="Нет питьевой воды в селе Тосор", groups=["women", "children"],
                             effects_on_groups="Женщины и девочки тратят по 2 часа в день на воду.")
    for kind, text in (("S", "Туристический потенциал"), ("W", "Изношенный водопровод"), ("O", "Поддержка диаспоры"), ("T", "Сели и паводки")):
        m.SwotItem.objects.create(program=p, kind=kind, text=text, groups=["youth"] if kind == "O" else [])
    m.Dream.objects.create(program=p, group="women", dream="Вода в каждом доме", changes="Новый водопровод")
    m.Dream.objects.create(program=p, group="disability", dream="Доступные школы", changes="Пандусы")
    priority = m.Goal.objects.create(program=p, level="priority", number="1", title="Доступная инфраструктура")
    goal = m.Goal.objects.create(program=p, parent=priority, level="goal", number="1.1", title="Вода для всех")
    objective = m.Goal.objects.create(program=p, parent=goal, level="objective", number="1.1.1", title="Доступ к воде и школам", groups=["disability"])
    water = m.Measure.objects.create(program=p, objective=objective, number="1", title=MEASURE_WATER, expected_result="300 домов с водой",
                                     indicator="домов подключено", start_year=2020, start_quarter=2, end_year=2021, end_quarter=4,
                                     responsible="Айыл окмоту", cost=Decimal("1500.0"), target_groups=["everyone", "women"], order=1)
    m.Funding.objects.create(measure=water, year=2020, source="local_budget", amount=Decimal("500.0"))
    m.Funding.objects.create(measure=water, year=2021, source="diaspora", amount=Decimal("1000.0"))
    ramps = m.Measure.objects.create(program=p, objective=objective, number="2", title=MEASURE_RAMPS, start_year=2021, end_year=2021,
                                     responsible="Отдел образования", cost=Decimal("250.5"), target_groups=["disability"], order=2)
    m.Funding.objects.create(measure=ramps, year=2021, source="local_budget", amount=Decimal("250.5"))
    indicator = m.ProgramIndicator.objects.create(program=p, goal=goal, name="Жители с доступом к питьевой воде", unit="чел.",
                                                  counts_people=True, baseline=Decimal(3100), baseline_women=Decimal(1600),
                                                  baseline_men=Decimal(1500), baseline_year=2019, data_source="Айыл окмоту", responsible="Специалист")
    for year, value, women, men in ((2020, 3500, 1800, 1700), (2021, 4300, 2200, 2100), (2022, 5200, 2650, 2550)):
        m.IndicatorTarget.objects.create(indicator=indicator, year=year, value=value, women=women, men=men)
    hearing = m.Meeting.objects.create(program=p, kind="hearing", date=date(2020, 2, 20), time=time(10, 30), place="Дом культуры",
                                       status="closed", chair="Асанов Б.", secretary="Токтосунова А.", decisions="Одобрить проект с доработками.")
    for sex, age, disability, count in (("f", "29_59", False, 20), ("f", "60_plus", True, 2), ("m", "18_28", False, 15), ("m", "29_59", False, 10)):
        m.Attendance.objects.create(meeting=hearing, sex=sex, age_group=age, with_disability=disability, count=count)
    m.Comment.objects.create(meeting=hearing, text=COMMENT, author_name="Жумалиева Г.", sex="f", channel="paper", status="published",
                             answer="partly", answer_reason="Верхняя улица войдёт во второй этап", change_made="Добавлен второй этап в 2022 году",
                             changed_measure=water)
    m.Comment.objects.create(meeting=hearing, text="spam spam", status="hidden", moderation_note="реклама")
    return p


def approve(p):
    p.stage = m.Stage.APPROVED
    p.save(update_fields=["stage"])
    return p


def docx_text(content: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def inflate(pdf: bytes) -> bytes:
    """The PDF with its compressed streams opened (fonts and object streams)."""
    out = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            out.append(zlib.decompressobj().decompress(pdf[match.end():]))
        except zlib.error:
            pass
    return b"\n".join(out)


# ---------------------------------------------------------------- DOCX


def test_docx_in_russian_has_the_structure_measures_and_landscape_plan(full_program):
    from docx import Document
    from docx.enum.section import WD_ORIENT

    content = documents.program_docx(full_program, "ru")
    doc = Document(io.BytesIO(content))
    text = docx_text(content)
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading 1")]
    assert headings == ["1. Утверждение и согласованность", "2. Социально-экономический паспорт", "3. Анализ ситуации: проблемы и SWOT",
                        "4. Видение («Мечта»)", "5. Приоритеты, цели и задачи", "6. План мероприятий", "7. Финансирование",
                        "8. Мониторинг и оценка", "9. Приложения"]
    assert MEASURE_WATER in text and MEASURE_RAMPS in text
    assert "ПРОЕКТ" in text  # not approved yet
    assert "Программа социально-экономического развития" in text
    assert "диаспора (соотечественники за рубежом): 1\xa0000,0" in text  # funding source of the measure, Russian number
    assert "люди с инвалидностью" in text  # target group label
    assert "с. Тосор" in text and "2\xa0650" in text  # custom profile row and a figure
    assert "Стоимость, тыс. сом" in text and "Итого" in text
    assert "1\xa0750,5" in text  # total cost of the plan, summed by the database
    assert "Туристический потенциал" in text and "Угрозы" in text

    # the action plan's section is A4 landscape, the title page's portrait
    plan_table = next(t for t in doc.tables if t.rows[0].cells[1].text == "Мера")
    assert any(c.text == MEASURE_WATER for row in plan_table.rows for c in row.cells)
    body = doc.element.body
    section_breaks = [el for el in body.iter() if el.tag.endswith("}sectPr")]
    plan_index = list(body).index(plan_table._tbl)
    following = next(el for el in list(body)[plan_index:] if el.find(".//{*}sectPr") is not None or el.tag.endswith("}sectPr"))
    sect = following if following.tag.endswith("}sectPr") else following.find(".//{*}sectPr")
    size = sect.find("{*}pgSz")
    assert size.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}orient") == "landscape"
    assert len(section_breaks) >= 3
    assert doc.sections[0].orientation == WD_ORIENT.PORTRAIT
    assert any(s.orientation == WD_ORIENT.LANDSCAPE for s in doc.sections)
    # the header row repeats on every page, and the font named has the Kyrgyz letters
    assert plan_table.rows[0]._tr.find(".//{*}tblHeader") is not None
    assert doc.styles["Normal"].font.name == documents.DOCX_FONT


def test_docx_in_kyrgyz_has_kyrgyz_headings_and_letters(full_program):
    text = docx_text(documents.program_docx(full_program, "ky"))
    assert "4. Келечектин көрүнүшү («Кыял»)" in text
    assert "6. Иш-чаралар планы" in text
    assert "Наркы, миң сом" in text  # ң
    assert "ДОЛБООР" in text
    assert "диаспора (чет өлкөдөгү мекендештер)" in text  # ө
    assert MEASURE_WATER in text  # the municipality's own text stays as written
    assert not re.search(r"\bCost, thousand som\b|\bTarget groups\b", text)


def test_approved_program_shows_the_resolution_instead_of_draft(full_program):
    approve(full_program)
    text = docx_text(documents.program_docx(full_program, "ru"))
    assert "Утверждена постановлением местного кенеша №12-3 от 15.03.2020" in text
    assert "ПРОЕКТ" not in text


def test_2024_edition_follows_its_own_sections_and_an_empty_program_renders(editions, people, territory):
    """The edition's template decides the sections; parts with nothing entered say so."""
    from aimak.programs.services.programs import start_program

    p = start_program(people["suzak_staff"], territory=territory("41703220856000"), edition=editions["2024"],
                      title="ПСЭР Сузакского АА", start_year=2025, end_year=2029, language="ky")
    m.SectionText.objects.create(program=p, section="climate", text="Сел жүрүүчү аймактар картага түшүрүлдү.")
    text = docx_text(documents.program_docx(p, "ky"))
    for heading in ("4. Маалыматтарга негизделген болжол", "6. Климаттын өзгөрүшүнө ыңгайлашуу", "11. Каржылоо жана бюджет менен байланыш"):
        assert heading in text
    assert "Сел жүрүүчү аймактар картага түшүрүлдү." in text
    assert "Азырынча иш-чаралар киргизиле элек." in text and "Азырынча жазыла элек." in text
    assert documents.program_pdf(p, "ru").startswith(b"%PDF")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(documents.plan_xlsx(p, "ru")))
    assert book["План мероприятий"].max_row == 1  # the header only


def test_unknown_language_is_refused(full_program):
    with pytest.raises(ValueError):
        documents.program_docx(full_program, "en")


# ---------------------------------------------------------------- PDF


def test_pdf_embeds_its_font_and_has_several_pages(full_program):
    pdf = documents.program_pdf(full_program, "ky")
    assert pdf.startswith(b"%PDF")
    opened = inflate(pdf)
    assert re.search(rb"/BaseFont\s*/[A-Z]{6}\+DejaVu", opened)
    assert len(re.findall(rb"/Type\s*/Page(?![s\w])", opened)) > 2  # title page, portrait and landscape pages


def test_pdf_html_has_the_measures_wide_pages_and_font(full_program):
    html = documents.program_html(full_program, "ru")
    assert MEASURE_WATER in html and MEASURE_RAMPS in html
    assert "@page wide" in html and 'class="part landscape"' in html
    assert 'font-family: "DejaVu Sans"' in html and "file://" not in html
    assert "<thead>" in html  # header rows repeat on every page
    assert "План мероприятий" in html


def test_pdf_text_reads_back_in_russian_and_kyrgyz(full_program):
    """The PDF's text is searchable and copyable: what WeasyPrint wrote maps back to the letters."""
    from pypdf import PdfReader

    for lang, words in (("ru", [MEASURE_WATER, MEASURE_RAMPS, "План мероприятий"]), ("ky", ["Иш-чаралар планы"])):
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(documents.program_pdf(full_program, lang))).pages)
        text = re.sub(r"\s+", " ", text)
        for word in words:
            assert re.sub(r"\s+", " ", word) in text, (lang, word)


# ---------------------------------------------------------------- XLSX


def test_plan_xlsx_in_russian_with_numbers(full_program):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(documents.plan_xlsx(full_program, "ru")))
    assert book.sheetnames == ["План мероприятий", "Матрица мониторинга"]
    plan = book["План мероприятий"]
    header = [c.value for c in plan[1]]
    assert header[:3] == ["№", "Мера", "Задача"]
    assert "Стоимость, тыс. сом" in header
    assert "местный бюджет, тыс. сом" in header and "диаспора (соотечественники за рубежом), тыс. сом" in header
    assert plan.freeze_panes == "C2"
    rows = [[c.value for c in row] for row in plan.iter_rows(min_row=2)]
    assert [r[1] for r in rows] == [MEASURE_WATER, MEASURE_RAMPS, "Итого"]
    cost = header.index("Стоимость, тыс. сом")
    diaspora = header.index("диаспора (соотечественники за рубежом), тыс. сом")
    local = header.index("местный бюджет, тыс. сом")
    assert rows[0][cost] == 1500 and rows[0][diaspora] == 1000 and rows[0][local] == 500
    assert rows[1][cost] == pytest.approx(250.5) and rows[1][diaspora] is None
    assert rows[2][cost] == pytest.approx(1750.5) and rows[2][local] == pytest.approx(750.5)
    assert rows[0][header.index("Год начала")] == 2020 and isinstance(rows[0][header.index("Год окончания")], int)
    assert rows[1][header.index("Целевые группы")] == "люди с инвалидностью"

    matrix = book["Матрица мониторинга"]
    header = [c.value for c in matrix[1]]
    assert "Базовое значение, женщины" in header and "Цель на 2022" in header and "2022, женщины" in header
    row = [c.value for c in matrix[2]]
    assert row[header.index("Базовое значение")] == 3100
    assert row[header.index("Базовое значение, женщины")] == 1600
    assert row[header.index("Цель на 2022")] == 5200 and row[header.index("2022, мужчины")] == 2550


# ---------------------------------------------------------------- hearing protocol


def test_hearing_protocol_has_comment_answer_and_attendance_totals(full_program):
    hearing = full_program.meetings.get(kind="hearing")
    text = docx_text(documents.hearing_protocol_docx(hearing, "ru"))
    assert "ПРОТОКОЛ" in text and "Общественные слушания по проекту" in text
    assert "20.02.2020" in text and "10:30" in text and "Дом культуры" in text
    assert COMMENT in text and "Жумалиева Г." in text and "на бумаге или устно" in text
    assert "принято частично" in text and "Верхняя улица войдёт во второй этап" in text
    assert "Внесённое изменение: Добавлен второй этап в 2022 году" in text
    assert "spam spam" not in text and "Не опубликовано модератором и не включено сюда: 1." in text
    # 22 women, 25 men, 47 in all, 2 with disabilities: summed by the database
    assert "Приняли участие: 47 чел.; женщин: 22; мужчин: 25; людей с инвалидностью: 2." in text
    from docx import Document

    doc = Document(io.BytesIO(documents.hearing_protocol_docx(hearing, "ru")))
    attendance = next(t for t in doc.tables if "из них люди с инвалидностью" in t.rows[0].cells[-1].text)
    totals = [c.text for c in attendance.rows[-1].cells]
    assert totals == ["Итого", "0", "15", "30", "2", "47", "2"]
    assert [c.text for c in attendance.rows[1].cells] == ["Женщины", "0", "0", "20", "2", "22", "2"]
    assert "Председатель: ____________________ Асанов Б." in text


# ---------------------------------------------------------------- access


def test_anonymous_downloads_an_approved_program(client, full_program):
    approve(full_program)
    response = client.get(reverse("programs:document", args=[full_program.pk, "pdf"]) + "?lang=ru")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == 'attachment; filename="sedp-41702210815000-2020-2022-ru.pdf"'
    response = client.get(reverse("programs:plan-xlsx", args=[full_program.pk]))
    assert response.status_code == 200 and response["Content-Disposition"].endswith('-2020-2022-ru.xlsx"')


def test_drafts_are_hidden_from_the_public_and_other_municipalities(client, full_program, people):
    url = reverse("programs:document", args=[full_program.pk, "docx"])
    assert client.get(url).status_code == 404
    client.force_login(people["suzak_staff"])
    assert client.get(url).status_code == 404
    assert client.get(reverse("programs:plan-xlsx", args=[full_program.pk])).status_code == 404
    client.force_login(people["staff"])
    response = client.get(url + "?lang=ky")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="sedp-41702210815000-2020-2022-ky.docx"'
    client.force_login(people["coordinator"])  # the district sees the drafts of its aiyl aimaks
    assert client.get(url).status_code == 200


def test_unknown_format_or_language_is_404(client, full_program, people):
    client.force_login(people["staff"])
    assert client.get(f"/programs/{full_program.pk}/document.odt").status_code == 404
    assert client.get(reverse("programs:document", args=[full_program.pk, "docx"]) + "?lang=en").status_code == 404


def test_protocol_needs_sign_in_and_view_where_the_program_is(client, full_program, people):
    approve(full_program)  # even approved: the protocol names people
    hearing = full_program.meetings.get(kind="hearing")
    url = reverse("programs:hearing-protocol", args=[hearing.pk])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    client.force_login(people["suzak_staff"])
    assert client.get(url).status_code == 404
    client.force_login(people["staff"])
    response = client.get(url + "?lang=ru")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="hearing-protocol-41702210815000-2020-02-20-ru.docx"'
    assert COMMENT in docx_text(response.content)


def test_pdf_tables_fit_the_page_width(full_program):
    """Five years of targets split by sex and a long unbroken word still fit inside the
    landscape page: no table and no cell reaches past the printable width."""
    from weasyprint import HTML

    full_program.end_year = 2024
    full_program.save(update_fields=["end_year"])
    m.Measure.objects.filter(title=MEASURE_RAMPS).update(expected_result="Пандусы" * 12)
    document = HTML(string=documents.program_html(full_program, "ru")).render()
    landscape = 0
    for page in document.pages:
        box = page._page_box
        right = box.margin_left + box.border_left_width + box.padding_left + box.width + box.position_x
        if box.width > box.height:
            landscape += 1
        for child in box.descendants():
            if type(child).__name__ in ("TableBox", "TableCellBox"):
                assert child.position_x + child.margin_width() <= right + 0.5, (type(child).__name__, child.position_x, child.margin_width(), right)
    assert landscape >= 1

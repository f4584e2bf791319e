"""A development program from the first step to the commission's score, in Russian, in a real browser.

Municipal staff of Barskoon start a program, fill the action plan (one measure funded by the
diaspora, one for persons with disabilities) and watch the inclusion profile change, announce
and open a public hearing; a resident comments without giving a name; staff publish and answer
it; the council's approval is recorded with its scanned resolution; the DOCX and PDF download
and contain the measure in Russian; staff apply to the open competition; the analyst closes
applications; a commission member declares no conflict, is refused a score outside the scale,
and scores the application."""

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from .test_access import sign_in

pytestmark = pytest.mark.browser

DIASPORA_MEASURE = "Консультационный центр для семей мигрантов"
DISABILITY_MEASURE = "Пандусы в школе и айыл окмоту для людей с инвалидностью"
COMMENT = "Прошу добавить освещение дороги к школе в верхней части села."
# a one-page PDF: what a scanner gives, as far as the type check is concerned
SCAN = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def today() -> str:
    """The platform's date (Bishkek), which the date checks use."""
    return datetime.now(ZoneInfo("Asia/Bishkek")).date().isoformat()


def check_status(page, code: str) -> str:
    classes = page.locator(f"#inclusion-panel #check-{code}").get_attribute("class") or ""
    return next(s for s in ("met", "partial", "missing") if s in classes.split())


def add_measure(page, *, number, title, group, cost, year, source):
    form = page.locator("form.adding")
    form.locator("input[name=number]").fill(number)
    form.locator("input[name=title]").fill(title)
    form.locator("select[name=start_year]").select_option(year)
    form.locator("select[name=end_year]").select_option(year)
    form.locator("input[name=responsible]").fill("Айыл окмоту")
    form.locator(f"input[name=target_groups][value={group}]").check()
    form.locator("input[name=cost]").fill(cost)
    form.locator("select[name='funding-0-year']").select_option(year)
    form.locator("select[name='funding-0-source']").select_option(source)
    form.locator("input[name='funding-0-amount']").fill(cost)
    form.locator("button[type=submit].btn").click()
    page.locator("#list-measure form.autosave", has_text="").filter(has=page.locator(f"input[value='{title}']")).wait_for()


def record_step(page):
    page.locator("form", has=page.get_by_role("button", name="Записать шаг")).locator("input[name='advance-date']").fill(today())
    page.get_by_role("button", name="Записать шаг").click()
    page.wait_for_load_state()
    assert not page.locator(".errorlist li").count(), page.locator(".errorlist").all_inner_texts()


def test_a_program_from_the_first_step_to_the_commissions_score_in_russian(new_context):
    staff = new_context(locale="ru-RU").new_page()
    sign_in(staff, "staff.barskoon")

    # --- start the program
    staff.goto("/programs/new/")
    assert staff.locator("html").get_attribute("lang") == "ru"
    staff.select_option("#id_edition", label="Методика 2018 года (МЭ №63-А, ГАМСУМО №01-18/56)")
    staff.fill("#id_title", "ПСЭР Барскоонского айылного аймака на 2026–2028 годы")
    staff.fill("#id_start_year", "2026")
    staff.fill("#id_end_year", "2025")  # a last year before the first: refused on the field
    staff.get_by_role("button", name="Начать программу").click()
    staff.wait_for_load_state()
    assert "Последний год не может быть раньше первого (2026)" in staff.locator("main").inner_text()
    staff.fill("#id_start_year", "2026")
    staff.fill("#id_end_year", "2028")
    staff.get_by_role("button", name="Начать программу").click()
    staff.wait_for_load_state()
    program_id = re.search(r"/programs/(\d+)/$", staff.url).group(1)

    # --- the action plan, and the inclusion profile answering as staff type
    staff.goto(f"/programs/{program_id}/section/action_plan/")
    assert check_status(staff, "migration_measures") == "missing"
    assert check_status(staff, "inclusive_measures") == "missing"
    add_measure(staff, number="1", title=DIASPORA_MEASURE, group="migrant_families", cost="500", year="2026", source="diaspora")
    staff.wait_for_function("document.querySelector('#check-migration_measures').classList.contains('met')")
    add_measure(staff, number="2", title=DISABILITY_MEASURE, group="disability", cost="200", year="2027", source="local_budget")
    staff.wait_for_function("!document.querySelector('#check-inclusive_measures').classList.contains('missing')")
    assert check_status(staff, "inclusive_budget_share") == "met"
    # autosave refuses a cost the funding lines do not add up to, on the field; the figure stays
    row = staff.locator("#list-measure form.autosave").filter(has=staff.locator(f"input[value='{DISABILITY_MEASURE}']"))
    row.locator("input[name=cost]").fill("250")
    row.locator("input[name=cost]").press("Tab")
    row.locator(".errorlist li").first.wait_for()
    assert "200" in row.locator(".errorlist li").first.inner_text() and "250" in row.locator(".errorlist li").first.inner_text()
    staff.goto(f"/programs/{program_id}/section/financing/")
    assert "700" in staff.locator("main").inner_text()

    # --- the working group (its women's share counts in the profile), then the stages to the hearing
    staff.goto(f"/programs/{program_id}/working-group/")
    for name, sex in (("Гүлнара Токтосунова", "f"), ("Айбек Осмонов", "m"), ("Жылдыз Асанова", "f")):
        form = staff.locator("#member-form")
        form.locator("input[name=name]").fill(name)
        form.locator("select[name=sex]").select_option(sex)
        form.get_by_role("button", name="Сохранить").click()
        staff.wait_for_load_state()
    assert staff.locator("main").inner_text().count("Токтосунова") >= 1
    staff.goto(f"/programs/{program_id}/")
    for _ in range(2):  # data collection, village meetings
        record_step(staff)
    staff.get_by_role("link", name="Внести сельский сход").click()
    staff.wait_for_load_state()
    staff.fill("#id_date", today())
    staff.fill("#id_place", "Школа с. Барскоон")
    staff.locator("main form button[type=submit].btn").first.click()
    staff.wait_for_load_state()
    staff.goto(f"/programs/{program_id}/")
    record_step(staff)  # the draft
    staff.get_by_role("link", name="Объявить общественные слушания").click()
    staff.wait_for_load_state()
    staff.fill("#id_date", today())
    staff.fill("#id_place", "Зал айыл окмоту, с. Барскоон")
    staff.fill("#id_announcement", "Приглашаем жителей обсудить проект программы развития на 2026–2028 годы.")
    staff.locator("main form button[type=submit].btn").first.click()
    staff.wait_for_load_state()
    staff.locator("button[name=action][value=open]").click()
    staff.wait_for_load_state()
    hearing_url = staff.locator("a[href*='/programs/hearings/']").first.get_attribute("href")
    meeting_url = staff.url
    staff.goto(f"/programs/{program_id}/")
    record_step(staff)  # to the hearing
    assert "общественные слушания" in staff.locator("main").inner_text().lower()

    # --- a resident comments without giving a name
    resident = new_context(locale="ru-RU").new_page()
    resident.goto(hearing_url)
    assert DIASPORA_MEASURE in resident.locator("main").inner_text()  # the draft, read-only
    resident.locator("textarea[name=text]").fill(COMMENT)
    resident.locator("main form button[type=submit]").last.click()
    resident.wait_for_load_state()
    assert "Ваш комментарий получен" in resident.locator("main").inner_text()

    # --- staff publish it and answer
    staff.goto(meeting_url)
    comment = staff.locator("article.comment", has_text=COMMENT)
    comment.locator("summary").click()
    comment.locator("input[name$=-decision][value=publish]").check()
    comment.get_by_role("button", name="Сохранить модерацию").click()
    comment = staff.locator("article.comment", has_text=COMMENT)
    comment.locator(".moderation-published").wait_for()
    if not comment.locator("details").get_attribute("open"):
        comment.locator("summary").click()
    comment.locator("input[name$=-answer][value=accepted]").check()
    comment.locator("textarea[name$=-change_made]").fill("Освещение дороги к школе добавлено в план мероприятий.")
    comment.locator("select[name$=-changed_measure]").select_option(label=f"1 {DIASPORA_MEASURE}")
    comment.get_by_role("button", name="Сохранить ответ").click()
    staff.locator("article.comment .answer-accepted").wait_for()
    resident.reload()
    published = resident.locator("main").inner_text()
    assert COMMENT in published and "Освещение дороги к школе добавлено" in published

    # --- revision, then the council's approval with the scanned resolution
    staff.goto(f"/programs/{program_id}/")
    record_step(staff)  # the hearing took place: revision
    staff.goto(f"/programs/{program_id}/approve/")
    staff.fill("#id_resolution_number", "14-2")
    staff.fill("#id_resolution_date", today())
    staff.set_input_files("#id_scan", files=[{"name": "postanovlenie.pdf", "mimeType": "application/pdf", "buffer": SCAN}])
    staff.locator("main form button[type=submit]").first.click()
    staff.wait_for_load_state()
    main = staff.locator("main").inner_text()
    assert "утверждена кенешем" in main.lower() or "утверждена" in main.lower(), main[:400]

    # --- the documents, in Russian, with the measure
    docx = staff.context.request.get(f"/programs/{program_id}/document.docx?lang=ru")
    assert docx.ok
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(docx.body())).paragraphs)
    tables = "\n".join(c.text for t in Document(io.BytesIO(docx.body())).tables for r in t.rows for c in r.cells)
    assert DIASPORA_MEASURE in tables and "План мероприятий" in text
    pdf = staff.context.request.get(f"/programs/{program_id}/document.pdf?lang=ru")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    from pypdf import PdfReader

    pdf_text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages))
    assert DISABILITY_MEASURE in pdf_text

    # --- staff apply to this year's competition with the program
    staff.goto("/calls/")
    staff.get_by_role("link", name=re.compile("Конкурс инклюзивных ПСЭР")).first.click()
    staff.wait_for_load_state()
    call_url = staff.url
    staff.get_by_role("link", name=re.compile("Подать заявку")).first.click()
    staff.wait_for_load_state()
    mine = staff.locator("#id_subject option", has_text="ПСЭР Барскоонского айылного аймака на 2026–2028").first.get_attribute("value")
    staff.select_option("#id_subject", mine)
    staff.fill("#id_title", "Барскоон: инклюзия в нашей программе")
    staff.fill("#id_summary", "Центр для семей мигрантов за счёт диаспоры и пандусы для людей с инвалидностью.")
    staff.get_by_role("button", name=re.compile("Подать заявку")).click()
    staff.wait_for_load_state()
    application_url = staff.url
    assert "/calls/applications/" in application_url

    # --- the analyst closes applications early; a commission member scores
    analyst = new_context(locale="ru-RU").new_page()
    sign_in(analyst, "analyst")
    analyst.goto(call_url)
    analyst.locator("input[name=early]").check()
    analyst.locator("form[action$='/step/review/'] button").click()
    analyst.wait_for_load_state()

    member = new_context(locale="ru-RU").new_page()
    sign_in(member, "commission.2")
    member.goto(application_url + "score/")
    member.locator("input[name=has_conflict][value=no]").check()
    member.get_by_role("button", name=re.compile("Заявить")).click()
    member.wait_for_load_state()
    scores = member.locator("ol.score-rows input")
    comments = member.locator("ol.score-rows textarea")
    assert scores.count() == 9
    scores.nth(0).fill("6")  # outside the 0–5 scale
    comments.nth(0).fill("Данные по полу есть не везде.")
    member.get_by_role("button", name="Сохранить мои оценки").click()
    member.wait_for_load_state()
    assert "0" in member.locator("ol.score-rows .errorlist").first.inner_text() and "5" in member.locator("ol.score-rows .errorlist").first.inner_text()
    for i in range(9):  # each score with the comment saying why
        member.locator("ol.score-rows input").nth(i).fill(str(2 + i % 4))
        member.locator("ol.score-rows textarea").nth(i).fill("Оценка по профилю инклюзивности и плану мероприятий.")
    member.get_by_role("button", name="Сохранить мои оценки").click()
    member.wait_for_load_state()
    assert not member.locator("ol.score-rows .errorlist").count()
    assert member.locator("ol.score-rows input").nth(1).input_value() == "3"

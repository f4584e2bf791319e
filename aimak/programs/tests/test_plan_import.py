"""The action plan and indicator matrix from Excel: the template round trip, importing twice,
and a bad file refused row by row with nothing written."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import load_workbook

from aimak.programs.models import Measure, ProgramIndicator
from aimak.programs.selectors.content import program_content
from aimak.programs.services import content, plan_import

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def client(client):
    client.cookies["aimak_language"] = "en"
    return client


def fill(data: bytes, plan_rows=(), indicator_rows=(), headers_changed=None) -> bytes:
    """The template with rows appended, each a {header: value} dict."""
    book = load_workbook(io.BytesIO(data))
    for title, rows in (("Action plan", plan_rows), ("Indicators", indicator_rows)):
        sheet = book[title]
        header = {cell.value: cell.column for cell in sheet[1]}
        for values in rows:
            line = sheet.max_row + 1
            for name, value in values.items():
                sheet.cell(row=line, column=header[name], value=value)
    if headers_changed:
        sheet = book["Action plan"]
        for cell in sheet[1]:
            if cell.value in headers_changed:
                cell.value = headers_changed[cell.value]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


RAMP = {"No.": "1", "Measure": "Ramp at the school", "Goal or objective (No.)": "1.1", "From year": 2020, "Until year": 2021,
        "Responsible": "AO", "Target groups": "persons with disabilities; youth", "Cost, thousand som": 100,
        "2020 · local budget": 60, "2021 · diaspora (compatriots abroad)": 40}
ROAD = {"No.": "2", "Measure": "Road to Tamga", "From year": 2021, "From quarter": 2, "Until year": 2022, "Until quarter": 3,
        "Cost, thousand som": 250.5, "2022 · republican budget": 250.5}
TRAINED = {"Indicator": "People trained", "Unit": "people", "Counts people (yes/no)": "yes", "Measure (No.)": "1",
           "Baseline": 10, "Baseline, women": 4, "Baseline, men": 6, "Baseline year": 2019,
           "Target 2020": 20, "Target 2020, women": 10, "Target 2020, men": 10, "Data source": "AO register"}


@pytest.fixture
def goal(program, people):
    return content.save_goal(people["staff"], program, {"level": "goal", "number": "1.1", "title": "Accessible buildings"})


def test_the_template_has_the_sheets_headers_and_lists(program, goal):
    book = load_workbook(io.BytesIO(plan_import.template_workbook(program)))
    assert book.sheetnames[:3] == ["Instructions", "Lists", "Action plan"] and "Indicators" in book.sheetnames
    assert book["Lists"].sheet_state == "hidden"
    headers = [c.value for c in book["Action plan"][1]]
    assert headers[:12] == ["No.", "Measure", "Goal or objective (No.)", "Expected result", "Indicator of the result", "From year",
                            "From quarter", "Until year", "Until quarter", "Responsible", "Target groups", "Cost, thousand som"]
    assert len(headers) == 12 + 3 * 7 and "2022 · community contribution (ashar)" in headers
    assert "Target 2022, men" in [c.value for c in book["Indicators"][1]]
    assert book["Action plan"].data_validations.dataValidation  # drop-down lists of years, quarters, goals


def test_a_template_downloaded_in_russian_imports_on_an_english_page(program, people):
    with translation.override("ru"):
        data = plan_import.template_workbook(program)
        codes = [code for code, _header in plan_import.plan_columns(program)]
        title = str(plan_import.PLAN_SHEET)
    book = load_workbook(io.BytesIO(data))
    sheet = book[title]
    values = {"number": "7", "title": "Курсы для вернувшихся мигрантов", "start_year": 2020, "end_year": 2020, "cost": 30,
              "target_groups": "returnees", "funding:2020:donor": 30}
    for code, value in values.items():
        sheet.cell(row=2, column=codes.index(code) + 1, value=value)
    out = io.BytesIO()
    book.save(out)
    report = plan_import.import_plan(people["staff"], program, out.getvalue(), dry_run=False)
    assert report.committed and report.created == 1
    assert Measure.objects.get().target_groups == ["returnees"]


def test_round_trip_then_importing_twice_changes_nothing(client, program, goal, people):
    client.force_login(people["staff"])
    template = client.get(f"/programs/{program.pk}/import/template.xlsx")
    assert template.status_code == 200 and template["Content-Type"] == XLSX
    filled = fill(template.content, [RAMP, ROAD], [TRAINED])

    preview = client.post(f"/programs/{program.pk}/import/", {"file": SimpleUploadedFile("plan.xlsx", filled, XLSX)})
    html = preview.content.decode()
    assert preview.status_code == 200 and "Preview: nothing is saved yet" in html
    assert not Measure.objects.exists()  # a dry run
    digest = html.split('name="digest" value="')[1].split('"')[0]
    done = client.post(f"/programs/{program.pk}/import/", {"confirm": "1", "digest": digest})
    assert done.status_code == 302

    ramp, road = Measure.objects.order_by("number")
    assert (ramp.title, ramp.objective, ramp.start_year, ramp.end_year, ramp.cost, ramp.target_groups) == (
        "Ramp at the school", goal, 2020, 2021, Decimal("100"), ["youth", "disability"])
    assert sorted((f.year, f.source, f.amount) for f in ramp.funding.all()) == [(2020, "local_budget", 60), (2021, "diaspora", 40)]
    assert (road.start_quarter, road.end_quarter, road.cost) == (2, 3, Decimal("250.5"))
    trained = ProgramIndicator.objects.get()
    assert (trained.counts_people, trained.measure, trained.baseline_women, trained.baseline_year) == (True, ramp, 4, 2019)
    assert [(t.year, t.value, t.women, t.men) for t in trained.targets.all()] == [(2020, 20, 10, 10)]

    # the template now holds these rows; uploading it again changes nothing
    before = program_content(program)
    again = client.get(f"/programs/{program.pk}/import/template.xlsx").content
    report = plan_import.import_plan(people["staff"], program, again, dry_run=False)
    assert report.committed and (report.created, report.updated, report.unchanged) == (0, 0, 3)
    report = plan_import.import_plan(people["staff"], program, filled, dry_run=False)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert program_content(program) == before

    # a corrected cost and its funding is an update in place, matched by number
    changed = fill(again, [])
    book = load_workbook(io.BytesIO(changed))
    sheet = book["Action plan"]
    header = {c.value: c.column for c in sheet[1]}
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(row=r, column=1).value == "1")
    sheet.cell(row=row, column=header["Cost, thousand som"], value=120)
    sheet.cell(row=row, column=header["2020 · local budget"], value=80)
    out = io.BytesIO()
    book.save(out)
    report = plan_import.import_plan(people["staff"], program, out.getvalue(), dry_run=False)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    assert Measure.objects.count() == 2 and Measure.objects.get(number="1").cost == 120


def test_a_bad_file_is_refused_row_by_row_and_nothing_is_written(program, people):
    template = plan_import.template_workbook(program)
    bad = fill(template, [
        ROAD,  # a good row: still not written
        {**RAMP, "Goal or objective (No.)": None, "Cost, thousand som": -5},
        {**RAMP, "No.": "3", "Goal or objective (No.)": None, "Cost, thousand som": 120},
        {**RAMP, "No.": "4", "Goal or objective (No.)": None, "From year": 2019},
        {**RAMP, "No.": "5", "Goal or objective (No.)": "9.9", "Target groups": "aliens"},
        {**RAMP, "No.": "2", "Goal or objective (No.)": None},
    ], [{**TRAINED, "Target 2020, men": 11}, {"Indicator": "Roads", "Counts people (yes/no)": "maybe"}])
    report = plan_import.import_plan(people["staff"], program, bad, dry_run=False)
    assert not report.committed
    found = {(i.line, i.key) for i in report.rejected}
    assert (3, "Action plan · Cost, thousand som") in found
    assert (4, "Action plan · Cost, thousand som") in found  # 100 in funding, 120 cost
    assert any(i.line == 4 and "100" in i.message and "120" in i.message for i in report.rejected)
    assert (5, "Action plan · From year") in found
    assert (6, "Action plan · Goal or objective (No.)") in found and (6, "Action plan · Target groups") in found
    assert (7, "Action plan · No.") in found  # number 2 is also on line 2
    assert (2, "Indicators · Target 2020, men") in found
    assert (3, "Indicators · Counts people (yes/no)") in found
    assert not Measure.objects.exists() and not ProgramIndicator.objects.exists()
    assert "line 3: Action plan · Cost, thousand som: Cannot be negative" in report.as_text()


def test_unknown_columns_and_unreadable_files(program, people):
    template = plan_import.template_workbook(program)
    renamed = fill(template, [ROAD], headers_changed={"2020 · other": "2020 · gold"})
    report = plan_import.import_plan(people["staff"], program, renamed, dry_run=True)
    assert any("2020 · gold" in i.message and i.line == 1 for i in report.rejected)
    report = plan_import.import_plan(people["staff"], program, b"%PDF-1.4 not a workbook", dry_run=True)
    assert not report.ok and "not an Excel workbook" in report.rejected[0].message


def test_only_staff_where_the_program_is_import(client, program, people):
    with pytest.raises(PermissionDenied):
        plan_import.import_plan(people["suzak_staff"], program, plan_import.template_workbook(program), dry_run=True)
    client.force_login(people["suzak_staff"])
    assert client.get(f"/programs/{program.pk}/import/").status_code == 403

"""Excel templates of the reporting forms: what the workbook holds, and what comes back in."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from aimak.accounts.tests.factories import person
from aimak.audit.models import ChangeRecord, SecurityEvent
from aimak.core.imports import SourceError
from aimak.monitoring import periods
from aimak.monitoring.models import DataValue, FormAssignment, Indicator, Report, ReportEvent
from aimak.monitoring.selectors import forms as form_selectors
from aimak.monitoring.services import reporting
from aimak.monitoring.tests import factories as mf

from ..services import spreadsheets as sheets
from ..services.delivery import Delivery, deliver

pytestmark = pytest.mark.django_db
BARSKOON, JETI_OGUZ, SUZAK_AA = "41702210815000", "41702210000000", "41703220856000"
MARCH = periods.PeriodSpan("monthly", date(2026, 3, 1))
CODES = ["territory", "name", "status", "t-fights:total", "t-fights:f", "t-fights:m", "t-protest:total",
         *(f"t-protest:{s}_{a}" for s in "fm" for a in ("0_17", "18_29", "30_59", "60")),
         "t-trust:total", "t-water:total", "t-mood:total", "t-budget:total"]
COL = {code: i + 1 for i, code in enumerate(CODES)}  # 1-based column of each code
L = {code: get_column_letter(i) for code, i in COL.items()}  # its letter: t-trust:total is P
GOOD = {"t-fights:total": 3, "t-fights:f": 1, "t-protest:total": 0, "t-trust:total": 40, "t-water:total": "no", "t-mood:total": 2}
FULL = {("t-fights", ""): "3", ("t-fights", "f"): "1", ("t-trust", ""): "40", ("t-water", ""): "нет", ("t-mood", ""): "2",
        ("t-protest", ""): "0", ("t-budget", ""): "1234.5"}


@pytest.fixture
def form(territory):
    form = mf.reporting_test_form()
    FormAssignment.objects.create(form=form, area=territory(JETI_OGUZ), kinds=["aiyl_aimak"])
    return form


@pytest.fixture
def client(client):
    client.cookies["aimak_language"] = "en"
    return client


@pytest.fixture
def quick(monkeypatch):
    """Analysis refresh off for speed (test_done_means runs the real one)."""
    monkeypatch.setattr("aimak.monitoring.services.analytics.refresh_after_report", lambda report: None)


def jeti_oguz_codes(form):
    return list(form_selectors.expected_territories(form, as_of=MARCH.end).order_by("path").values_list("code", flat=True))


def fill(content: bytes, rows: dict[int, dict]) -> bytes:
    """Type values into a template: {sheet row: {column code: value}}."""
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    for row, cells in rows.items():
        for code, value in cells.items():
            sheet.cell(row, COL[code]).value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row_of(content: bytes, code: str) -> int:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return next(r for r in range(sheets.FIRST_ROW, sheet.max_row + 1) if sheet.cell(r, 1).value == code)


def upload(content: bytes, name="template.xlsx"):
    return SimpleUploadedFile(name, content, content_type=sheets.XLSX_TYPE)


def stored(territory_code):
    return {(v.indicator.code, v.category): v.value for v in DataValue.objects.filter(territory__code=territory_code).select_related("indicator")}


# --- the template -------------------------------------------------------------------------------


def test_the_template_has_one_row_per_territory_and_checks_each_value(form, territory):
    coordinator = person("c", "district_coordinator", JETI_OGUZ)
    content = sheets.build_template(coordinator, form, MARCH)
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    assert sheet["B1"].value == "t-monthly" and sheet["B2"].value == "2026-03"
    assert [sheet.cell(sheets.CODE_ROW, c).value for c in range(1, len(CODES) + 2)] == [*CODES, None]  # no formula column
    assert sheet.row_dimensions[sheets.CODE_ROW].hidden
    codes = jeti_oguz_codes(form)
    assert BARSKOON in codes and len(codes) > 3
    assert [sheet.cell(r, 1).value for r in range(sheets.FIRST_ROW, sheet.max_row + 1)] == codes
    assert sheet.cell(sheets.NAME_ROW, COL["t-fights:total"]).value == "Fights"
    assert sheet.cell(sheets.NAME_ROW, COL["t-budget:total"]).value == "Spending on dialogue, som (optional)"
    assert [sheet.cell(sheets.CATEGORY_ROW, COL[c]).value for c in ("t-fights:total", "t-fights:f", "t-fights:m")] == ["total", "women", "men"]
    assert "D4:F4" in {str(r) for r in sheet.merged_cells.ranges}
    # protected except the value cells
    assert sheet.protection.sheet and book.security.lockStructure
    assert not sheet.cell(sheets.FIRST_ROW, COL["t-trust:total"]).protection.locked
    assert sheet.cell(sheets.FIRST_ROW, 1).protection.locked and sheet.cell(sheets.NAME_ROW, 4).protection.locked
    last = sheets.FIRST_ROW + len(codes) - 1
    rules = {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation}
    water, mood = rules[f"Q7:Q{last}"], rules[f"R7:R{last}"]
    assert (water.type, water.formula1) == ("list", '"yes,no"')
    assert (mood.type, mood.formula1, mood.formula2) == ("whole", "1", "5")
    trust, fights, budget = rules[f"P7:P{last}"], rules[f"D7:D{last}"], rules[f"S7:S{last}"]
    assert (trust.type, trust.formula1, trust.formula2) == ("decimal", "0", "100")
    assert (fights.type, fights.formula1, fights.formula2) == ("whole", "0", "999999999999")
    assert (budget.type, budget.formula1) == ("decimal", "-999999999999")
    assert trust.error == "Trust in the aiyl okmotu: enter a number from 0 to 100." and trust.showErrorMessage
    assert fights.error == "Fights: enter a whole number of at least 0." and budget.error == "Spending on dialogue: enter a number."
    # an indicator's own range narrows the type's
    Indicator.objects.filter(code="t-trust").update(min_value=Decimal("10.5"), max_value=Decimal(90))
    sheet = load_workbook(io.BytesIO(sheets.build_template(coordinator, form, MARCH))).worksheets[0]
    trust = {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation}[f"P7:P{last}"]
    assert (trust.formula1, trust.formula2) == ("10.5", "90")


def test_kyrgyz_labels_when_the_user_reads_kyrgyz(form, territory):
    Indicator.objects.filter(code="t-fights").update(name_ky="Мушташтар")
    monitor = person("m", "local_monitor", BARSKOON)
    with translation.override("ky"):
        content = sheets.build_template(monitor, form, MARCH)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert sheet.cell(sheets.NAME_ROW, COL["t-fights:total"]).value == "Мушташтар"
    assert sheet.cell(sheets.CATEGORY_ROW, COL["t-fights:f"]).value == "аялдар"
    water = next(dv for dv in sheet.data_validations.dataValidation if dv.type == "list")
    assert water.formula1 == '"ооба,жок"'
    assert sheet.cell(sheets.CODE_ROW, COL["t-fights:f"]).value == "t-fights:f"  # codes never translated


def test_a_monitor_gets_only_their_territory_and_an_analyst_none(form, territory):
    monitor = person("m", "local_monitor", BARSKOON)
    sheet = load_workbook(io.BytesIO(sheets.build_template(monitor, form, MARCH))).worksheets[0]
    assert [sheet.cell(r, 1).value for r in range(sheets.FIRST_ROW, sheet.max_row + 1)] == [BARSKOON]
    with pytest.raises(ValidationError):
        sheets.build_template(person("a", "national_analyst", "41700000000000"), form, MARCH)
    with pytest.raises(ValidationError):
        sheets.build_template(person("s", "local_monitor", SUZAK_AA), form, MARCH)
    assert sheets.forms_for(person("s2", "local_monitor", SUZAK_AA)) == []


# --- the "done means" ---------------------------------------------------------------------


def test_one_bad_row_rejects_the_file_then_valid_rows_import_the_rest(form, territory):
    """Real analysis refresh here."""
    coordinator = person("c", "district_coordinator", JETI_OGUZ)
    content = sheets.build_template(coordinator, form, MARCH)
    codes = jeti_oguz_codes(form)
    first, second, third = (row_of(content, code) for code in codes[:3])
    filled = fill(content, {first: GOOD, second: {**GOOD, "t-trust:total": 140}, third: {**GOOD, "t-fights:total": 5}})

    result = sheets.import_template(coordinator, upload(filled), form, MARCH)
    assert not result.committed and not Report.objects.exists()
    assert [(r.row, r.code) for r in result.rejected_rows] == [(second, codes[1])]
    [error] = result.rejected_rows[0].errors
    assert error.cell == f"P{second}" and error.message == "Trust in the aiyl okmotu: a percentage must be between 0 and 100."
    assert result.created == 2  # what would have been started

    result = sheets.import_template(coordinator, upload(filled), form, MARCH, valid_rows_only=True)
    assert result.committed and result.created == 2
    assert [r.row for r in result.rejected_rows] == [second]
    assert set(Report.objects.values_list("territory__code", "status")) == {(codes[0], "submitted"), (codes[2], "submitted")}
    assert stored(codes[2])[("t-fights", "")] == Decimal(5) and stored(codes[0])[("t-water", "")] == Decimal(0)
    assert stored(codes[0])[("t-fights", "f")] == Decimal(1) and ("t-fights", "m") not in stored(codes[0])  # empty is no value


def test_the_page_does_the_same_through_the_browser(form, territory, client, quick):
    coordinator = person("c", "district_coordinator", JETI_OGUZ)
    client.force_login(coordinator)
    page = client.get(reverse("exchange:spreadsheets"))
    assert page.status_code == 200 and b"t-monthly" in page.content
    response = client.get(reverse("exchange:spreadsheet-template"), {"form": "t-monthly", "period": "2026-03"})
    assert response.status_code == 200 and response["Content-Type"] == sheets.XLSX_TYPE
    assert 't-monthly-2026-03.xlsx' in response["Content-Disposition"]
    content = response.content
    bad = row_of(content, BARSKOON)
    filled = fill(content, {bad: {**GOOD, "t-fights:total": "many"}, bad + 1: GOOD})
    data = {"form": "t-monthly", "period": "2026-03", "mode": "all", "submit": "on", "file": upload(filled)}
    response = client.post(reverse("exchange:spreadsheets"), data)
    assert response.status_code == 200 and not Report.objects.exists()
    text = response.content.decode()
    assert f"D{bad}" in text and "Fights: enter a whole number." in text and "Nothing was saved" in text
    data = {"form": "t-monthly", "period": "2026-03", "mode": "valid", "file": upload(filled)}  # "submit" unticked: drafts
    response = client.post(reverse("exchange:spreadsheets"), data)
    good = load_workbook(io.BytesIO(content)).worksheets[0].cell(bad + 1, 1).value
    assert [tuple(r) for r in Report.objects.values_list("territory__code", "status")] == [(good, "draft")]
    assert "The valid rows were saved" in response.content.decode()


# --- the round trip ------------------------------------------------------------------------------


def test_a_prefilled_template_imports_again_without_any_change(form, territory, client, quick):
    monitor = person("m", "local_monitor", BARSKOON)
    coordinator = person("c", "district_coordinator", JETI_OGUZ)
    codes = [BARSKOON, *(c for c in jeti_oguz_codes(form) if c != BARSKOON)]
    report = deliver(monitor, Delivery(form, territory(BARSKOON), MARCH.start, dict(FULL)))
    reporting.approve(coordinator, report)  # approved and locked: unchanged is still fine
    deliver(coordinator, Delivery(form, territory(codes[1]), MARCH.start, {**FULL, ("t-budget", ""): "0.1234"}))
    deliver(coordinator, Delivery(form, territory(codes[2]), MARCH.start, {**FULL, ("t-fights", ""): "2"}), submit=False)  # a draft
    client.force_login(coordinator)
    response = client.get(reverse("exchange:spreadsheet-template"), {"form": "t-monthly", "period": "2026-03", "filled": "1"})
    content = response.content
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    row = row_of(content, BARSKOON)
    assert sheet.cell(row, COL["t-fights:total"]).value == 3 and sheet.cell(row, COL["t-water:total"]).value == "no"
    assert sheet.cell(row, COL["t-budget:total"]).value == 1234.5 and sheet.cell(row, COL["t-fights:m"]).value is None
    assert sheet.cell(row, COL["status"]).value == "approved by the district"

    last_record = ChangeRecord.objects.order_by("-pk").values_list("pk", flat=True).first()
    before = (ChangeRecord.objects.count(), ReportEvent.objects.count(), {c: stored(c) for c in codes[:3]})
    data = {"form": "t-monthly", "period": "2026-03", "mode": "all", "file": upload(content)}  # as drafts: no submission
    response = client.post(reverse("exchange:spreadsheets"), data)
    result = response.context["result"]
    assert result.committed and (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert (ChangeRecord.objects.count(), ReportEvent.objects.count(), {c: stored(c) for c in codes[:3]}) == before
    # with "submit" ticked the draft is submitted, the others still untouched
    result = sheets.import_template(coordinator, upload(content), form, MARCH, submit=True)
    assert (result.updated, result.unchanged) == (1, 2)
    assert Report.objects.get(territory__code=codes[2]).status == "submitted"
    assert not ChangeRecord.objects.filter(pk__gt=last_record, object_type__icontains="datavalue").exists()


def test_empty_cells_keep_values_unless_asked_to_clear(form, territory, quick):
    monitor = person("m", "local_monitor", BARSKOON)
    deliver(monitor, Delivery(form, territory(BARSKOON), MARCH.start, dict(FULL)))
    content = sheets.build_template(monitor, form, MARCH, filled=True)
    row = row_of(content, BARSKOON)
    edited = fill(content, {row: {"t-budget:total": None, "t-fights:f": None, "t-fights:total": 4}})
    result = sheets.import_template(monitor, upload(edited), form, MARCH)
    assert result.updated == 1
    assert stored(BARSKOON)[("t-fights", "")] == 4 and stored(BARSKOON)[("t-budget", "")] == Decimal("1234.5")
    result = sheets.import_template(monitor, upload(edited), form, MARCH, clear_empty=True)
    assert result.committed and ("t-budget", "") not in stored(BARSKOON) and ("t-fights", "f") not in stored(BARSKOON)


def test_check_only_writes_nothing(form, territory, quick):
    monitor = person("m", "local_monitor", BARSKOON)
    content = sheets.build_template(monitor, form, MARCH)
    result = sheets.import_template(monitor, upload(fill(content, {sheets.FIRST_ROW: GOOD})), form, MARCH, dry_run=True)
    assert result.dry_run and not result.committed and result.created == 1 and not result.rejected
    assert not Report.objects.exists()


# --- bad input -----------------------------------------------------------------------------------


def test_a_file_that_is_not_a_template_is_refused_whole(form, territory, quick):
    monitor = person("m", "local_monitor", BARSKOON)
    with pytest.raises(SourceError, match=r"not an Excel workbook \(.xlsx\)"):
        sheets.import_template(monitor, upload(b"territory,t-fights\n41702210815000,3\n", "data.csv"), form, MARCH)
    with pytest.raises(SourceError, match="not an Excel workbook"):
        sheets.import_template(monitor, upload(b"PK\x03\x04 broken zip"), form, MARCH)
    with pytest.raises(SourceError, match="larger than 10 MB"):
        sheets.import_template(monitor, upload(b"PK" + b"0" * (10 * 1024 * 1024)), form, MARCH)
    february = sheets.build_template(monitor, form, periods.PeriodSpan("monthly", date(2026, 2, 1)))
    with pytest.raises(SourceError) as excinfo:
        sheets.import_template(monitor, upload(february), form, MARCH)
    assert str(excinfo.value).startswith("This is the template of the form “t-monthly” for 2026-02, but you chose the form “t-monthly” for 2026-03.")
    other = mf.reporting_test_form("t-other")
    FormAssignment.objects.create(form=other, area=territory(JETI_OGUZ), kinds=["aiyl_aimak"])
    with pytest.raises(SourceError, match="template of the form “t-other” for 2026-03"):
        sheets.import_template(monitor, upload(sheets.build_template(monitor, other, MARCH)), form, MARCH)
    content = sheets.build_template(monitor, form, MARCH)
    book = load_workbook(io.BytesIO(content))
    book.worksheets[0].cell(sheets.CODE_ROW, COL["t-trust:total"], "t-mood:total")
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(SourceError, match="column P should hold “t-trust:total” but holds “t-mood:total”"):
        sheets.import_template(monitor, upload(out.getvalue()), form, MARCH)
    book.worksheets[0].delete_rows(sheets.CODE_ROW)
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(SourceError, match="not an Aimak template"):
        sheets.import_template(monitor, upload(out.getvalue()), form, MARCH)
    assert not Report.objects.exists()


def test_the_page_says_why_a_file_is_refused(form, territory, client, quick):
    client.force_login(person("m", "local_monitor", BARSKOON))
    response = client.post(reverse("exchange:spreadsheets"), {"form": "t-monthly", "period": "2026-03", "mode": "all",
                                                              "file": upload(b"hello", "notes.txt")})
    assert response.status_code == 400 and "is not an Excel workbook" in response.content.decode()
    response = client.get(reverse("exchange:spreadsheet-template"), {"form": "t-monthly", "period": "2026-13"})
    assert response.status_code == 302
    response = client.get(reverse("exchange:spreadsheet-template"), {"form": "t-monthly", "period": "2026Q1"}, follow=True)
    assert "the period 2026Q1 does not fit" in response.content.decode()


def test_bad_rows_are_named_with_their_reasons(form, territory, quick):
    coordinator = person("c", "district_coordinator", JETI_OGUZ)
    codes = jeti_oguz_codes(form)
    content = sheets.build_template(coordinator, form, MARCH)
    r1, r2, r3, r4 = (row_of(content, code) for code in codes[:4])
    filled = fill(content, {
        r1: {**GOOD, "t-mood:total": 7, "t-water:total": "maybe"},  # out of range, not yes/no
        r2: {**GOOD, "territory": "41799999999999"},  # unknown code
        r3: {**GOOD, "territory": codes[3]},  # the same territory twice
        r4: GOOD,
    })
    last = load_workbook(io.BytesIO(filled)).worksheets[0].max_row
    filled = fill(filled, {last + 1: {**GOOD, "territory": SUZAK_AA}, last + 2: {"t-fights:total": 1}})  # foreign, no code
    result = sheets.import_template(coordinator, upload(filled), form, MARCH, valid_rows_only=True)
    reasons = {r.row: [(e.cell, e.message) for e in r.errors] for r in result.rejected_rows}
    assert sorted(reasons[r1]) == [(f"Q{r1}", "Water dispute: answer yes or no."), (f"R{r1}", "Mood: choose a score from 1 to 5.")]
    assert reasons[r2] == [(f"A{r2}", "No territory has the code “41799999999999”.")]
    duplicated = territory(codes[3])
    assert reasons[r3] == reasons[r4] == [("", f"{duplicated} appears in rows {r3}, {r4}; keep one row per territory.")]
    assert reasons[last + 1] == [("", f"You may not report for {territory(SUZAK_AA)}.")]
    assert reasons[last + 2] == [(f"A{last + 2}", "The territory code is missing.")]
    assert not Report.objects.exists()
    assert SecurityEvent.objects.filter(kind="permission_refused", username="c", detail__territories=[SUZAK_AA]).exists()


def test_a_monitor_cannot_import_rows_of_other_territories(form, territory, quick):
    coordinator = person("c", "district_coordinator", JETI_OGUZ)
    monitor = person("m", "local_monitor", BARSKOON)
    codes = jeti_oguz_codes(form)
    content = sheets.build_template(coordinator, form, MARCH)
    other = next(c for c in codes if c != BARSKOON)
    filled = fill(content, {row_of(content, BARSKOON): GOOD, row_of(content, other): GOOD})
    result = sheets.import_template(monitor, upload(filled), form, MARCH)
    assert not result.committed and [r.code for r in result.rejected_rows] == [other]
    result = sheets.import_template(monitor, upload(filled), form, MARCH, valid_rows_only=True)
    assert list(Report.objects.values_list("territory__code", flat=True)) == [BARSKOON]


def test_an_approved_report_refuses_changes(form, territory, quick):
    monitor = person("m", "local_monitor", BARSKOON)
    report = deliver(monitor, Delivery(form, territory(BARSKOON), MARCH.start, dict(FULL)))
    reporting.approve(person("c", "district_coordinator", JETI_OGUZ), report)
    content = sheets.build_template(monitor, form, MARCH, filled=True)
    row = row_of(content, BARSKOON)
    result = sheets.import_template(monitor, upload(fill(content, {row: {"t-fights:total": 9}})), form, MARCH)
    [rejected] = result.rejected_rows
    assert "approved and locked" in rejected.errors[0].message and rejected.errors[0].cell == ""
    assert stored(BARSKOON)[("t-fights", "")] == 3


def test_submission_needs_the_required_totals(form, territory, quick):
    monitor = person("m", "local_monitor", BARSKOON)
    content = sheets.build_template(monitor, form, MARCH)
    row = row_of(content, BARSKOON)
    result = sheets.import_template(monitor, upload(fill(content, {row: {"t-fights:total": 2}})), form, MARCH)
    cells = {e.cell for e in result.rejected_rows[0].errors}
    assert {f"G{row}", f"P{row}", f"Q{row}", f"R{row}"} <= cells  # protesters, trust, water, mood totals missing
    result = sheets.import_template(monitor, upload(fill(content, {row: {"t-fights:total": 2}})), form, MARCH, submit=False)
    assert result.committed and Report.objects.get().status == "draft"


# --- the API -------------------------------------------------------------------------------------


def test_the_api_serves_the_template_and_imports_it(form, territory, client, quick):
    monitor = person("m", "local_monitor", BARSKOON)
    client.force_login(monitor)
    url = "/api/exchange/spreadsheets/t-monthly/2026-03/"
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == sheets.XLSX_TYPE
    content = response.content
    bad = fill(content, {sheets.FIRST_ROW: {**GOOD, "t-trust:total": "lots"}})
    response = client.post(url, {"file": upload(bad)})
    assert response.status_code == 400 and not Report.objects.exists()
    assert response.json()["rows"] == [{"row": 7, "territory": BARSKOON, "outcome": "rejected", "errors": [
        {"cell": "P7", "column": "t-trust:total", "message": "Trust in the aiyl okmotu: enter a number."}]}]
    response = client.post(url, {"file": upload(fill(content, {sheets.FIRST_ROW: GOOD})), "submit": "false"})
    assert response.status_code == 200 and response.json()["created"] == 1
    assert Report.objects.get().status == "draft"
    assert client.post(url, {"file": upload(b"not a workbook")}).json()["file"][0].startswith("The file is not an Excel workbook")
    assert client.get("/api/exchange/spreadsheets/t-monthly/2026Q1/").status_code == 400

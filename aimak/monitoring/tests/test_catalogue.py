"""The indicator catalogue: the starting file, import checks, round trips, versions, permissions,
closing periods."""

import copy
import io
import json
import re
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client

from aimak.accounts.models import Role, RoleAssignment, User
from aimak.audit.models import ChangeRecord
from aimak.territories.selectors import by_code

from ..models import Domain, FormAssignment, Indicator, IndicatorVersion, PeriodClosure, ReportingForm
from ..selectors import catalogue as selectors
from ..selectors.forms import expected_territories, is_closed
from ..services import catalogue as services

pytestmark = pytest.mark.django_db
STARTING = Path(services.__file__).resolve().parents[1] / "catalogue" / "starting_catalogue.json"
COUNTRY, BARSKOON, JETI_OGUZ = "41700000000000", "41702210815000", "41702210000000"
KYRGYZ_LETTERS = re.compile("[өүңӨҮҢ]")


@pytest.fixture(autouse=True)
def roles():
    from aimak.accounts.services import sync_builtin_roles

    sync_builtin_roles()


def starting() -> dict:
    return json.loads(STARTING.read_text(encoding="utf-8"))


def person(username, role, code):
    user = User.objects.create_user(username, password="a-long-test-password")
    RoleAssignment.objects.create(user=user, role=Role.objects.get(code=role), territory=by_code(code))
    return user


def client_for(user):
    c = Client()
    c.force_login(user)
    c.cookies["aimak_language"] = "en"
    return c


@pytest.fixture
def loaded():
    report = services.import_catalogue(starting())
    assert report.committed, report.as_text()
    return report


def rejected(report):
    return [(i.line, i.key, i.message) for i in report.rejected]


# --- the starting catalogue --------------------------------------------------------------------


def test_starting_catalogue_loads(loaded):
    assert Domain.objects.count() == 6
    assert set(Domain.objects.values_list("code", flat=True)) == {"incidents", "grievances", "stressors", "perceptions", "peace", "response"}
    count = Indicator.objects.count()
    assert 48 <= count <= 56
    assert loaded.created == 6 + count + 3  # domains, indicators, forms (monthly, perceptions, incident register)
    for i in Indicator.objects.all():
        for lang in ("ky", "ru", "en"):
            assert getattr(i, f"name_{lang}").strip(), (i.code, lang)
            assert len(getattr(i, f"definition_{lang}").strip()) > 30, (i.code, lang)
        assert i.version == 1 and i.versions.count() == 1
    assert any(KYRGYZ_LETTERS.search(i.name_ky) for i in Indicator.objects.all())
    assert Indicator.objects.get(code="intergroup-fights").name_ky == "Топтор аралык мушташуулар"
    formulas = Indicator.objects.filter(numerator__isnull=False)
    assert formulas.count() >= 3
    for f in formulas:
        assert f.denominator_id and f.numerator.period_type == f.period_type == f.denominator.period_type
    share = Indicator.objects.get(code="appeals-resolved-share")
    assert (share.numerator.code, share.denominator.code, share.factor) == ("appeals-resolved-30d", "appeals-received", 100)
    fatalities = Indicator.objects.get(code="fatalities")
    assert fatalities.thresholds == {"red": 1} and fatalities.critical_value == 1 and fatalities.disaggregation == "sex"
    assert Indicator.objects.get(code="mob-violence").thresholds == {"orange": 1, "red": 2}
    assert Indicator.objects.get(code="joint-events").polarity == -1
    assert Indicator.objects.get(code="youth-unemployed").disaggregation == "sex_age"


def test_starting_forms_and_assignments(loaded):
    monthly, survey = ReportingForm.objects.get(code="monthly"), ReportingForm.objects.get(code="perceptions")
    assert (monthly.period_type, monthly.days_allowed, monthly.first_period) == ("monthly", 10, date(2024, 11, 1))
    assert (survey.period_type, survey.days_allowed) == ("quarterly", 30)
    entered_monthly = Indicator.objects.filter(period_type="monthly", numerator__isnull=True, value_origin="entered")
    assert set(monthly.indicators.values_list("code", flat=True)) == set(entered_monthly.values_list("code", flat=True))
    register = ReportingForm.objects.get(is_register=True)
    counted = Indicator.objects.filter(value_origin="incidents")
    assert counted.count() == 15 and set(register.indicators.values_list("code", flat=True)) == set(counted.values_list("code", flat=True))
    assert not register.assignments.exists()
    assert set(survey.indicators.values_list("period_type", flat=True)) == {"quarterly"}
    areas = set(FormAssignment.objects.filter(form=monthly).values_list("area__code", flat=True))
    assert len(areas) == 9 and JETI_OGUZ in areas and "41703220000000" in areas
    for code in areas:
        t = by_code(code)
        assert t is not None and t.valid_to is None and t.kind == "rayon"
    expected = expected_territories(monthly)
    assert expected.filter(code=BARSKOON).exists()
    assert expected.filter(code="41703211610010").exists()  # Kerben town, Aksy rayon (seed 003 pilot)
    assert not expected.filter(kind="village").exists()


def test_loading_twice_changes_nothing(loaded):
    records = ChangeRecord.objects.count()
    versions = IndicatorVersion.objects.count()
    out = io.StringIO()
    call_command("load_monitoring_catalogue", stdout=out)
    assert "0 created, 0 updated" in out.getvalue()
    assert ChangeRecord.objects.count() - records == 0 or set(
        ChangeRecord.objects.order_by("-id")[: ChangeRecord.objects.count() - records].values_list("object_type", flat=True)
    ) <= {"monitoring.alertrule"}  # the default alert rules, created once by the analytics side
    records = ChangeRecord.objects.count()
    report = services.import_catalogue(STARTING)
    assert (report.created, report.updated) == (0, 0) and report.unchanged == 6 + Indicator.objects.count() + 3
    call_command("load_monitoring_catalogue", stdout=io.StringIO())
    assert ChangeRecord.objects.count() == records
    assert IndicatorVersion.objects.count() == versions


def test_dry_run_saves_nothing():
    report = services.import_catalogue(starting(), dry_run=True)
    assert report.ok and not report.committed and report.created > 50
    assert Indicator.objects.count() == 0 and Domain.objects.count() == 0


def test_xlsx_export_imports_back_unchanged(loaded):
    before = services.export_json()
    workbook = services.export_xlsx()
    report = services.import_catalogue(workbook)
    assert report.committed and (report.created, report.updated) == (0, 0), report.as_text()
    assert services.export_json() == before


def test_xlsx_into_an_empty_database_recreates_the_catalogue(loaded):
    workbook = services.export_xlsx()
    before = services.export_json()
    from ..models import FormIndicator, IndexSettings

    FormAssignment.objects.all().delete()
    FormIndicator.objects.all().delete()
    ReportingForm.objects.all().delete()
    IndicatorVersion.objects.all().delete()
    Indicator.objects.filter(numerator__isnull=False).delete()
    Indicator.objects.all().delete()
    Domain.objects.all().delete()
    IndexSettings.objects.all().delete()
    report = services.import_catalogue(io.BytesIO(workbook))
    assert report.committed, report.as_text()
    assert services.export_json() == before


def test_json_export_round_trip(loaded):
    data = services.export_json()
    report = services.import_catalogue(json.dumps(data).encode())
    assert report.committed and (report.created, report.updated) == (0, 0)


# --- bad input ---------------------------------------------------------------------------------


def _bad(mutate):
    data = starting()
    mutate(data)
    report = services.import_catalogue(data)
    assert not report.committed and report.rejected
    return rejected(report)


def _indicator(data, code):
    return next(i for i in data["indicators"] if i["code"] == code)


def _line(data, code):
    return next(n for n, i in enumerate(data["indicators"], start=1) if i["code"] == code)


@pytest.mark.parametrize("field,value,words", [
    ("domain", "weather", "Unknown domain"),
    ("value_type", "text", "value_type"),
    ("polarity", "2", "polarity"),
    ("disaggregation", "age", "disaggregation"),
    ("period_type", "weekly", "period_type"),
    ("aggregation", "median", "aggregation"),
    ("min_value", "ten", "must be a number"),
    ("thresholds", {"yellow": "many"}, "must be a number"),
    ("thresholds", {"purple": 3}, "Unknown threshold levels"),
    ("thresholds", {"yellow": 5, "red": 1}, "must rise"),
    ("name_ky", "", "name_ky"),
    ("code", "Bad Code!", "lower-case"),
])
def test_bad_indicator_rows_are_rejected_with_their_line(field, value, words):
    data = starting()
    line = _line(data, "road-blockades")
    _indicator(data, "road-blockades")[field] = value
    report = services.import_catalogue(data)
    assert not report.committed
    assert Indicator.objects.count() == 0  # nothing half-written
    issues = rejected(report)
    assert any(n == line and k.startswith("indicators") and words in m for n, k, m in issues), issues


def test_min_above_max_rejected():
    data = starting()
    line = _line(data, "injuries")
    _indicator(data, "injuries").update(min_value="10", max_value="5")
    issues = _bad(lambda d: d.update(data))
    assert any(n == line and "larger than the largest" in m for n, _k, m in issues), issues


def test_duplicate_code_rejected():
    def mutate(d):
        d["indicators"].append(copy.deepcopy(_indicator(d, "fatalities")))

    issues = _bad(mutate)
    line = len(starting()["indicators"]) + 1
    assert any(n == line and "Duplicate code" in m for n, _k, m in issues), issues


def test_formula_with_missing_part_rejected():
    def mutate(d):
        _indicator(d, "council-women-share")["denominator"] = "council-members"

    issues = _bad(mutate)
    assert any("council-women-share" in k and "not in the catalogue" in m for _n, k, m in issues), issues


def test_formula_with_one_part_only_rejected():
    issues = _bad(lambda d: _indicator(d, "council-women-share").update(denominator=None))
    assert any("both a numerator and a denominator" in m for _n, _k, m in issues), issues


def test_circular_formula_rejected():
    def mutate(d):
        _indicator(d, "appeals-received").update(numerator="appeals-resolved-share", denominator="appeals-repeat", factor="1")
        d["forms"][0]["indicators"].remove("appeals-received")

    issues = _bad(mutate)
    assert any("circular" in m for _n, _k, m in issues), issues


def test_unknown_soate_code_rejected():
    def mutate(d):
        d["forms"][0]["assignments"].append({"area": "41799999000000", "kinds": ["aiyl_aimak"]})

    issues = _bad(mutate)
    assert (1, "forms: monthly") in {(n, k) for n, k, m in issues if "41799999000000" in m}, issues


def test_form_listing_a_formula_rejected():
    issues = _bad(lambda d: d["forms"][0]["indicators"].append("appeals-resolved-share"))
    assert any(k == "forms: monthly" and "formula indicator" in m for _n, k, m in issues), issues


def test_bad_xlsx_row_reports_sheet_and_row(loaded):
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(services.export_xlsx()))
    sheet = book["indicators"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=5, column=header.index("max_value") + 1, value="lots")
    sheet.cell(row=7, column=header.index("threshold_red") + 1, value="high")
    buffer = io.BytesIO()
    book.save(buffer)
    versions = IndicatorVersion.objects.count()
    report = services.import_catalogue(buffer.getvalue())
    assert not report.committed
    lines = {(i.line, i.key.split(":")[0]) for i in report.rejected}
    assert lines == {(5, "indicators"), (7, "indicators")}, rejected(report)
    assert IndicatorVersion.objects.count() == versions


def test_not_json_is_a_source_error():
    from aimak.core.imports import SourceError

    with pytest.raises(SourceError):
        services.import_catalogue(b"{not json")


# --- versions ----------------------------------------------------------------------------------


def test_versions_bump_only_on_real_change(loaded):
    analyst = person("analyst", "national_analyst", COUNTRY)
    fights = Indicator.objects.get(code="intergroup-fights")
    records = ChangeRecord.objects.count()
    _ind, changed = services.save_indicator(analyst, fights, {"index_weight": "1.500", "thresholds": {"green": 1, "orange": 2, "red": 4}})
    assert not changed and Indicator.objects.get(pk=fights.pk).version == 1 and ChangeRecord.objects.count() == records
    ind, changed = services.save_indicator(analyst, fights, {"thresholds": {"yellow": 1, "orange": 3, "red": 5}}, note="calibrated")
    assert changed and ind.version == 2
    v2 = IndicatorVersion.objects.get(indicator=fights, version=2)
    assert v2.changed_by == analyst and v2.note == "calibrated" and v2.definition["thresholds"] == {"yellow": 1, "orange": 3, "red": 5}
    history = selectors.version_history(ind)
    assert [h["version"].version for h in history] == [2, 1]
    assert [c["field"] for c in history[0]["changes"]] == ["thresholds"]
    # loading the starting file again restores the old thresholds: a real change, version 3
    report = services.import_catalogue(starting())
    assert report.updated == 1
    assert Indicator.objects.get(pk=fights.pk).version == 3


def test_save_indicator_rejects_a_circular_formula(loaded):
    received = Indicator.objects.get(code="appeals-received")
    with pytest.raises(ValidationError):
        services.save_indicator(None, received, {"numerator": "appeals-resolved-share", "denominator": "appeals-repeat"})
    assert Indicator.objects.get(pk=received.pk).numerator_id is None


def test_local_monitor_cannot_save_indicator(loaded):
    monitor = person("mon", "local_monitor", BARSKOON)
    with pytest.raises(PermissionDenied):
        services.save_indicator(monitor, Indicator.objects.get(code="fatalities"), {"index_weight": "5"})
    with pytest.raises(PermissionDenied):
        services.import_catalogue(starting(), user=monitor)


# --- pages -------------------------------------------------------------------------------------


def test_pages_for_a_local_monitor(loaded):
    c = client_for(person("mon", "local_monitor", BARSKOON))
    page = c.get("/monitoring/indicators/?domain=incidents&q=fight")
    assert page.status_code == 200 and "Inter-group fights" in page.content.decode() and "Mob violence" not in page.content.decode()
    assert c.get("/monitoring/indicators/fatalities/").status_code == 200
    assert c.get("/monitoring/indicators/nothing-here/").status_code == 404
    assert c.get("/monitoring/indicators/fatalities/edit/").status_code == 403
    assert c.post("/monitoring/indicators/fatalities/edit/", {"index_weight": "9"}).status_code == 403
    assert c.get("/monitoring/indicators/import/").status_code == 403
    assert c.get("/monitoring/forms/").status_code == 200
    form_page = c.get("/monitoring/forms/monthly/")
    assert form_page.status_code == 200 and "Close the period" not in form_page.content.decode()
    assert c.post("/monitoring/forms/monthly/", {"period": "2025-01", "action": "close", "reason": "x"}).status_code == 403
    csv = c.get("/monitoring/indicators/?export=csv&period_type=quarterly")
    assert csv.status_code == 200 and b"perceived-security" in b"".join(csv.streaming_content)
    assert Client().get("/monitoring/indicators/").status_code == 302  # sign in first


def test_search_finds_kyrgyz_and_russian_names(loaded):
    c = client_for(person("mon", "local_monitor", BARSKOON))
    assert "intergroup-fights" in c.get("/monitoring/indicators/", {"q": "мушташуу"}).content.decode()
    assert "intergroup-fights" in c.get("/monitoring/indicators/", {"q": "Драки"}).content.decode()


def test_exports_download(loaded):
    c = client_for(person("mon", "local_monitor", BARSKOON))
    body = c.get("/monitoring/indicators/export/?format=json")
    assert body.status_code == 200 and len(json.loads(body.content)["indicators"]) == Indicator.objects.count()
    xlsx = c.get("/monitoring/indicators/export/?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_analyst_edits_an_indicator(loaded):
    c = client_for(person("analyst", "national_analyst", COUNTRY))
    page = c.get("/monitoring/indicators/fatalities/edit/")
    assert page.status_code == 200
    data = {k: ("" if v is None else v) for k, v in page.context["form"].initial.items()}
    data = {k: v for k, v in data.items() if v is not False}
    data.update(is_active="on", threshold_red="2", critical_value="1", note="two deaths make red")
    response = c.post("/monitoring/indicators/fatalities/edit/", data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    fatalities = Indicator.objects.get(code="fatalities")
    assert fatalities.version == 2 and fatalities.thresholds == {"red": 2}
    again = c.post("/monitoring/indicators/fatalities/edit/", data)
    assert again.status_code == 302 and Indicator.objects.get(code="fatalities").version == 2
    detail = c.get("/monitoring/indicators/fatalities/").content.decode()
    assert "Version 2" in detail and "two deaths make red" in detail
    bad = dict(data, min_value="10", max_value="1", threshold_yellow="5")
    response = c.post("/monitoring/indicators/fatalities/edit/", bad)
    assert response.status_code == 200
    errors = str(response.context["form"].errors)
    assert "largest valid value must not be smaller" in errors and "must rise" in errors


def test_import_page_for_analyst_with_dry_run(loaded):
    c = client_for(person("analyst", "national_analyst", COUNTRY))
    data = starting()
    _indicator(data, "drought")["value_type"] = "maybe"
    upload = io.BytesIO(json.dumps(data).encode())
    upload.name = "catalogue.json"
    page = c.post("/monitoring/indicators/import/", {"file": upload, "dry_run": "on"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "maybe" in body and "indicators: drought" in body and "Dry run: nothing was saved." in body
    assert Indicator.objects.get(code="drought").value_type == "yes_no"


# --- periods -----------------------------------------------------------------------------------


def test_close_and_reopen_a_period(loaded):
    analyst = person("analyst", "national_analyst", COUNTRY)
    monthly = ReportingForm.objects.get(code="monthly")
    with pytest.raises(ValidationError):
        services.close_period(analyst, monthly, date(2025, 1, 1), "")
    with pytest.raises(ValidationError):
        services.close_period(analyst, monthly, date(2025, 1, 15), "mid-month")
    with pytest.raises(ValidationError):
        services.close_period(analyst, monthly, date(2024, 10, 1), "before the form")
    services.close_period(analyst, monthly, date(2025, 1, 1), "all reports approved")
    assert is_closed(monthly, date(2025, 1, 1))
    assert ChangeRecord.objects.filter(object_type="monitoring.periodclosure", action="create").count() == 1
    with pytest.raises(ValidationError):
        services.close_period(analyst, monthly, date(2025, 1, 1), "again")
    monitor = person("mon", "local_monitor", BARSKOON)
    with pytest.raises(PermissionDenied):
        services.open_period(monitor, monthly, date(2025, 1, 1))
    services.open_period(analyst, monthly, date(2025, 1, 1), "late report from Barskoon")
    assert not is_closed(monthly, date(2025, 1, 1)) and PeriodClosure.objects.count() == 0
    assert ChangeRecord.objects.filter(object_type="monitoring.periodclosure", action="delete").count() == 1
    with pytest.raises(ValidationError):
        services.open_period(analyst, monthly, date(2025, 1, 1))


def test_close_a_period_on_the_form_page(loaded):
    c = client_for(person("analyst", "national_analyst", COUNTRY))
    page = c.get("/monitoring/forms/monthly/")
    assert page.status_code == 200 and page.context["expected"] == expected_territories(ReportingForm.objects.get(code="monthly")).count()
    assert c.post("/monitoring/forms/monthly/", {"period": "2025Q1", "action": "close", "reason": "x"}).status_code == 400
    assert c.post("/monitoring/forms/monthly/", {"period": "2025-02", "action": "close", "reason": "checked"}).status_code == 302
    assert "2025-02" in c.get("/monitoring/forms/monthly/").content.decode()
    assert c.post("/monitoring/forms/monthly/", {"period": "2025-02", "action": "open"}).status_code == 302
    assert PeriodClosure.objects.count() == 0


def test_pages_render_in_kyrgyz(loaded):
    c = client_for(person("analyst", "national_analyst", COUNTRY))
    c.cookies["aimak_language"] = "ky"
    for url in ("/monitoring/indicators/", "/monitoring/indicators/intergroup-fights/", "/monitoring/indicators/appeals-resolved-share/",
                "/monitoring/indicators/fatalities/edit/", "/monitoring/indicators/import/", "/monitoring/forms/", "/monitoring/forms/perceptions/"):
        response = c.get(url)
        assert response.status_code == 200, url
    assert "Топтор аралык мушташуулар" in c.get("/monitoring/indicators/intergroup-fights/").content.decode()



def test_counted_indicators_stay_off_the_forms_people_fill_in(db):
    data = starting()
    monthly = next(f for f in data["forms"] if f["code"] == "monthly")
    monthly["indicators"].append("fatalities")
    register = next(f for f in data["forms"] if f["code"] == "incident-register")
    register["indicators"].append("appeals-land")
    register["assignments"] = [{"area": JETI_OGUZ, "kinds": ["aiyl_aimak"]}]
    formula = next(i for i in data["indicators"] if i["numerator"])
    formula["value_origin"] = "incidents"
    report = services.import_catalogue(data)
    assert not report.committed
    messages = " ".join(m for _line, _key, m in rejected(report))
    assert "“fatalities” is counted from incident reports" in messages
    assert "“appeals-land” is entered" in messages
    assert "cannot be assigned to territories" in messages
    assert "either computed by a formula or counted from incident reports" in messages

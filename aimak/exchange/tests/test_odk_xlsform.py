"""The XLSForm Aimak generates converts with pyxform and asks what Aimak's validation asks."""

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from aimak.accounts.services import sync_builtin_roles
from aimak.accounts.tests.factories import person
from aimak.monitoring.models import FormAssignment, PeriodClosure, ReportingForm
from aimak.monitoring.services.catalogue import import_catalogue
from aimak.monitoring.tests import factories as mf

from .. import xlsform

pytestmark = pytest.mark.django_db
BARSKOON, JETI_OGUZ = "41702210815000", "41702210000000"
STARTING = Path(xlsform.__file__).resolve().parents[1] / "monitoring" / "catalogue" / "starting_catalogue.json"
TODAY = date(2026, 4, 15)


def sheet_rows(data: bytes, name: str) -> list[dict]:
    sheet = load_workbook(io.BytesIO(data))[name]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


@pytest.fixture
def monitor(territory):
    sync_builtin_roles()
    return person("m", "local_monitor", BARSKOON)


def test_the_starting_monthly_form_converts_with_pyxform_without_warnings(monitor, territory):
    from pyxform.xls2xform import convert

    import_catalogue(STARTING)
    form = ReportingForm.objects.get(code="monthly")
    FormAssignment.objects.get_or_create(form=form, area=territory(JETI_OGUZ), defaults={"kinds": ["aiyl_aimak"]})
    book = xlsform.reporting_workbook(form, monitor, today=TODAY)
    data = book.to_xlsx()
    assert set(load_workbook(io.BytesIO(data)).sheetnames) == {"survey", "choices", "settings"}
    warnings = []
    result = convert(xlsform=io.BytesIO(data), warnings=warnings, file_type=".xlsx")
    assert warnings == []
    assert 'id="aimak-monthly"' in result.xform and f'version="{book.version}"' in result.xform
    assert "Кыргызча (ky)" in result.xform and "Русский (ru)" in result.xform and "English (en)" in result.xform
    settings = sheet_rows(data, "settings")[0]
    assert settings["form_id"] == "aimak-monthly" and settings["default_language"] == "Кыргызча (ky)"
    # the same definition gives the same version
    assert xlsform.reporting_workbook(form, monitor, today=TODAY).version == book.version


def test_a_superuser_gets_every_reporting_territory_and_the_xform_converts(territory):
    from aimak.accounts.services import ensure_user

    import_catalogue(STARTING)
    form = ReportingForm.objects.get(code="monthly")
    FormAssignment.objects.get_or_create(form=form, area=territory(JETI_OGUZ), defaults={"kinds": ["aiyl_aimak"]})
    admin = ensure_user("root-x", "a-long-test-password", superuser=True)
    book = xlsform.reporting_workbook(form, admin, today=TODAY)
    places = [c["name"] for c in book.choices if c["list_name"] == "territories"]
    assert BARSKOON in places and len(places) > 5
    assert "<h:head>" in book.to_xform()


def test_questions_carry_aimaks_rules(monitor, territory):
    form = mf.reporting_test_form()
    FormAssignment.objects.create(form=form, area=territory(JETI_OGUZ), kinds=["aiyl_aimak"])
    PeriodClosure.objects.create(form=form, period_start=date(2026, 2, 1))
    book = xlsform.reporting_workbook(form, monitor, today=TODAY)
    data = book.to_xlsx()
    survey = {row["name"]: row for row in sheet_rows(data, "survey") if row["name"]}
    choices = sheet_rows(data, "choices")
    # the monitor's one territory, recent open periods newest first (February is closed)
    assert [c["name"] for c in choices if c["list_name"] == "territories"] == [BARSKOON]
    assert [c["name"] for c in choices if c["list_name"] == "periods"] == ["2026-04", "2026-03", "2026-01", "2025-12", "2025-11"]
    assert survey["territory"]["type"] == "select_one territories" and survey["period"]["type"] == "select_one periods"
    fights, women, men = survey["v__t-fights__total"], survey["v__t-fights__f"], survey["v__t-fights__m"]
    assert fights["type"] == "integer" and fights["constraint"] == ". >= 0" and fights["required"] == "yes"
    assert women["constraint"] == ". >= 0 and . <= ${v__t-fights__total}" and women["relevant"] == "${v__t-fights__total} > 0"
    assert men["constraint"] == ". >= 0 and . <= ${v__t-fights__total} and (coalesce(${v__t-fights__f}, 0) + .) <= ${v__t-fights__total}"
    last_age = survey["v__t-protest__m_60"]
    assert last_age["constraint"].count("coalesce(") == 7
    assert survey["v__t-trust__total"]["type"] == "decimal" and survey["v__t-trust__total"]["constraint"] == ". >= 0 and . <= 100"
    assert survey["v__t-mood__total"]["constraint"] == ". >= 1 and . <= 5"
    assert survey["v__t-mood__total"]["hint::English (en)"] == "1 calm … 5 very tense"
    assert survey["v__t-water__total"]["type"] == "select_one yes_no"
    assert survey["v__t-budget__total"]["type"] == "decimal" and not survey["v__t-budget__total"].get("required")
    assert "v__t-rate__total" not in survey  # a formula is computed, never asked
    assert survey["v__t-fights__total"]["constraint_message::English (en)"] == "Enter a value of at least 0."
    assert survey["aimak_form"]["calculation"] == "'t-monthly'"
    assert {"label::Кыргызча (ky)", "label::Русский (ru)", "label::English (en)"} <= set(survey["territory"])
    assert survey["g__incidents"]["type"] == "begin_group"
    warnings = []
    book.to_xform(warnings)
    assert warnings == []


def test_names_go_back_to_cells():
    for code, category in [("intergroup-fights", ""), ("t-protest", "f_0_17"), ("a__b", "m_60"), ("x", "kyrgyz")]:
        assert xlsform.cell_of(xlsform.question_name(code, category)) == (code, category)
    assert xlsform.cell_of("narrative") is None and xlsform.cell_of("v__nothing") is None


def test_without_territories_or_periods_the_form_asks_for_codes(territory):
    sync_builtin_roles()
    analyst = person("a", "national_analyst", "41700000000000")
    form = mf.reporting_test_form()
    FormAssignment.objects.create(form=form, area=territory(JETI_OGUZ), kinds=["aiyl_aimak"])
    book = xlsform.reporting_workbook(form, analyst, today=TODAY, period_as_text=True)
    survey = {row["name"]: row for row in book.survey}
    assert survey["territory"]["type"] == "text" and "417" in survey["territory"]["constraint"]
    assert survey["period"]["type"] == "text" and survey["period"]["constraint"] == "regex(., '^[0-9]{4}-(0[1-9]|1[0-2])$')"
    warnings = []
    book.to_xform(warnings)
    assert warnings == []

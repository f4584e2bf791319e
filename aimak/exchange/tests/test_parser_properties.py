"""Properties of every reader of outside input in the exchange: DHIS2 dataValueSets (JSON and
CSV), the Excel templates, OpenRosa XML and Kobo JSON.

Three kinds of property, for each:
- anything at all (bytes, text, JSON, damaged workbooks) is refused with the module's own
  error (``PayloadError``, ``SourceError``, ``Malformed``) or read: never a crash;
- what Aimak writes (or a phone sends) with generated valid values reads back to the same
  values: a DHIS2 export re-imports to what was stored, a filled template imports exactly;
- a valid input with one thing wrong (a value of the wrong type, an unknown code, a repeated
  row) is refused as a whole, with an error that names the row and the field.

The database properties run each example inside a transaction that is rolled back, with few
examples: the whole module takes seconds."""

import csv
import io
import json
import string
import zipfile
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from aimak.accounts.models import Role
from aimak.accounts.services import sync_builtin_roles
from aimak.accounts.tests.factories import person
from aimak.accounts.tokens import create_integration_secret, integration_actor
from aimak.core.imports import SourceError
from aimak.monitoring import periods
from aimak.monitoring.models import DataValue, FormAssignment, Report
from aimak.monitoring.services import reporting
from aimak.monitoring.tests import factories as mf
from aimak.territories.models import Territory

from ..models import Submission
from ..selectors import dhis2 as dhis2_selectors
from ..services import dhis2, odk
from ..services import spreadsheets as sheets
from ..xlsform import question_name
from .fake_kobo import ASSET, kobo_record, openrosa_xml
from .test_spreadsheets import COL, fill, upload

BARSKOON, JETI_OGUZ = "41702210815000", "41702210000000"
MARCH = periods.PeriodSpan(periods.MONTHLY, date(2026, 3, 1))
MONTHS = [periods.PeriodSpan(periods.MONTHLY, date(2025, m, 1)) for m in range(1, 13)]

# Example counts scale with the profile (conftest.py): HYPOTHESIS_PROFILE=thorough runs ten times as many.
_SCALE = settings.default.max_examples / 100
QUICK = settings(max_examples=int(200 * _SCALE), deadline=None)  # pure functions: milliseconds each
DB = settings(max_examples=int(20 * _SCALE), deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
DB_FEW = settings(DB, max_examples=int(12 * _SCALE))


class _Undo(Exception):
    pass


@contextmanager
def rolled_back():
    """One Hypothesis example's own database state (the test's fixtures stay)."""
    try:
        with transaction.atomic():
            yield
            raise _Undo
    except _Undo:
        pass


# --- generators ----------------------------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                           max_leaves=12)
DHIS2_KEYS = ["dataElement", "period", "orgUnit", "categoryOptionCombo", "attributeOptionCombo", "value", "comment", "deleted",
              "storedBy", "followup"]
SEX_AGE = ["f_0_17", "f_18_29", "f_30_59", "f_60", "m_0_17", "m_18_29", "m_30_59", "m_60"]
YES_NO = [("yes", 1), ("no", 0), ("true", 1), ("false", 0), ("ооба", 1), ("жок", 0), ("да", 1), ("нет", 0), ("1", 1), ("0", 0)]


def _integer_texts(n: int):
    """How a whole number may be written: 3, 3.0, 1 000 (space or no-break space between thousands)."""
    return st.sampled_from([str(n), f"{n}.0", f"{n:,}".replace(",", " "), f"{n:,}".replace(",", "\u00a0")])


def _decimal_texts(d: Decimal):
    plain = format(d.normalize(), "f") if d else "0"
    return st.sampled_from([plain, plain.replace(".", ","), str(d)])


@st.composite
def report_values(draw):
    """Valid values of one report of the test form: ({(indicator, category): text}, {(indicator, category): Decimal})."""
    texts, numbers = {}, {}

    def put(code, category, text, number):
        texts[(code, category)], numbers[(code, category)] = text, Decimal(number)

    total = draw(st.integers(0, 10**6))
    put("t-fights", "", draw(_integer_texts(total)), total)
    left = total
    for part in draw(st.lists(st.sampled_from(["f", "m"]), unique=True, max_size=2)):
        n = draw(st.integers(0, left))
        left -= n
        put("t-fights", part, draw(_integer_texts(n)), n)
    protest = draw(st.integers(0, 500))
    put("t-protest", "", str(protest), protest)
    left = protest
    for part in draw(st.lists(st.sampled_from(SEX_AGE), unique=True, max_size=3)):
        n = draw(st.integers(0, left))
        left -= n
        put("t-protest", part, str(n), n)
    trust = Decimal(draw(st.integers(0, 100 * 10**4))).scaleb(-4)
    put("t-trust", "", draw(_decimal_texts(trust)), trust)
    word, answer = draw(st.sampled_from(YES_NO))
    put("t-water", "", word, answer)
    mood = draw(st.integers(1, 5))
    put("t-mood", "", str(mood), mood)
    if draw(st.booleans()):
        budget = Decimal(draw(st.integers(-(10**15) + 1, 10**15 - 1))).scaleb(-4)  # 15 digits in all
        put("t-budget", "", draw(_decimal_texts(budget)), budget)
    return texts, numbers


# --- DHIS2: reading anything (no database) -------------------------------------------------------


def _dhis2_docs():
    value = st.dictionaries(st.sampled_from(DHIS2_KEYS), json_values, max_size=6) | json_values
    return st.one_of(
        json_values,
        st.fixed_dictionaries({"dataValues": st.lists(value, max_size=5)},
                              optional={k: json_values for k in ("period", "orgUnit", "dataSet", "completeDate")}),
    )


def _csv_bytes(rows, encoding="utf-8"):
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding, "surrogatepass")


def _check_rows(rows):
    assert rows and [r.index for r in rows] == list(range(len(rows)))
    for row in rows:
        assert row.where
        if not row.problem:  # a row read without a problem has text in every field the import looks at
            for got in (row.data_element, row.period, row.org_unit, row.category, row.value):
                assert isinstance(got, str)


@QUICK
@given(st.one_of(
    st.binary(max_size=200),
    _dhis2_docs().map(lambda doc: json.dumps(doc).encode()),
    st.lists(st.lists(st.text(max_size=10), max_size=12), max_size=5).map(_csv_bytes),
), st.sampled_from(["json", "csv"]))
@example(b'{"dataValues": [{"value": ' + b"1" * 5000 + b"}]}", "json")  # more digits than Python converts to an int
@example(b'{"dataValues": [{"value": 1e400, "period": 202603}]}', "json")
@example(b'{"dataValues": [{"value": NaN}]}', "json")
@example(b"[" * 50_000, "json")
@example(b'dataelement,period\n"x', "csv")
@example(b"\xef\xbb\xbfdataElement,period,orgUnit,value\n", "csv")
def test_any_payload_is_rows_or_a_payload_error(data, fmt):
    try:
        rows = dhis2.read_payload(data, fmt)
    except dhis2.PayloadError as exc:
        assert str(exc)
        return
    _check_rows(rows)
    assert dhis2.detect_format("", "", data) in ("json", "csv")


@QUICK
@given(st.dictionaries(st.sampled_from(["dryRun", "importStrategy", "atomicMode", *dhis2.ID_SCHEME_PARAMS]),
                       st.text(max_size=12) | st.sampled_from(["code", "CODE", "true", "false", "NONE", "ALL", "DELETE", "NEW"]),
                       max_size=5))
def test_any_import_options_are_read_or_named_in_an_option_error(params):
    try:
        options = dhis2.ImportOptions.from_params(params)
    except dhis2.OptionError as exc:
        assert any(name in str(exc) for name in params)
        return
    assert options.strategy in dhis2.STRATEGIES


# --- DHIS2: round trip and mutations (database: the fixtures below ask for it) --------------------


@pytest.fixture(autouse=True)
def quiet_analytics(monkeypatch):
    monkeypatch.setattr("aimak.monitoring.services.analytics.refresh_after_report", lambda report: None)


@pytest.fixture
def form(territory):
    form = mf.reporting_test_form()
    FormAssignment.objects.create(form=form, area=territory(JETI_OGUZ), kinds=["aiyl_aimak"])
    return form


@pytest.fixture
def coordinator(form):
    return person("jo-coordinator", "district_coordinator", JETI_OGUZ)


@pytest.fixture
def places(form, territory):
    """Barskoon and two more aiyl aimaks of Jeti-Oguz."""
    others = Territory.objects.filter(path__startswith=territory(JETI_OGUZ).path, kind="aiyl_aimak", valid_to__isnull=True) \
        .exclude(code=BARSKOON).order_by("code").values_list("code", flat=True)[:2]
    return [BARSKOON, *others]


@st.composite
def dhis2_reports(draw, places_count=3):
    """Up to three reports (territory index, month) with valid values."""
    keys = draw(st.lists(st.tuples(st.integers(0, places_count - 1), st.sampled_from(MONTHS)), min_size=1, max_size=3,
                         unique=True))
    return [(place, span, *draw(report_values())) for place, span in keys]


def _data_values(reports, places):
    """DHIS2 data values of generated reports, and what Aimak should store for them."""
    values, expected = [], {}
    for place, span, texts, numbers in reports:
        for (code, category), text in texts.items():
            values.append({"dataElement": code, "period": dhis2.period_to_iso(span), "orgUnit": places[place],
                           "categoryOptionCombo": category or "total", "attributeOptionCombo": "", "value": text})
            expected[(places[place], span.start, code, category)] = numbers[(code, category)]
    return values, expected


def _encode(values, fmt):
    if fmt == "json":
        return json.dumps({"dataValues": values}, ensure_ascii=False).encode()
    header = ["dataelement", "period", "orgunit", "catoptcombo", "attroptcombo", "value"]
    return _csv_bytes([header, *([v["dataElement"], v["period"], v["orgUnit"], v["categoryOptionCombo"], "", v["value"]]
                                 for v in values)])


def counted():
    return {(v.territory.code, v.period_start, v.indicator.code, v.category): v.value
            for v in DataValue.objects.filter(report__status__in=Report.COUNTED).select_related("territory", "indicator")}


@DB
@given(reports=dhis2_reports(), fmt=st.sampled_from(["json", "csv"]), back=st.sampled_from(["json", "csv"]))
def test_generated_values_import_and_their_export_imports_back_to_the_same(coordinator, places, reports, fmt, back):
    values, expected = _data_values(reports, places)
    with rolled_back():
        summary = dhis2.import_data_values(coordinator, _encode(values, fmt), fmt=fmt)
        assert summary.status == "SUCCESS", summary.conflicts
        assert summary.imported == len(values) and summary.committed
        assert counted() == expected
        # Aimak's own export (the API and the background job write the same) ...
        filters = dhis2_selectors.ExportFilters()
        if back == "json":
            exported = "".join(dhis2_selectors.export_json_chunks(coordinator, filters, chunk=3)).encode()
        else:
            exported = _csv_bytes([dhis2.CSV_HEADER, *dhis2_selectors.export_csv_rows(coordinator, filters)])
        # ... changes nothing when sent again ...
        again = dhis2.import_data_values(coordinator, exported, fmt=back)
        assert again.status == "SUCCESS" and again.ignored == len(values) and again.imported == again.updated == 0
        # ... and fills an empty Aimak with the same values
        Report.objects.all().delete()
        refill = dhis2.import_data_values(coordinator, exported, fmt=back)
        assert refill.status == "SUCCESS" and refill.imported == len(values), refill.conflicts
        assert counted() == expected


BAD_VALUES = ["abc", "½", "1,2,3", "--5", "1e400", "9" * 40, "∞", "NaN"]


@st.composite
def one_thing_wrong(draw, fmt):
    """A valid payload with one row made wrong: (values, index of the wrong row, the field it names, the reason)."""
    reports = draw(dhis2_reports())
    values, _expected = _data_values(reports, ["PLACE-0", "PLACE-1", "PLACE-2"])
    i = draw(st.integers(0, len(values) - 1))
    row = values[i]
    kind = draw(st.sampled_from(["value", "dataElement", "orgUnit", "period", "categoryOptionCombo", "duplicate"]))
    if kind == "value":
        bad = draw(st.sampled_from(BAD_VALUES) | (st.sampled_from([{"n": 1}, [1], {}]) if fmt == "json" else st.nothing()))
        row["value"] = bad
        reason = "“value” must be text or a number" if isinstance(bad, (dict, list)) else "value “"
    elif kind == "dataElement":
        code = draw(st.text(string.ascii_letters + string.digits + "-_ ", min_size=1, max_size=12))
        assume(code.strip() not in {"t-fights", "t-protest", "t-trust", "t-water", "t-mood", "t-budget", "t-rate"})
        row["dataElement"] = code
        reason = "no indicator has the code" if code.strip() else "dataElement is missing"
    elif kind == "orgUnit":
        row["orgUnit"] = draw(st.sampled_from(["41799999999999", "KG99", "Barskoon", "417"]) | st.text(string.ascii_letters, min_size=1, max_size=8))
        reason = "no territory has the SOATE code"
    elif kind == "period":
        text = draw(st.sampled_from(["202613", "2025Q5", "2025W3", "2025-03", "20250301", "2025S1", "99999", "2025Q1", "2025"])
                    | st.text(string.ascii_letters + string.digits, min_size=1, max_size=8))
        assume(text.strip() != row["period"])
        try:
            assume(dhis2.period_from_iso(text).type != periods.MONTHLY)  # another month would be valid
        except ValueError:
            pass
        row["period"] = text
        reason = "period" if not text.strip() else ""
    elif kind == "categoryOptionCombo":
        text = draw(st.text(string.ascii_letters + string.digits + "_", min_size=1, max_size=8))
        assume(text.strip().lower() not in {"f", "m", "total", "default", *SEX_AGE})
        row["categoryOptionCombo"] = text
        reason = "has no categoryOptionCombo"
    else:
        values.append(dict(row))
        reason = "repeats"
    return reports, values, i, kind, reason


@DB
@given(data=st.data(), fmt=st.sampled_from(["json", "csv"]))
def test_one_wrong_row_refuses_the_payload_and_is_named(coordinator, places, data, fmt):
    _reports, values, i, kind, reason = data.draw(one_thing_wrong(fmt))
    for v in values:
        if v["orgUnit"].startswith("PLACE-"):
            v["orgUnit"] = places[int(v["orgUnit"][-1])]
    where = (lambda n: f"value {n + 1}") if fmt == "json" else (lambda n: f"line {n + 2}")
    with rolled_back():
        summary = dhis2.import_data_values(coordinator, _encode(values, fmt), fmt=fmt)
        assert summary.status == "ERROR" and not summary.committed and not DataValue.objects.exists()
        assert summary.imported == summary.updated == summary.deleted == 0 and summary.ignored == len(values)
        if kind == "duplicate":
            last = len(values) - 1
            assert any(c["indexes"] == [i, last] and c["value"].startswith(f"{where(last)} repeats {where(i)}")
                       for c in summary.conflicts), summary.conflicts
        else:
            named = [c for c in summary.conflicts if c.get("indexes") == [i] and c["value"].startswith(where(i) + ": ")]
            assert named and reason in named[0]["value"], (kind, values[i], summary.conflicts)


@DB
@given(st.lists(st.fixed_dictionaries({}, optional={k: json_values for k in DHIS2_KEYS}), min_size=1, max_size=6),
       st.sampled_from(["json", "csv"]), st.sampled_from(dhis2.STRATEGIES), st.booleans())
@example([{"dataElement": "t-fights", "period": "202503", "orgUnit": BARSKOON, "value": "1e30"}], "json", "CREATE_AND_UPDATE", True)
@example([{"dataElement": "t-mood", "period": 202503, "orgUnit": BARSKOON, "value": 10**30}], "json", "CREATE_AND_UPDATE", True)
def test_any_data_values_are_imported_or_refused_as_conflicts(coordinator, values, fmt, strategy, atomic):
    if fmt == "csv":
        values = [{k: (v if isinstance(v, str) else json.dumps(v)) for k, v in row.items()} for row in values]
        data = _csv_bytes([DHIS2_KEYS, *([row.get(k, "") for k in DHIS2_KEYS] for row in values)])
    else:
        data = json.dumps({"dataValues": values}).encode()
    with rolled_back():
        try:
            summary = dhis2.import_data_values(coordinator, data, fmt=fmt, options=dhis2.ImportOptions(strategy=strategy, atomic=atomic))
        except dhis2.PayloadError as exc:
            assert str(exc)
            return
        sent = len(values) if fmt == "json" else sum(1 for row in values if any(v.strip() for v in row.values()))  # blank lines skipped
        assert summary.status in ("SUCCESS", "WARNING", "ERROR") and summary.total == sent
        for conflict in summary.conflicts:
            assert conflict["value"] and all(0 <= n < len(values) for n in conflict.get("indexes", []))


def test_a_count_of_thirty_digits_is_a_conflict_not_a_crash(coordinator):
    """parse_value quantized the number before checking its size: decimal.InvalidOperation."""
    for text in ("1e30", "9" * 40):
        summary = dhis2.import_data_values(coordinator, json.dumps({"dataValues": [
            {"dataElement": "t-fights", "period": "202503", "orgUnit": BARSKOON, "value": text}]}).encode())
        assert summary.conflicts[0]["value"] == f"value 1: value “{text}”: Fights: the number is too large."
    assert not DataValue.objects.exists()
    fights = mf.indicator("t-fights")
    with pytest.raises(ValueError, match="too large"):
        reporting.parse_value(fights, "1e30")


def test_a_json_integer_too_long_for_python_is_read_as_text():
    """json.loads raised ValueError (integer string conversion limit), which no caller caught."""
    rows = dhis2.read_payload(b'{"dataValues": [{"dataElement": "t-fights", "value": ' + b"1" * 5000 + b"}]}", "json")
    assert rows[0].value == "1" * 5000 and not rows[0].problem


# --- Excel templates -----------------------------------------------------------------------------


@pytest.fixture
def template(coordinator, form):
    content = sheets.build_template(coordinator, form, MARCH)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = {sheet.cell(r, 1).value: r for r in range(sheets.FIRST_ROW, sheet.max_row + 1)}
    return content, rows


def _cell_value(code, category, text, number, draw):
    """How a person types a value into Excel: a number, the text of one, or yes/no as Excel's TRUE/FALSE."""
    if code == "t-water":
        return draw(st.sampled_from([text, bool(number)]))
    if number == number.to_integral_value() and abs(number) < 10**15:
        return draw(st.sampled_from([int(number), text]))
    if len(number.normalize().as_tuple().digits) <= 15:  # Excel keeps 15 significant digits
        return draw(st.sampled_from([float(number), text]))
    return text


@st.composite
def filled_rows(draw, codes):
    """Valid values for one to three rows of the template: {territory code: (cells, expected)}."""
    chosen = draw(st.lists(st.sampled_from(codes), min_size=1, max_size=3, unique=True))
    rows = {}
    for code in chosen:
        texts, numbers = draw(report_values())
        cells = {f"{ind}:{cat or 'total'}": _cell_value(ind, cat, text, numbers[(ind, cat)], draw)
                 for (ind, cat), text in texts.items()}
        rows[code] = (cells, numbers)
    return rows


@DB_FEW
@given(data=st.data())
def test_a_template_filled_with_generated_values_imports_them_exactly(coordinator, template, data):
    content, row_of = template
    rows = data.draw(filled_rows(sorted(row_of)))
    filled = fill(content, {row_of[code]: cells for code, (cells, _numbers) in rows.items()})
    with rolled_back():
        result = sheets.import_template(coordinator, upload(filled), sheets_form(), MARCH)
        assert result.committed and not result.rejected, result.as_text()
        assert result.created == len(rows)
        for code, (_cells, numbers) in rows.items():
            assert stored(code) == numbers
        # the same file again changes nothing
        again = sheets.import_template(coordinator, upload(filled), sheets_form(), MARCH)
        assert again.unchanged == len(rows) and again.created == again.updated == 0


def sheets_form():
    from aimak.monitoring.models import ReportingForm

    return ReportingForm.objects.get(code="t-monthly")


def stored(code):
    return {(v.indicator.code, v.category): v.value
            for v in DataValue.objects.filter(territory__code=code, period_start=MARCH.start).select_related("indicator")}


WRONG_CELLS = {  # column code: values its indicator refuses, and the reason
    "t-fights:total": (["abc", -1, 1.5, "1e30"], ""),
    "t-fights:f": (["x", -2], ""),
    "t-trust:total": ([140, -0.5, "много", 12.34567], ""),
    "t-water:total": (["maybe", 2, "ооба жок"], "answer yes or no"),
    "t-mood:total": ([7, 0, "calm", 2.5], ""),
    "t-budget:total": (["12 сом", "1.2.3"], "enter a number"),
}


@DB_FEW
@given(data=st.data(), kind=st.sampled_from(["cell", "territory", "duplicate"]))
def test_one_wrong_row_of_a_template_is_named_and_nothing_is_saved(coordinator, template, data, kind):
    content, row_of = template
    rows = data.draw(filled_rows(sorted(row_of)))
    cells = {row_of[code]: dict(c) for code, (c, _n) in rows.items()}
    target = data.draw(st.sampled_from(sorted(cells)))
    if kind == "cell":
        column = data.draw(st.sampled_from(sorted(WRONG_CELLS)))
        cells[target][column] = data.draw(st.sampled_from(WRONG_CELLS[column][0]))
    elif kind == "territory":
        cells[target]["territory"] = data.draw(st.sampled_from(["41799999999999", "Barskoon", "417"]))
    else:
        other = data.draw(st.sampled_from(sorted(set(row_of.values()) - {target})))
        cells.setdefault(other, {})["territory"] = next(code for code, r in row_of.items() if r == target)
    filled = fill(content, cells)
    with rolled_back():
        result = sheets.import_template(coordinator, upload(filled), sheets_form(), MARCH)
        assert not result.committed and not DataValue.objects.exists()
        rejected = {r.row: r.errors for r in result.rejected_rows}
        assert target in rejected, result.as_text()
        errors = rejected[target]
        if kind == "cell":
            letter = get_column_letter(COL[column])
            assert any(e.cell == f"{letter}{target}" and e.column == column and WRONG_CELLS[column][1] in e.message
                       for e in errors), (column, cells[target][column], [(e.cell, e.message) for e in errors])
        elif kind == "territory":
            assert [(e.cell, e.message[:27]) for e in errors] == [(f"A{target}", "No territory has the code “")]
        else:
            assert rejected[other] == errors and f"appears in rows {min(target, other)}, {max(target, other)}" in errors[0].message
        # the report of the import names the row for people too
        assert any(issue.line == target for issue in result.rejected)


def _workbook_bytes(cells):
    book = Workbook()
    sheet = book.active
    for (row, column), value in cells.items():
        sheet.cell(row, column).value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _zip(members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


XLSX_PARTS = ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml",
              "xl/sharedStrings.xml", "xl/styles.xml"]
cell_values = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20),
    st.sampled_from(["territory", "t-fights:total", "t-monthly", "2026-03", BARSKOON, "yes", "1e30", "=1+1"]),
    st.dates(date(1900, 3, 1), date(2100, 1, 1)), st.datetimes(datetime(1900, 3, 1), datetime(2100, 1, 1)), st.times(),
)


@DB_FEW
@given(st.one_of(
    st.binary(max_size=100),
    st.binary(max_size=100).map(lambda b: b"PK\x03\x04" + b),
    st.dictionaries(st.sampled_from(XLSX_PARTS), st.binary(max_size=60) | st.sampled_from([b"<a/>", b"<worksheet/>"]), max_size=6).map(_zip),
    st.dictionaries(st.tuples(st.integers(1, 9), st.integers(1, 22)), cell_values, max_size=15).map(_workbook_bytes),
))
def test_any_file_is_a_report_or_a_source_error(coordinator, form, data):
    with rolled_back():
        try:
            result = sheets.import_template(coordinator, upload(data), form, MARCH)
        except SourceError as exc:
            assert str(exc)
            return
        assert result.as_text()


@DB_FEW
@given(st.dictionaries(st.tuples(st.integers(1, 12), st.integers(1, 22)), cell_values, min_size=1, max_size=12))
def test_a_template_with_any_cells_changed_is_a_report_or_a_source_error(coordinator, template, changes):
    content, _rows = template
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    for (row, column), value in changes.items():
        if type(sheet.cell(row, column)).__name__ != "MergedCell":
            sheet.cell(row, column).value = value
    out = io.BytesIO()
    book.save(out)
    with rolled_back():
        try:
            result = sheets.import_template(coordinator, upload(out.getvalue()), sheets_form(), MARCH)
        except SourceError as exc:
            assert str(exc)
            return
        for row in result.rejected_rows:
            assert row.errors and all(e.message for e in row.errors)


def _damaged(good: bytes, sheet_xml: bytes | None) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(good))
    members = {name: source.read(name) for name in source.namelist()}
    if sheet_xml is None:
        del members["xl/worksheets/sheet1.xml"]
    else:
        members["xl/worksheets/sheet1.xml"] = sheet_xml
    return _zip(members)


SHEET = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>%s</sheetData></worksheet>'


@pytest.mark.parametrize("sheet_xml", [
    SHEET % b'<row r="1"><c r="!!" t="n"><v>1</v></c></row>',  # a cell reference that is not one
    SHEET % b'<row r="1"><c r="A1" t="s"><v>99</v></c></row>',  # a shared string that does not exist
    SHEET % b'<row r="1"><c r="A1" t="n"><v>abc</v></c></row>',  # a number that is not one
    SHEET % b'<row r="1"><c r="A1" t="d"><v>abc</v></c></row>',  # a date that is not one
], ids=["reference", "shared-string", "number", "date"])
def test_a_damaged_sheet_is_a_source_error(coordinator, template, sheet_xml):
    """openpyxl reads a read-only sheet only while iterating it: these crashed with ValueError
    or IndexError after the workbook had opened."""
    content, _rows = template
    with pytest.raises(SourceError, match="first sheet of the workbook cannot be read"):
        sheets.import_template(coordinator, upload(_damaged(content, sheet_xml)), sheets_form(), MARCH)


def test_a_workbook_without_its_sheets_is_a_source_error(coordinator):
    """A workbook whose only sheet is missing from the archive: IndexError on worksheets[0]."""
    book = Workbook()
    book.active["A1"] = "x"
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(SourceError, match="first sheet of the workbook cannot be read"):
        sheets.import_template(coordinator, upload(_damaged(out.getvalue(), None)), sheets_form(), MARCH)


def test_a_value_far_right_costs_no_memory_and_is_reported(coordinator, template, monkeypatch):
    """A cell in column XFD of every row made openpyxl hand over 16,384 cells a row, all kept:
    a 200 KB file took hundreds of MB. Data rows are now cut to the template's width."""
    import tracemalloc

    content, row_of = template
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    last = max(row_of.values())
    for r in range(last + 1, last + 300):
        sheet.cell(r, 16384).value = "x"
    sheet.cell(row_of[BARSKOON], 16384).value = "stray"
    out = io.BytesIO()
    book.save(out)
    tracemalloc.start()
    result = sheets.import_template(coordinator, upload(out.getvalue()), sheets_form(), MARCH)
    _now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 60 * 1024 * 1024, peak  # it was over 300 MB for these 300 rows
    reasons = {r.row: [e.message for e in r.errors] for r in result.rejected_rows}
    assert reasons[row_of[BARSKOON]] == ["There are values to the right of the template's last column."]
    assert not result.committed


def test_a_workbook_that_unpacks_to_too_much_is_refused(coordinator, template, monkeypatch):
    content, _rows = template
    monkeypatch.setattr(sheets, "MAX_UNPACKED_BYTES", 10_000)
    with pytest.raises(SourceError, match="unpacks to more than 0 MB"):
        sheets.import_template(coordinator, upload(content), sheets_form(), MARCH)


# --- OpenRosa XML and Kobo JSON ------------------------------------------------------------------


def _xml_char(ch: str) -> bool:
    o = ord(ch)
    return ch in "\t\n" or 0x20 <= o <= 0xD7FF or 0xE000 <= o <= 0xFFFD or o >= 0x10000


xml_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r").filter(_xml_char), max_size=25)
instance_ids = st.text(string.ascii_lowercase + string.digits + "-", min_size=1, max_size=36).map(lambda s: f"uuid:{s}")
answers = st.dictionaries(st.sampled_from([("t-fights", ""), ("t-fights", "f"), ("t-trust", ""), ("t-water", ""), ("t-budget", "")]),
                          xml_text, max_size=5)


@QUICK
@given(st.one_of(
    st.binary(max_size=200),
    st.text(max_size=100).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.recursive(st.sampled_from(["<a>", "</a>", "<meta>", "</meta>", "<instanceID>x</instanceID>", "&amp;", "&x;", "<?xml ?>",
                                  '<?xml version="1.0" encoding="x"?>', "<!DOCTYPE a>", "<![CDATA[", "]]>", "<a id='1'/>"]),
                 lambda inner: st.lists(inner, max_size=4).map("".join), max_leaves=10).map(str.encode),
))
@example(b'<?xml version="1.0" encoding="foo"?><data/>')  # an encoding Python does not know: LookupError
@example(b'<?xml version="1.0" encoding="shift_jis"?><data/>')  # one expat cannot use: ValueError
@example(b'<?xml version="1.0" encoding="rot13"?><data/>')  # a codec that is not a text encoding
@example(b'<?xml version="1.0" encoding="idna"?><data>\xc3\xa9</data>')  # UnicodeError
@example(b"<a>" * 100_000 + b"</a>" * 100_000)
def test_any_openrosa_body_is_parsed_or_malformed(data):
    try:
        parsed = odk.parse_openrosa(data)
    except odk.Malformed as exc:
        assert str(exc)
        return
    assert isinstance(parsed.instance_id, str) and all(isinstance(v, str) for v in parsed.answers.values())


@QUICK
@given(instance=instance_ids, values=answers, narrative=xml_text, territory=st.text(string.digits + "KG ", max_size=16))
def test_an_openrosa_submission_reads_back_what_the_phone_sent(instance, values, narrative, territory):
    parsed = odk.parse_openrosa(openrosa_xml(instance, values, narrative=narrative, territory=territory, deprecated="uuid:old"))
    assert parsed.instance_id == instance and parsed.deprecated_id == "uuid:old" and parsed.form_id == "aimak-t-monthly"
    for (code, category), text in values.items():
        assert parsed.answers[question_name(code, category)] == text.strip()
    assert parsed.answers["narrative"] == narrative.strip() and parsed.answers["territory"] == territory.strip()


def test_an_unknown_xml_encoding_is_malformed():
    """ElementTree raised LookupError (or ValueError for multi-byte encodings) that no caller caught."""
    for encoding in ("foo", "shift_jis", "rot13"):
        with pytest.raises(odk.Malformed, match="not well-formed XML"):
            odk.parse_openrosa(f'<?xml version="1.0" encoding="{encoding}"?><data/>'.encode())


kobo_keys = st.sampled_from(["meta/instanceID", "meta/deprecatedID", "_uuid", "_xform_id_string", "_id", "__version__",
                             "_submission_time", "g/q", "q", "meta", "territory", "aimak_form", "period"]) | st.text(max_size=8)


@QUICK
@given(json_values | st.dictionaries(kobo_keys, json_values, max_size=8))
@example({"meta/instanceID": {"nested": [1, 2]}, "_uuid": ["x"], "g/q": float("nan")})
def test_any_kobo_record_is_parsed_or_malformed(record):
    try:
        parsed = odk.parse_kobo(record)
    except odk.Malformed as exc:
        assert str(exc)
        return
    assert isinstance(parsed.instance_id, str) and all(isinstance(v, str) for v in parsed.answers.values())


@QUICK
@given(instance=instance_ids, values=answers, narrative=st.text(max_size=20), period=st.sampled_from(["2026-03", "202603", "2026"]))
def test_a_kobo_record_reads_back_what_the_phone_sent(instance, values, narrative, period):
    record = json.loads(json.dumps(kobo_record(instance, values, narrative=narrative, period=period, deprecated="uuid:old")))
    parsed = odk.parse_kobo(record)
    assert parsed.instance_id == instance and parsed.deprecated_id == "uuid:old" and parsed.form_id == ASSET
    for (code, category), text in values.items():
        assert parsed.answers[question_name(code, category)] == text.strip()
    assert parsed.answers["period"] == period and parsed.answers.get("narrative", "") == narrative.strip()


@pytest.fixture
def actor(form, territory):
    sync_builtin_roles()
    _secret, key = create_integration_secret(created_by=None, name="kobo-barskoon", role=Role.objects.get(code="local_monitor"),
                                             territory=territory(BARSKOON))
    return integration_actor(key)


@DB
@given(st.one_of(
    st.dictionaries(kobo_keys, json_values, max_size=6).map(lambda r: json.dumps(r)),
    st.builds(lambda instance, values: json.dumps(kobo_record(instance, values)), instance_ids, answers),
    st.text(max_size=60),
))
@example("\x00")  # PostgreSQL text cannot hold NUL: kept with U+FFFD instead (found on PostgreSQL)
@example(json.dumps({"meta/instanceID": "uuid:\x00", "note": "\x00"}))
@example(json.dumps({"_id": {"\x00": 0}}))  # a NUL in a key of what the result keeps (found on PostgreSQL)
def test_the_kobo_receiver_keeps_and_answers_whatever_arrives(actor, body):
    with rolled_back():
        outcome = odk.receive_kobo(actor, body)
        assert outcome.submission.pk and outcome.status in Submission.Status.values
        assert outcome.status != Submission.Status.RECEIVED  # read, one way or the other


@DB
@given(st.one_of(
    st.builds(lambda instance, values: openrosa_xml(instance, values), instance_ids, answers),
    st.binary(max_size=120),
))
@example(b'<?xml version="1.0" encoding="foo"?><data/>')
def test_the_openrosa_receiver_keeps_and_answers_whatever_arrives(actor, body):
    with rolled_back():
        outcome = odk.receive_openrosa(actor, body)
        assert outcome.submission.pk and outcome.status in Submission.Status.values
        assert outcome.status != Submission.Status.RECEIVED


@pytest.mark.parametrize("attachments", [1, [{"filename": 7}]])
def test_kobo_attachments_of_the_wrong_shape_are_ignored(attachments):
    assert odk.kobo_attachments({"_attachments": attachments}) == []


def test_a_kobo_body_nested_too_deeply_is_malformed(actor):
    outcome = odk.receive_kobo(actor, "[" * 100_000)
    assert outcome.status == Submission.Status.REJECTED


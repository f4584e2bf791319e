"""Properties of the shared source reading (``aimak.core.imports``) and of period codes
(``aimak.monitoring.periods``): whatever arrives, the readers answer with their documented
error (``SourceError``, ``ValueError``) or with the data, never with a crash; and what Aimak or
Excel writes reads back the same.

No database: these run in a few seconds."""

import codecs
import csv
import io
import json
import string
from datetime import date

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from aimak.core import imports
from aimak.core.imports import SourceError, decode_text, read_bytes, read_csv, read_json
from aimak.monitoring import periods

# Example counts scale with the profile (conftest.py): HYPOTHESIS_PROFILE=thorough runs ten times as many.
FAST = settings(max_examples=int(1.5 * settings.default.max_examples), deadline=None, suppress_health_check=[HealthCheck.too_slow])
BOM = codecs.BOM_UTF8

# What old Excel writes on a Russian Windows: Cyrillic, Latin, digits and the punctuation of a
# CSV. (Kyrgyz ң, ө, ү are not in Windows-1251: such files never held them.)
CP1251_TEXT = "".join(ch for ch in (bytes(range(0x20, 0x7F)) + bytes(range(0xA0, 0x100))).decode("cp1251") if ch.isprintable())
cp1251_text = st.text(alphabet=CP1251_TEXT + "\t", max_size=60)


def _valid_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# --- decoding -----------------------------------------------------------------------------------


@FAST
@given(st.binary(max_size=300))
@example(b"\x98")  # the one byte Windows-1251 leaves undefined
@example(b"\xff\xfe\x00a")
def test_any_bytes_decode_or_are_refused_as_a_source_error(data):
    try:
        text = decode_text(data)
    except SourceError as exc:
        assert str(exc)
        return
    assert isinstance(text, str)


@FAST
@given(st.text(max_size=200))
def test_utf8_with_or_without_bom_reads_back_the_same_text(text):
    assert decode_text(BOM + text.encode("utf-8")) == text
    if not text.startswith("\ufeff"):  # a text that starts with a BOM character loses it, as Excel does
        assert decode_text(text.encode("utf-8")) == text


@FAST
@given(cp1251_text)
@example("Барскоон айыл аймагы, «Жети-Огуз» району; №5 — 12 500 сом")
def test_cp1251_from_old_excel_reads_back_the_same_text(text):
    data = text.encode("cp1251")
    if _valid_utf8(data):
        # UTF-8 is tried first: bytes that are valid UTF-8 are read as UTF-8. Only ASCII, or a
        # few capitals each followed by punctuation (“Р»”), can be both; real text is not.
        assert decode_text(data) == data.decode("utf-8")
    else:
        assert decode_text(data) == text


def test_real_cp1251_text_is_not_mistaken_for_utf8():
    text = "Код СОАТЕ;Наименование\n41702210815000;Барскоон\n"
    assert decode_text(text.encode("cp1251")) == text
    assert decode_text(BOM + text.encode("utf-8")) == text


# --- CSV ----------------------------------------------------------------------------------------

def header_names(alphabet=string.ascii_lowercase + "_абвгдеёжзийклмнңоөпрстуүфхцчшщъыьэюя"):
    return st.lists(st.text(alphabet=alphabet, min_size=1, max_size=12), min_size=1, max_size=6, unique=True)


cell_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)


@st.composite
def tables(draw, cells=cell_text, names=header_names()):
    header = draw(names)
    rows = draw(st.lists(st.lists(cells, min_size=len(header), max_size=len(header)), max_size=8))
    return header, rows


def _csv_text(header, rows) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


@FAST
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass"))))
@example(b'"a,b\n')  # an unclosed quote in the header row
@example(b'a"b,c\n1,2\n')
@example(b"x" * 140_000)  # one header field over the csv module's limit
@example(b'a,b\n1,"' + b"x" * 140_000 + b'"\n')
@example(b"a,b\n1,2,3\n4\n")
def test_any_bytes_are_csv_rows_or_a_source_error(data):
    try:
        rows = read_csv(data, [])
    except SourceError as exc:
        assert str(exc)
        return
    previous = 1
    for line, row in rows:
        assert isinstance(line, int) and line > previous
        previous = line
        assert isinstance(row, dict)


@FAST
@given(tables(), st.sampled_from(["utf-8", "utf-8-sig"]))
def test_a_csv_reads_back_the_rows_written(table, encoding):
    header, rows = table
    text = _csv_text(header, rows)
    found = read_csv(text.encode(encoding), header[:1])
    assert [row for _line, row in found] == [dict(zip(header, r)) for r in rows]


@FAST
@given(tables(cells=cp1251_text, names=header_names(string.ascii_lowercase + "_абвгдеёжзийклмнопрстуфхцчшщъыьэюя")))
def test_a_csv_written_in_cp1251_reads_back_as_the_same_text(table):
    header, rows = table
    text = _csv_text(header, rows)
    data = text.encode("cp1251")
    assume(not _valid_utf8(data) or data.isascii())  # see test_cp1251_from_old_excel_reads_back_the_same_text
    in_utf8 = read_csv(text.encode("utf-8"), [])
    assert read_csv(data, []) == in_utf8
    assert [row for _line, row in in_utf8] == [dict(zip(header, r)) for r in rows]


def test_a_missing_column_is_named():
    with pytest.raises(SourceError, match="Required columns are missing: name_ru. Found: soate_code"):
        read_csv(b"soate_code\n417\n", ["soate_code", "name_ru"])


def test_a_malformed_header_is_a_source_error_naming_the_line():
    """It crashed with _csv.Error: the header row was read outside the error handling."""
    with pytest.raises(SourceError, match="malformed near line 1"):
        read_csv(b'"soate_code,name\n', [])
    with pytest.raises(SourceError, match="field larger than field limit"):
        read_csv(b"x" * 140_000, [])


# --- JSON ---------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@FAST
@given(st.one_of(st.binary(max_size=200), json_values.map(lambda v: json.dumps(v)[:-1].encode())))
@example(b"[" * 100_000)  # deeper than Python's recursion limit
@example(b"1" * 5000)  # more digits than Python converts to an int
@example(b'{"a": NaN}')
def test_any_bytes_are_json_or_a_source_error(data):
    try:
        read_json(data)
    except SourceError as exc:
        assert str(exc)


@FAST
@given(json_values, st.sampled_from(["utf-8", "utf-8-sig"]), st.booleans())
def test_json_reads_back_what_was_written(value, encoding, ascii_only):
    assert read_json(json.dumps(value, ensure_ascii=ascii_only).encode(encoding)) == value


def test_json_too_deep_or_too_long_is_a_source_error():
    """Both crashed (RecursionError, ValueError) instead of saying what is wrong."""
    with pytest.raises(SourceError, match="nested too deeply"):
        read_json(b"[" * 100_000)
    with pytest.raises(SourceError, match="not valid JSON"):
        read_json(b"1" * 5000)


# --- sizes --------------------------------------------------------------------------------------


def test_an_upload_larger_than_the_limit_is_refused_without_reading_it_all(monkeypatch):
    monkeypatch.setattr(imports, "MAX_DOWNLOAD_BYTES", 1024)
    asked = []

    class Upload(io.BytesIO):
        def read(self, size=-1):
            asked.append(size)
            return super().read(size)

    with pytest.raises(SourceError, match="larger than 0 MB"):
        read_bytes(Upload(b"x" * 5000))
    assert asked == [1025]
    assert read_bytes(Upload(b"x" * 1024)) == b"x" * 1024
    assert read_bytes(io.StringIO("Барскоон")) == "Барскоон".encode()


# --- period codes -------------------------------------------------------------------------------

spans = st.one_of(
    st.builds(lambda y, m: periods.PeriodSpan(periods.MONTHLY, date(y, m, 1)), st.integers(1000, 9999), st.integers(1, 12)),
    st.builds(lambda y, q: periods.PeriodSpan(periods.QUARTERLY, date(y, 3 * q - 2, 1)), st.integers(1000, 9999), st.integers(1, 4)),
    st.builds(lambda y: periods.PeriodSpan(periods.YEARLY, date(y, 1, 1)), st.integers(1000, 9999)),
)


@FAST
@given(spans)
def test_a_printed_period_code_parses_back_to_its_period(span):
    assert periods.parse(span.code) == span
    assert periods.parse(f"  {span.code}\n") == span
    if span.start.year < 9999:  # the next period of 9999 is past what a date can hold
        assert span.shift(1).shift(-1) == span and span.start <= span.end < span.shift(1).start


@FAST
@given(st.one_of(st.text(max_size=12), st.text(alphabet="0123456789-Q ", max_size=9), st.integers(), st.none(),
                 st.floats(), st.binary(max_size=6)))
@example("٢٠٢٦")  # Arabic-Indic digits matched \d and were read as 2026
@example("0999")  # parsed to year 999, whose code "999" did not parse back
@example("2026-13")
@example("2026Q0")
@example(2026)
def test_anything_else_is_a_value_error_and_what_parses_prints_back(raw):
    try:
        span = periods.parse(raw)
    except ValueError:
        return
    assert span.code == raw.strip()


def test_period_codes_that_used_to_slip_through_are_refused():
    for raw in ("٢٠٢٦", "٢٠٢٦-٠٣", "0999", "0000", "2026-3", "2026q1", "2026-00", 202603):
        with pytest.raises(ValueError):
            periods.parse(raw)
    assert periods.parse("2026Q4") == periods.PeriodSpan(periods.QUARTERLY, date(2026, 10, 1))

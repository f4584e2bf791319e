"""Every importer, given bad input: a clear report naming lines and reasons, and no change."""

import json

import pytest

from aimak.core.imports import SourceError
from aimak.territories.importers import import_boundaries, import_oad, import_soate, import_villages
from aimak.territories.models import Territory

pytestmark = pytest.mark.django_db

SOATE_HEADER = "soate_code,name_ru,kind_by_code,source_type,parent_soate_code,oblast_soate_code,rayon_soate_code\n"


def snapshot():
    return list(Territory.objects.order_by("id").values_list("id", "code", "name_ru", "name_ky", "name_en", "parent_id", "latitude", "geometry_web"))


@pytest.fixture
def unchanged():
    before = snapshot()
    yield
    assert snapshot() == before


def write(tmp_path, name, content, encoding="utf-8"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding=encoding)
    return str(path)


@pytest.mark.parametrize(
    "rows, line, reason",
    [
        ("41702210815999,Новый,aiyl_aimak,,41702210000000,,\n41702210815999,Новый 2,aiyl_aimak,,41702210000000,,\n", 3, "Duplicate code"),
        ("41702210815998,Сирота,aiyl_aimak,,41702999000000,,\n", 2, "Unknown parent"),
        ("4170221081599,Короткий,aiyl_aimak,,41702210000000,,\n", 2, "14 digits"),
        ("41702210815997,,aiyl_aimak,,41702210000000,,\n", 2, "Russian name is empty"),
        ("41702210815996,Сам себе,aiyl_aimak,,41702210815996,,\n", 2, "own parent"),
        ("41702210815995,Лишнее,aiyl_aimak,,41702210000000,,,,extra\n", 2, "more columns"),
    ],
)
def test_soate_rejects_bad_rows(tmp_path, unchanged, rows, line, reason):
    report = import_soate(write(tmp_path, "soate.csv", SOATE_HEADER + rows))
    assert not report.committed
    assert any(i.line == line and reason in i.message for i in report.rejected), report.as_text()


def test_soate_reports_every_bad_row_not_just_the_first(tmp_path, unchanged):
    rows = "1,А,,,,,\n2,Б,,,,,\n41702210815994,,aiyl_aimak,,41702210000000,,\n"
    report = import_soate(write(tmp_path, "soate.csv", SOATE_HEADER + rows))
    assert [i.line for i in report.rejected] == [2, 3, 4]


@pytest.mark.parametrize(
    "content, reason",
    [
        ("", "empty"),
        ("code,name\n1,2\n", "Required columns are missing: soate_code, name_ru, parent_soate_code"),
        (b"\x00\x01\x02binary", "not a text file"),
        ('soate_code,name_ru,parent_soate_code\n"41702210815993,Незакрытая кавычка,41702210000000\n', "malformed"),
    ],
)
def test_soate_unreadable_files_raise_a_clear_error(tmp_path, unchanged, content, reason):
    with pytest.raises(SourceError, match=reason):
        import_soate(write(tmp_path, "soate.csv", content))


def test_soate_reads_windows_1251_from_old_excel(tmp_path):
    rows = "41702210815992,Новое село,village,,41702210815000,,\n"
    report = import_soate(write(tmp_path, "soate.csv", SOATE_HEADER + rows, encoding="cp1251"), dry_run=True)
    assert report.ok and report.created == 1 and not report.committed
    assert not Territory.objects.filter(code="41702210815992").exists()


def test_missing_file_is_named(unchanged):
    with pytest.raises(SourceError, match="not found"):
        import_soate("/nonexistent/soate.csv")


def oad_record(pcode, ky="Барскоон", en="Barskoon", lat="42.1", lon="77.6"):
    return {"id": pcode, "name": {"local": ky, "en": en}, "geo": {"lat": lat, "lon": lon}}


@pytest.mark.parametrize(
    "records, index, reason",
    [
        ([oad_record("KG02210815000"), oad_record("KG02210815000")], 2, "Duplicate P-code"),
        ([oad_record("41702210815000")], 1, "KG followed by 11 digits"),
        ([oad_record("KG02210815000", lat="55.7", lon="37.6")], 1, "not in Kyrgyzstan"),
        (["not an object"], 1, "not an object"),
    ],
)
def test_names_importer_rejects_bad_records(tmp_path, unchanged, records, index, reason):
    report = import_oad(write(tmp_path, "oad.json", json.dumps(records)))
    assert not report.committed
    assert any(i.line == index and reason in i.message for i in report.rejected), report.as_text()


def test_names_importer_broken_json(tmp_path, unchanged):
    with pytest.raises(SourceError, match="not valid JSON"):
        import_oad(write(tmp_path, "oad.json", '[{"id": "KG02210815000",'))
    with pytest.raises(SourceError, match="JSON list"):
        import_oad(write(tmp_path, "oad.json", '{"id": 1}'))


def square(x, y, d=0.1):
    return {"type": "Polygon", "coordinates": [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]]}


def feature(props, geometry):
    return {"type": "Feature", "properties": props, "geometry": geometry}


@pytest.mark.parametrize(
    "features, reason",
    [
        ([feature({"ADM2_PCODE": "KG02999000000"}, square(77, 42))], "No territory matches"),
        ([feature({"ADM2_PCODE": "KG02210000000"}, {"type": "Point", "coordinates": [77, 42]})], "Expected a polygon"),
        ([feature({"ADM2_PCODE": "KG02210000000"}, square(42, 77))], "outside Kyrgyzstan"),
        ([feature({"ADM2_PCODE": "KG02210000000"}, square(77, 42)), feature({"ADM2_PCODE": "KG02210000000"}, square(77.2, 42))], "second boundary"),
        ([feature({"ADM2_PCODE": "KG02210000000"}, {"type": "Polygon", "coordinates": "nonsense"})], "cannot be read"),
    ],
)
def test_boundaries_importer_rejects_bad_features(tmp_path, unchanged, features, reason):
    data = {"type": "FeatureCollection", "features": features}
    report = import_boundaries(write(tmp_path, "b.geojson", json.dumps(data)))
    assert not report.committed
    assert any(reason in i.message for i in report.rejected), report.as_text()


def test_boundaries_importer_needs_a_feature_collection(tmp_path, unchanged):
    with pytest.raises(SourceError, match="FeatureCollection"):
        import_boundaries(write(tmp_path, "b.geojson", json.dumps({"type": "Feature"})))


def test_aiyl_aimak_polygons_keyed_by_soate_code_just_work(tmp_path, territory):
    data = {"type": "FeatureCollection", "features": [feature({"soate": "41702210815000"}, square(78.0, 41.9, 0.2))]}
    report = import_boundaries(write(tmp_path, "aa.geojson", json.dumps(data)))
    assert report.committed and report.updated == 1, report.as_text()
    assert territory("41702210815000").geometry_web["type"] == "Polygon"


def test_villages_importer_rejects_bad_coordinates(tmp_path, unchanged):
    content = "name,name_rus,name_kir,name_eng,lat,lon\nBarskoon,Барскоон,,,abc,77\nX,Барскоон,,,42.0,\n"
    report = import_villages(write(tmp_path, "v.csv", content))
    assert not report.committed
    assert [i.line for i in report.rejected] == [2, 3]


def test_villages_importer_reports_unmatched(tmp_path):
    content = "name,name_rus,name_kir,name_eng,lat,lon\nNowhere,Нигдеевка,,,42.0,77.0\n"
    report = import_villages(write(tmp_path, "v.csv", content))
    assert report.ok
    assert report.skipped[0].line == 2 and "No village of this name" in report.skipped[0].message

import pytest
import yaml
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_list_filters_by_level_and_parent(client):
    data = client.get("/api/territories/", {"level": 1, "limit": 50}).json()
    assert data["count"] == 9
    rayons = client.get("/api/territories/", {"parent": "41702000000000", "kind": "rayon"}).json()
    assert {r["code"] for r in rayons["results"]} >= {"41702210000000", "41702220000000"}
    assert client.get("/api/territories/", {"within": "41702210000000", "kind": "aiyl_aimak"}).json()["count"] > 10


def test_retrieve_gives_names_in_three_languages_and_the_parent_chain(client):
    data = client.get("/api/territories/41702210815000/").json()
    assert data["names"] == {"ky": "Барскоон айыл аймагы", "ru": "Барскоонский айылный аймак", "en": "Barskoon aiyl aimak"}
    assert [p["code"] for p in data["parents"]] == ["41700000000000", "41702000000000", "41702210000000"]
    assert client.get("/api/territories/KG02210815000/").json()["code"] == "41702210815000"
    assert client.get("/api/territories/41799999999999/").status_code == 404


def test_search_any_spelling(client):
    for q in ["Жети-Өгүз", "Джети-Огуз", "Jeti-Oguz", "Djety-Oguz"]:
        first = client.get("/api/territories/search/", {"q": q}).json()[0]
        assert first["code"] == "41702210000000", q


def test_children_now_and_as_of(client):
    now = client.get("/api/territories/41702210000000/children/").json()
    assert any(c["code"] == "41702210815000" for c in now)
    then = client.get("/api/territories/41702210000000/children/", {"as_of": "2020-01-01"}).json()
    assert len(then) == len(now)


def test_as_of_names_the_edition_and_checks_the_date(client):
    data = client.get("/api/territories/as-of/", {"date": "2020-01-01", "parent": "41702210000000"}).json()
    assert data["edition"] == "SOATE 2019"
    bad = client.get("/api/territories/as-of/", {"date": "2020-02-30"})
    assert bad.status_code == 400 and "date" in bad.json()


def test_geojson_per_level(client):
    oblasts = client.get("/api/territories/geojson/", {"level": 1}).json()
    assert oblasts["type"] == "FeatureCollection" and len(oblasts["features"]) == 9
    assert {f["geometry"]["type"] for f in oblasts["features"]} <= {"Polygon", "MultiPolygon"}
    aimaks = client.get("/api/territories/geojson/", {"level": 3}).json()
    assert any(f["geometry"] and f["geometry"]["type"] == "Point" for f in aimaks["features"])
    assert client.get("/api/territories/geojson/", {"level": 9}).status_code == 400
    assert client.get("/api/territories/geojson/").status_code == 400


def test_successors(client):
    data = client.get("/api/territories/41702210815000/successors/", {"date": "2030-01-01"}).json()
    assert [(d["territory"], d["share"]) for d in data] == [("41702210815000", 1.0)]


def test_openapi_schema_is_valid_and_docs_are_served_locally(client):
    schema = yaml.safe_load(client.get(reverse("api-schema")).content)
    assert "/api/territories/{code}/" in schema["paths"]
    docs = client.get(reverse("api-docs")).content.decode()
    assert "cdn" not in docs.lower() and "unpkg" not in docs


def test_list_page_uses_the_same_filters_and_exports_csv(client):
    page = client.get("/territories/list/", {"kind": "rayon", "within": "41702000000000"})
    assert page.status_code == 200 and "41702210000000" in page.content.decode()
    export = client.get("/territories/list/", {"kind": "aiyl_aimak", "within": "41702210000000", "export": "csv"})
    lines = b"".join(export.streaming_content).decode("utf-8").lstrip("\ufeff").splitlines()
    api = client.get("/api/territories/", {"kind": "aiyl_aimak", "within": "41702210000000"}).json()
    assert len(lines) - 1 == api["count"] > 10
    assert client.get("/territories/list/", {"level": "9"}).status_code == 200  # invalid filter: empty list, no error page

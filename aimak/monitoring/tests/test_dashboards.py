"""The live monitoring views: the map with its table, the territory page, exports, the home panel.

Rows are made directly (no analytics run), so every figure asserted here is the one written."""

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from aimak.accounts.models import Role, RoleAssignment, User
from aimak.accounts.services import sync_builtin_roles
from aimak.monitoring import models as m
from aimak.monitoring.selectors import dashboards as selectors
from aimak.territories.models import Territory

from . import factories as f

pytestmark = pytest.mark.django_db

BARSKOON, JETI_OGUZ, ISSYK_KUL = "41702210815000", "41702210000000", "41702000000000"
SUZAK_AA, SUZAK = "41703220856000", "41703220000000"
MARCH, FEBRUARY = date(2026, 3, 1), date(2026, 2, 1)


def person(username, role, code):
    user = User.objects.create_user(username, password="a-long-test-password")
    RoleAssignment.objects.create(user=user, role=Role.objects.get(code=role), territory=Territory.objects.get(code=code, valid_to__isnull=True))
    return user


def client_for(user, lang="en"):
    c = Client()
    if user is not None:
        c.force_login(user)
    c.cookies["aimak_language"] = lang
    return c


def aware(*args):
    return timezone.make_aware(datetime(*args))


@pytest.fixture
def world(territory):
    """Barskoon and a second Jeti-Oguz aiyl aimak must report the "monthly" form, and Suzak aiyl
    aimak too. March 2026: Barskoon reported on time, the other Jeti-Oguz one only has a draft,
    Suzak reported late. Index values at every level; one overdue alert in Barskoon."""
    sync_builtin_roles()
    barskoon, jeti_oguz, issyk_kul = territory(BARSKOON), territory(JETI_OGUZ), territory(ISSYK_KUL)
    suzak_aa, suzak = territory(SUZAK_AA), territory(SUZAK)
    other = (
        Territory.objects.filter(parent=jeti_oguz, kind="aiyl_aimak", valid_to__isnull=True)
        .exclude(pk=barskoon.pk).order_by("code").first()
    )
    fights = f.indicator("fights", disaggregation="sex", name_en="Inter-group fights")
    form = f.form("monthly", indicators=[fights], days_allowed=10)
    for area in (barskoon, other, suzak_aa):
        m.FormAssignment.objects.create(form=form, area=area, kinds=["aiyl_aimak"])

    def report(place, status, submitted_at=None):
        return m.Report.objects.create(
            form=form, territory=place, period_type="monthly", period_start=MARCH, status=status,
            territory_path=place.path, submitted_at=submitted_at,
        )

    reports = {
        "barskoon": report(barskoon, m.Report.Status.SUBMITTED, aware(2026, 4, 5, 10)),
        "other": report(other, m.Report.Status.DRAFT),
        "suzak": report(suzak_aa, m.Report.Status.APPROVED_DISTRICT, aware(2026, 4, 20, 10)),
    }
    breakdown = [
        {"indicator": "fights", "domain": "incidents", "value": 4.0, "score": 63.21, "weight": 1.5, "contribution": 31.6,
         "z": 2.0, "reason": "both", "threshold": "orange", "floor": 60, "decides": True},
        {"indicator": "gone-indicator", "score": None},  # tolerant of missing keys
    ]
    for place, start, value, level, bd in [
        (barskoon, MARCH, "72.50", "orange", breakdown), (barskoon, FEBRUARY, "30.00", "green", []),
        (jeti_oguz, MARCH, "45.00", "yellow", []), (issyk_kul, MARCH, "40.00", "yellow", []),
        (suzak_aa, MARCH, "85.00", "red", []), (suzak, MARCH, "60.00", "orange", []),
    ]:
        m.IndexValue.objects.create(territory=place, period_start=start, value=Decimal(value), level=level, breakdown=bd, coverage=Decimal("0.5"))
    for start, category, value in [(MARCH, "", 4), (MARCH, "f", 1), (MARCH, "m", 3), (FEBRUARY, "", 1)]:
        m.AggregateValue.objects.create(indicator=fights, territory=barskoon, period_start=start, category=category, value=Decimal(value), reports=1)
    m.AggregateValue.objects.create(indicator=fights, territory=suzak_aa, period_start=MARCH, category="", value=Decimal(9), reports=1)
    late = f.alert(barskoon)
    m.Alert.objects.filter(pk=late.pk).update(acknowledge_due=timezone.now() - timedelta(hours=2))
    f.alert(suzak_aa)
    f.plan(barskoon)
    return {"barskoon": barskoon, "other": other, "suzak_aa": suzak_aa, "form": form, "reports": reports, "alert": late}


@pytest.fixture
def coordinator(world):
    return person("coord-jo", "district_coordinator", JETI_OGUZ)


@pytest.fixture
def suzak_coordinator(world):
    return person("coord-suzak", "district_coordinator", SUZAK)


@pytest.mark.parametrize("lang", ["ky", "ru", "en"])
def test_overview_and_territory_pages_render_for_the_coordinator(coordinator, world, lang):
    c = client_for(coordinator, lang)
    overview = c.get("/monitoring/")
    assert overview.status_code == 200
    html = overview.content.decode()
    assert f'<html lang="{lang}">' in html
    assert world["barskoon"].name in html and world["other"].name in html
    assert world["suzak_aa"].name not in html
    assert 'data-monitoring-map' in html
    page = c.get(f"/monitoring/territory/{BARSKOON}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert world["barskoon"].name in html
    assert 'id="trend-data"' in html and 'id="breakdown-data"' in html and "vendor/echarts/echarts.min.js" in html
    assert "<polyline" in html  # server-side sparkline
    assert c.get(f"/monitoring/territory/{JETI_OGUZ}/").status_code == 200


def test_territory_page_shows_index_breakdown_indicators_and_lists(coordinator, world):
    html = client_for(coordinator).get(f"/monitoring/territory/{BARSKOON}/").content.decode()
    assert "72.5" in html and "2026-03" in html
    assert "Inter-group fights" in html and "gone-indicator" in html
    assert "against its own history and the national distribution" in html
    assert "women: 1" in html and "men: 3" in html
    assert "alert 41702210815000" in html and "not acknowledged in time" in html
    assert "plan 41702210815000" in html
    assert "Submitted" in html and "submitted" in html
    # an earlier period is chosen by ?period=
    html = client_for(coordinator).get(f"/monitoring/territory/{BARSKOON}/?period=2026-02").content.decode()
    assert "30.0" in html


def test_territory_page_of_a_rayon_lists_its_children_with_completeness(coordinator, world):
    html = client_for(coordinator).get(f"/monitoring/territory/{JETI_OGUZ}/?period=2026-03").content.decode()
    assert world["barskoon"].name in html and "100% <span class=\"muted\">(1/1)" in html
    assert "0% <span class=\"muted\">(0/1)" in html  # the other aiyl aimak sent only a draft


def test_out_of_scope_territories_are_not_found(coordinator, suzak_coordinator):
    assert client_for(suzak_coordinator).get(f"/monitoring/territory/{BARSKOON}/").status_code == 404
    assert client_for(suzak_coordinator).get(f"/monitoring/territory/{SUZAK_AA}/").status_code == 200
    c = client_for(coordinator)
    assert c.get(f"/monitoring/territory/{ISSYK_KUL}/").status_code == 404  # the oblast above
    assert c.get(f"/monitoring/territory/{SUZAK_AA}/").status_code == 404
    assert c.get("/monitoring/territory/41799999999999/").status_code == 404


def test_anonymous_is_sent_to_sign_in(world):
    c = client_for(None)
    for url in ["/monitoring/", f"/monitoring/territory/{BARSKOON}/", "/monitoring/map-data/?level=1"]:
        response = c.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/sign-in/"), url


def _features(response):
    assert response.status_code == 200
    return {ft["properties"]["code"]: ft for ft in response.json()["features"]}


def test_map_data_has_levels_and_values_and_stays_in_scope(coordinator, world):
    c = client_for(coordinator)
    features = _features(c.get(f"/monitoring/map-data/?parent={JETI_OGUZ}&period=2026-03"))
    barskoon = features[BARSKOON]["properties"]
    assert barskoon["level"] == "orange" and barskoon["value"] == 72.5 and barskoon["level_label"] == "repeated organised conflict"
    assert barskoon["url"] == f"/monitoring/territory/{BARSKOON}/" and barskoon["colour"] == selectors.LEVEL_COLOURS["orange"]
    assert features[world["other"].code]["properties"]["value"] is None
    assert features[BARSKOON]["geometry"] is None or features[BARSKOON]["geometry"]["type"] == "Point"
    # the whole municipal level: only what lies in Jeti-Oguz
    features = _features(c.get("/monitoring/map-data/?level=3&period=2026-03"))
    assert BARSKOON in features and SUZAK_AA not in features
    assert all(code.startswith("4170221") for code in features)
    # oblasts: Issyk-Kul lies above the coordinator's rayon, so nothing
    assert _features(c.get("/monitoring/map-data/?level=1&period=2026-03")) == {}
    # default area: the rayon's aiyl aimaks
    assert BARSKOON in _features(c.get("/monitoring/map-data/"))
    # completeness
    features = _features(c.get(f"/monitoring/map-data/?parent={JETI_OGUZ}&period=2026-03&measure=completeness"))
    assert features[BARSKOON]["properties"]["rate"] == 1.0 and features[world["other"].code]["properties"]["rate"] == 0.0
    assert features[BARSKOON]["properties"]["colour"] == "#2e7d32"


def test_map_data_for_the_whole_country(world):
    admin = User.objects.create_superuser("root", password="a-long-test-password")
    features = _features(client_for(admin).get("/monitoring/map-data/?period=2026-03"))
    assert features[ISSYK_KUL]["properties"]["level"] == "yellow" and features[ISSYK_KUL]["properties"]["value"] == 40.0
    assert features[ISSYK_KUL]["geometry"] is None or features[ISSYK_KUL]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    # Suzak rayon under Jalal-Abad: drill down
    jalal_abad = Territory.objects.get(code=SUZAK).parent
    features = _features(client_for(admin).get(f"/monitoring/map-data/?parent={jalal_abad.code}&period=2026-03"))
    assert features[SUZAK]["properties"]["level"] == "orange"


def test_completeness_and_alert_figures(coordinator, world):
    summary = selectors.scope_completeness(coordinator, world["form"], MARCH)
    assert (summary["expected"], summary["received"], summary["on_time"]) == (2, 1, 1)
    assert summary["rate"] == 0.5 and summary["timeliness"] == 0.5
    assert selectors.alert_counts(coordinator) == {"open": 1, "overdue": 1}
    suzak = person("s2", "district_coordinator", SUZAK)
    summary = selectors.scope_completeness(suzak, world["form"], MARCH)
    assert (summary["expected"], summary["received"], summary["on_time"]) == (1, 1, 0)  # approved, but late


def test_overview_table_sorts_and_exports(coordinator, world):
    c = client_for(coordinator)
    html = c.get("/monitoring/?period=2026-03&sort=-value").content.decode()
    assert html.index(world["barskoon"].name) < html.index(world["other"].name)
    response = c.get(f"/monitoring/?parent={JETI_OGUZ}&period=2026-03&export=csv&table=territories")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == "SOATE code"
    barskoon = next(r for r in rows if r[0] == BARSKOON)
    assert barskoon[2] == "72.50" and barskoon[3] == "repeated organised conflict" and barskoon[4:8] == ["1", "1", "1", "100.0"]
    assert not any(r[0] == SUZAK_AA for r in rows)
    response = c.get(f"/monitoring/?parent={JETI_OGUZ}&period=2026-03&export=xlsx&table=territories")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    row = next(r for r in values if r[0] == BARSKOON)
    assert row[2] == 72.5 and row[5] == 1


def test_territory_tables_export(coordinator, world):
    c = client_for(coordinator)
    response = c.get(f"/monitoring/territory/{BARSKOON}/?period=2026-03&export=xlsx&table=indicators")
    assert response.status_code == 200
    values = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert values[1][0] == "fights" and values[1][3] == 4 and "women: 1" in values[1][5]
    response = c.get(f"/monitoring/territory/{BARSKOON}/?period=2026-03&export=csv&table=breakdown")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[1][:7] == ["fights", "Inter-group fights", "Incidents", "4.0", "63.21", "1.5", "31.6"]
    assert rows[1][7] == "repeated organised conflict"
    for table, lines in {"index": 3, "alerts": 2, "plans": 2, "reports": 2}.items():  # header + rows
        response = c.get(f"/monitoring/territory/{BARSKOON}/?export=xlsx&table={table}")
        assert response.status_code == 200 and len(list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)) == lines, table
    response = c.get(f"/monitoring/territory/{JETI_OGUZ}/?period=2026-03&export=csv&table=children")
    assert BARSKOON in b"".join(response.streaming_content).decode()
    assert c.get(f"/monitoring/territory/{BARSKOON}/?export=csv&table=secrets").status_code == 404


def test_synthetic_banner_shows_when_demo_rows_are_in_view(coordinator, world):
    c = client_for(coordinator)
    m.Report.objects.filter(pk=world["reports"]["suzak"].pk).update(is_synthetic=True)  # out of the coordinator's view
    assert "Synthetic demo data" not in c.get("/monitoring/").content.decode()
    m.Alert.objects.filter(pk=world["alert"].pk).update(is_synthetic=True)
    assert "Synthetic demo data" in c.get("/monitoring/").content.decode()
    assert "Synthetic demo data" in c.get(f"/monitoring/territory/{BARSKOON}/").content.decode()
    assert "Synthetic demo data" in c.get("/").content.decode()


def test_pages_take_a_bounded_number_of_queries(coordinator, world, django_assert_max_num_queries):
    """A handful of queries, however many territories a table has (no query per row)."""
    c = client_for(coordinator)
    c.get("/monitoring/")  # warm the session
    with django_assert_max_num_queries(28):  # completeness: two GROUP BY per table, not three counts per row
        assert c.get("/monitoring/?period=2026-03").status_code == 200
    with django_assert_max_num_queries(30):
        assert c.get(f"/monitoring/territory/{JETI_OGUZ}/?period=2026-03").status_code == 200
    with django_assert_max_num_queries(12):
        assert c.get("/monitoring/map-data/?level=3&period=2026-03").status_code == 200
    admin = client_for(User.objects.create_superuser("root", password="a-long-test-password"))
    admin.get("/monitoring/")
    with django_assert_max_num_queries(25):  # every aiyl aimak and town of the country
        response = admin.get("/monitoring/?level=3&period=2026-03")
    assert response.status_code == 200 and len(response.context["rows"]) > 400
    with django_assert_max_num_queries(12):
        assert len(admin.get("/monitoring/map-data/?level=3&period=2026-03").json()["features"]) > 400


def test_home_page_shows_the_monitoring_panel(coordinator, world):
    html = client_for(coordinator).get("/").content.decode()
    assert "Open monitoring" in html and "2026-03" in html
    assert "completeness: 1 of 2 reports" in html
    assert "Open monitoring" not in client_for(None).get("/").content.decode()
    nobody = User.objects.create_user("nobody", password="a-long-test-password")
    assert "Open monitoring" not in client_for(nobody).get("/").content.decode()


def test_bad_period_is_explained_not_an_error(coordinator, world):
    html = client_for(coordinator).get("/monitoring/?period=2026Q1").content.decode()
    assert "The period must be a month written as YYYY-MM" in html


def test_indicator_table_with_parts_and_series(coordinator, world):
    for table in (selectors.indicator_table, selectors._indicator_table):  # the analytics-backed one and the fallback
        rows = table(coordinator, world["barskoon"], MARCH)
        assert [r["code"] for r in rows] == ["fights"]
        row = rows[0]
        assert row["value"] == 4 and [(c["code"], c["value"]) for c in row["categories"]] == [("f", 1), ("m", 3)]
        assert row["series"][-2:] == [1, 4] and row["sparkline"].endswith("98.0,2.0")
    suzak = person("s3", "district_coordinator", SUZAK)
    assert selectors.indicator_table(suzak, world["barskoon"], MARCH) == []


def test_map_data_outlines_the_parent(coordinator, world):
    data = client_for(coordinator).get(f"/monitoring/map-data/?parent={JETI_OGUZ}&period=2026-03").json()
    jeti_oguz = Territory.objects.get(code=JETI_OGUZ, valid_to__isnull=True)
    assert ("context" in data) == bool(jeti_oguz.geometry_web)

"""Alert rules and index settings tuned in the browser: who may, what is refused, and what a
cut-off change does to stored index levels (hand-checked figures)."""

from datetime import date
from decimal import Decimal

import pytest

from aimak.monitoring.selectors import rules as rule_selectors
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aimak.accounts.models import Role, RoleAssignment, User
from aimak.audit.models import ChangeRecord
from aimak.core.context import acting_as
from aimak.territories.selectors import by_code

from ..models import Alert, AlertRule, IndexSettings, IndexValue
from ..services import alerts as alert_service
from ..services import index as index_service
from ..services import rules as services
from . import factories as f

pytestmark = pytest.mark.django_db
COUNTRY, BARSKOON, JETI_OGUZ, SUZAK = "41700000000000", "41702210815000", "41702210000000", "41703220856000"


@pytest.fixture(autouse=True)
def setup():
    from aimak.accounts.services import sync_builtin_roles

    sync_builtin_roles()
    alert_service.ensure_default_rules()
    index_service.get_settings()


def person(username, role, code):
    user = User.objects.create_user(username, password="a-long-test-password")
    RoleAssignment.objects.create(user=user, role=Role.objects.get(code=role), territory=by_code(code))
    return user


def client_for(user, lang="en"):
    c = Client()
    c.force_login(user)
    c.cookies["aimak_language"] = lang
    return c


@pytest.fixture
def analyst():
    return person("analyst", "national_analyst", COUNTRY)


def sharp_rise():
    return AlertRule.objects.get(code="sharp-rise")


# --- an analyst changes a rule and the settings ---------------------------------------------


def test_analyst_edits_a_rule_in_the_browser(analyst):
    c = client_for(analyst)
    url = reverse("monitoring:rule-edit", args=["sharp-rise"])
    page = c.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="points"' in html and 'name="periods"' in html and 'name="min_level"' in html and 'name="severity"' in html
    assert html.count('type="checkbox" name="levels"') == 3 and 'name="count"' not in html
    response = c.post(url, {
        "name_ky": "Кескин өсүү", "name_ru": "Резкий рост", "name_en": "Sharp rise (tuned)",
        "is_active": "on", "severity": "red", "points": "30", "periods": "8", "min_level": "orange", "levels": ["3", "2"],
    })
    assert response.status_code == 302 and response["Location"].endswith("/monitoring/rules/#rule-sharp-rise")
    rule = sharp_rise()
    assert rule.parameters == {"points": 30, "periods": 8, "min_level": "orange", "levels": [3, 2]}
    assert (rule.severity, rule.name_en, rule.is_active) == ("red", "Sharp rise (tuned)", True)
    record = ChangeRecord.objects.filter(object_type="monitoring.alertrule", object_id=str(rule.pk), action="update").get()
    assert record.user == analyst
    assert record.before["parameters"]["points"] == 25 and record.after["parameters"]["points"] == 30
    # saving the same again writes nothing
    records = ChangeRecord.objects.count()
    _rule, changed = services.update_rule(analyst, rule, {"points": "30", "levels": [2, 3]})
    assert not changed and ChangeRecord.objects.count() == records


def test_each_kind_gets_its_own_fields(analyst):
    c = client_for(analyst)
    html = c.get(reverse("monitoring:rule-edit", args=["index-orange"])).content.decode()
    assert 'name="level"' in html and 'name="points"' not in html and 'name="severity"' not in html
    assert "the level reached" in html
    html = c.get(reverse("monitoring:rule-edit", args=["neighbours-rising"])).content.decode()
    assert 'name="count"' in html and 'name="points"' in html and 'name="periods"' not in html
    html = c.get(reverse("monitoring:rule-edit", args=["critical-value"])).content.decode()
    assert 'name="levels"' in html and 'name="points"' not in html
    # a rule turned off and its levels narrowed
    response = c.post(reverse("monitoring:rule-edit", args=["critical-value"]),
                      {"name_ky": "Критикалык маани", "name_ru": "Критическое значение", "name_en": "Critical value", "levels": ["3"]})
    assert response.status_code == 302
    rule = AlertRule.objects.get(code="critical-value")
    assert rule.parameters == {"levels": [3]} and rule.is_active is False
    assert c.get(reverse("monitoring:rule-edit", args=["no-such-rule"])).status_code == 404
    # saving the starting critical-value rule unchanged (levels [2, 3] ticked) writes nothing
    services.update_rule(analyst, rule, {"is_active": True, "levels": [2, 3]})
    records = ChangeRecord.objects.count()
    _rule, changed = services.update_rule(analyst, rule, {"levels": ["3", "2"], "name_en": "Critical value"})
    assert not changed and ChangeRecord.objects.count() == records


def test_analyst_edits_the_index_settings(analyst):
    c = client_for(analyst)
    url = reverse("monitoring:index-settings-edit")
    assert c.get(url).status_code == 200
    response = c.post(url, {"cutoff_green": "15", "cutoff_yellow": "35", "cutoff_orange": "55.5", "cutoff_red": "75",
                            "own_history_share": "0.6", "history_periods": "18", "acknowledge_within_hours": "48"})
    assert response.status_code == 302 and response["Location"] == reverse("monitoring:rules")
    row = IndexSettings.objects.get()
    assert row.cutoffs == {"green": 15, "yellow": 35, "orange": 55.5, "red": 75}
    assert (row.own_history_share, row.history_periods, row.acknowledge_within_hours) == (Decimal("0.600"), 18, 48)
    record = ChangeRecord.objects.filter(object_type="monitoring.indexsettings", action="update").get()
    assert record.user == analyst and record.after["history_periods"] == 18 and record.before["history_periods"] == 12
    # the page shows the new bands: orange from 55.5 to below 75
    html = c.get(reverse("monitoring:rules")).content.decode()
    assert "55.5 to below 75" in html and "75 to 100" in html and "0 to below 15" in html
    # a new alert gets the new limit (48 hours)
    alert = alert_service.raise_alert(sharp_rise(), by_code(BARSKOON), "monthly", date(2026, 3, 1), "orange", "s", {})
    hours = (alert.acknowledge_due - alert.raised_at).total_seconds() / 3600
    assert 47.99 < hours < 48.01


def test_administrator_and_superuser_may_configure():
    admin = person("admin", "national_administrator", COUNTRY)
    su = User.objects.create_superuser("root", password="a-long-test-password")
    assert services.can_configure(admin) and services.can_configure(su)
    services.update_rule(admin, sharp_rise(), {"points": 20})
    services.update_index_settings(su, {"acknowledge_within_hours": 12})
    assert sharp_rise().parameters["points"] == 20 and IndexSettings.objects.get().acknowledge_within_hours == 12


# --- others may look, not change -------------------------------------------------------------


@pytest.mark.parametrize("role,code", [("local_monitor", BARSKOON), ("district_coordinator", JETI_OGUZ)])
def test_others_get_403_and_permission_denied(role, code):
    user = person("someone", role, code)
    c = client_for(user)
    records = ChangeRecord.objects.count()
    for url in (reverse("monitoring:rule-edit", args=["sharp-rise"]), reverse("monitoring:index-settings-edit")):
        assert c.get(url).status_code == 403
        assert c.post(url, {"points": "1", "cutoff_green": "1", "name_en": "x"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.update_rule(user, sharp_rise(), {"points": 40})
    with pytest.raises(PermissionDenied):
        services.update_index_settings(user, {"history_periods": 24})
    assert sharp_rise().parameters["points"] == 25 and IndexSettings.objects.get().history_periods == 12
    assert ChangeRecord.objects.count() == records
    # they may read the page, without edit controls
    html = c.get(reverse("monitoring:rules")).content.decode()
    assert "Sharp rise" in html and "/edit/" not in html
    assert Client().get(reverse("monitoring:rules")).status_code == 302  # anonymous: sign in first


# --- bad input is refused, naming the field, writing nothing ---------------------------------


RULE_BAD = [
    ("sharp-rise", {"points": "0"}, "points", "Rise in index points: enter a number above 0 and at most 100."),
    ("sharp-rise", {"points": "-5"}, "points", "Rise in index points"),
    ("sharp-rise", {"points": "101"}, "points", "Rise in index points"),
    ("sharp-rise", {"points": "many"}, "points", "Rise in index points: enter a number."),
    ("sharp-rise", {"periods": "2"}, "periods", "Past periods forming the usual level: enter a whole number from 3 to 60."),
    ("sharp-rise", {"periods": "6.5"}, "periods", "Past periods forming the usual level"),
    ("sharp-rise", {"min_level": "purple"}, "min_level", "Lowest level that counts: choose one of the levels."),
    ("sharp-rise", {"severity": "pink"}, "severity", "Severity: choose one of the levels."),
    ("sharp-rise", {"levels": []}, "levels", "Territory levels watched: choose at least one level of territory."),
    ("sharp-rise", {"levels": [4]}, "levels", "Territory levels watched"),
    ("neighbours-rising", {"count": "1"}, "count", "Territories rising together: enter a whole number from 2 to 1000."),
    ("neighbours-rising", {"count": "0"}, "count", "Territories rising together"),
    ("index-orange", {"level": "blue"}, "level", "Level that raises the alert: choose one of the levels."),
    ("index-orange", {"name_ru": "  "}, "name_ru", "Name in Russian: this is required."),
]


@pytest.mark.parametrize("code,data,field,message", RULE_BAD)
def test_bad_rule_input_is_refused(analyst, code, data, field, message):
    rule = AlertRule.objects.get(code=code)
    before = (rule.parameters, rule.severity, rule.name_ru)
    records = ChangeRecord.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.update_rule(analyst, rule, {**data, "name_en": "Changed too"})
    errors = caught.value.message_dict
    assert list(errors) == [field] and errors[field][0].startswith(message)
    rule.refresh_from_db()
    assert (rule.parameters, rule.severity, rule.name_ru) == before and rule.name_en != "Changed too"
    assert ChangeRecord.objects.count() == records


SETTINGS_BAD = [
    ({"cutoff_yellow": "20"}, "cutoff_yellow", "Yellow starts at: cut-offs must rise strictly from green to red; enter more than Green starts at (20)."),
    ({"cutoff_orange": "30"}, "cutoff_orange", "Orange starts at: cut-offs must rise strictly"),
    ({"cutoff_red": "101"}, "cutoff_red", "Red starts at: enter a number from 0 to 100."),
    ({"cutoff_green": "-1"}, "cutoff_green", "Green starts at: enter a number from 0 to 100."),
    ({"cutoffs": {"green": "abc"}}, "cutoff_green", "Green starts at: enter a number."),
    ({"own_history_share": "1.5"}, "own_history_share", "Weight of the territory's own history: enter a number from 0 to 1."),
    ({"own_history_share": "-0.1"}, "own_history_share", "Weight of the territory's own history"),
    ({"history_periods": "2"}, "history_periods", "Periods of history used as baseline: enter a whole number from 3 to 60."),
    ({"history_periods": "61"}, "history_periods", "Periods of history used as baseline"),
    ({"acknowledge_within_hours": "0"}, "acknowledge_within_hours", "Hours allowed to acknowledge an alert: enter a whole number from 1 to 720."),
    ({"acknowledge_within_hours": "721"}, "acknowledge_within_hours", "Hours allowed to acknowledge an alert"),
]


@pytest.mark.parametrize("data,field,message", SETTINGS_BAD)
def test_bad_settings_input_is_refused(analyst, data, field, message):
    iv = IndexValue.objects.create(territory=by_code(BARSKOON), period_start=date(2026, 1, 1), value=Decimal("45"), level="yellow")
    records = ChangeRecord.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.update_index_settings(analyst, {**data, "history_periods": data.get("history_periods", "24")})
    errors = caught.value.message_dict
    assert list(errors) == [field] and errors[field][0].startswith(message)
    row = IndexSettings.objects.get()
    assert row.cutoffs == {"green": 20, "yellow": 40, "orange": 60, "red": 80} and row.history_periods == 12
    assert IndexValue.objects.get(pk=iv.pk).level == "yellow" and ChangeRecord.objects.count() == records


def test_bad_input_on_the_page_names_the_field(analyst):
    c = client_for(analyst)
    response = c.post(reverse("monitoring:index-settings-edit"), {
        "cutoff_green": "20", "cutoff_yellow": "40", "cutoff_orange": "60", "cutoff_red": "50",
        "own_history_share": "0.5", "history_periods": "12", "acknowledge_within_hours": "abc"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hours allowed to acknowledge an alert: enter a number." in html
    response = c.post(reverse("monitoring:index-settings-edit"), {
        "cutoff_green": "20", "cutoff_yellow": "40", "cutoff_orange": "60", "cutoff_red": "50",
        "own_history_share": "0.5", "history_periods": "12", "acknowledge_within_hours": "24"})
    html = response.content.decode()
    assert response.status_code == 200 and "Red starts at: cut-offs must rise strictly from green to red; enter more than Orange starts at (60)." in html
    response = c.post(reverse("monitoring:rule-edit", args=["sharp-rise"]), {
        "name_ky": "Кескин өсүү", "name_ru": "Резкий рост", "name_en": "Sharp rise", "severity": "orange",
        "points": "25", "periods": "6", "min_level": "yellow"})
    assert response.status_code == 200 and "Territory levels watched: choose at least one level of territory." in response.content.decode()
    assert IndexSettings.objects.get().cutoffs["red"] == 80 and sharp_rise().parameters["levels"] == [3]


# --- cut-offs re-level the stored index values -------------------------------------------------


def test_cutoff_change_relevels_stored_values_in_one_update(analyst):
    barskoon, suzak, jeti_oguz = by_code(BARSKOON), by_code(SUZAK), by_code(JETI_OGUZ)
    rows = {
        "calm": (barskoon, date(2026, 1, 1), "15.00"),      # blue, stays blue
        "mid": (barskoon, date(2026, 2, 1), "45.00"),       # yellow with defaults -> orange at 45
        "edge": (suzak, date(2026, 2, 1), "44.99"),         # yellow, stays yellow (below 45)
        "upper": (jeti_oguz, date(2026, 2, 1), "59.99"),    # yellow -> orange
        "high": (suzak, date(2026, 3, 1), "65.00"),         # orange, stays orange
        "top": (jeti_oguz, date(2026, 3, 1), "80.00"),      # red, stays red
    }
    ids = {}
    for name, (place, start, value) in rows.items():
        value = Decimal(value)
        ids[name] = IndexValue.objects.create(territory=place, period_start=start, value=value,
                                              level=index_service.level_for(float(value))).pk
    levels = lambda: {n: IndexValue.objects.get(pk=pk).level for n, pk in ids.items()}  # noqa: E731
    assert levels() == {"calm": "blue", "mid": "yellow", "edge": "yellow", "upper": "yellow", "high": "orange", "top": "red"}

    with CaptureQueriesContext(connection) as queries:
        _row, moved = services.update_index_settings(analyst, {"cutoff_orange": "45"})
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE") and "indexvalue" in q["sql"].split()[1]]
    assert len(updates) == 1 and "CASE" in updates[0]
    assert moved == 2
    assert levels() == {"calm": "blue", "mid": "orange", "edge": "yellow", "upper": "orange", "high": "orange", "top": "red"}
    assert {n: IndexValue.objects.get(pk=pk).value for n, pk in ids.items()}["mid"] == Decimal("45.00")  # the value stays
    assert IndexSettings.objects.get().cutoffs == {"green": 20, "yellow": 40, "orange": 45, "red": 80}
    # the stored levels agree with level_for under the new cut-offs
    cuts = IndexSettings.objects.get().cutoffs
    for iv in IndexValue.objects.all():
        assert iv.level == index_service.level_for(float(iv.value), cuts)

    # lowering green's cut-off to 10 makes the calm 15 green; nothing else moves
    _row, moved = services.update_index_settings(analyst, {"cutoff_green": "10"})
    assert moved == 1 and IndexValue.objects.get(pk=ids["calm"]).level == "green"
    # a change of other settings does not re-level
    _row, moved = services.update_index_settings(analyst, {"history_periods": 6})
    assert moved is None


# --- the page in two languages -------------------------------------------------------------------


def test_rules_page_in_kyrgyz_and_english(analyst):
    alert = f.alert(by_code(BARSKOON), rule_obj=sharp_rise())
    f.alert(by_code(SUZAK), rule_obj=sharp_rise())
    alert.status = Alert.Status.RESOLVED
    alert.save()
    en = client_for(analyst, "en").get(reverse("monitoring:rules"))
    assert en.status_code == 200
    html = en.content.decode()
    assert 'lang="en"' in html
    assert "Sharp rise" in html and "Index reached orange" in html
    assert "An alert is raised when the index is at least 25 points above the median of its previous 6 periods" in html
    assert "Territories watched: aiyl aimaks and towns, rayons and cities." in html  # critical value: levels [2, 3]
    assert reverse("monitoring:rule-edit", args=["sharp-rise"]) in html and reverse("monitoring:index-settings-edit") in html
    assert "60 to below 80" in html
    # sharp rise: 2 raised, 1 open
    section = html.split('id="rule-sharp-rise"')[1].split("</article>")[0]
    assert "<dt>Alerts raised</dt><dd>2</dd>" in section and "<dt>Alerts still open</dt><dd>1</dd>" in section
    ky = client_for(analyst, "ky").get(reverse("monitoring:rules"))
    assert ky.status_code == 200
    html = ky.content.decode()
    assert 'lang="ky"' in html and "Кескин өсүү" in html and "Индекс кызгылт сары деңгээлге жетти" in html
    assert "Sharp rise" not in html


def test_local_monitor_counts_only_their_alerts():
    f.alert(by_code(BARSKOON), rule_obj=sharp_rise())
    f.alert(by_code(SUZAK), rule_obj=sharp_rise())
    monitor = person("mon", "local_monitor", BARSKOON)
    counted = {r.code: (r.alerts_raised, r.alerts_open) for r in rule_selectors.rules_with_counts(monitor)}
    assert counted["sharp-rise"] == (1, 1) and counted["index-orange"] == (0, 0)


def test_catalogue_links_to_rules_for_configure_users(analyst):
    assert reverse("monitoring:rules") in client_for(analyst).get(reverse("monitoring:indicators")).content.decode()
    monitor = person("mon", "local_monitor", BARSKOON)
    assert reverse("monitoring:rules") not in client_for(monitor).get(reverse("monitoring:indicators")).content.decode()


def test_service_change_is_audited_with_the_actor(analyst):
    with acting_as(analyst):
        services.update_rule(analyst, AlertRule.objects.get(code="neighbours-rising"), {"count": "4", "points": "12.5"})
    rule = AlertRule.objects.get(code="neighbours-rising")
    assert rule.parameters == {"count": 4, "points": 12.5, "min_level": "yellow", "levels": [3]}
    record = ChangeRecord.objects.filter(object_type="monitoring.alertrule", object_id=str(rule.pk), action="update").get()
    assert record.user == analyst and record.after["parameters"]["count"] == 4 and record.before["parameters"]["count"] == 3


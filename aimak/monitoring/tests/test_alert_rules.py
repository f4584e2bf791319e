"""Each alert rule raises exactly once when its condition holds and not when it does not; raising
is idempotent; notifications reach the territory's reviewers and nobody else."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from aimak.accounts.models import Role, RoleAssignment
from aimak.accounts.services import sync_builtin_roles

from .. import models as m
from ..services import alerts, analytics
from . import factories as f
from .test_aggregation import AK_DEBE, BARSKOON, DARKAN, JETI_OGUZ, P, SUZAK, put

pytestmark = pytest.mark.django_db
BEFORE = date(2026, 2, 1)


def rule(kind, **parameters):
    code = {"level_crossing": "index-orange", "sharp_rise": "sharp-rise", "critical_value": "critical-value",
            "neighbours_rising": "neighbours-rising"}[kind]
    alerts.ensure_default_rules()
    m.AlertRule.objects.exclude(code=code).update(is_active=False)
    r = m.AlertRule.objects.get(code=code)
    if parameters:
        r.parameters = {**r.parameters, **parameters}
        r.save()
    return r


def index(place, period, value, level="blue"):
    return m.IndexValue.objects.update_or_create(
        territory=place, period_type="monthly", period_start=period, defaults={"value": Decimal(value), "level": level}
    )[0]


def test_default_rules_are_created_once():
    first = alerts.ensure_default_rules()
    again = alerts.ensure_default_rules()
    assert [r.pk for r in first] == [r.pk for r in again]
    assert sorted(m.AlertRule.objects.values_list("kind", flat=True)) == sorted(
        ["level_crossing", "sharp_rise", "critical_value", "neighbours_rising"]
    )
    orange = m.AlertRule.objects.get(code="index-orange")
    assert orange.name_en == "Index reached orange" and orange.name_ru and orange.name_ky
    assert orange.parameters == {"level": "orange", "levels": [3]}


def test_level_crossing_raises_once_with_evidence(territory):
    r = rule("level_crossing")
    brawls = f.indicator("brawls", thresholds={"yellow": 1, "orange": 3})
    barskoon = territory(BARSKOON)
    report = put(barskoon, {brawls: 3})
    analytics.refresh_after_report(report)
    analytics.refresh_after_report(report)  # a second refresh must not duplicate it
    (alert,) = m.Alert.objects.all()  # Jeti-Oguz is orange too, but the rule watches municipalities
    assert alert.rule == r and alert.territory == barskoon and alert.severity == "orange"
    assert alert.key == f"index-orange:{barskoon.pk}:2026-03-01"
    assert list(alert.events.values_list("action", flat=True)) == ["raised"]
    ev = alert.evidence
    assert ev["rule"] == {"code": "index-orange", "kind": "level_crossing", "parameters": {"level": "orange", "levels": [3]}}
    assert ev["period"] == "2026-03" and ev["territory"] == BARSKOON
    assert ev["index"]["value"] == 60.0 and ev["index"]["level"] == "orange"
    assert ev["index"]["previous_value"] is None and ev["index"]["previous_level"] is None
    assert ev["top_indicators"] == [{"indicator": "brawls", "value": 3.0, "score": 60.0, "contribution": 60.0, "threshold": "orange", "decides": False}]  # alone, its floor 60 is the mean itself
    assert ev["reports"] == [report.pk] and ev["reports_total"] == 1
    # acknowledge within the default 24 hours
    assert 23.9 < (alert.acknowledge_due - alert.raised_at).total_seconds() / 3600 <= 24


def test_level_crossing_not_raised_below_or_when_already_there(territory):
    rule("level_crossing")
    brawls = f.indicator("brawls", thresholds={"yellow": 1, "orange": 3})
    ak_debe, barskoon = territory(AK_DEBE), territory(BARSKOON)
    analytics.refresh_after_report(put(ak_debe, {brawls: 1}))  # yellow only
    index(barskoon, BEFORE, 65, "orange")  # already orange last month
    analytics.refresh_after_report(put(barskoon, {brawls: 3}))
    assert not m.Alert.objects.exists()


def test_level_crossing_watches_the_levels_it_names(territory):
    rule("level_crossing", levels=[2])
    brawls = f.indicator("brawls", thresholds={"orange": 3})
    analytics.refresh_after_report(put(territory(BARSKOON), {brawls: 3}))
    (alert,) = m.Alert.objects.all()
    assert alert.territory == territory(JETI_OGUZ)


def test_sharp_rise_against_own_baseline(territory):
    rule("sharp_rise")
    barskoon = territory(BARSKOON)
    for month, value in ((12, 10), (1, 14), (2, 12)):
        index(barskoon, date(2025 if month == 12 else 2026, month, 1), value)
    # baseline median(10, 14, 12) = 12; 30 - 12 = 18 < 25: nothing
    index(barskoon, P, 30, "green")
    assert alerts.evaluate([barskoon], "monthly", P) == []
    # 40 - 12 = 28 >= 25 and yellow: raised once, severity the rule's (orange)
    index(barskoon, P, 40, "yellow")
    alerts.evaluate([barskoon], "monthly", P)
    alerts.evaluate([barskoon], "monthly", P)
    (alert,) = m.Alert.objects.all()
    assert alert.severity == "orange"
    assert alert.evidence["index"]["baseline"] == 12.0 and alert.evidence["index"]["rise"] == 28.0
    assert alert.evidence["index"]["baseline_periods"] == ["2025-12", "2026-01", "2026-02"]


def test_sharp_rise_needs_three_periods_of_history(territory):
    rule("sharp_rise")
    barskoon = territory(BARSKOON)
    index(barskoon, BEFORE, 0)
    index(barskoon, date(2026, 1, 1), 0)
    index(barskoon, P, 90, "red")
    assert alerts.evaluate([barskoon], "monthly", P) == []


def test_critical_value_raises_once_where_it_was_reported(territory):
    rule("critical_value")
    deaths = f.indicator("deaths", critical_value=1)
    injuries = f.indicator("injuries", critical_value=10)
    barskoon = territory(BARSKOON)
    analytics.refresh_after_report(put(territory(AK_DEBE), {deaths: 0, injuries: 9}))
    assert not m.Alert.objects.exists()  # below both critical values
    report = put(barskoon, {deaths: 1, injuries: 12})
    analytics.refresh_after_report(report)
    analytics.refresh_after_report(report)
    # Jeti-Oguz totals (1 death, 21 injuries) are roll-ups, not where it was reported: no alert there
    (alert,) = m.Alert.objects.all()
    assert alert.territory == barskoon and alert.severity == "red"
    assert alert.evidence["critical_values"] == [
        {"indicator": "deaths", "value": 1.0, "critical_value": 1.0},
        {"indicator": "injuries", "value": 12.0, "critical_value": 10.0},
    ]
    assert alert.evidence["reports"] == [report.pk]


def test_neighbours_rising_together_alert_the_parent(territory):
    rule("neighbours_rising")
    quiet = f.indicator("quiet")
    jeti_oguz = territory(JETI_OGUZ)
    places = [territory(c) for c in (BARSKOON, AK_DEBE, DARKAN)]
    for place in places:  # their reports say who the parent's children were in March
        put(place, {quiet: 0})
    # rises 45-20 = 25, 50-20 = 30, 42-35 = 7: only two rose by 10 or more -> no alert
    for place, now, before in zip(places, (45, 50, 42), (20, 20, 35)):
        index(place, P, now, "yellow")
        index(place, BEFORE, before)
    assert alerts.evaluate(places, "monthly", P) == []
    # Darkan from 20 to 38 rises 18 but is only green (an isolated incident): still no alert
    index(places[2], P, 38, "green")
    index(places[2], BEFORE, 20)
    assert alerts.evaluate(places, "monthly", P) == []
    # Darkan 42 (yellow) - 30 = 12 makes three -> one alert on Jeti-Oguz
    index(places[2], P, 42, "yellow")
    index(places[2], BEFORE, 30)
    alerts.evaluate(places, "monthly", P)
    alerts.evaluate(places[:1], "monthly", P)
    (alert,) = m.Alert.objects.all()
    assert alert.territory == jeti_oguz and alert.severity == "orange"
    assert sorted(alert.evidence["neighbours"], key=lambda n: n["territory"]) == [
        {"territory": AK_DEBE, "value": 50.0, "previous_value": 20.0, "rise": 30.0},  # codes ...805, ...815, ...820
        {"territory": BARSKOON, "value": 45.0, "previous_value": 20.0, "rise": 25.0},
        {"territory": DARKAN, "value": 42.0, "previous_value": 30.0, "rise": 12.0},
    ]
    assert alert.evidence["reports_total"] == 3


def test_raise_alert_is_idempotent_and_only_raises_severity(territory):
    r = rule("level_crossing")
    barskoon = territory(BARSKOON)
    first = alerts.raise_alert(r, barskoon, "monthly", P, "orange", "first", {"n": 1})
    again = alerts.raise_alert(r, barskoon, "monthly", P, "yellow", "second", {"n": 2})
    assert again.pk == first.pk and m.Alert.objects.count() == 1
    again.refresh_from_db()
    assert again.severity == "orange" and again.evidence == {"n": 2} and again.summary == "second"
    alerts.raise_alert(r, barskoon, "monthly", P, "red", "third", {"n": 3})
    again.refresh_from_db()
    assert again.severity == "red"
    assert list(again.events.values_list("action", flat=True)) == ["raised", "severity_raised"]
    # a resolved alert stays as it was closed
    m.Alert.objects.filter(pk=first.pk).update(status="resolved")
    alerts.raise_alert(r, barskoon, "monthly", P, "red", "fourth", {"n": 4})
    again.refresh_from_db()
    assert again.evidence == {"n": 3}


def test_notification_goes_to_the_rayon_coordinator_not_elsewhere(territory, mailoutbox, django_capture_on_commit_callbacks):
    sync_builtin_roles()
    User = get_user_model()
    coordinator = Role.objects.get(code="district_coordinator")
    jeti = User.objects.create(username="jeti-coord", email="jeti@example.org", preferred_language="ru")
    suzak = User.objects.create(username="suzak-coord", email="suzak@example.org")
    monitor = User.objects.create(username="barskoon-monitor", email="monitor@example.org")
    retired = User.objects.create(username="old-coord", email="old@example.org", is_active=False)
    RoleAssignment.objects.create(user=jeti, role=coordinator, territory=territory(JETI_OGUZ))
    RoleAssignment.objects.create(user=suzak, role=coordinator, territory=territory(SUZAK))
    RoleAssignment.objects.create(user=monitor, role=Role.objects.get(code="local_monitor"), territory=territory(BARSKOON))
    RoleAssignment.objects.create(user=retired, role=coordinator, territory=territory(JETI_OGUZ))
    r = rule("level_crossing")
    barskoon = territory(BARSKOON)
    with django_capture_on_commit_callbacks(execute=True):
        alert = alerts.raise_alert(r, barskoon, "monthly", P, "orange", "summary", {})
        alerts.raise_alert(r, barskoon, "monthly", P, "red", "summary", {})  # refreshed: no second notice
    (note,) = m.Notification.objects.all()
    assert note.user == jeti and note.alert == alert
    assert barskoon.name_ru in note.message and "2026-03" in note.message
    (mail,) = mailoutbox
    assert mail.to == ["jeti@example.org"]
    assert barskoon.name_ru in mail.subject and "2026-03" in mail.body


def test_sharp_rise_waits_for_a_real_level(territory):
    """A calm place's first isolated incident (blue -> green) is a big jump but no alarm."""
    rule("sharp_rise", points=15, periods=6, min_level="yellow")
    barskoon = territory(BARSKOON)
    for month in (12, 1, 2):
        index(barskoon, date(2025 if month == 12 else 2026, month, 1), 0)
    index(barskoon, P, 20, "green")  # rise 20 >= 15, but green is below yellow
    assert alerts.evaluate([barskoon], "monthly", P) == []
    index(barskoon, P, 40, "yellow")
    (alert,) = alerts.evaluate([barskoon], "monthly", P)
    assert alert.evidence["index"]["rise"] == 40.0

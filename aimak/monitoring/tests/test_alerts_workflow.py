"""The alert workflow (acknowledge, respond, resolve, escalate, comment), the inbox, the alert
page with its evidence, and notifications."""

import sys
import types
from datetime import datetime, timedelta, timezone as dt_timezone
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from aimak.accounts.services import sync_builtin_roles
from aimak.accounts.tests.factories import person
from aimak.monitoring import models as m
from aimak.monitoring.selectors import alerts as selectors
from aimak.monitoring.services import alert_workflow as workflow
from aimak.monitoring.tests import factories

pytestmark = pytest.mark.django_db

BARSKOON, JETI_OGUZ, ISSYK_KUL = "41702210815000", "41702210000000", "41702000000000"
SUZAK_AA, SUZAK, COUNTRY = "41703220856000", "41703220000000", "41700000000000"




@pytest.fixture
def people(territory):
    sync_builtin_roles()
    return types.SimpleNamespace(
        jeti=person("jeti-coord", "district_coordinator", JETI_OGUZ),
        issyk=person("issyk-coord", "oblast_coordinator", ISSYK_KUL),
        suzak=person("suzak-coord", "district_coordinator", SUZAK),
        monitor=person("barskoon-monitor", "local_monitor", BARSKOON),
        admin=person("national-admin", "national_administrator", COUNTRY),
    )


@pytest.fixture
def client(client, settings):
    """Pages in English, so assertions read the same whatever the .po files hold."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def barskoon_alert(territory):
    return factories.alert(territory(BARSKOON))


@pytest.fixture
def notified(monkeypatch):
    """Stands in for the analytics side's notifier, recording who was to be told what."""
    calls = []
    fake = types.ModuleType("aimak.monitoring.services.notifications")
    fake.notify_holders = lambda alert, message=None, territory=None: calls.append((alert.pk, alert.escalated_to_id, str(message)))
    monkeypatch.setitem(sys.modules, "aimak.monitoring.services.notifications", fake)
    return calls


# ---- acknowledge ------------------------------------------------------------------------------

def test_the_coordinator_acknowledges_and_it_is_logged(people, barskoon_alert):
    workflow.acknowledge(people.jeti, barskoon_alert, "On it")
    barskoon_alert.refresh_from_db()
    assert barskoon_alert.status == "acknowledged"
    assert barskoon_alert.acknowledged_by == people.jeti and barskoon_alert.acknowledged_at is not None
    event = barskoon_alert.events.get()
    assert (event.action, event.user, event.comment) == ("acknowledged", people.jeti, "On it")


def test_acknowledging_twice_is_refused_clearly(people, barskoon_alert):
    workflow.acknowledge(people.jeti, barskoon_alert)
    with pytest.raises(ValidationError) as exc:
        workflow.acknowledge(people.issyk, barskoon_alert)
    assert "already acknowledged by jeti-coord" in str(exc.value.message_dict["status"])
    barskoon_alert.refresh_from_db()
    assert barskoon_alert.acknowledged_by == people.jeti
    assert barskoon_alert.events.count() == 1


def test_a_monitor_without_the_review_right_cannot_acknowledge(people, barskoon_alert):
    with pytest.raises(PermissionDenied):
        workflow.acknowledge(people.monitor, barskoon_alert)
    barskoon_alert.refresh_from_db()
    assert barskoon_alert.status == "raised" and not barskoon_alert.events.exists()


def test_a_coordinator_of_another_rayon_cannot_touch_the_alert(people, barskoon_alert):
    for action in (lambda: workflow.acknowledge(people.suzak, barskoon_alert),
                   lambda: workflow.resolve(people.suzak, barskoon_alert, "done"),
                   lambda: workflow.escalate(people.suzak, barskoon_alert, "help"),
                   lambda: workflow.comment(people.suzak, barskoon_alert, "note")):
        with pytest.raises(PermissionDenied):
            action()
    barskoon_alert.refresh_from_db()
    assert barskoon_alert.status == "raised" and not barskoon_alert.events.exists()


# ---- respond, resolve, comment ----------------------------------------------------------------

def test_opening_a_plan_acknowledges_a_raised_alert_on_the_way(people, barskoon_alert):
    plan = factories.plan(barskoon_alert.territory)
    workflow.start_response(people.jeti, barskoon_alert, plan)
    barskoon_alert.refresh_from_db()
    assert barskoon_alert.status == "responding"
    assert barskoon_alert.acknowledged_by == people.jeti
    assert list(barskoon_alert.events.values_list("action", flat=True)) == ["acknowledged", "plan_opened"]
    assert list(plan.alerts.all()) == [barskoon_alert]


def test_resolving_needs_a_comment(people, barskoon_alert):
    with pytest.raises(ValidationError) as exc:
        workflow.resolve(people.jeti, barskoon_alert, "   ")
    assert "comment" in exc.value.message_dict
    workflow.resolve(people.jeti, barskoon_alert, "Parties reconciled by the aksakal court")
    barskoon_alert.refresh_from_db()
    assert barskoon_alert.status == "resolved" and barskoon_alert.resolved_at is not None
    assert barskoon_alert.events.get().comment == "Parties reconciled by the aksakal court"
    with pytest.raises(ValidationError):
        workflow.resolve(people.jeti, barskoon_alert, "again")


def test_a_comment_changes_nothing_but_the_log(people, barskoon_alert):
    with pytest.raises(ValidationError) as exc:
        workflow.comment(people.jeti, barskoon_alert, "")
    assert "text" in exc.value.message_dict
    workflow.comment(people.jeti, barskoon_alert, "Called the head of the AO")
    barskoon_alert.refresh_from_db()
    assert barskoon_alert.status == "raised"
    assert barskoon_alert.events.get().action == "commented"


# ---- escalate ---------------------------------------------------------------------------------

def test_escalation_needs_a_comment_and_goes_to_the_parent(people, barskoon_alert, territory, notified):
    with pytest.raises(ValidationError) as exc:
        workflow.escalate(people.jeti, barskoon_alert, "")
    assert "comment" in exc.value.message_dict
    assert notified == []
    workflow.escalate(people.jeti, barskoon_alert, "Beyond the AO's means")
    barskoon_alert.refresh_from_db()
    assert barskoon_alert.status == "escalated"
    assert barskoon_alert.escalated_to == territory(JETI_OGUZ)
    assert barskoon_alert.events.get().action == "escalated"
    assert len(notified) == 1 and notified[0][:2] == (barskoon_alert.pk, territory(JETI_OGUZ).pk)
    assert "Beyond the AO's means" in notified[0][2]
    # the rayon passes it up once more, to the oblast
    workflow.escalate(people.jeti, barskoon_alert, "Needs the oblast")
    barskoon_alert.refresh_from_db()
    assert barskoon_alert.escalated_to == territory(ISSYK_KUL)
    # now the oblast holds it: the rayon coordinator can no longer pass it on
    with pytest.raises(PermissionDenied):
        workflow.escalate(people.jeti, barskoon_alert, "further")
    workflow.escalate(people.issyk, barskoon_alert, "National attention needed")
    barskoon_alert.refresh_from_db()
    assert barskoon_alert.escalated_to == territory(COUNTRY)


def test_escalation_tells_the_holders_through_the_real_notifier(people, barskoon_alert):
    from aimak.monitoring.services.notifications import notify_holders

    notify_holders(barskoon_alert)  # as when it was raised; the oblast coordinator read it
    m.Notification.objects.filter(alert=barskoon_alert).update(read_at=timezone.now())
    workflow.escalate(people.jeti, barskoon_alert, "Beyond the AO's means")
    told = m.Notification.objects.filter(alert=barskoon_alert)
    assert told.get(user=people.issyk).read_at is None  # the escalation brings it back unread
    assert set(told.values_list("user__username", flat=True)) >= {"jeti-coord", "issyk-coord"}
    assert "suzak-coord" not in set(told.values_list("user__username", flat=True))
    note = told.get(user=people.issyk)
    assert "Beyond the AO's means" in note.message and note.url == barskoon_alert.get_absolute_url()


def test_escalating_from_the_country_is_refused(people, territory, notified):
    alert = factories.alert(territory(COUNTRY))
    with pytest.raises(ValidationError) as exc:
        workflow.escalate(people.admin, alert, "up")
    assert "escalated_to" in exc.value.message_dict
    alert.refresh_from_db()
    assert alert.status == "raised" and alert.escalated_to is None and notified == []


# ---- timing -----------------------------------------------------------------------------------

T0 = datetime(2026, 4, 2, 8, 0, tzinfo=dt_timezone.utc)


def _timed(alert, *, raised, due, acknowledged=None):
    m.Alert.objects.filter(pk=alert.pk).update(raised_at=raised, acknowledge_due=due, acknowledged_at=acknowledged,
                                               status="acknowledged" if acknowledged else "raised")
    alert.refresh_from_db()
    return alert


def test_time_to_acknowledge_against_the_limit(barskoon_alert):
    alert = _timed(barskoon_alert, raised=T0, due=T0 + timedelta(hours=24), acknowledged=T0 + timedelta(hours=6, minutes=30))
    timing = selectors.acknowledgement(alert, now=T0 + timedelta(days=3))
    assert (timing.hours, timing.limit_hours, timing.late) == (Decimal("6.5"), Decimal("24.0"), False)
    alert = _timed(barskoon_alert, raised=T0, due=T0 + timedelta(hours=24), acknowledged=T0 + timedelta(hours=30))
    assert selectors.acknowledgement(alert).late is True


def test_an_unacknowledged_alert_past_its_limit_is_overdue(people, territory):
    late = _timed(factories.alert(territory(BARSKOON)), raised=T0, due=T0 + timedelta(hours=24))
    fresh = _timed(factories.alert(territory(BARSKOON), period=factories.PERIOD.replace(month=2)), raised=T0 + timedelta(hours=20),
                   due=T0 + timedelta(hours=44))
    done = _timed(factories.alert(territory(BARSKOON), period=factories.PERIOD.replace(month=1)), raised=T0, due=T0 + timedelta(hours=24),
                  acknowledged=T0 + timedelta(hours=2))
    now = T0 + timedelta(hours=30)
    assert list(selectors.overdue(people.jeti, now=now)) == [late]
    timing = selectors.acknowledgement(late, now=now)
    assert (timing.hours, timing.waiting_hours, timing.limit_hours, timing.overdue_now) == (None, Decimal("30.0"), Decimal("24.0"), True)
    flags = {a.pk: a.is_overdue for a in selectors.inbox(people.jeti, now=now)}
    assert flags == {late.pk: True, fresh.pk: False, done.pk: False}


# ---- inbox and pages --------------------------------------------------------------------------

def test_the_inbox_lists_only_alerts_in_scope_open_ones_first(people, territory):
    barskoon = factories.alert(territory(BARSKOON))
    closed = factories.alert(territory(BARSKOON), period=factories.PERIOD.replace(month=2))
    workflow.resolve(people.jeti, closed, "settled")
    m.Alert.objects.filter(pk=closed.pk).update(raised_at=timezone.now() + timedelta(hours=1))  # newer, but closed
    suzak = factories.alert(territory(SUZAK_AA))
    assert [a.pk for a in selectors.inbox(people.jeti)] == [barskoon.pk, closed.pk]
    assert [a.pk for a in selectors.inbox(people.issyk)] == [barskoon.pk, closed.pk]
    assert [a.pk for a in selectors.inbox(people.suzak)] == [suzak.pk]


def test_inbox_page_filters_and_exports(client, people, territory):
    barskoon = factories.alert(territory(BARSKOON))
    factories.alert(territory(SUZAK_AA))
    client.force_login(people.jeti)
    page = client.get(reverse("monitoring:alerts"))
    assert page.status_code == 200
    body = page.content.decode()
    assert barskoon.summary in body and "alert 41703220856000" not in body
    assert "Orange · repeated organised conflict" in body  # the level in words, not only colour
    assert barskoon.summary not in client.get(reverse("monitoring:alerts"), {"status": "resolved"}).content.decode()
    assert barskoon.summary in client.get(reverse("monitoring:alerts"), {"territory": "Barskoon"}).content.decode()
    assert barskoon.summary in client.get(reverse("monitoring:alerts"), {"period_from": "2026-03", "period_to": "2026-03"}).content.decode()
    assert barskoon.summary not in client.get(reverse("monitoring:alerts"), {"period_from": "2026-04"}).content.decode()
    bad = client.get(reverse("monitoring:alerts"), {"period_from": "March"})
    assert "Write the period as 2026-03" in bad.content.decode()
    csv = b"".join(client.get(reverse("monitoring:alerts"), {"export": "csv"}).streaming_content).decode("utf-8-sig")
    lines = csv.strip().splitlines()
    assert len(lines) == 2 and "41702210815000" in lines[1] and "orange" in lines[1]


def test_alert_page_for_the_coordinator_and_404_elsewhere(client, people, barskoon_alert):
    url = reverse("monitoring:alert", args=[barskoon_alert.pk])
    client.force_login(people.jeti)
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert barskoon_alert.summary in body and "Acknowledge" in body and "Open a response plan" in body
    assert "The alert carries no further evidence." in body
    client.force_login(people.suzak)
    assert client.get(url).status_code == 404
    assert client.post(reverse("monitoring:alert-action", args=[barskoon_alert.pk, "acknowledge"])).status_code == 404


def test_evidence_is_rendered_readably(client, people, barskoon_alert, territory):
    factories.indicator("fights-evidence", name_en="Fights between groups", name_ru="Драки между группами", unit_en="cases")
    factories.indicator("deaths-evidence", name_en="Deaths in conflicts", name_ru="Погибшие в конфликтах")
    report = factories.report(territory(BARSKOON))
    barskoon_alert.evidence = {
        "rule": "level-orange", "parameters": {"level": "orange"}, "index": 63.5, "level": "orange", "previous": 41.0,
        "period": "2026-03",
        "top": [{"indicator": "fights-evidence", "value": 4, "score": 88.0, "contribution": 21.3, "threshold": 3},
                {"indicator": "gone-code", "value": 1}],
        "critical": [{"indicator": "deaths-evidence", "value": 1, "critical_value": 1}],
        "territories": [SUZAK_AA, {"code": BARSKOON, "rise": 12}],
        "reports": [report.pk],
        "note": {"source": "synthetic"},
    }
    barskoon_alert.save()
    client.force_login(people.jeti)
    body = client.get(reverse("monitoring:alert", args=[barskoon_alert.pk])).content.decode()
    for expected in ("Fights between groups", "21.3", "gone-code", "Deaths in conflicts", "Suzak", "rise, points: 12",
                     "repeated organised conflict", "63.5", "level reached: repeated organised conflict", "note", "synthetic"):
        assert expected in body, expected
    try:
        assert reverse("monitoring:report", args=[report.pk]) in body
    except Exception:  # the reporting pages may not be wired yet
        assert f"Report {report.pk}" in body
    from django.utils import translation

    with translation.override("ru"):
        explained = selectors.explain_evidence(barskoon_alert.evidence)
    assert explained["top"][0]["name"] == "Драки между группами"


def test_odd_evidence_never_breaks_the_page(client, people, barskoon_alert):
    client.force_login(people.jeti)
    for evidence in ({}, {"top": "not a list", "territories": None, "reports": ["x"]}, ["a", "list"]):
        barskoon_alert.evidence = evidence
        barskoon_alert.save()
        assert client.get(reverse("monitoring:alert", args=[barskoon_alert.pk])).status_code == 200


def test_actions_from_the_alert_page(client, people, barskoon_alert):
    client.force_login(people.jeti)
    action = lambda name, **data: client.post(reverse("monitoring:alert-action", args=[barskoon_alert.pk, name]), data)  # noqa: E731
    assert action("acknowledge").status_code == 302
    barskoon_alert.refresh_from_db()
    assert barskoon_alert.status == "acknowledged"
    response = action("resolve", comment="")
    barskoon_alert.refresh_from_db()
    assert barskoon_alert.status == "acknowledged"
    assert "Write a comment" in client.get(response["Location"]).content.decode()
    action("comment", comment="Visited the village")
    action("resolve", comment="Settled")
    barskoon_alert.refresh_from_db()
    assert barskoon_alert.status == "resolved"
    assert list(barskoon_alert.events.values_list("action", flat=True)) == ["acknowledged", "commented", "resolved"]
    client.force_login(people.monitor)
    assert client.post(reverse("monitoring:alert-action", args=[barskoon_alert.pk, "comment"]), {"comment": "x"}).status_code == 403


# ---- notifications ----------------------------------------------------------------------------

def test_notifications_newest_first_open_marks_read_and_mark_all(client, people, territory):
    first = factories.alert(territory(BARSKOON))
    second = factories.alert(territory(BARSKOON), period=factories.PERIOD.replace(month=2))
    old = m.Notification.objects.create(user=people.jeti, alert=first, message="Old news", url=first.get_absolute_url())
    new = m.Notification.objects.create(user=people.jeti, alert=second, message="Fresh news", url="https://evil.example/")
    m.Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=1))
    other = m.Notification.objects.create(user=people.issyk, alert=first, message="Not yours")
    assert selectors.unread_count(people.jeti) == 2
    client.force_login(people.jeti)
    body = client.get(reverse("monitoring:notifications")).content.decode()
    assert body.index("Fresh news") < body.index("Old news") and "Not yours" not in body
    response = client.get(reverse("monitoring:notification-open", args=[old.pk]))
    assert response.status_code == 302 and response["Location"] == first.get_absolute_url()
    old.refresh_from_db()
    assert old.read_at is not None and selectors.unread_count(people.jeti) == 1
    # an outside address is never followed
    assert client.get(reverse("monitoring:notification-open", args=[new.pk]))["Location"] == reverse("monitoring:notifications")
    assert client.get(reverse("monitoring:notification-open", args=[other.pk])).status_code == 404
    m.Notification.objects.filter(pk=new.pk).update(read_at=None)
    client.post(reverse("monitoring:notifications-read-all"))
    assert selectors.unread_count(people.jeti) == 0
    other.refresh_from_db()
    assert other.read_at is None


def test_evidence_written_by_the_rules_reads_as_sentences(barskoon_alert, territory):
    """The shape services/alerts.py writes: rule object, index object, top indicators, neighbours."""
    from aimak.monitoring.selectors.alerts import explain_evidence

    fights = factories.indicator("fights")
    evidence = explain_evidence({
        "rule": {"code": "sharp-rise", "kind": "sharp_rise", "parameters": {"points": 25, "min_level": "yellow", "levels": [3]}},
        "period": "2026-03", "period_type": "monthly", "period_start": "2026-03-01", "territory": BARSKOON,
        "index": {"value": 80.0, "level": "red", "previous_value": 20.0, "previous_level": "green", "baseline": 11.8, "rise": 68.2,
                  "baseline_periods": ["2025-12", "2026-01"]},
        "top_indicators": [{"indicator": fights.code, "value": 4.0, "score": 86.5, "contribution": 4.4, "threshold": "red", "decides": True}],
        "neighbours": [{"territory": BARSKOON, "value": 45.0, "previous_value": 20.0, "rise": 25.0}],
        "reports": [1], "reports_total": 1,
    })
    facts = {str(label): value for label, value in evidence["facts"]}
    assert facts["Rule"] == "sharp rise against the territory's own baseline"
    assert facts["Tension index"] == {"code": "red", "label": "80 · repeated or mass violence"}
    assert facts["Previous index"]["label"] == "20 · isolated incidents"
    assert facts["Usual level (median of earlier periods)"] == "11.8 (2025-12, 2026-01)"
    assert facts["Rise, points"] == "+68.2"
    assert "at least the level: tension without violence" in facts["Rule settings"]
    assert evidence["top"][0]["name"] == fights.name and evidence["top"][0]["threshold"] == "repeated or mass violence"
    assert evidence["territories"][0]["name"] == territory(BARSKOON).name
    assert evidence["other"] == []

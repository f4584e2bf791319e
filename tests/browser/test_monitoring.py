"""Early warning end to end, in Kyrgyz: a monitor's report crosses a threshold, and the rayon
coordinator sees the alert with its evidence, the maps change, and the response starts."""

import json
from datetime import date

import pytest

from aimak.monitoring import periods

from .test_access import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.browser_locale("ky")]

BARSKOON, JETI_OGUZ, ISSYK_KUL = "41702210815000", "41702210000000", "41702000000000"


def choose_kyrgyz(page):
    page.goto("/")
    page.locator("header button[name=language][value=ky]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ky"


def map_levels(page, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = page.request.get(f"/monitoring/map-data/?{query}")
    assert response.ok, response.status
    return {f["properties"]["code"]: f["properties"]["level"] for f in json.loads(response.text())["features"]}


def record_incident(page, kind: str, day: str, description: str) -> None:
    """The incident form, in Kyrgyz, as a monitor fills it in on a phone."""
    page.goto(f"/incidents/new/?territory={BARSKOON}&date={day}")
    page.select_option("select[name=incident_type]", kind)
    page.fill("input[name=village]", "Барскоон")
    page.fill("input[name=actor1]", "Барскоондун жаштары")
    page.fill("input[name=actor2]", "Тамганын жаштары")
    page.fill("textarea[name=description]", description)
    page.fill("textarea[name=sources]", "Айыл өкмөтү")
    page.locator("form.incident-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".field-errors li, .errorlist li").count() == 0, page.locator("main").inner_text()[:2000]
    assert "/incidents/" in page.url and "/new/" not in page.url


def test_a_report_crossing_a_threshold_reaches_the_coordinator(new_context):
    span = periods.last_complete("monthly", date.today())
    period = span.code  # the demo leaves Barskoon's latest month open

    # 1. The Barskoon monitor records four inter-group fights (the red threshold of one aiyl
    # aimak) and one mob attack, in Kyrgyz; Aimak counts them into the month's indicators ...
    monitor = new_context().new_page()
    sign_in(monitor, "monitor.barskoon")
    choose_kyrgyz(monitor)
    for n in range(4):
        record_incident(monitor, "intergroup-fight", span.start.replace(day=10 + n).isoformat(),
                        "Жайыт үчүн эки айылдын жаштарынын ортосунда мушташ болду.")
    record_incident(monitor, "mob-violence", span.start.replace(day=20).isoformat(), "Топ адамдар дүкөнгө кол салышты.")
    # ... then fills in the monthly report and submits it
    monitor.goto("/monitoring/reports/to-do/")
    start = monitor.locator(
        f"form:has(input[name=territory][value='{BARSKOON}']):has(input[name=form][value=monthly])"
        f":has(input[name=period][value='{period}']) button"
    )
    start.click()
    monitor.wait_for_load_state()
    assert "/monitoring/reports/" in monitor.url
    # the incidents are counted on the report page, read-only
    assert "Топтор аралык мушташуулар" in monitor.locator("main").inner_text()
    # every required total: nothing else happened this month
    monitor.evaluate(
        """() => {
            for (const el of document.querySelectorAll('#report-form input[required], #report-form select[required]')) {
                el.value = '0';
                el.dispatchEvent(new Event('input', {bubbles: true}));
            }
        }"""
    )
    monitor.fill("textarea[name=narrative]", "Жайыт үчүн эки айылдын жаштарынын ортосунда мушташ болду.")
    monitor.locator("button[name=submit]").click()
    monitor.wait_for_load_state()
    assert monitor.locator(".field-errors li").count() == 0, monitor.locator(".field-errors li").all_inner_texts()
    assert monitor.locator("button[name=submit]").count() == 0  # submitted: no longer editable as a draft
    assert monitor.locator("html").get_attribute("lang") == "ky"

    # 2. The Jeti-Oguz coordinator finds the alert in the inbox at once, with its evidence
    coordinator = new_context().new_page()
    sign_in(coordinator, "coord.jetioguz")
    choose_kyrgyz(coordinator)
    coordinator.goto("/monitoring/alerts/?status=raised")
    row = coordinator.locator("tbody tr", has_text="Барскоон").filter(has_text=period)
    assert row.count() >= 1, coordinator.locator("tbody").inner_text()
    row.first.locator("a").first.click()
    coordinator.wait_for_load_state()
    alert_url = coordinator.url
    evidence = coordinator.locator("main").inner_text()
    assert "Топтор аралык мушташуулар" in evidence  # the indicator that pushed it, named in Kyrgyz
    assert period in evidence

    # 3. the maps of the rayon and the oblast show the new level
    assert map_levels(coordinator, period=period, parent=JETI_OGUZ)[BARSKOON] == "red"
    assert map_levels(coordinator, period=period, parent=ISSYK_KUL)[JETI_OGUZ] == "red"
    analyst = new_context().new_page()
    sign_in(analyst, "analyst")
    assert map_levels(analyst, period=period, level=1)[ISSYK_KUL] == "red"
    coordinator.goto(f"/monitoring/?period={period}&parent={JETI_OGUZ}")
    assert coordinator.locator("#map, .map, [data-map]").count() >= 1

    # 4. the coordinator acknowledges it and opens a response plan
    coordinator.goto(alert_url)
    coordinator.locator("form[action$='/acknowledge/'] button[type=submit]").click()
    coordinator.wait_for_load_state()
    assert coordinator.locator("form[action$='/acknowledge/']").count() == 0
    coordinator.locator("a[href*='/monitoring/plans/new/?alert=']").click()
    coordinator.wait_for_load_state()
    coordinator.locator("form.plan-form button[type=submit]").click()
    coordinator.wait_for_load_state()
    assert "/monitoring/plans/" in coordinator.url
    plan_page = coordinator.locator("main").inner_text()
    assert "Барскоон" in plan_page
    coordinator.goto(alert_url)
    assert coordinator.locator("a[href*='/monitoring/plans/']").count() >= 1

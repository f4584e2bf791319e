"""Reporting pages: the to-do list, starting, the entry page in Kyrgyz, autosave, review, scope."""

import io
from datetime import date

import pytest
from django.conf import settings

from aimak.monitoring.models import DataValue, Report, ReportEvent
from aimak.monitoring.services import reporting as svc

from .test_reporting import (  # noqa: F401  (fixtures)
    BARSKOON, MARCH, district, form, full_values, monitor, oblast, outsider, person, refreshed, report, roles,
)

pytestmark = pytest.mark.django_db


def signed_in(client, user, lang="en"):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    user.preferred_language = lang
    user.save(update_fields=["preferred_language"])
    return client


def test_the_to_do_page_lists_expected_periods(client, form, monitor, territory):
    from aimak.core import scoping
    from aimak.monitoring.selectors.reporting import recent_periods

    spans = recent_periods(form, scoping.today())
    assert len(spans) == 6 and spans[0].start <= scoping.today() <= spans[0].end  # the current month first
    started = svc.start_report(monitor, form, territory(BARSKOON), spans[1].start)
    html = signed_in(client, monitor).get("/monitoring/reports/to-do/").content.decode()
    assert "Barskoon" in html and "Suzak" not in html
    assert started.get_absolute_url() in html and f'value="{spans[1].code}"' not in html  # a link, not a start button
    for span in spans[:1] + spans[2:]:
        assert f'value="{span.code}"' in html
    assert f'value="{spans[-1].shift(-1).code}"' not in html


def test_start_from_the_page(client, form, monitor):
    signed_in(client, monitor)
    response = client.post("/monitoring/reports/start/", {"form": form.code, "territory": BARSKOON, "period": "2026-04"})
    report = Report.objects.get(period_start=date(2026, 4, 1))
    assert response.status_code == 302 and response["Location"] == f"/monitoring/reports/{report.pk}/"


def test_start_with_bad_input_explains(client, form, monitor):
    signed_in(client, monitor)
    response = client.post("/monitoring/reports/start/", {"form": form.code, "territory": BARSKOON, "period": "March"}, follow=True)
    assert "is not a period" in response.content.decode()
    response = client.post("/monitoring/reports/start/", {"form": form.code, "territory": "41703220856000", "period": "2026-04"}, follow=True)
    assert "You may not start reports for" in response.content.decode()
    assert not Report.objects.exists()


def test_entry_page_in_kyrgyz_for_the_barskoon_monitor(client, monitor, report):
    response = signed_in(client, monitor, "ky").get(f"/monitoring/reports/{report.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ky">' in html
    assert 'name="value:t-fights:"' in html and 'name="value:t-fights:f"' in html and 'name="value:t-protest:m_60"' in html
    assert 'inputmode="numeric"' in html and 'max="100"' in html
    assert "report-form.js" in html and "monitoring:report-check" not in html
    assert f'hx-post="/monitoring/reports/{report.pk}/check/"' in html
    assert 'name="value:t-rate:"' not in html  # formulas are not entered


def test_out_of_scope_pages_are_404(client, outsider, report):
    signed_in(client, outsider)
    for url in (f"/monitoring/reports/{report.pk}/", f"/monitoring/reports/{report.pk}/values/t-fights/history/"):
        assert client.get(url).status_code == 404
    for url in ("save", "check", "review"):
        assert client.post(f"/monitoring/reports/{report.pk}/{url}/", {"value:t-fights:": "1"}).status_code == 404
    assert "Barskoon" not in client.get("/monitoring/reports/").content.decode()


def test_autosave_answers_json(client, monitor, report):
    signed_in(client, monitor)
    url = f"/monitoring/reports/{report.pk}/save/"
    data = client.post(url, {"value:t-fights:": "5", "value:t-fights:f": "2", "narrative": "Calm", "revision": "0"}).json()
    assert data["ok"] is True and data["revision"] == 1 and data["errors"] == {} and data["saved_at"]
    assert DataValue.objects.get(report=report, indicator__code="t-fights", category="f").value == 2
    bad = client.post(url, {"value:t-fights:f": "7", "revision": "1"})
    assert bad.status_code == 400 and bad.json()["ok"] is False
    assert "more than the total" in bad.json()["errors"]["value:t-fights:f"][0]
    stale = client.post(url, {"value:t-fights:": "9", "revision": "0"})
    assert stale.status_code == 409 and "revision" in stale.json()["errors"]
    assert DataValue.objects.get(report=report, indicator__code="t-fights", category="").value == 5


def test_check_returns_errors_next_to_fields(client, monitor, report):
    signed_in(client, monitor)
    html = client.post(f"/monitoring/reports/{report.pk}/check/", {"value:t-mood:": "9"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="err-t-mood-total"' in html and "from 1 to 5" in html and 'hx-swap-oob="true"' in html
    assert not DataValue.objects.exists()


def test_save_and_submit_without_javascript(client, monitor, report, refreshed):
    signed_in(client, monitor)
    post = {f"value:{code}:{cat}": v for (code, cat), v in full_values().items()}
    post.update(narrative="Calm month", sources="", revision="0", submit="1")
    response = client.post(f"/monitoring/reports/{report.pk}/", post)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "submitted" and report.narrative == "Calm month"
    page = client.get(f"/monitoring/reports/{report.pk}/").content.decode()
    assert 'readonly' in page or "submitted" in page


def test_submitting_an_incomplete_report_keeps_the_draft_and_marks_fields(client, monitor, report):
    signed_in(client, monitor)
    response = client.post(f"/monitoring/reports/{report.pk}/", {"value:t-fights:": "3", "revision": "0", "submit": "1"})
    assert response.status_code == 400
    assert "the total is required" in response.content.decode()
    report.refresh_from_db()
    assert report.status == "draft" and report.revision == 1


def test_review_on_the_page(client, monitor, district, oblast, report):
    report, _ = svc.save_draft(monitor, report, full_values(), "", "", None)
    svc.submit(monitor, report)
    signed_in(client, district)
    page = client.get(f"/monitoring/reports/{report.pk}/").content.decode()
    assert 'value="approve"' in page and 'value="return"' in page
    response = client.post(f"/monitoring/reports/{report.pk}/review/", {"action": "return", "comment": ""}, follow=True)
    assert "comment is required" in response.content.decode()
    client.post(f"/monitoring/reports/{report.pk}/review/", {"action": "approve"})
    report.refresh_from_db()
    assert report.status == "approved_district"
    response = client.post(f"/monitoring/reports/{report.pk}/review/", {"action": "approve"}, follow=True)
    assert "oblast coordinator" in response.content.decode()
    signed_in(client, oblast).post(f"/monitoring/reports/{report.pk}/review/", {"action": "approve"})
    report.refresh_from_db()
    assert report.status == "approved_oblast"
    assert ReportEvent.objects.filter(report=report, action="approved").count() == 2


def test_value_history_page(client, monitor, report):
    report, _ = svc.save_draft(monitor, report, {("t-fights", ""): "4"}, "", "", None)
    svc.save_draft(monitor, report, {("t-fights", ""): "6"}, "", "", None)
    html = signed_in(client, monitor).get(f"/monitoring/reports/{report.pk}/values/t-fights/history/?category=").content.decode()
    assert "barskoon-monitor" in html and ">4<" in html and ">6<" in html


def test_list_with_filters_and_exports(client, monitor, report):
    signed_in(client, monitor)
    html = client.get("/monitoring/reports/?period=2026-03&status=draft&q=Барскоон").content.decode()
    assert report.get_absolute_url() in html
    assert report.get_absolute_url() not in client.get("/monitoring/reports/?period=2026-02").content.decode()
    csv = b"".join(client.get("/monitoring/reports/?export=csv").streaming_content).decode("utf-8-sig")
    assert "2026-03" in csv and "Barskoon" in csv
    xlsx = client.get("/monitoring/reports/?export=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Territory" and rows[1][3] == "2026-03"


def test_a_bad_period_in_the_list_filter_is_explained_not_silently_empty(client, monitor, report):
    signed_in(client, monitor)
    html = client.get("/monitoring/reports/?period=2026-13").content.decode()
    assert "is not a period" in html and report.get_absolute_url() not in html
    by_code = client.get("/monitoring/reports/?q=41702210815").content.decode()
    assert report.get_absolute_url() in by_code

"""Dashboard answers kept per data version (aimak/core/answers.py): kept while nothing changes,
computed again after an audited change or a new index computation, never shared between people,
languages or browsers' CSRF cookies."""

import gzip

import pytest
from django.conf import settings
from django.urls import reverse

from aimak.core import answers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def answers_on(settings, tmp_path):
    settings.AIMAK_ANSWER_CACHE_SECONDS = 30
    settings.AIMAK_ANSWER_VERSION_SECONDS = 0  # every request reads the version (a change shows at once)
    settings.CACHES = {**settings.CACHES, answers.CACHE_ALIAS: {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path / "answers")}}
    yield


@pytest.fixture
def browser(staff_client):
    staff_client.cookies[settings.CSRF_COOKIE_NAME] = "a" * 32
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return staff_client


def how(response) -> str:
    return response.headers.get("X-Aimak-Answer", "")


def test_an_answer_is_kept_until_an_audited_change(browser, territory):
    url = reverse("monitoring:map-data") + "?level=1"
    first = browser.get(url)
    assert first.status_code == 200 and how(first) == "computed"
    again = browser.get(url)
    assert how(again) == "kept" and again.content == first.content
    barskoon = territory("41702210815000")
    barskoon.name_en = "Barskoon (renamed)"
    barskoon.save()  # audited: a new version of the data
    assert how(browser.get(url)) == "computed"
    assert how(browser.get(url)) == "kept"


def test_a_new_index_computation_is_a_new_version(browser, territory):
    from aimak.monitoring.models import IndexValue

    url = reverse("monitoring:map-data")
    browser.get(url)
    assert how(browser.get(url)) == "kept"
    IndexValue.objects.create(territory=territory("41702000000000"), period_type="monthly", period_start="2026-03-01",
                              value=10, level="blue", breakdown=[], coverage=1)  # what the background reconcile writes
    assert how(browser.get(url)) == "computed"


def test_answers_are_per_person_language_and_compressed_when_asked(browser, client, territory):
    from aimak.accounts.services import ensure_user

    url = reverse("monitoring:map-data")
    browser.get(url)
    assert how(browser.get(url)) == "kept"
    other = ensure_user("second-analyst", "a-long-test-password", superuser=True)
    client.force_login(other)
    assert how(client.get(url)) == "computed"  # another person's answer is never reused
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    assert how(browser.get(url)) == "computed"
    zipped = browser.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content).startswith(b"{")
    again = browser.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert how(again) == "kept" and again.headers["Content-Encoding"] == "gzip"


def test_pages_are_kept_only_for_a_browser_with_a_csrf_cookie(staff_client):
    url = reverse("monitoring:overview")
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    first = staff_client.get(url)
    assert first.status_code == 200 and how(first) == ""  # no CSRF cookie yet: computed, not kept
    staff_client.cookies[settings.CSRF_COOKIE_NAME] = "b" * 32
    assert how(staff_client.get(url)) == "computed"
    assert how(staff_client.get(url)) == "kept"
    staff_client.cookies[settings.CSRF_COOKIE_NAME] = "c" * 32  # another browser: its own forms' tokens
    assert how(staff_client.get(url)) == "computed"


def test_exports_errors_and_anonymous_visitors_are_never_kept(browser):
    url = reverse("monitoring:overview")
    assert how(browser.get(url + "?export=csv")) == ""
    assert how(browser.get(reverse("monitoring:territory", args=["41799999999999"]))) == ""  # 404
    browser.logout()
    signed_out = browser.get(url)
    assert signed_out.status_code == 302 and how(signed_out) == ""  # to the sign-in page, nothing kept


def test_the_version_is_read_at_most_once_a_second_per_process(browser, settings, territory, django_assert_num_queries):
    settings.AIMAK_ANSWER_VERSION_SECONDS = 60
    url = reverse("monitoring:map-data")
    browser.get(url)
    with django_assert_num_queries(2):  # the session and the person; the version is remembered
        assert how(browser.get(url)) == "kept"


def test_off_when_the_setting_is_zero(browser, settings):
    settings.AIMAK_ANSWER_CACHE_SECONDS = 0
    url = reverse("monitoring:map-data")
    browser.get(url)
    assert how(browser.get(url)) == ""

"""People, roles and the audit trail, as a monitor and a coordinator would use them."""


import pytest

pytestmark = pytest.mark.browser

PASSWORD = "aimak-demo-2026"
BARSKOON, SUZAK_AA, SUZAK_RAYON = "41702210815000", "41703220856000", "41703220000000"


def sign_in(page, username):
    page.goto("/accounts/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form.card button[type=submit]").click()
    page.wait_for_load_state()


def sign_out(page):
    page.locator("header form[action$='sign-out/'] button").click()
    page.wait_for_load_state()


def test_barskoon_monitor_sees_barskoon_and_is_refused_suzak(page):
    sign_in(page, "monitor.barskoon")
    # Barskoon is among the monitor's places on the home page
    mine = page.locator("#mine-h").locator("xpath=..")
    assert BARSKOON in mine.inner_html()
    page.goto(f"/territories/{BARSKOON}/")
    assert page.locator("h1").inner_text()
    # Suzak's restricted pages answer 403 (and the monitor has no access page at home either)
    for url in (f"/accounts/access/{SUZAK_AA}/", f"/accounts/access/{SUZAK_RAYON}/", f"/accounts/access/{BARSKOON}/", "/audit/security/"):
        response = page.goto(url)
        assert response.status in (403, 404), url
    # change language: Kyrgyz, remembered for the user
    page.goto("/")
    page.locator("header button[name=language][value=ky]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ky"
    sign_out(page)
    assert page.locator("header a[href^='/accounts/sign-in/']").count() == 1


def test_coordinator_grants_a_role_and_the_change_log_shows_before_and_after(page, new_context):
    sign_in(page, "coord.jetioguz")
    page.goto(f"/accounts/access/{BARSKOON}/")
    assert page.locator("h1").count() == 1
    page.select_option("#id_grant-user", label="Гүлнара Токтосунова")
    page.select_option("#id_grant-role", label="Local monitor")
    page.locator("form:has(input[value=grant]) button[type=submit]").click()
    page.wait_for_load_state()
    assert "Токтосунова" in page.locator("table").first.inner_text()
    # end it again: an update with before and after
    row = page.locator("tr", has_text="Токтосунова").filter(has_text="Local monitor")
    row.locator("button").click()
    page.wait_for_load_state()
    # the change log (the coordinator's own view) lists both changes with their fields
    page.goto("/audit/?object_type=roleassignment")
    text = page.locator("table").inner_text()
    assert "created" in text and "changed" in text and "valid_to" in text
    # and a language change of the coordinator is recorded too, with before and after
    page.goto("/")
    page.locator("header button[name=language][value=ru]").click()
    page.wait_for_load_state()
    admin = new_context().new_page()
    sign_in(admin, "admin")
    admin.goto("/audit/?object_type=accounts.user&user=coord.jetioguz")
    body = admin.locator("table").inner_text()
    assert "preferred_language" in body and "'ru'" in body

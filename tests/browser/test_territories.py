"""The territory pages in a real browser: languages, search, maps, the tree, offline assets, phones, sign-in."""

import re
import time
from functools import cache
from pathlib import Path

import polib
import pytest
from playwright.sync_api import expect

from .conftest import DEMO_PASSWORD, DEMO_USER, REPO

pytestmark = pytest.mark.browser

JETI_OGUZ_RAYON = "41702210000000"
ISSYK_KUL_OBLAST = "41702000000000"
BARSKOON_AIYL_AIMAK = "41702210815000"
GEOJSON = "/api/territories/geojson/"


@cache
def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(Path(REPO) / "locale" / language / "LC_MESSAGES" / "django.po"))


def tr(language: str, msgid: str) -> str:
    """The translation the interface must show, read from the project's own catalogue."""
    if language == "en":
        return msgid
    entry = catalogue(language).find(msgid)
    assert entry is not None and entry.translated(), f"{language}: “{msgid}” is not translated (missing or fuzzy)"
    return entry.msgstr


def wait_until(page, predicate, timeout=15.0, message="condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {message}")
        page.wait_for_timeout(100)


def language_button(page, code):
    return page.locator(f'form.lang button[name="language"][value="{code}"]')


def nav_link(page, path):
    return page.locator(f'nav.main-nav a[href="{path}"]')


def cookie(context, name):
    return next((c["value"] for c in context.cookies() if c["name"] == name), None)


def sign_in(page, username=DEMO_USER, password=DEMO_PASSWORD):
    page.goto("/accounts/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator(".account .who")).to_be_visible()  # shows the full name of the user
    expect(page.locator("main form #id_password")).to_have_count(0)


# --- languages -------------------------------------------------------------------------------------


def test_language_buttons_translate_the_interface_and_are_remembered(page):
    for msgid in ("Territories", "Map"):  # the catalogues really translate what is checked below
        assert re.fullmatch("[А-Яа-яЁёӨөҮүҢң -]+", tr("ky", msgid)) and re.fullmatch("[А-Яа-яЁё -]+", tr("ru", msgid))
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")  # from the browser's Accept-Language (en-US)

    for code in ("ky", "ru", "en"):
        page.goto("/")
        with page.expect_navigation():
            language_button(page, code).click()
        assert page.url.rstrip("/") == page.context.aimak_base_url, "the language form must bring the user back"
        html = page.locator("html")
        expect(html).to_have_attribute("lang", code)
        expect(nav_link(page, "/territories/")).to_have_text(tr(code, "Territories"))
        expect(nav_link(page, "/territories/map/")).to_have_text(tr(code, "Map"))
        expect(page.locator("h1")).to_have_text(tr(code, "Kyrgyz Republic: territories and local self-government"))
        expect(language_button(page, code)).to_have_attribute("aria-current", "true")
        assert cookie(page.context, "aimak_language") == code

        # Remembered after a reload …
        page.reload()
        expect(html).to_have_attribute("lang", code)
        expect(nav_link(page, "/territories/")).to_have_text(tr(code, "Territories"))

        # … and on another page.
        with page.expect_navigation():
            nav_link(page, "/territories/map/").click()
        expect(html).to_have_attribute("lang", code)
        expect(page.locator("h1")).to_have_text(tr(code, "Map of the Kyrgyz Republic"))


# --- search ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["typing", "enter"])
def test_kyrgyz_and_russian_spellings_find_the_same_rayon(page, how):
    landed = []
    for query in ("Жети-Өгүз", "Джети-Огуз"):
        page.goto("/territories/search/")
        box = page.locator("#q")
        if how == "typing":
            box.press_sequentially(query, delay=20)  # HTMX searches on input
        else:
            box.fill(query)
            box.press("Enter")  # the form submit, also through HTMX
        first = page.locator("#search-results ul.results > li").first.locator("a").first
        expect(first).to_have_attribute("href", f"/territories/{JETI_OGUZ_RAYON}/")
        expect(page.locator("#search-results ul.results > li").first.locator(".code")).to_have_text(JETI_OGUZ_RAYON)
        expect(page).to_have_url(re.compile(r"/territories/search/\?q="))  # hx-push-url: the search can be shared
        with page.expect_navigation():
            first.click()
        expect(page.locator("h1")).to_contain_text("Jeti-Oguz")
        landed.append(page.url)
    assert landed[0] == landed[1] == f"{page.context.aimak_base_url}/territories/{JETI_OGUZ_RAYON}/"


# --- maps ------------------------------------------------------------------------------------------


def test_aiyl_aimak_page_shows_it_on_the_map_and_in_the_breadcrumb(page):
    # The page fetches three GeoJSON layers at once. Make the worst order certain: the rayon around the
    # aiyl aimak (the context) is held back until the aiyl aimak itself has arrived, as on a slow network;
    # the unit must still end up on top of its rayon.
    held, arrived = [], set()
    page.route(re.compile(re.escape(f"{GEOJSON}?code={JETI_OGUZ_RAYON}") + "$"), lambda route: held.append(route))
    page.on("response", lambda r: arrived.add(r.url.split("?", 1)[1]) if GEOJSON in r.url else None)
    page.goto(f"/territories/{BARSKOON_AIYL_AIMAK}/")
    expect(page.locator("h1")).to_have_text("Barskoon aiyl aimak")

    crumbs = page.locator("ol.crumbs").first
    expect(crumbs.locator(f'a[href="/territories/{JETI_OGUZ_RAYON}/"]')).to_contain_text("Jeti-Oguz")
    expect(crumbs.locator(f'a[href="/territories/{ISSYK_KUL_OBLAST}/"]')).to_contain_text("Issyk-Kul")

    area = page.locator("#territory-map")
    wait_until(
        page, lambda: held and f"code={BARSKOON_AIYL_AIMAK}" in arrived, message="the aiyl aimak's GeoJSON (rayon held back)"
    )
    page.wait_for_timeout(200)  # let the page handle what it has so far
    held[0].continue_()
    expect(area).to_have_attribute("data-ready", "1")
    expect(area).to_have_attribute("data-focus-shown", "Point")
    assert area.get_attribute("data-error") is None
    # preferCanvas: the shapes are drawn on a <canvas>, so there are no SVG paths or marker <img>s to find.
    expect(area.locator(".leaflet-pane canvas")).to_have_count(1)

    # The map is centred on the aiyl aimak: clicking the middle must open *its* popup, not the rayon's.
    box = area.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = area.locator(".leaflet-popup-content")
    expect(popup).to_be_visible()
    expect(popup.locator("a")).to_have_attribute("href", f"/territories/{BARSKOON_AIYL_AIMAK}/")
    expect(popup).to_contain_text(BARSKOON_AIYL_AIMAK)


# Where map.js puts a place on a fresh national map: a throw-away Leaflet map of the same size,
# fitted to the same bounds as map.js's KG_BOUNDS, gives the same projection.
CONTAINER_POINT = """([lat, lng]) => {
  const el = document.getElementById("national-map"), probe = document.createElement("div");
  probe.style.cssText = `position:absolute;left:-9999px;top:0;width:${el.clientWidth}px;height:${el.clientHeight}px`;
  document.body.appendChild(probe);
  const m = L.map(probe, { zoomSnap: 0.25, attributionControl: false });
  m.fitBounds([[39.1, 69.2], [43.3, 80.3]]);
  const p = m.latLngToContainerPoint([lat, lng]);
  m.remove(); probe.remove();
  return [p.x, p.y];
}"""


def test_national_map_draws_every_level_and_its_places_open(page):
    # The three levels are fetched at once. Make the worst order certain: the rayon boundaries (level 2,
    # the largest download) arrive after the aiyl aimak points (level 3), as they may on a slow network.
    held, geojson = [], {}
    page.route(re.compile(re.escape(f"{GEOJSON}?level=2") + "$"), lambda route: held.append(route))
    page.on("response", lambda r: geojson.__setitem__(r.url.split("?", 1)[1], r.status) if GEOJSON in r.url else None)
    page.goto("/territories/map/")
    area = page.locator("#national-map")
    wait_until(page, lambda: held and "level=3" in geojson, message="the GeoJSON of level 3 (level 2 held back)")
    page.wait_for_timeout(200)  # let the page draw what it has so far
    held[0].continue_()
    wait_until(page, lambda: {"level=1", "level=2", "level=3"} <= geojson.keys(), message="the GeoJSON of levels 1, 2, 3")
    assert geojson == {"level=1": 200, "level=2": 200, "level=3": 200}
    page.wait_for_load_state("networkidle")  # the three responses are parsed and drawn
    expect(area).to_have_attribute("data-ready", "1")
    assert area.get_attribute("data-error") is None
    # preferCanvas: everything is drawn on one <canvas>; there are no SVG paths to count.
    expect(area.locator("canvas.leaflet-zoom-animated")).to_have_count(1)
    expect(area.locator("path")).to_have_count(0)
    expect(area.locator(".leaflet-control-layers-overlays label")).to_have_count(3)

    # Something is drawn in the middle of the country: hovering it shows the name of a place.
    box = area.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(area.locator(".leaflet-tooltip")).to_have_count(1)
    expect(area.locator(".leaflet-tooltip")).not_to_have_text("")
    expect(area.locator("canvas.leaflet-interactive")).to_have_count(1)

    # "Click a place to open it": the point of Barskoon aiyl aimak opens Barskoon, not the rayon around it.
    x, y = page.evaluate(CONTAINER_POINT, [42.1290, 77.6120])  # its centre, as on its own page
    page.mouse.click(box["x"] + x, box["y"] + y)
    popup = area.locator(".leaflet-popup-content")
    expect(popup).to_be_visible()
    expect(popup.locator("a")).to_have_attribute("href", f"/territories/{BARSKOON_AIYL_AIMAK}/")
    with page.expect_navigation():
        popup.locator("a").click()
    expect(page.locator("h1")).to_have_text("Barskoon aiyl aimak")


# --- tree ------------------------------------------------------------------------------------------


def test_tree_lists_oblasts_and_opens_a_branch_with_htmx(page):
    page.goto("/territories/")
    tree = page.locator(".tree")
    for code in ("41702000000000", "41703000000000", "41704000000000", "41705000000000", "41706000000000", "41707000000000", "41708000000000"):
        expect(tree.locator(f'summary a[href="/territories/{code}/"]')).to_have_count(1)

    issyk_kul = tree.locator("details").filter(has=page.locator(f'summary a[href="/territories/{ISSYK_KUL_OBLAST}/"]')).first
    expect(issyk_kul).not_to_have_attribute("open", "")
    branch = issyk_kul.locator(":scope > .branch")
    expect(branch.locator(f'a[href="/territories/{JETI_OGUZ_RAYON}/"]')).to_have_count(0)

    with page.expect_response(re.compile(r"/territories/t/\d+/children/")) as response:
        issyk_kul.locator(":scope > summary .badge").click()  # not the link: that would open the page
    assert response.value.status == 200
    assert response.value.request.headers.get("hx-request") == "true"
    expect(issyk_kul).to_have_attribute("open", "")
    expect(branch.locator(f'a[href="/territories/{JETI_OGUZ_RAYON}/"]')).to_contain_text("Jeti-Oguz")
    assert page.url.endswith("/territories/"), "opening a branch must not leave the page"


# --- offline: nothing from other hosts -------------------------------------------------------------


PAGES = [
    "/",
    "/territories/",
    "/territories/map/",
    "/territories/search/?q=Barskoon",
    f"/territories/{BARSKOON_AIYL_AIMAK}/",
    "/territories/list/",
    "/territories/changes/",
    "/about/data/",
    "/accounts/sign-in/",
    "/api/docs/",
]


def test_no_request_leaves_the_server(page):
    base = page.context.aimak_base_url
    # Anything for another host is recorded (by the fixture) and refused, so a CDN cannot make the test hang.
    page.context.route(re.compile(r"^(?!" + re.escape(base) + r"/)"), lambda route: route.abort())
    failures = []
    page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    for path in PAGES:
        page.goto(path)
        page.wait_for_load_state("networkidle")
    foreign = [url for url in page.context.aimak_requests if not url.startswith(base + "/")]
    assert not foreign, "requests to other hosts:\n" + "\n".join(foreign)
    assert not failures, "failed requests:\n" + "\n".join(failures)
    assert any("/static/vendor/leaflet/leaflet.js" in url for url in page.context.aimak_requests)
    assert any("/static/vendor/htmx/htmx.min.js" in url for url in page.context.aimak_requests)


# --- phones ----------------------------------------------------------------------------------------


@pytest.mark.viewport(390, 844)
@pytest.mark.browser_locale("ky")
@pytest.mark.parametrize("path", ["/", "/territories/", f"/territories/{BARSKOON_AIYL_AIMAK}/", "/territories/search/?q=Барскоон"])
def test_phone_size_has_no_horizontal_scroll(page, path):
    page.goto(path)
    page.wait_for_load_state("networkidle")
    expect(page.locator("html")).to_have_attribute("lang", "ky")
    assert page.viewport_size == {"width": 390, "height": 844}
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"{path}: the page is {width}px wide on a 390px screen"


# --- a signed-in user's language ------------------------------------------------------------------


def test_signed_in_users_language_follows_them_to_a_fresh_browser(page, new_context):
    sign_in(page)
    with page.expect_navigation():
        language_button(page, "ru").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")

    with page.expect_navigation():
        page.locator(".account form button[type=submit]").click()  # sign out
    expect(page.locator(".account .who")).to_have_count(0)
    sign_in(page)
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(nav_link(page, "/territories/")).to_have_text(tr("ru", "Territories"))

    # Another browser: no language cookie, English Accept-Language; signing in brings Russian back.
    fresh = new_context(locale="en-US").new_page()
    assert fresh.context.cookies() == []
    fresh.goto("/territories/")
    expect(fresh.locator("html")).to_have_attribute("lang", "en")
    sign_in(fresh)
    expect(fresh.locator("html")).to_have_attribute("lang", "ru")
    expect(nav_link(fresh, "/territories/")).to_have_text(tr("ru", "Territories"))
    fresh.goto("/territories/map/")
    expect(fresh.locator("h1")).to_have_text(tr("ru", "Map of the Kyrgyz Republic"))
    assert cookie(fresh.context, "aimak_language") is None, "the preference came from the account, not a cookie"

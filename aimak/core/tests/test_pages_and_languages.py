"""Every page answers in Kyrgyz, Russian and English, with no English left on ky/ru pages."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

PAGES = [
    "/", "/territories/", "/territories/?as_of=2020-01-01", "/territories/41702210815000/", "/territories/41702210000000/?as_of=2019-05-01",
    "/territories/search/?q=Барскоон", "/territories/map/", "/territories/changes/", "/about/data/", "/accounts/sign-in/",
]
# English phrases of the interface that must not show on Kyrgyz or Russian pages.
ENGLISH = ["Territories", "Sign in", "Search", "About the data", "Skip to content", "Names and codes", "History", "Units under it"]


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("lang", ["ky", "ru", "en"])
def test_page_in_each_language(client, url, lang):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}">' in html
    if lang != "en":
        text = visible_text(html)
        leaked = [phrase for phrase in ENGLISH if re.search(rf"\b{phrase}\b", text)]
        assert not leaked, leaked


@pytest.mark.parametrize("lang", ["ky", "ru"])
def test_catalogues_are_complete(lang):
    po = polib.pofile(str(Path(settings.BASE_DIR, "locale", lang, "LC_MESSAGES", "django.po")))
    untranslated = [e.msgid for e in po.untranslated_entries() if not e.obsolete]
    fuzzy = [e.msgid for e in po.fuzzy_entries() if not e.obsolete]
    assert not untranslated, untranslated[:10]
    assert not fuzzy, fuzzy[:10]
    assert len(po) > 100


def test_kyrgyz_catalogue_uses_kyrgyz_letters():
    po = polib.pofile(str(Path(settings.BASE_DIR, "locale", "ky", "LC_MESSAGES", "django.po")))
    text = " ".join(e.msgstr for e in po)
    assert all(letter in text for letter in "өүң")


def test_language_choice_is_remembered_in_the_browser(client):
    response = client.post("/language/", {"language": "ru", "next": "/territories/"})
    assert response.status_code == 302 and response["Location"] == "/territories/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    assert '<html lang="ru">' in client.get("/").content.decode()


def test_language_choice_is_remembered_for_the_user(client, django_user_model):
    user = django_user_model.objects.create_user("aida", password="a-long-test-password")
    client.force_login(user)
    client.post("/language/", {"language": "en"})
    user.refresh_from_db()
    assert user.preferred_language == "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ky"  # another browser's cookie loses to the user's choice
    assert '<html lang="en">' in client.get("/").content.decode()


def test_unknown_language_and_foreign_redirects_are_ignored(client):
    response = client.post("/language/", {"language": "xx", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_numbers_and_dates_are_localised(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    html = client.get("/").content.decode()
    assert "1\xa0901" in html or "1 901" in html  # villages, with a Russian thousands separator


def test_pages_stay_light(client):
    """A municipal specialist on a slow connection: the HTML of main pages stays small."""
    for url in ["/", "/territories/", "/territories/41702210815000/"]:
        assert len(client.get(url).content) < 40_000, url


def test_unknown_territory_is_a_404(client):
    assert client.get("/territories/41799999999999/").status_code == 404


def test_import_page_is_for_administrators_only(client, django_user_model):
    assert client.get("/territories/import/").status_code == 302  # to sign-in
    client.force_login(django_user_model.objects.create_user("clerk", password="a-long-test-password"))
    assert client.get("/territories/import/").status_code == 403
    client.force_login(django_user_model.objects.create_user("staffer", password="a-long-test-password", is_staff=True))
    assert client.get("/territories/import/").status_code == 403  # being staff is not a role
    from aimak.accounts.models import Role, RoleAssignment
    from aimak.territories.selectors import by_code

    boss = django_user_model.objects.create_user("boss", password="a-long-test-password")
    RoleAssignment.objects.create(user=boss, role=Role.objects.get(code="national_administrator"), territory=by_code("41700000000000"))
    client.force_login(boss)
    assert client.get("/territories/import/").status_code == 200


def test_import_page_reports_rejected_lines(staff_client, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("changes.csv", b"event,date,type,from_code,to_code\nX,2025-01-01,abolish,41799999999999,\n")
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = staff_client.post("/territories/import/", {"importer": "changes", "file": upload})
    html = response.content.decode()
    assert response.status_code == 200
    assert "41799999999999" in html and "Nothing was saved" in html


def test_import_page_refuses_the_wrong_file_type(staff_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("soate.xlsx", b"PK\x03\x04")
    response = staff_client.post("/territories/import/", {"importer": "soate", "file": upload})
    assert ".csv" in response.content.decode()

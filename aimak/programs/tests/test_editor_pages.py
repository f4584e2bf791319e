"""The editor's pages through the browser's eyes: every section renders, rows save as staff type
(HTMX) and without JavaScript, refusals show on the field, and people who may not edit see the
content without inputs or nothing at all."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aimak.programs.models import Annex, Measure, Problem, ProfileRow, Stage
from aimak.programs.services import content

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def section(program, code):
    return f"/programs/{program.pk}/section/{code}/"


@pytest.fixture
def client(client):
    """Pages in English, as the assertions read."""
    client.cookies["aimak_language"] = "en"
    return client


@pytest.fixture
def staff_client(client, people):
    client.force_login(people["staff"])
    return client


@pytest.mark.parametrize("edition", ["2018", "2024"])
def test_every_section_of_the_edition_renders_with_navigation(staff_client, program, editions, edition):
    program.edition = editions[edition]
    program.save()
    codes = [s["code"] for s in editions[edition].template["sections"]]
    for code in codes:
        response = staff_client.get(section(program, code))
        assert response.status_code == 200, code
        html = response.content.decode()
        for other in codes:
            assert f'href="{section(program, other)}"' in html
        assert f'href="/programs/{program.pk}/"' in html
        assert 'id="inclusion-panel"' in html
    assert staff_client.get(section(program, "no-such-section")).status_code == 404
    if edition == "2018":
        assert staff_client.get(section(program, "climate")).status_code == 404


def test_profile_row_autosaves_with_htmx_and_refreshes_the_inclusion_panel(staff_client, program):
    url = f"/programs/{program.pk}/edit/profile/population/total/"
    bad = staff_client.post(url, {"total": "100", "women": "60", "men": "50"}, **HX)
    assert bad.status_code == 200 and bad["HX-Reswap"] == "none"
    html = bad.content.decode()
    assert re.search(r'id="err-profile-population-total-men"[^>]*hx-swap-oob="true"[^>]*>\s*<li>[^<]*110', html)
    assert 'id="inclusion-panel"' in html and "Not saved" in html
    assert not ProfileRow.objects.filter(program=program).exists()

    good = staff_client.post(url, {"total": "100", "women": "60", "men": "40", "note": "census 2019"}, **HX)
    html = good.content.decode()
    assert "Saved" in html and 'id="status-profile-population-total"' in html
    assert re.search(r'<aside id="inclusion-panel"[^>]*hx-swap-oob="true"', html)
    assert "1 of 13 rows" in html  # the profile changed as staff typed
    assert ProfileRow.objects.get(program=program, table="population", row="total").values == {"total": 100, "women": 60, "men": 40}


def test_without_javascript_rows_post_and_come_back(staff_client, program):
    url = f"/programs/{program.pk}/edit/profile/population/total/"
    response = staff_client.post(url, {"total": "100", "women": "-1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="-1"' in html and "negative" in html  # what was typed stays, with the reason on the field
    response = staff_client.post(url, {"total": "100"})
    assert response.status_code == 302 and response["Location"] == section(program, "profile") + "#profile-population-total"


def test_custom_rows_added_and_removed(staff_client, program):
    add = f"/programs/{program.pk}/edit/profile/population/add/"
    response = staff_client.post(add, {"label": "Tamga"}, **HX)
    assert response.status_code == 200 and "Tamga" in response.content.decode()
    row = ProfileRow.objects.get(program=program, label="Tamga")
    assert 'id="table-population"' in response.content.decode()
    response = staff_client.post(f"/programs/{program.pk}/edit/profile/population/{row.row}/remove/")
    assert response.status_code == 302
    assert not ProfileRow.objects.filter(pk=row.pk).exists()
    assert staff_client.post(f"/programs/{program.pk}/edit/profile/secret/add/", {"label": "x"}).status_code == 404


def test_measures_added_edited_with_funding_lines_and_deleted(staff_client, program):
    add = f"/programs/{program.pk}/edit/measure/new/"
    data = {"number": "1", "title": "Ramp at the school", "start_year": "2020", "end_year": "2020", "cost": "100",
            "target_groups": ["disability"], "responsible": "AO", "funding-count": "1",
            "funding-0-year": "2020", "funding-0-source": "local_budget", "funding-0-amount": "90"}
    refused = staff_client.post(add, data, **HX)
    html = refused.content.decode()
    assert 'id="list-measure"' in html and "add up to 90" in html and "the cost is 100" in html
    assert not Measure.objects.exists()

    created = staff_client.post(add, {**data, "funding-0-amount": "100"}, **HX)
    measure = Measure.objects.get()
    assert f'id="measure-{measure.pk}"' in created.content.decode()
    url = f"/programs/{measure.program_id}/edit/measure/{measure.pk}/"

    # a second line: the row is swapped whole so that a new blank line appears
    two = {**data, "cost": "150", "funding-count": "2", "funding-0-amount": "100",
           "funding-1-year": "2020", "funding-1-source": "diaspora", "funding-1-amount": "50"}
    response = staff_client.post(url, two, **HX)
    assert response["HX-Retarget"] == f"#measure-{measure.pk}" and response["HX-Reswap"] == "outerHTML"
    assert sorted(measure.funding.values_list("source", flat=True)) == ["diaspora", "local_budget"]
    assert 'name="funding-2-amount"' in response.content.decode()

    # an ordinary change leaves the inputs alone
    response = staff_client.post(url, {**two, "title": "Ramp and toilet at the school"}, **HX)
    assert response["HX-Reswap"] == "none"
    measure.refresh_from_db()
    assert measure.title == "Ramp and toilet at the school"

    bad = staff_client.post(url, {**two, "start_year": "2023"}, **HX)
    assert "Enter a year of the program (2020–2022)." in bad.content.decode()

    more = staff_client.post(url, {**two, "add_line": "1"}, **HX)
    assert 'name="funding-3-amount"' in more.content.decode()

    page = staff_client.get(section(program, "action_plan")).content.decode()
    assert '<option value="2020" selected>2020</option>' in page and "2,020" not in page  # years never get thousands separators
    assert page.count(f'id="err-measure-{measure.pk}-all"') == 1

    deleted = staff_client.post(f"/programs/{program.pk}/edit/measure/{measure.pk}/delete/", **HX)
    assert deleted.status_code == 200 and "No measures yet" in deleted.content.decode()
    assert not Measure.objects.exists()


def test_problem_saved_without_javascript_and_refusal_shown(staff_client, program):
    response = staff_client.post(f"/programs/{program.pk}/edit/problem/new/", {"title": "No ramps", "groups": ["disability"], "rank": "1"})
    problem = Problem.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#problem-{problem.pk}")
    response = staff_client.post(f"/programs/{program.pk}/edit/problem/{problem.pk}/", {"title": "", "rank": "1"})
    assert response.status_code == 400 and "Enter the problem." in response.content.decode()
    response = staff_client.post(f"/programs/{program.pk}/edit/swot/new/", {"kind": "W", "text": "Few jobs"}, **HX)
    assert 'id="list-swot-W"' in response.content.decode() and "Few jobs" in response.content.decode()


def test_text_dream_vision_goal_indicator_autosave(staff_client, program, editions):
    program.edition = editions["2024"]
    program.save()
    assert "Saved" in staff_client.post(f"/programs/{program.pk}/edit/text/climate/", {"text": "Mudflows"}, **HX).content.decode()
    assert program.texts.get(section="climate").text == "Mudflows"
    staff_client.post(f"/programs/{program.pk}/edit/dream/youth/", {"dream": "Jobs", "changes": "Courses"}, **HX)
    staff_client.post(f"/programs/{program.pk}/edit/vision/", {"vision": "A valley for all"}, **HX)
    program.refresh_from_db()
    assert program.vision == "A valley for all" and program.dreams.get(group="youth").changes == "Courses"
    staff_client.post(f"/programs/{program.pk}/edit/goal/new/", {"level": "priority", "title": "Services", "number": "1"}, **HX)
    goal = program.goals.get()
    response = staff_client.post(f"/programs/{program.pk}/edit/goal/{goal.pk}/", {"level": "priority", "title": "Services for all",
                                                                                   "number": "1", "groups": ["elderly"]}, **HX)
    assert "Saved" in response.content.decode()
    staff_client.post(f"/programs/{program.pk}/edit/indicator/new/", {"name": "Trained people", "baseline": "10"}, **HX)
    indicator = program.indicators.get()
    response = staff_client.post(f"/programs/{program.pk}/edit/indicator/{indicator.pk}/",
                                 {"name": "Trained people", "baseline": "10", "counts_people": "1"}, **HX)
    assert response["HX-Reswap"] == "outerHTML" and 'name="baseline_women"' in response.content.decode()
    page = staff_client.get(section(program, "monitoring")).content.decode()
    assert "Trained people" in page and 'name="target-2022-men"' in page


def test_financing_shows_shares_from_the_plan(staff_client, program, people):
    content.save_measure(people["staff"], program, {"number": "1", "title": "Ramp", "start_year": "2020", "end_year": "2020", "cost": "100",
                                                    "target_groups": ["disability"], "funding": [{"year": "2020", "source": "diaspora", "amount": "100"}]})
    content.save_measure(people["staff"], program, {"number": "2", "title": "Road", "start_year": "2021", "end_year": "2021", "cost": "300",
                                                    "funding": [{"year": "2021", "source": "community", "amount": "300"}]})
    html = staff_client.get(section(program, "financing")).content.decode()
    assert "(25%)" in html and "Diaspora contributions" in html
    assert re.search(r"Community contribution \(ashar\)</dt><dd>300", html)


def test_inclusion_page_and_partial(staff_client, program):
    page = staff_client.get(f"/programs/{program.pk}/inclusion/")
    assert page.status_code == 200 and "Budget share of inclusive measures" in page.content.decode()
    partial = staff_client.get(f"/programs/{program.pk}/inclusion/", **HX).content.decode()
    assert partial.lstrip().startswith("<aside") and "<html" not in partial


# --- who sees and who changes --------------------------------------------------------------------------

def test_other_municipality_cannot_edit_or_see_a_draft(client, program, people):
    client.force_login(people["suzak_staff"])
    assert client.get(section(program, "profile")).status_code == 403
    response = client.post(f"/programs/{program.pk}/edit/profile/population/total/", {"total": "1"}, **HX)
    assert response.status_code == 403
    assert not ProfileRow.objects.exists()


def test_public_sees_approved_programs_read_only_and_never_drafts(client, program, people):
    content.save_problem(people["staff"], program, {"title": "No ramps"})
    assert client.get(section(program, "analysis")).status_code == 404
    program.stage = Stage.APPROVED
    program.save()
    response = client.get(section(program, "analysis"))
    html = response.content.decode()
    assert response.status_code == 200 and "No ramps" in html
    assert "<input" not in html.split('id="main"')[1].split("</main>")[0].replace('<input type="hidden" name="next"', "")
    assert client.post(f"/programs/{program.pk}/edit/problem/new/", {"title": "x"}).status_code == 302  # to sign in


def test_approved_program_is_not_editable_even_for_its_staff(staff_client, program):
    program.stage = Stage.APPROVED
    program.save()
    html = staff_client.get(section(program, "action_plan")).content.decode()
    assert "changes go through a revision" in html and 'hx-post' not in html
    response = staff_client.post(f"/programs/{program.pk}/edit/vision/", {"vision": "New"}, **HX)
    assert "start a revision" in response.content.decode()
    program.refresh_from_db()
    assert program.vision == ""


def test_commission_member_reads_drafts_without_inputs(client, program, people):
    client.force_login(people["commission"])
    html = client.get(section(program, "priorities")).content.decode()
    assert "You can read this program but not change it." in html and "hx-post" not in html


# --- annexes ---------------------------------------------------------------------------------------------

def test_annexes_uploaded_downloaded_and_removed(staff_client, program, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    url = f"/programs/{program.pk}/edit/annexes/add/"
    fake = SimpleUploadedFile("order.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    response = staff_client.post(url, {"kind": "working_group_order", "title": "Order", "file": fake})
    assert response.status_code == 400 and 'id="err-annex-file"' in response.content.decode()
    pdf = SimpleUploadedFile("order.pdf", b"%PDF-1.4\n%...\n", content_type="application/pdf")
    response = staff_client.post(url, {"kind": "working_group_order", "title": "Order No. 5", "file": pdf})
    assert response.status_code == 302
    annex = Annex.objects.get()
    page = staff_client.get(section(program, "annexes")).content.decode()
    assert "Order No. 5" in page
    assert f'href="/programs/annexes/{annex.pk}/"' in page
    download = staff_client.get(f"/programs/annexes/{annex.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert staff_client.post(f"/programs/{program.pk}/edit/annexes/{annex.pk}/remove/").status_code == 302
    assert not Annex.objects.exists()

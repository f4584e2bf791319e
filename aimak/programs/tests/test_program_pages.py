"""The program list, starting a program, the overview with its workflow forms, the working
group, approval and annual report pages, seen by the public, by staff and by staff elsewhere."""

from datetime import date

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from aimak.programs.models import AnnualReport, Meeting, Program, Stage
from aimak.programs.services import process
from aimak.programs.tests import factories


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def approved_suzak(editions, territory):
    """An approved program of Suzak: public."""
    return Program.objects.create(territory=territory("41703220856000"), edition=editions["2018"], title="Сузак АА ПСЭР",
                                  start_year=2020, end_year=2022, stage=Stage.IMPLEMENTATION, resolution_number="4",
                                  resolution_date=date(2019, 12, 1))


def test_the_public_sees_approved_programs_only(client, program, approved_suzak):
    page = client.get("/programs/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Сузак АА ПСЭР" in body and program.title not in body
    assert "New program" not in body
    assert client.get(f"/programs/{program.pk}/").status_code == 404
    overview = client.get(f"/programs/{approved_suzak.pk}/")
    assert overview.status_code == 200
    assert "Record the step" not in overview.content.decode()  # no workflow forms for the public


def test_the_public_sees_participation_figures_not_the_people(client, approved_suzak, people):
    from aimak.programs.models import Attendance, Comment, Meeting, WorkingGroupMember

    WorkingGroupMember.objects.create(program=approved_suzak, name="Жумагүл Асанова", sex="f", has_disability=True)
    village = Meeting.objects.create(program=approved_suzak, kind=Meeting.Kind.VILLAGE_MEETING, date=date(2019, 5, 2), place="Клуб Кызыл-Туу")
    Attendance.objects.create(meeting=village, sex="f", age_group="29_59", count=12)
    hearing = Meeting.objects.create(program=approved_suzak, kind=Meeting.Kind.HEARING, date=date(2019, 9, 2), place="Айыл окмоту")
    Comment.objects.create(meeting=hearing, text="скрыто", status=Comment.Status.HIDDEN)
    Comment.objects.create(meeting=hearing, text="опубликовано", status=Comment.Status.PUBLISHED)
    body = client.get(f"/programs/{approved_suzak.pk}/").content.decode()
    assert "Жумагүл Асанова" not in body and "Клуб Кызыл-Туу" not in body
    assert "Айыл окмоту" in body  # hearings are public, with their published comments counted
    client.force_login(people["suzak_staff"])
    body = client.get(f"/programs/{approved_suzak.pk}/").content.decode()
    assert "Жумагүл Асанова" in body and "Клуб Кызыл-Туу" in body


def test_staff_see_their_drafts_filter_and_export(client, program, approved_suzak, people):
    client.force_login(people["staff"])
    body = client.get("/programs/").content.decode()
    assert program.title in body and "Сузак АА ПСЭР" in body and "New program" in body
    body = client.get("/programs/?stage=working_group").content.decode()
    assert program.title in body and "Сузак АА ПСЭР" not in body
    body = client.get("/programs/?territory=41703000000000").content.decode()  # Jalal-Abad oblast
    assert "Сузак АА ПСЭР" in body and program.title not in body
    body = client.get("/programs/?year=2023").content.decode()
    assert "No programs match" in body
    csv = client.get("/programs/?export=csv&edition=2018")
    assert csv["Content-Type"].startswith("text/csv")
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert program.title in text and "41702210815000" in text
    xlsx = client.get("/programs/?export=xlsx")
    assert xlsx.status_code == 200 and "spreadsheetml" in xlsx["Content-Type"]


def test_starting_a_program_offers_only_ones_own_municipalities(client, people, editions):
    client.force_login(people["staff"])
    page = client.get("/programs/new/")
    assert page.status_code == 200
    options = page.context["form"].fields["territory"].queryset
    assert list(options.values_list("code", flat=True)) == ["41702210815000"]
    response = client.post("/programs/new/", {"territory": options.get().pk, "edition": editions["2024"].pk, "title": "Барскоон СЭӨП",
                                              "start_year": 2027, "end_year": 2026, "language": "ky"})
    assert response.status_code == 200
    assert response.context["form"].errors["end_year"]
    response = client.post("/programs/new/", {"territory": options.get().pk, "edition": editions["2024"].pk, "title": "Барскоон СЭӨП",
                                              "start_year": 2027, "end_year": 2029, "language": "ky"})
    created = Program.objects.get(title="Барскоон СЭӨП")
    assert response.status_code == 302 and response["Location"] == f"/programs/{created.pk}/"
    assert created.steps.get().step == "created"
    client.force_login(people["commission"])
    assert client.get("/programs/new/").status_code == 403


def test_staff_elsewhere_cannot_see_or_move_a_draft(client, program, people):
    client.force_login(people["suzak_staff"])
    assert client.get(f"/programs/{program.pk}/").status_code == 404
    assert client.post(f"/programs/{program.pk}/advance/", {"advance-date": "2019-05-01"}).status_code == 404
    assert client.get(f"/programs/{program.pk}/working-group/").status_code == 404


def test_the_overview_moves_the_program_and_shows_refusals_on_the_form(client, program, people):
    client.force_login(people["staff"])
    page = client.get(f"/programs/{program.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Move to the next stage: data collection" in body and "program started" in body
    response = client.post(f"/programs/{program.pk}/advance/", {"advance-date": "2019-05-01", "advance-note": ""})
    assert response.status_code == 400 and "Add the members of the working group first." in response.content.decode()
    response = client.post(f"/programs/{program.pk}/working-group/", {"name": "Айгүл", "role": "chair", "sex": "f", "age_group": "18_28"})
    assert response.status_code == 302
    response = client.post(f"/programs/{program.pk}/working-group/", {"name": "Асан", "role": "member", "sex": ""})
    assert response.status_code == 400 and "Choose woman or man" in response.content.decode()
    wg = client.get(f"/programs/{program.pk}/working-group/").content.decode()
    assert "100%" in wg  # one member, a young woman
    response = client.post(f"/programs/{program.pk}/advance/", {"advance-date": "2019-05-01", "advance-note": "Маалымат чогултуу башталды"})
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.stage == Stage.DATA_COLLECTION
    history = client.get(f"/programs/{program.pk}/").content.decode()
    assert "Маалымат чогултуу башталды" in history and "2019-05-01" in history


def test_approval_page_records_the_resolution_with_its_scan(client, program, people):
    Program.objects.filter(pk=program.pk).update(stage=Stage.REVISION)
    Meeting.objects.create(program=program, kind="hearing", date=date(2019, 11, 1), place="Зал")
    client.force_login(people["staff"])
    assert client.get(f"/programs/{program.pk}/approve/").status_code == 200
    response = client.post(f"/programs/{program.pk}/approve/", {"resolution_number": "8", "resolution_date": "2019-10-01"})
    assert response.status_code == 400
    form = response.context["form"]
    assert "scan" in form.errors and "resolution_date" in form.errors
    response = client.post(f"/programs/{program.pk}/approve/", {
        "resolution_number": "8", "resolution_date": "2019-11-20", "scan": SimpleUploadedFile("r.pdf", b"%PDF-1.7\n%%EOF")})
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.stage == Stage.APPROVED and program.versions.get().is_approved
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # signing out forgets the language
    overview = client.get(f"/programs/{program.pk}/")
    assert overview.status_code == 200 and "№ 8, 2019-11-20" in overview.content.decode()
    annex = program.annexes.get(kind="resolution")
    assert client.get(f"/programs/annexes/{annex.pk}/").status_code == 200


def test_annual_report_pages(client, program, people):
    Program.objects.filter(pk=program.pk).update(stage=Stage.IMPLEMENTATION)
    measure = factories.measure(program, title="Көпүрө", start_year=2020, end_year=2020)
    client.force_login(people["staff"])
    response = client.post(f"/programs/{program.pk}/reports/new/", {"report-year": "2020"})
    report = AnnualReport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/programs/reports/{report.pk}/"
    page = client.get(f"/programs/reports/{report.pk}/")
    assert page.status_code == 200 and "Көпүрө" in page.content.decode()
    response = client.post(f"/programs/reports/{report.pk}/", {"narrative": "", f"m{measure.pk}_status": "done", f"m{measure.pk}_spent": "-1"})
    assert response.status_code == 400 and "cannot be negative" in response.content.decode()
    response = client.post(f"/programs/reports/{report.pk}/", {"narrative": "Көпүрө курулду", f"m{measure.pk}_status": "done", f"m{measure.pk}_spent": "95.5"})
    assert response.status_code == 302
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # signing out forgets the language
    assert client.get(f"/programs/reports/{report.pk}/").status_code == 404  # drafts are not public
    client.force_login(people["staff"])
    assert client.post(f"/programs/reports/{report.pk}/present/", {"present-date": "2021-02-01"}).status_code == 302
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # signing out forgets the language
    public = client.get(f"/programs/reports/{report.pk}/")
    assert public.status_code == 200 and "95.5" in public.content.decode()


def test_meeting_pages_announce_a_hearing(client, program, people):
    Program.objects.filter(pk=program.pk).update(stage=Stage.DRAFT)
    client.force_login(people["staff"])
    assert client.get(f"/programs/{program.pk}/meetings/new/?kind=hearing").status_code == 200
    response = client.post(f"/programs/{program.pk}/meetings/new/", {"kind": "hearing", "date": "2019-09-10", "place": "",
                                                                      "announcement": "Угуу"})
    assert response.status_code == 400 and "place" in response.context["form"].errors
    response = client.post(f"/programs/{program.pk}/meetings/new/", {"kind": "hearing", "date": "2019-09-10", "time": "10:00",
                                                                      "place": "Барскоон АӨ", "announcement": "Угуу"})
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/programs/meetings/{meeting.pk}/"
    overview = client.get(f"/programs/{program.pk}/").content.decode()
    assert "Барскоон АӨ" in overview and f"/programs/hearings/{meeting.pk}/" in overview
    # the public page of a past hearing shows it closed for comments
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # signing out forgets the language
    public = client.get(f"/programs/hearings/{meeting.pk}/")
    assert public.status_code == 200 and "not yet open" in public.content.decode()
    program.refresh_from_db()
    assert process.next_stage(program) == Stage.HEARING


def test_the_next_program_page(client, program, people, editions):
    Program.objects.filter(pk=program.pk).update(stage=Stage.IMPLEMENTATION)
    client.force_login(people["staff"])
    page = client.get(f"/programs/{program.pk}/follow/")
    assert page.status_code == 200 and page.context["form"].initial["start_year"] == 2023
    response = client.post(f"/programs/{program.pk}/follow/", {"edition": editions["2024"].pk, "title": "Барскоон СЭӨП 2023–2025",
                                                              "start_year": 2020, "end_year": 2022, "language": "ky"})
    assert response.status_code == 400 and "start_year" in response.context["form"].errors
    response = client.post(f"/programs/{program.pk}/follow/", {"edition": editions["2024"].pk, "title": "Барскоон СЭӨП 2023–2025",
                                                              "start_year": 2023, "end_year": 2025, "language": "ky"})
    new = Program.objects.get(previous=program)
    assert response.status_code == 302 and response["Location"] == new.get_absolute_url()
    client.force_login(people["suzak_staff"])
    assert client.get(f"/programs/{program.pk}/follow/").status_code == 403  # public program, but not theirs to follow

"""Public hearings: announcing, attendance shares, residents' comments (moderated, answered,
published), and every refusal the brief names."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aimak.core import scoping
from aimak.programs.models import Comment, Meeting, Stage
from aimak.programs.selectors import hearings as selectors
from aimak.programs.services import hearings as services
from aimak.programs.services.programs import start_program
from aimak.programs.tests import factories


@pytest.fixture
def draft(editions, people, territory):
    """A program being written now, so its hearing can be open today."""
    today = scoping.today()
    program = start_program(people["staff"], territory=territory("41702210815000"), edition=editions["2018"],
                            title="Барскоон айыл аймагынын СЭӨП", start_year=today.year + 1, end_year=today.year + 3, language="ky")
    type(program).objects.filter(pk=program.pk).update(stage=Stage.DRAFT)
    program.refresh_from_db()
    return program


@pytest.fixture
def hearing(draft, people):
    return services.save_meeting(people["staff"], draft, kind="hearing", date=scoping.today() + timedelta(days=10),
                                 place="Барскоон айыл өкмөтүнүн залы", announcement="СЭӨПтүн долбоорун талкуулайбыз.",
                                 comments_until=scoping.today() + timedelta(days=12))


def errors(exc) -> dict:
    return exc.value.message_dict


def test_a_meeting_refuses_a_village_elsewhere_impossible_dates_and_a_late_deadline(draft, people, territory):
    staff = people["staff"]
    today = scoping.today()
    with pytest.raises(ValidationError) as exc:
        services.save_meeting(staff, draft, kind="hearing", date=today.replace(year=today.year - 10), place="",
                              village=territory("41703220856000"))
    assert set(errors(exc)) == {"date", "place", "village"}
    with pytest.raises(ValidationError) as exc:
        services.save_meeting(staff, draft, kind="hearing", date=today, place="Зал", comments_until=today + timedelta(days=60))
    assert "at most 30 days" in errors(exc)["comments_until"][0]
    village = selectors.villages(draft).first()
    assert village is not None and village.path.startswith(draft.territory.path)
    meeting = services.save_meeting(staff, draft, kind="village_meeting", date=today, place="Мектеп", village=village)
    assert meeting.village == village
    with pytest.raises(PermissionDenied):
        services.save_meeting(people["suzak_staff"], draft, kind="hearing", date=today, place="Зал")


def test_attendance_shares_are_counted_by_the_database(hearing, people, draft):
    counts = {("f", "18_28", False): 4, ("f", "29_59", False): 2, ("m", "29_59", False): 3, ("m", "60_plus", True): 1}
    assert services.set_attendance(people["staff"], hearing, counts) == 10
    shares = selectors.participation(hearing)
    assert (shares["total"], shares["women"], shares["youth"], shares["disability"]) == (10, 6, 4, 1)
    assert (shares["women_share"], shares["youth_share"], shares["disability_share"]) == (60, 40, 10)
    by_kind = selectors.program_participation(draft)
    assert by_kind["hearing"]["total"] == 10 and by_kind["village_meeting"]["total"] == 0
    assert by_kind["village_meeting"]["women_share"] is None
    # a cell set to 0 disappears; a negative count is refused on its cell
    services.set_attendance(people["staff"], hearing, {("f", "18_28", False): 0})
    assert selectors.participation(hearing)["total"] == 6
    with pytest.raises(ValidationError) as exc:
        services.set_attendance(people["staff"], hearing, {("m", "18_28", True): -2})
    assert "a_m_18_28_d" in errors(exc)
    with pytest.raises(PermissionDenied):
        services.set_attendance(people["suzak_staff"], hearing, counts)


def test_a_resident_comments_online_and_sees_the_answer_on_the_public_page(client, hearing, draft, people):
    measure = factories.measure(draft, title="Мектепке пандус куруу", cost=120, number="1.1")
    url = f"/programs/hearings/{hearing.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    assert "not yet open" in page.content.decode()
    assert "Мектепке пандус куруу" in page.content.decode()  # the draft is shown read-only

    services.open_hearing(people["staff"], hearing)
    response = client.post(url, {"text": "Мектепке пандус керек, балдар майып арабада келишет.", "language": "ky",
                                 "author_name": "", "sex": "f", "age_group": "29_59", "website": ""})
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert (comment.status, comment.channel, comment.sex, comment.author_name) == ("pending", "online", "f", "")
    assert "балдар майып арабада" not in client.get(url).content.decode()  # not before moderation

    with pytest.raises(ValidationError) as exc:
        services.answer_comment(people["staff"], comment, answer="partly")
    assert "answer_reason" in errors(exc)
    other = factories.measure(factories.program(draft.territory), title="x")
    with pytest.raises(ValidationError) as exc:
        services.answer_comment(people["staff"], comment, answer="accepted", changed_measure=other)
    assert "changed_measure" in errors(exc)
    with pytest.raises(PermissionDenied):
        services.moderate(people["suzak_staff"], comment, publish=True)

    services.moderate(people["staff"], comment, publish=True)
    services.answer_comment(people["staff"], comment, answer="accepted", change_made="Пандус иш-чарасы кошулду",
                            changed_measure=measure, changed_section="action_plan")
    body = client.get(url).content.decode()
    assert "балдар майып арабада" in body
    assert "Пандус иш-чарасы кошулду" in body
    assert f'href="#measure-{measure.pk}"' in body and f'id="measure-{measure.pk}"' in body


def test_comments_are_refused_on_a_closed_or_unopened_hearing_and_from_bots(client, hearing, people):
    url = f"/programs/hearings/{hearing.pk}/"
    data = {"text": "Жол оңдолсун", "language": "ky", "website": ""}
    response = client.post(url, data)  # announced, not yet open
    assert response.status_code == 400 and "not yet open" in response.content.decode()
    services.open_hearing(people["staff"], hearing)
    response = client.post(url, {**data, "website": "http://spam.example"})
    assert response.status_code == 400
    assert not Comment.objects.exists()
    response = client.post(url, {**data, "text": "ж" * 3001})
    assert response.status_code == 400 and "at most 3000 characters" in response.content.decode()
    services.close_hearing(people["staff"], hearing)
    response = client.post(url, data)
    assert response.status_code == 400 and "The hearing is closed" in response.content.decode()
    with pytest.raises(ValidationError) as exc:
        services.submit_comment(hearing, text="Жол", language="ky")
    assert "closed" in errors(exc)["text"][0]
    assert not Comment.objects.exists()


def test_comments_after_the_deadline_are_refused_and_opening_needs_a_date_ahead(hearing, people):
    services.open_hearing(people["staff"], hearing)
    Meeting.objects.filter(pk=hearing.pk).update(comments_until=scoping.today() - timedelta(days=1))
    hearing.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.submit_comment(hearing, text="Кеч калдым", language="ru")
    assert "accepted until" in errors(exc)["text"][0]
    services.close_hearing(people["staff"], hearing)
    with pytest.raises(ValidationError) as exc:
        services.open_hearing(people["staff"], hearing)
    assert "comments_until" in errors(exc)


def test_opening_needs_an_announcement_and_only_hearings_take_comments(draft, people):
    silent = services.save_meeting(people["staff"], draft, kind="hearing", date=scoping.today() + timedelta(days=3), place="Зал")
    with pytest.raises(ValidationError) as exc:
        services.open_hearing(people["staff"], silent)
    assert "announcement" in errors(exc)
    village = services.save_meeting(people["staff"], draft, kind="village_meeting", date=scoping.today(), place="Мектеп")
    with pytest.raises(ValidationError):
        services.open_hearing(people["staff"], village)


def test_staff_enter_paper_comments_and_hide_with_a_reason(hearing, people):
    paper = services.enter_comment(people["staff"], hearing, text="Көчө жарыгы керек", language="ky", author_name="Асан ата", sex="m", age_group="60_plus")
    assert (paper.channel, paper.entered_by, paper.status) == ("paper", people["staff"], "published")
    with pytest.raises(ValidationError) as exc:
        services.moderate(people["staff"], paper, publish=False)
    assert "moderation_note" in errors(exc)
    services.moderate(people["staff"], paper, publish=False, note="Башка адамдын телефон номери бар")
    paper.refresh_from_db()
    assert paper.status == "hidden" and selectors.published_comments(hearing).count() == 0
    with pytest.raises(ValidationError) as exc:
        services.answer_comment(people["staff"], paper, answer="rejected", answer_reason="Бюджет жок", change_made="что-то")
    assert "change_made" in errors(exc)
    services.answer_comment(people["staff"], paper, answer="rejected", answer_reason="Бюджетте каражат жок")
    counts = selectors.comment_counts(hearing)
    assert (counts["total"], counts["hidden"], counts["rejected"], counts["paper"]) == (1, 1, 1, 1)


def test_answers_stay_possible_in_revision_but_not_after_approval(hearing, draft, people):
    comment = services.enter_comment(people["staff"], hearing, text="Суу", language="ru")
    type(draft).objects.filter(pk=draft.pk).update(stage=Stage.REVISION)
    comment.meeting.program.refresh_from_db()
    services.answer_comment(people["staff"], comment, answer="accepted")
    type(draft).objects.filter(pk=draft.pk).update(stage=Stage.APPROVED)
    comment = Comment.objects.select_related("meeting__program").get(pk=comment.pk)
    with pytest.raises(ValidationError):
        services.answer_comment(people["staff"], comment, answer="partly", answer_reason="x")


def test_the_staff_page_of_a_hearing(client, hearing, people):
    url = f"/programs/meetings/{hearing.pk}/"
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(people["suzak_staff"])
    assert client.get(url).status_code == 404
    client.force_login(people["staff"])
    services.enter_comment(people["staff"], hearing, text="Бала бакча", language="ky")
    page = client.get(url)
    assert page.status_code == 200
    assert "Бала бакча" in page.content.decode() and "Save attendance" in page.content.decode()
    response = client.post(f"/programs/meetings/{hearing.pk}/attendance/", {"a_f_18_28_n": "5", "a_m_29_59_n": "5"})
    assert response.status_code == 302
    assert selectors.participation(hearing)["women_share"] == 50
    response = client.post(f"/programs/meetings/{hearing.pk}/attendance/", {"a_f_18_28_n": "-1"})
    assert response.status_code == 400 and "0 or more" in response.content.decode()
    comment = Comment.objects.get()
    response = client.post(f"/programs/comments/{comment.pk}/answer/", {f"c{comment.pk}-answer": "partly"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "Say why" in response.content.decode()
    response = client.post(f"/programs/comments/{comment.pk}/answer/", {f"c{comment.pk}-answer": "accepted",
                                                                        f"c{comment.pk}-change_made": "Бала бакча кошулду"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.answer == "accepted" and comment.answered_by == people["staff"]

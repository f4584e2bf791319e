"""The program's workflow: each step allowed where and when it may happen, refused otherwise,
and each written into the history."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from aimak.core import scoping
from aimak.programs.models import (
    AnnualReport,
    IndicatorActual,
    MeasureProgress,
    Meeting,
    Program,
    ProgramStep,
    ProgramVersion,
    Stage,
)
from aimak.programs.services import hearings, process
from aimak.programs.services.programs import start_program
from aimak.programs.tests import factories

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


def scan():
    return SimpleUploadedFile("resolution.pdf", PDF)


def at(program, stage):
    Program.objects.filter(pk=program.pk).update(stage=stage)
    program.refresh_from_db()
    return program


def hearing(program, day, **extra):
    return Meeting.objects.create(program=program, kind="hearing", date=day, place="Айыл өкмөтүнүн залы", announcement="Талкуу", **extra)


def errors(exc) -> dict:
    return exc.value.message_dict


def test_a_2018_program_goes_through_its_stages_with_a_history(program, people):
    staff = people["staff"]
    process.save_member(staff, program, name="Айгүл Токтогулова", role="chair", sex="f", age_group="29_59")
    process.advance(staff, program, day=date(2019, 3, 1))
    program.refresh_from_db()
    assert program.stage == Stage.DATA_COLLECTION
    process.advance(staff, program, day=date(2019, 4, 1), note="Анкеталар чогултулду")
    program.refresh_from_db()
    assert program.stage == Stage.VILLAGE_MEETINGS

    with pytest.raises(ValidationError) as exc:
        process.advance(staff, program, day=date(2019, 5, 1))
    assert "village meeting" in errors(exc)["stage"][0]
    hearings.save_meeting(staff, program, kind="village_meeting", date=date(2019, 4, 10), place="Барскоон мектеби")
    process.advance(staff, program, day=date(2019, 5, 1))
    program.refresh_from_db()
    assert program.stage == Stage.DRAFT

    # 2018: no district review; the hearing needs an announced hearing
    with pytest.raises(ValidationError) as exc:
        process.advance(staff, program, day=date(2019, 6, 1))
    assert "public hearing" in errors(exc)["stage"][0]
    hearings.save_meeting(staff, program, kind="hearing", date=date(2019, 6, 20), place="Айыл өкмөтү", announcement="Угуу")
    process.advance(staff, program, day=date(2019, 6, 1))
    program.refresh_from_db()
    assert program.stage == Stage.HEARING

    with pytest.raises(ValidationError) as exc:
        process.advance(staff, program, day=date(2019, 6, 10))
    assert "No public hearing has taken place" in errors(exc)["stage"][0]
    process.advance(staff, program, day=date(2019, 6, 21))
    program.refresh_from_db()
    assert program.stage == Stage.REVISION

    with pytest.raises(ValidationError) as exc:
        process.advance(staff, program, day=date(2019, 6, 25))
    assert "resolution" in errors(exc)["stage"][0]

    steps = list(program.steps.exclude(step="created").order_by("date", "id").values_list("step", "stage", "date"))
    assert steps[-1] == ("hearing_held", "revision", date(2019, 6, 21))
    assert [s[1] for s in steps] == ["data_collection", "village_meetings", "draft", "hearing", "revision"]
    assert program.steps.get(stage="village_meetings").note == "Анкеталар чогултулду"


def test_dates_of_steps_cannot_be_in_the_future_too_early_or_before_the_history(program, people):
    staff = people["staff"]
    process.save_member(staff, program, name="Асан", role="member", sex="m")
    with pytest.raises(ValidationError) as exc:
        process.advance(staff, program, day=scoping.today() + timedelta(days=1))
    assert errors(exc)["date"] == ["The date cannot be in the future."]
    with pytest.raises(ValidationError) as exc:
        process.advance(staff, program, day=date(2010, 1, 1))
    assert "too early" in errors(exc)["date"][0]
    process.advance(staff, program, day=date(2019, 5, 1))
    with pytest.raises(ValidationError) as exc:
        process.advance(staff, program, day=date(2019, 4, 1))
    assert "2019-05-01" in errors(exc)["date"][0]


def test_only_people_who_may_submit_where_the_program_is_move_it(program, people):
    process.save_member(people["staff"], program, name="Асан", role="member", sex="m")
    for who in ("suzak_staff", "commission", "analyst"):
        with pytest.raises(PermissionDenied):
            process.advance(people[who], program, day=date(2019, 5, 1))
    program.refresh_from_db()
    assert program.stage == Stage.WORKING_GROUP
    process.advance(people["coordinator"], program, day=date(2019, 5, 1))  # the rayon's coordinator may


def test_the_working_group_must_exist_before_data_collection(program, people):
    with pytest.raises(ValidationError) as exc:
        process.advance(people["staff"], program, day=date(2019, 5, 1))
    assert "working group" in errors(exc)["stage"][0]


@pytest.fixture
def program_2024(editions, people, territory):
    return start_program(people["staff"], territory=territory("41702210815000"), edition=editions["2024"],
                         title="Барскоон АА СЭӨП 2025–2027", start_year=2025, end_year=2027, language="ky")


def test_the_district_review_is_a_step_only_of_the_2024_edition(program, program_2024, people):
    staff, coordinator = people["staff"], people["coordinator"]
    at(program, Stage.DISTRICT_REVIEW)
    with pytest.raises(ValidationError) as exc:
        process.district_review(coordinator, program, decision="approve", day=date(2019, 5, 1))
    assert "no district coordination review" in errors(exc)["decision"][0]

    at(program_2024, Stage.DRAFT)
    process.advance(staff, program_2024, day=date(2025, 1, 10))
    program_2024.refresh_from_db()
    assert program_2024.stage == Stage.DISTRICT_REVIEW
    with pytest.raises(ValidationError) as exc:
        process.advance(staff, program_2024, day=date(2025, 1, 12))
    assert "district coordination council" in errors(exc)["stage"][0]
    with pytest.raises(PermissionDenied):  # municipal staff do not review their own draft
        process.district_review(staff, program_2024, decision="approve", day=date(2025, 1, 15))
    with pytest.raises(PermissionDenied):  # nor do commission members, whose "review" is for scoring
        process.district_review(people["commission"], program_2024, decision="approve", day=date(2025, 1, 15))

    with pytest.raises(ValidationError) as exc:
        process.district_review(coordinator, program_2024, decision="return", day=date(2025, 1, 20), note="")
    assert "note" in errors(exc)
    process.district_review(coordinator, program_2024, decision="return", day=date(2025, 1, 20), note="Мигранттардын үй-бүлөлөрү үчүн иш-чара жок")
    program_2024.refresh_from_db()
    assert program_2024.stage == Stage.DRAFT
    step = program_2024.steps.get(step="district_reviewed")
    assert "Мигранттардын" in step.note and step.actor == coordinator

    process.advance(staff, program_2024, day=date(2025, 1, 25))
    with pytest.raises(ValidationError) as exc:  # supported, but no hearing announced yet
        process.district_review(coordinator, program_2024, decision="approve", day=date(2025, 1, 30))
    assert "public hearing" in errors(exc)["decision"][0]
    hearing(program_2024, date(2025, 2, 20))
    process.district_review(coordinator, program_2024, decision="approve", day=date(2025, 1, 30))
    program_2024.refresh_from_db()
    assert program_2024.stage == Stage.HEARING


def test_council_approval_needs_resolution_number_date_and_scan(program, people):
    staff = people["staff"]
    hearing(program, date(2019, 6, 20))
    with pytest.raises(ValidationError) as exc:  # not yet after the hearing and revision
        process.approve(staff, program, resolution_number="12", resolution_date=date(2019, 7, 1), scan=scan())
    assert "stage" in errors(exc)
    at(program, Stage.REVISION)

    with pytest.raises(ValidationError) as exc:
        process.approve(staff, program, resolution_number="", resolution_date=None, scan=None)
    assert set(errors(exc)) == {"resolution_number", "resolution_date", "scan"}
    with pytest.raises(ValidationError) as exc:
        process.approve(staff, program, resolution_number="12", resolution_date=scoping.today() + timedelta(days=3), scan=scan())
    assert errors(exc)["resolution_date"] == ["The date cannot be in the future."]
    with pytest.raises(ValidationError) as exc:
        process.approve(staff, program, resolution_number="12", resolution_date=date(2019, 6, 1), scan=scan())
    assert "before its public hearing of 2019-06-20" in errors(exc)["resolution_date"][0]
    with pytest.raises(ValidationError) as exc:
        process.approve(staff, program, resolution_number="12", resolution_date=date(2024, 1, 1), scan=scan())
    assert "approved between" in errors(exc)["resolution_date"][0]
    with pytest.raises(ValidationError) as exc:
        process.approve(staff, program, resolution_number="12", resolution_date=date(2019, 7, 1),
                        scan=SimpleUploadedFile("resolution.pdf", b"not a pdf"))
    assert "not a PDF" in errors(exc)["scan"][0]
    with pytest.raises(PermissionDenied):
        process.approve(people["commission"], program, resolution_number="12", resolution_date=date(2019, 7, 1), scan=scan())
    assert not program.annexes.exists()

    version = process.approve(staff, program, resolution_number="12/3", resolution_date=date(2019, 7, 1), scan=scan(), note="VII сессия")
    program.refresh_from_db()
    assert program.stage == Stage.APPROVED and program.is_published
    assert (program.resolution_number, program.resolution_date) == ("12/3", date(2019, 7, 1))
    assert version.is_approved and version.number == 1
    assert version.snapshot["program"]["resolution_number"] == "12/3"
    step = program.steps.get(step="approved")
    assert step.date == date(2019, 7, 1) and step.annex.kind == "resolution" and step.annex.content_type == "application/pdf"


def test_a_revision_and_a_following_program(program, people, editions):
    staff = people["staff"]
    at(program, Stage.REVISION)
    process.approve(staff, program, resolution_number="5", resolution_date=date(2019, 12, 20), scan=scan())
    program.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        process.start_revision(staff, program, day=date(2020, 3, 1), note="")
    assert "note" in errors(exc)
    process.advance(staff, program, day=date(2020, 1, 15))
    program.refresh_from_db()
    assert program.stage == Stage.IMPLEMENTATION
    process.start_revision(staff, program, day=date(2020, 6, 1), note="Пандемия: иш-чараларды кайра карап чыгуу")
    program.refresh_from_db()
    assert program.stage == Stage.REVISION and program.is_editable
    with pytest.raises(ValidationError):
        process.start_revision(staff, program, day=date(2020, 6, 2), note="again")
    process.approve(staff, program, resolution_number="9", resolution_date=date(2020, 7, 1), scan=scan())
    assert list(program.versions.filter(is_approved=True).values_list("number", flat=True)) == [1, 2]

    with pytest.raises(ValidationError) as exc:
        process.start_following(staff, program, title="Кийинки", start_year=2020, end_year=2022, edition=editions["2024"])
    assert "start_year" in errors(exc)
    new = process.start_following(staff, program, title="Барскоон АА СЭӨП 2023–2025", start_year=2023, end_year=2025, edition=editions["2024"], language="ky")
    assert new.previous == program and new.stage == Stage.WORKING_GROUP and new.edition.code == "2024"
    with pytest.raises(ValidationError):
        process.start_following(staff, program, title="Again", start_year=2023, end_year=2025, edition=editions["2024"])
    at(new, Stage.REVISION)
    process.approve(staff, new, resolution_number="33", resolution_date=date(2023, 2, 1), scan=scan())
    program.refresh_from_db()
    assert program.stage == Stage.SUPERSEDED
    assert "Барскоон АА СЭӨП 2023–2025" in program.steps.filter(step="stage").last().note


def test_completion_comes_in_the_last_year_or_later(program, people):
    at(program, Stage.IMPLEMENTATION)
    with pytest.raises(ValidationError) as exc:
        process.advance(people["staff"], program, day=date(2021, 6, 1))
    assert "until 2022" in errors(exc)["date"][0]
    process.advance(people["staff"], program, day=date(2023, 1, 20))
    program.refresh_from_db()
    assert program.stage == Stage.COMPLETED
    with pytest.raises(ValidationError) as exc:
        process.advance(people["staff"], program, day=date(2023, 2, 1))
    assert "no further stage" in errors(exc)["stage"][0]


def test_working_group_members_and_order(program, people):
    staff = people["staff"]
    with pytest.raises(ValidationError) as exc:
        process.save_member(staff, program, name=" ", role="boss", sex="")
    assert set(errors(exc)) == {"name", "role", "sex"}
    member = process.save_member(staff, program, name="Гүлнара", role="secretary", sex="f", age_group="18_28", has_disability=True)
    process.save_member(staff, program, member, name="Гүлнара Асанова", role="secretary", sex="f", age_group="18_28", has_disability=True)
    member.refresh_from_db()
    assert member.name == "Гүлнара Асанова"
    with pytest.raises(PermissionDenied):
        process.save_member(people["suzak_staff"], program, name="X", role="member", sex="m")
    with pytest.raises(ValidationError) as exc:
        process.set_working_group_order(staff, program, number="", day=scoping.today() + timedelta(days=1))
    assert set(errors(exc)) == {"number", "date"}
    process.set_working_group_order(staff, program, number="14-р", day=date(2019, 2, 1), file=SimpleUploadedFile("order.pdf", PDF))
    program.refresh_from_db()
    assert program.working_group_order == "14-р" and program.annexes.get().kind == "working_group_order"
    process.remove_member(staff, member)
    assert not program.working_group.exists()


def test_annual_reports_follow_approval_and_check_their_figures(program, people):
    staff = people["staff"]
    measure = factories.measure(program, title="Суу түтүгү", cost=500)
    people_indicator = factories.indicator(program, name="Таза сууга жеткен адамдар", counts_people=True)
    with pytest.raises(ValidationError) as exc:
        process.start_report(staff, program, year=2020)
    assert "approved" in errors(exc)["year"][0]
    at(program, Stage.IMPLEMENTATION)
    with pytest.raises(ValidationError) as exc:
        process.start_report(staff, program, year=2019)
    assert "2020–2022" in errors(exc)["year"][0]
    report = process.start_report(staff, program, year=2020)
    with pytest.raises(ValidationError) as exc:
        process.start_report(staff, program, year=2020)
    assert "already a report" in errors(exc)["year"][0]

    with pytest.raises(ValidationError) as exc:
        process.save_report(staff, report, narrative="",
                            measures={measure.pk: {"status": "done", "spent": -5}},
                            actuals={people_indicator.pk: {"value": 100, "women": 40, "men": 50}})
    assert errors(exc)[f"m{measure.pk}_spent"] == ["Money spent cannot be negative."]
    assert "do not add up" in errors(exc)[f"i{people_indicator.pk}_value"][0]
    process.save_report(staff, report, narrative="Суу түтүгү бүттү",
                        measures={measure.pk: {"status": "done", "spent": 480, "note": ""}},
                        actuals={people_indicator.pk: {"value": None, "women": 52, "men": 48}})
    assert MeasureProgress.objects.get(report=report).spent == 480
    assert IndicatorActual.objects.get(report=report).value == 100  # women + men when the total was left empty

    with pytest.raises(PermissionDenied):
        process.submit_report(people["suzak_staff"], report, day=date(2021, 2, 1))
    with pytest.raises(ValidationError) as exc:
        process.submit_report(staff, report, day=date(2019, 12, 1))
    assert "date" in errors(exc)
    process.submit_report(staff, report, day=date(2021, 2, 10), note="Кеңештин сессиясы")
    report.refresh_from_db()
    assert report.status == AnnualReport.Status.SUBMITTED and report.submitted_by == staff
    step = program.steps.get(step="annual_report")
    assert step.date == date(2021, 2, 10) and "2020" in step.note
    with pytest.raises(ValidationError) as exc:
        process.save_report(staff, report, narrative="changed", measures={}, actuals={})
    assert "narrative" in errors(exc)


def test_versions_are_kept_and_never_rewritten_by_steps(program, people):
    at(program, Stage.REVISION)
    process.approve(people["staff"], program, resolution_number="1", resolution_date=date(2019, 8, 1), scan=scan())
    assert ProgramVersion.objects.filter(program=program).count() == 1
    assert ProgramStep.objects.filter(program=program, step="approved").count() == 1

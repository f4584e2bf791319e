"""The demo programs follow the seeds and go through the real selectors."""

import pytest

from aimak.calls.models import Application, Call, Score
from aimak.programs.models import Comment, Meeting, Program, ProgramVersion, Stage
from aimak.programs.selectors.content import financing_summary
from aimak.programs.services import demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_people(people):
    from aimak.accounts.tests.factories import person

    return {"staff.barskoon": people["staff"], "staff.suzak": people["suzak_staff"], "analyst": people["analyst"],
            "commission": people["commission"], "commission.2": person("demo-c2", "commission_member", "41700000000000"),
            "commission.3": person("demo-c3", "commission_member", "41700000000000")}


def test_the_seeds_programs_hearings_and_competition(editions, demo_people):
    made = demo.generate(staff=demo_people["staff.barskoon"], people=demo_people)
    barskoon, suzak = made["approved"]
    assert barskoon.territory.code == demo.BARSKOON and barskoon.language == "ky" and (barskoon.start_year, barskoon.end_year) == (2020, 2022)
    assert suzak.territory.code == demo.SUZAK and suzak.language == "ru"
    for program in made["approved"]:
        assert program.stage == Stage.COMPLETED and program.resolution_number and program.resolution_date.year == 2019
        assert ProgramVersion.objects.get(program=program, is_approved=True).snapshot["measures"]
        hearing = Meeting.objects.get(program=program, kind=Meeting.Kind.HEARING)
        assert Comment.objects.filter(meeting=hearing, status=Comment.Status.PUBLISHED).exclude(answer="").count() == 4
        assert program.annual_reports.count() == 3
        # every measure's funding lines add up to its cost (the rule the editor enforces)
        summary = financing_summary(program)
        assert summary["total"] == sum(m.cost for m in program.measures.all())
        assert "diaspora" in summary["sources"]
    assert len(made["drafts"]) == 6 and all(p.stage == Stage.DRAFT and p.edition.code == "2024" for p in made["drafts"])
    past, current = (Call.objects.get(pk=c.pk) for c in made["calls"])
    assert past.status == Call.Status.PUBLISHED and past.criteria.count() == 9
    assert Application.objects.filter(call=past).count() == 6
    assert Score.objects.filter(application__call=past).values("member").distinct().count() == 3
    assert sorted(Application.objects.filter(call=past).values_list("result", flat=True)) == sorted(["winner"] * 2 + ["prize"] * 2 + ["not_awarded"] * 2)
    assert current.status == Call.Status.OPEN and current.commission.count() == 3


def test_the_demo_is_reproducible_and_removable(editions, demo_people):
    first = demo.generate(staff=demo_people["staff.barskoon"], people=demo_people)
    figures = [financing_summary(p)["total"] for p in first["approved"] + first["drafts"]]
    assert demo.delete_synthetic() == 8
    assert not Program.objects.exists() and not Call.objects.exists()
    again = demo.generate(staff=demo_people["staff.barskoon"], people=demo_people)
    assert [financing_summary(p)["total"] for p in again["approved"] + again["drafts"]] == figures

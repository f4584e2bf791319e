"""The inclusion profile, worked out by hand on a small program."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aimak.programs.models import Attendance, Stage, WorkingGroupMember
from aimak.programs.selectors.inclusion import budget_shares, profile, summary
from aimak.programs.services import content
from aimak.programs.tests.factories import meeting

pytestmark = pytest.mark.django_db


def by_code(program):
    return {c.code: c for c in profile(program)}


def measure(staff, program, number, cost, groups, source="local_budget", responsible="AO"):
    lines = [{"year": "2020", "source": source, "amount": str(cost)}] if cost else []
    return content.save_measure(staff, program, {"number": number, "title": f"Measure {number}", "start_year": "2020", "end_year": "2020",
                                                 "cost": str(cost), "target_groups": groups, "responsible": responsible, "funding": lines})


def test_an_empty_program_misses_everything_with_links_to_fix(program):
    checks = by_code(program)
    assert list(checks) == ["disaggregated_profile", "vulnerable_groups", "migration_profile", "participation", "analysis_names_groups",
                            "vision_names_inclusion", "inclusive_measures", "inclusive_budget_share", "disaggregated_indicators",
                            "migration_measures", "alignment"]
    assert {c.status for c in checks.values()} == {"missing"}
    assert checks["disaggregated_profile"].fix_url == f"/programs/{program.pk}/section/profile/#table-population"
    assert checks["inclusive_measures"].fix_url == f"/programs/{program.pk}/section/action_plan/#measures"
    assert checks["alignment"].fix_url == f"/programs/{program.pk}/section/approval/#alignment"
    assert summary(program) == {"met": 0, "partial": 0, "missing": 11, "total": 11}


def test_budget_share_of_inclusive_measures(program, people):
    staff = people["staff"]
    measure(staff, program, "1", 100, ["disability"])
    measure(staff, program, "2", 300, ["everyone"])
    shares = budget_shares(program)
    assert shares["total"] == 400 and shares["inclusive"] == 100 and shares["inclusive_share"] == 0.25
    check = by_code(program)["inclusive_budget_share"]
    assert check.status == "met"  # 25% >= 10% of the 2018 edition
    assert check.figure.startswith("25%")
    inclusive = by_code(program)["inclusive_measures"]
    assert inclusive.status == "partial" and inclusive.figure == "1 complete of 1"  # 3 are expected


def test_inclusive_measures_count_only_complete_ones(program, people):
    staff = people["staff"]
    measure(staff, program, "1", 100, ["women"])
    measure(staff, program, "2", 50, ["youth"])
    measure(staff, program, "3", 0, ["elderly"])  # no cost, no funding line
    measure(staff, program, "4", 20, ["migrant_families"], responsible="")  # nobody responsible
    check = by_code(program)["inclusive_measures"]
    assert (check.status, check.figure) == ("partial", "2 complete of 4")
    assert "Without a responsible: 1; without a cost: 1; without a funding source: 1" in check.explanation
    measure(staff, program, "5", 10, ["disability"])
    assert by_code(program)["inclusive_measures"].status == "met"


def test_a_diaspora_funded_measure_links_migration_and_development(program, people):
    assert by_code(program)["migration_measures"].status == "missing"
    measure(people["staff"], program, "1", 80, ["everyone"], source="diaspora")
    check = by_code(program)["migration_measures"]
    assert (check.status, check.figure) == ("met", "0 for migrants' families or returnees, 1 with diaspora funding")


def test_profile_checks(program, people):
    staff = people["staff"]
    save = content.save_profile_row
    save(staff, program, table="population", row="total", values={"total": "1000", "women": "510", "men": "490"})
    save(staff, program, table="migration", row="emigrants", values={"total": "300"})
    # people-counting template rows of the 2018 edition: population 1 + migration 4 + vulnerable 5 + employment 3 = 13
    check = by_code(program)["disaggregated_profile"]
    assert (check.status, check.figure) == ("partial", "1 of 13 rows (8%)")
    save(staff, program, table="migration", row="returnees", values={"total": "40"})
    assert by_code(program)["migration_profile"].status == "partial"  # nothing yet on families left behind
    save(staff, program, table="households", row="remittance_dependent", values={"total": "120"})
    assert by_code(program)["migration_profile"].status == "met"
    for row in ("disability", "low_income"):
        save(staff, program, table="vulnerable", row=row, values={"total": "10"})
    vulnerable = by_code(program)["vulnerable_groups"]
    assert (vulnerable.status, vulnerable.figure) == ("partial", "2 of 5 groups counted")
    save(staff, program, table="vulnerable", row="minorities", values={"total": "10"})
    assert by_code(program)["vulnerable_groups"].status == "met"


def test_participation_from_working_group_and_attendance(program):
    WorkingGroupMember.objects.create(program=program, name="A", sex="f", age_group="18_28")
    WorkingGroupMember.objects.create(program=program, name="B", sex="m", has_disability=True)
    WorkingGroupMember.objects.create(program=program, name="C", sex="m")
    WorkingGroupMember.objects.create(program=program, name="D", sex="m")
    hearing = meeting(program)
    Attendance.objects.create(meeting=hearing, sex="f", age_group="29_59", count=30)
    Attendance.objects.create(meeting=hearing, sex="m", age_group="29_59", count=70)
    check = by_code(program)["participation"]
    assert check.status == "partial"
    assert check.figure == "women: 25% of the working group, 30% at meetings"
    assert "women are 25% of the working group" in check.explanation
    WorkingGroupMember.objects.create(program=program, name="E", sex="f")
    assert by_code(program)["participation"].status == "met"


def test_analysis_vision_indicators_alignment(program, people):
    staff = people["staff"]
    content.save_problem(staff, program, {"title": "No ramps", "groups": ["disability"]})
    content.save_problem(staff, program, {"title": "Bad roads"})
    content.save_swot_item(staff, program, {"kind": "T", "text": "Mudflows"})
    content.save_swot_item(staff, program, {"kind": "S", "text": "Women's council", "groups": ["women"]})
    check = by_code(program)["analysis_names_groups"]
    assert (check.status, check.figure) == ("met", "2 of 4 problems and SWOT items")

    for group in ("women", "youth"):
        content.save_dream(staff, program, group=group, dream="...", changes="...")
    content.save_vision(staff, program, vision="A green valley for everyone")
    assert by_code(program)["vision_names_inclusion"].status == "partial"  # 2 of 3 dream groups, no goal names a group
    content.save_dream(staff, program, group="disability", dream="Ramps", changes="")
    content.save_goal(staff, program, {"level": "priority", "title": "Services for all", "groups": ["elderly"]})
    assert by_code(program)["vision_names_inclusion"].status == "met"

    split = {"name": "Trained", "counts_people": True, "baseline": "10", "baseline_women": "4", "baseline_men": "6",
             "targets": {y: {"value": "10", "women": "5", "men": "5"} for y in ("2020", "2021", "2022")}}
    content.save_indicator(staff, program, split)
    content.save_indicator(staff, program, {**split, "name": "Employed", "targets": {"2020": {"value": "4", "women": "2", "men": "2"}}})
    content.save_indicator(staff, program, {"name": "Roads repaired, km", "baseline": "0"})
    check = by_code(program)["disaggregated_indicators"]
    assert (check.status, check.figure) == ("partial", "1 of 2 indicators counting people")

    content.save_approval(staff, program, alignment=["sdg", "gender_strategy"], alignment_note="")
    check = by_code(program)["alignment"]
    assert (check.status, check.figure) == ("partial", "2 of 3 commitments")
    assert "Convention on the Rights of Persons with Disabilities" in check.explanation


def test_only_the_editions_checks_and_a_fixed_number_of_queries(program, people, editions):
    staff = people["staff"]
    for n in range(6):
        measure(staff, program, str(n + 1), 10, ["women", "youth"])
        content.save_problem(staff, program, {"title": f"p{n}", "groups": ["women"]})
    with CaptureQueriesContext(connection) as few:
        profile(program)
    for n in range(6, 20):
        measure(staff, program, str(n + 1), 10, ["women"])
        content.save_problem(staff, program, {"title": f"p{n}"})
    with CaptureQueriesContext(connection) as more:
        profile(program)
    assert len(more) == len(few)
    template = dict(program.edition.template)
    template["checks"] = {"alignment": {"expected": ["sdg"]}}
    program.edition.template = template
    assert [c.code for c in profile(program)] == ["alignment"]


def test_approved_program_profile_still_computed(program):
    program.stage = Stage.APPROVED
    program.save()
    assert summary(program)["total"] == 11

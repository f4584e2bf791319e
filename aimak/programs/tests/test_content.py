"""Writing a program's content: every part refuses bad input with the field named, saves all of
a row or nothing, and only people who may edit where the program is, while it is being written."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aimak.programs.models import Funding, Goal, Measure, ProfileRow, Stage
from aimak.programs.services import content

pytestmark = pytest.mark.django_db


def refused(call, *args, **kwargs) -> dict:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    return caught.value.message_dict


def measure_data(**over):
    data = {"number": "1", "title": "Ramp at the school", "start_year": "2020", "end_year": "2021", "cost": "100",
            "responsible": "AO", "target_groups": ["disability"],
            "funding": [{"year": "2020", "source": "local_budget", "amount": "60"},
                        {"year": "2021", "source": "diaspora", "amount": "40"}]}
    data.update(over)
    return data


# --- profile tables ---------------------------------------------------------------------------------

def test_profile_row_saves_whole_numbers_and_checks_parts(program, people):
    staff = people["staff"]
    row = content.save_profile_row(staff, program, table="population", row="total",
                                   values={"total": "1 200", "women": "610", "men": "590", "under_18": ""})
    assert row.values == {"total": 1200, "women": 610, "men": 590}

    errors = refused(content.save_profile_row, staff, program, table="population", row="total",
                     values={"total": "100", "women": "60", "men": "50"})
    assert list(errors) == ["men"] and "110" in errors["men"][0] and "100" in errors["men"][0]

    errors = refused(content.save_profile_row, staff, program, table="population", row="total",
                     values={"total": "100", "women": "120"})
    assert "women" in errors and "120" in errors["women"][0]

    errors = refused(content.save_profile_row, staff, program, table="population", row="total",
                     values={"total": "100", "under_18": "30", "18_28": "20", "29_59": "30", "60_plus": "10"})
    assert list(errors) == ["60_plus"] and "90" in errors["60_plus"][0]

    errors = refused(content.save_profile_row, staff, program, table="population", row="total",
                     values={"total": "-5", "women": "2.5"})
    assert set(errors) == {"total", "women"}
    assert "negative" in errors["total"][0] and "whole" in errors["women"][0]
    assert ProfileRow.objects.get(program=program, table="population", row="total").values["total"] == 1200  # unchanged


def test_money_columns_take_one_decimal(program, people):
    row = content.save_profile_row(people["staff"], program, table="budget", row="own_revenue", values={"planned": "1234,5"})
    assert row.values == {"planned": 1234.5}
    errors = refused(content.save_profile_row, people["staff"], program, table="budget", row="own_revenue", values={"planned": "1.25"})
    assert "planned" in errors


def test_custom_rows_only_where_the_table_allows(program, people):
    staff = people["staff"]
    village = content.add_profile_row(staff, program, table="population", label="Barskoon")
    assert village.row == "c1"
    content.save_profile_row(staff, program, table="population", row="c1", values={"total": "3000"}, label="Barskoon village")
    village.refresh_from_db()
    assert village.label == "Barskoon village" and village.values == {"total": 3000}
    assert "label" in refused(content.add_profile_row, staff, program, table="population", label="barskoon village")
    assert "label" in refused(content.add_profile_row, staff, program, table="migration", label="Extra")
    assert "row" in refused(content.remove_profile_row, staff, program, table="population", row="total")
    content.remove_profile_row(staff, program, table="population", row="c1")
    assert not ProfileRow.objects.filter(program=program, row="c1").exists()
    assert "row" in refused(content.save_profile_row, staff, program, table="population", row="nowhere", values={})
    assert "table" in refused(content.save_profile_row, staff, program, table="secret", row="total", values={})


# --- the action plan -----------------------------------------------------------------------------------

def test_measure_with_funding_lines_saved_in_one_go(program, people):
    measure = content.save_measure(people["staff"], program, measure_data())
    assert measure.cost == Decimal("100")
    assert sorted((f.year, f.source, f.amount) for f in measure.funding.all()) == [
        (2020, "local_budget", Decimal("60")), (2021, "diaspora", Decimal("40"))]
    # a line removed, another changed: exactly the lines given remain
    content.save_measure(people["staff"], program, measure_data(funding=[{"year": "2020", "source": "local_budget", "amount": "100"}]), measure)
    assert [(f.year, f.source, f.amount) for f in measure.funding.all()] == [(2020, "local_budget", Decimal("100"))]


@pytest.mark.parametrize("over, field, words", [
    ({"cost": "-10", "funding": []}, "cost", "negative"),
    ({"start_year": "2019"}, "start_year", "2020–2022"),
    ({"end_year": "2023"}, "end_year", "2020–2022"),
    ({"start_year": "2021", "end_year": "2020", "funding": []}, "end_year", "before"),
    ({"start_quarter": "5"}, "start_quarter", "1 to 4"),
    ({"start_year": "2020", "end_year": "2020", "start_quarter": "3", "end_quarter": "2", "funding": []}, "end_quarter", "quarter"),
    ({"title": ""}, "title", "Enter"),
    ({"target_groups": ["aliens"]}, "target_groups", "aliens"),
    ({"objective": "99999"}, "objective", "goal"),
])
def test_measure_bad_input_refused_on_its_field(program, people, over, field, words):
    errors = refused(content.save_measure, people["staff"], program, measure_data(**over))
    assert field in errors, errors
    assert words in " ".join(errors[field])
    assert not Measure.objects.filter(program=program).exists()


def test_funding_must_add_up_and_stay_inside_the_measure(program, people):
    staff = people["staff"]
    errors = refused(content.save_measure, staff, program, measure_data(cost="120"))
    assert "100" in errors["cost"][0] and "120" in errors["cost"][0]

    errors = refused(content.save_measure, staff, program, measure_data(funding=[
        {"year": "2022", "source": "local_budget", "amount": "100"}]))
    assert "funding-0-year" in errors and "2020–2021" in errors["funding-0-year"][0]

    errors = refused(content.save_measure, staff, program, measure_data(funding=[
        {"year": "2020", "source": "local_budget", "amount": "50"}, {"year": "2020", "source": "local_budget", "amount": "50"}]))
    assert "funding-1-source" in errors

    errors = refused(content.save_measure, staff, program, measure_data(funding=[
        {"year": "2020", "source": "treasure", "amount": "-100"}]))
    assert "funding-0-source" in errors and "funding-0-amount" in errors
    assert not Funding.objects.exists()


def test_measure_numbers_are_unique(program, people):
    content.save_measure(people["staff"], program, measure_data())
    errors = refused(content.save_measure, people["staff"], program, measure_data(title="Other"))
    assert "number" in errors


# --- other parts ----------------------------------------------------------------------------------------

def test_goal_tree_levels(program, people):
    staff = people["staff"]
    priority = content.save_goal(staff, program, {"level": "priority", "number": "1", "title": "Inclusive services", "groups": ["disability"]})
    goal = content.save_goal(staff, program, {"level": "goal", "parent": str(priority.pk), "number": "1.1", "title": "Accessible buildings"})
    assert "parent" in refused(content.save_goal, staff, program, {"level": "objective", "title": "No parent"})
    assert "parent" in refused(content.save_goal, staff, program, {"level": "objective", "parent": str(priority.pk), "title": "Wrong level"})
    assert "parent" in refused(content.save_goal, staff, program, {"level": "priority", "parent": str(goal.pk), "title": "x"})
    objective = content.save_goal(staff, program, {"level": "objective", "parent": str(goal.pk), "title": "Ramps"})
    content.delete_goal(staff, priority)
    assert not Goal.objects.filter(pk__in=[goal.pk, objective.pk]).exists()


def test_problems_swot_dreams_texts(program, people, editions):
    staff = people["staff"]
    problem = content.save_problem(staff, program, {"title": "No ramps", "rank": "2", "groups": ["disability"], "source": "survey"})
    assert problem.rank == 2 and problem.groups == ["disability"]
    assert "rank" in refused(content.save_problem, staff, program, {"title": "x", "rank": "0"})
    assert "source" in refused(content.save_problem, staff, program, {"title": "x", "source": "rumour"})
    assert "kind" in refused(content.save_swot_item, staff, program, {"kind": "Z", "text": "x"})
    item = content.save_swot_item(staff, program, {"kind": "S", "text": "Active women's council", "groups": ["women"]})
    assert item.order == 1
    dream = content.save_dream(staff, program, group="youth", dream="Jobs at home", changes="Vocational courses")
    assert dream.changes == "Vocational courses"
    assert "group" in refused(content.save_dream, staff, program, group="martians", dream="", changes="")
    # a 2018 program has no "climate" text section; a 2024 one does
    assert "section" in refused(content.save_text, staff, program, section="climate", text="x")
    program.edition = editions["2024"]
    program.save()
    assert content.save_text(staff, program, section="climate", text="Mudflows").text == "Mudflows"


def test_indicator_women_and_men_add_up(program, people):
    staff = people["staff"]
    data = {"name": "Women in the council", "counts_people": True, "baseline": "10", "baseline_women": "2", "baseline_men": "8",
            "targets": {"2020": {"value": "10", "women": "3", "men": "7"}}}
    indicator = content.save_indicator(staff, program, data)
    assert [(t.year, t.women) for t in indicator.targets.all()] == [(2020, Decimal("3"))]
    errors = refused(content.save_indicator, staff, program, {**data, "name": "Other", "baseline_men": "9"})
    assert "baseline_men" in errors and "11" in errors["baseline_men"][0]
    errors = refused(content.save_indicator, staff, program, {**data, "name": "Other", "targets": {"2020": {"value": "10", "women": "5", "men": "6"}}})
    assert "target-2020-men" in errors
    errors = refused(content.save_indicator, staff, program, {**data, "name": "women IN the council"})
    assert "name" in errors
    errors = refused(content.save_indicator, staff, program, {**data, "name": "Later", "targets": {"2030": {"value": "1"}}})
    assert "targets" in errors


# --- who may write, and when ----------------------------------------------------------------------------

def test_other_municipality_and_approved_program_refused(program, people):
    with pytest.raises(PermissionDenied):
        content.save_measure(people["suzak_staff"], program, measure_data())
    with pytest.raises(PermissionDenied):
        content.save_profile_row(people["commission"], program, table="population", row="total", values={"total": "1"})
    program.stage = Stage.APPROVED
    program.save()
    with pytest.raises(ValidationError) as caught:
        content.save_vision(people["staff"], program, vision="A new vision")
    assert "revision" in " ".join(caught.value.messages)
    program.refresh_from_db()
    assert program.vision == ""

"""Preparing and running a call: its dates and scale, criteria, commission and steps."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aimak.calls.models import Call
from aimak.calls.services import calls as services

pytestmark = pytest.mark.django_db
COUNTRY = "41700000000000"


def settings_of(place, **changes):
    data = {"title": "Competition", "organiser": "Ministry", "territory": place(COUNTRY), "eligible": [place("41702000000000")],
            "opens": date(2025, 6, 1), "closes": date(2025, 7, 1), "review_until": date(2025, 8, 1), "scale_min": 0, "scale_max": 5}
    data.update(changes)
    return data


def test_a_new_call_has_the_nine_default_criteria_with_their_evidence(people, territory):
    call = services.create_call(people["analyst"], settings_of(territory))
    criteria = list(call.criteria.order_by("order"))
    assert len(criteria) == 9 and {c.weight for c in criteria} == {1}
    assert [c.evidence for c in criteria] == [
        "disaggregated_profile,vulnerable_groups", "participation", "analysis_names_groups", "vision_names_inclusion",
        "inclusive_measures", "disaggregated_indicators", "inclusive_budget_share", "alignment", ""]
    assert criteria[0].title.startswith("Sex- and age-disaggregated data")
    assert call.status == "draft" and call.created_by == people["analyst"]


@pytest.mark.parametrize("changes, field", [
    ({"closes": date(2025, 5, 31)}, "closes"),
    ({"review_until": date(2025, 6, 30)}, "review_until"),
    ({"opens": date(1999, 12, 31)}, "opens"),
    ({"review_until": date(2101, 1, 1)}, "review_until"),
    ({"opens": None}, "opens"),
    ({"scale_max": 0}, "scale_max"),
    ({"title": " "}, "title"),
])
def test_impossible_settings_are_refused_on_their_field(people, territory, changes, field):
    with pytest.raises(ValidationError) as exc:
        services.create_call(people["analyst"], settings_of(territory, **changes))
    assert list(exc.value.message_dict) == [field]
    assert not Call.objects.exists()


def test_eligible_territories_must_be_under_the_call(people, territory):
    with pytest.raises(ValidationError) as exc:
        services.create_call(people["analyst"],
                             settings_of(territory, territory=territory("41702000000000"), eligible=[territory("41703220000000")]))
    assert list(exc.value.message_dict) == ["eligible"]


def test_municipal_staff_and_coordinators_cannot_configure(people, territory, call):
    for who in ("staff", "coordinator", "commission"):
        with pytest.raises(PermissionDenied):
            services.create_call(people[who], settings_of(territory, territory=territory("41702210815000")))
        with pytest.raises(PermissionDenied):
            services.change_call(people[who], call, {"title": "Mine now"})


def test_opening_needs_criteria_and_a_member_who_scores(people, territory, members):
    call = services.create_call(people["analyst"], settings_of(territory, closes=date(2099, 1, 1), review_until=date(2099, 2, 1)), default_criteria=False)
    with pytest.raises(ValidationError) as exc:
        services.open_call(people["analyst"], call)
    assert set(exc.value.message_dict) == {"criteria", "commission"}
    services.add_criterion(people["analyst"], call, {"title": "Quality", "weight": 1})
    services.add_member(people["analyst"], call, person=members["secretary"], role="secretary")
    with pytest.raises(ValidationError) as exc:
        services.open_call(people["analyst"], call)
    assert set(exc.value.message_dict) == {"commission"}
    services.add_member(people["analyst"], call, person=members["m1"], role="chair")
    assert services.open_call(people["analyst"], call).status == "open"


def test_a_scoring_seat_needs_the_right_to_review_there(people, territory):
    call = services.create_call(people["analyst"], settings_of(territory, closes=date(2099, 1, 1), review_until=date(2099, 2, 1)))
    with pytest.raises(ValidationError) as exc:  # municipal staff hold no review right
        services.add_member(people["analyst"], call, person=people["staff"], role="member")
    assert "no right to review" in exc.value.message_dict["user"][0]
    assert services.add_member(people["analyst"], call, person=people["staff"], role="secretary").role == "secretary"


def test_criteria_weights_must_be_positive(people, call):
    for weight in (0, -1, "x"):
        with pytest.raises(ValidationError) as exc:
            services.add_criterion(people["analyst"], call, {"title": "Bad", "weight": weight})
        assert list(exc.value.message_dict) == ["weight"]


def test_criteria_and_scale_freeze_once_scored(scored, people):
    with pytest.raises(ValidationError):
        services.change_criterion(people["analyst"], scored["c1"], {"weight": 5})
    with pytest.raises(ValidationError):
        services.remove_criterion(people["analyst"], scored["c2"])
    with pytest.raises(ValidationError) as exc:
        services.change_call(people["analyst"], scored["call"], {"scale_max": 10})
    assert list(exc.value.message_dict) == ["scale_max"]


def test_closing_early_must_be_confirmed_and_steps_follow_in_order(call, people):
    with pytest.raises(ValidationError) as exc:
        services.start_review(people["analyst"], call)
    assert list(exc.value.message_dict) == ["early"]
    with pytest.raises(ValidationError):
        services.publish(people["analyst"], call)
    assert services.start_review(people["analyst"], call, early=True).status == "review"


def test_a_member_who_scored_keeps_their_seat(scored, people):
    member = scored["call"].commission.get(user__username="calls-m1")
    with pytest.raises(ValidationError):
        services.remove_member(people["analyst"], member)

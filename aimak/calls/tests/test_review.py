"""Declarations and scores: what the commission may not do is refused, naming the field."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aimak.calls.models import Declaration, Score
from aimak.calls.services import review

pytestmark = pytest.mark.django_db


def criteria(call):
    return list(call.criteria.order_by("order"))


def test_a_score_outside_the_scale_is_refused_on_its_field(in_review, applications, members):
    c1, c2 = criteria(in_review)
    review.declare(members["m1"], applications["a"], has_conflict=False)
    with pytest.raises(ValidationError) as exc:
        review.score(members["m1"], applications["a"], {c1: (6, "too good"), c2: (3, "fine")})
    errors = exc.value.message_dict
    assert list(errors) == [f"c{c1.pk}_value"]
    assert "from 0 to 5" in errors[f"c{c1.pk}_value"][0]
    assert not Score.objects.exists()  # nothing saved, not even the valid row


def test_a_score_needs_a_comment(in_review, applications, members):
    c1, _c2 = criteria(in_review)
    review.declare(members["m1"], applications["a"], has_conflict=False)
    with pytest.raises(ValidationError) as exc:
        review.score(members["m1"], applications["a"], {c1: (3, "  ")})
    assert list(exc.value.message_dict) == [f"c{c1.pk}_comment"]


def test_scoring_before_declaring_is_refused(in_review, applications, members):
    c1, _c2 = criteria(in_review)
    with pytest.raises(ValidationError) as exc:
        review.score(members["m1"], applications["a"], {c1: (3, "ok")})
    assert "Declare first" in exc.value.message_dict["__all__"][0]


def test_scoring_with_a_declared_conflict_is_refused(in_review, applications, members):
    c1, _c2 = criteria(in_review)
    review.declare(members["m1"], applications["a"], has_conflict=True, note="My sister heads the aiyl okmotu")
    with pytest.raises(ValidationError) as exc:
        review.score(members["m1"], applications["a"], {c1: (3, "ok")})
    assert "conflict of interest" in exc.value.message_dict["__all__"][0]


def test_a_member_from_the_applicant_municipality_cannot_declare_no_conflict_nor_score(in_review, applications, members):
    c1, _c2 = criteria(in_review)
    with pytest.raises(ValidationError) as exc:
        review.declare(members["barskoon"], applications["a"], has_conflict=False)
    assert list(exc.value.message_dict) == ["has_conflict"]
    # even with a declaration slipped in, the score is refused
    member = in_review.commission.get(user=members["barskoon"])
    Declaration.objects.create(application=applications["a"], member=member, has_conflict=False)
    with pytest.raises(ValidationError) as exc:
        review.score(members["barskoon"], applications["a"], {c1: (5, "ours")})
    assert "Barskoon" in exc.value.message_dict["__all__"][0]
    # Suzak's application is not theirs
    review.declare(members["barskoon"], applications["b"], has_conflict=False)
    assert review.score(members["barskoon"], applications["b"], {c1: (2, "ok")})


def test_a_role_on_the_applicant_municipality_counts_as_coming_from_it(in_review, applications, members, territory):
    from aimak.accounts.models import Role, RoleAssignment

    RoleAssignment.objects.create(user=members["m1"], role=Role.objects.get(code="municipal_staff"), territory=territory("41703220856000"))
    with pytest.raises(ValidationError):
        review.declare(members["m1"], applications["b"], has_conflict=False)


def test_the_secretary_does_not_score(in_review, applications, members):
    c1, _c2 = criteria(in_review)
    review.declare(members["secretary"], applications["a"], has_conflict=False)
    with pytest.raises(ValidationError) as exc:
        review.score(members["secretary"], applications["a"], {c1: (3, "ok")})
    assert "secretary" in exc.value.message_dict["__all__"][0]


def test_no_scoring_outside_the_review(call, applications, members):
    c1, _c2 = criteria(call)
    review.declare(members["m1"], applications["a"], has_conflict=False)  # declaring is possible while open
    with pytest.raises(ValidationError) as exc:
        review.score(members["m1"], applications["a"], {c1: (3, "ok")})
    assert "does not score now" in exc.value.message_dict["__all__"][0]


def test_declaring_twice_is_refused(in_review, applications, members):
    review.declare(members["m1"], applications["a"], has_conflict=False)
    with pytest.raises(ValidationError) as exc:
        review.declare(members["m1"], applications["a"], has_conflict=True, note="changed my mind")
    assert list(exc.value.message_dict) == ["has_conflict"]


def test_people_outside_the_commission_cannot_declare(in_review, applications, people):
    with pytest.raises(PermissionDenied):
        review.declare(people["commission"], applications["a"], has_conflict=False)  # the role, but not a seat
    with pytest.raises(PermissionDenied):
        review.declare(people["analyst"], applications["a"], has_conflict=False)

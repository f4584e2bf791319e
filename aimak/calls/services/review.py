"""The commission's work on an application: first a declaration of conflict of interest, then
a score with a comment for each criterion. A member never scores an applicant they come from
or work for, nor one they declared a conflict with."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aimak.core import scoping

from ..models import Application, Call, CommissionMember, Declaration, Score
from .common import errors_add, refuse

MAX_COMMENT = 4000


def seat(user, call: Call) -> CommissionMember | None:
    """The person's seat on this call's commission, if any."""
    if user is None or not user.is_authenticated:
        return None
    return CommissionMember.objects.filter(call=call, user=user).select_related("home_territory").first()


def scoring(member: CommissionMember) -> bool:
    """Chairs and members score; the secretary does not. (``CommissionMember.scores`` is the
    related manager of its scores, which hides the model's property of the same name.)"""
    return member.role != CommissionMember.Role.SECRETARY


def from_applicant(member: CommissionMember, application: Application) -> bool:
    """Does the member come from, or work for, the applicant municipality? Their home is the
    applicant or contains it, or they hold a role on the applicant or a place within it."""
    from aimak.accounts.selectors import active_assignments

    place = application.territory
    if member.home_territory_id and place.path.startswith(member.home_territory.path):
        return True
    return any(a.territory.path.startswith(place.path) for a in active_assignments(member.user))


def _member_for(user, application: Application) -> CommissionMember:
    member = seat(user, application.call)
    if member is None:
        refuse(user, "review", application, _("You are not on the commission of this call."))
    if not scoping.allowed_within(user, "review", Application, application.territory):
        refuse(user, "review", application, _("You may not review applications from %(territory)s.") % {"territory": application.territory})
    return member


def _reviewable(application: Application, errors: dict, *statuses: str) -> None:
    if application.status != Application.Status.SUBMITTED:
        errors_add(errors, "__all__", _("The application is %(status)s: it is not reviewed.") % {"status": application.get_status_display()})
    if application.call.status not in statuses:
        errors_add(errors, "__all__", _("The call is %(status)s: the commission does not score now.") % {"status": application.call.get_status_display()})


@transaction.atomic
def declare(user, application: Application, *, has_conflict: bool, note: str = "") -> Declaration:
    """Once per application, before scoring it. A member from the applicant municipality can
    only declare a conflict."""
    application = Application.objects.select_related("call", "territory").get(pk=application.pk)
    member = _member_for(user, application)
    errors: dict[str, list] = {}
    _reviewable(application, errors, Call.Status.OPEN, Call.Status.REVIEW)
    if Declaration.objects.filter(application=application, member=member).exists():
        errors_add(errors, "has_conflict", _("You have already declared for this application."))
    if has_conflict is None:
        errors_add(errors, "has_conflict", _("Say whether you have a conflict of interest."))
    elif not has_conflict and from_applicant(member, application):
        errors_add(errors, "has_conflict", _("You come from or work for %(territory)s: declare a conflict of interest.") % {"territory": application.territory})
    if has_conflict and not (note or "").strip():
        errors_add(errors, "note", _("Explain the conflict of interest in a few words."))
    if errors:
        raise ValidationError(errors)
    return Declaration.objects.create(application=application, member=member, has_conflict=bool(has_conflict), note=(note or "").strip())


def field(criterion, name: str) -> str:
    """The form field (and error key) of one criterion's score or comment."""
    return f"c{criterion.pk}_{name}"


@transaction.atomic
def score(user, application: Application, entries: dict) -> list[Score]:
    """Score an application, one submit for all criteria: ``entries`` maps a criterion to
    (value or None, comment). Rows without a value are left as they are; scoring again updates
    the member's score. Errors are named per criterion (``c<id>_value``, ``c<id>_comment``)."""
    application = Application.objects.select_related("call", "territory").get(pk=application.pk)
    call = application.call
    member = _member_for(user, application)
    errors: dict[str, list] = {}
    _reviewable(application, errors, Call.Status.REVIEW)
    if not scoring(member):
        errors_add(errors, "__all__", _("The secretary of the commission does not score."))
    declaration = Declaration.objects.filter(application=application, member=member).first()
    if declaration is None:
        errors_add(errors, "__all__", _("Declare first whether you have a conflict of interest with this application."))
    elif declaration.has_conflict:
        errors_add(errors, "__all__", _("You declared a conflict of interest: you do not score this application."))
    if from_applicant(member, application):
        errors_add(errors, "__all__", _("You come from or work for %(territory)s: you cannot score its application.") % {"territory": application.territory})
    if errors:
        raise ValidationError(errors)
    criteria = {c.pk: c for c in call.criteria.all()}
    given = []
    for criterion, (value, comment) in entries.items():
        criterion = criteria.get(getattr(criterion, "pk", criterion))
        if criterion is None:
            errors_add(errors, "__all__", _("A criterion does not belong to this call."))
            continue
        comment = (comment or "").strip()
        if value is None or value == "":
            if comment:
                errors_add(errors, field(criterion, "value"), _("Give a score from %(low)s to %(high)s.") % {"low": call.scale_min, "high": call.scale_max})
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = None
        if number is None or str(value).strip() not in (str(number), f"{number}.0") or not call.scale_min <= number <= call.scale_max:
            errors_add(errors, field(criterion, "value"), _("%(value)s is outside the scale: give a whole number from %(low)s to %(high)s.") % {
                "value": value, "low": call.scale_min, "high": call.scale_max})
            continue
        if not comment:
            errors_add(errors, field(criterion, "comment"), _("Say in a comment why you give this score."))
        elif len(comment) > MAX_COMMENT:
            errors_add(errors, field(criterion, "comment"), _("Keep the comment to %(max)s characters.") % {"max": MAX_COMMENT})
        given.append((criterion, number, comment))
    if not errors and not given:
        errors_add(errors, "__all__", _("Give at least one score."))
    if errors:
        raise ValidationError(errors)
    saved = []
    for criterion, number, comment in given:
        row, _created = Score.objects.update_or_create(application=application, criterion=criterion, member=member,
                                                      defaults={"value": number, "comment": comment})
        saved.append(row)
    return saved

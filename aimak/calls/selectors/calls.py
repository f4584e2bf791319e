"""Who sees which call and which application.

Announced calls are public; drafts only to the people who configure them and their commission.
Applications are seen by whoever configures the call, by its commission (submitted ones, where
they may review), by the applicant's own staff and coordinators, and by everyone once the
results are published."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from aimak.core import scoping

from ..models import Application, Attachment, Call, CommissionMember
from ..services.common import may_configure


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def visible_calls(user) -> QuerySet:
    condition = Call.public_q()
    if _signed_in(user):
        condition |= Q(pk__in=scoping.restrict(Call.objects.all(), user, "configure").values("pk"))
        condition |= Q(pk__in=CommissionMember.objects.filter(user=user).values("call"))
    return Call.objects.filter(condition).select_related("territory")


def call_for(user, pk: int) -> Call:
    return get_object_or_404(visible_calls(user), pk=pk)


def configurable_calls(user) -> QuerySet:
    return scoping.restrict(Call.objects.all(), user, "configure")


def is_member(user, call: Call) -> bool:
    return _signed_in(user) and CommissionMember.objects.filter(call=call, user=user).exists()


def visible_applications(user, call: Call | None = None) -> QuerySet:
    """The applications (of ``call``, or of every call) this person may see."""
    applications = Application.objects.select_related("territory", "call")
    if call is not None:
        applications = applications.filter(call=call)
    if _signed_in(user) and user.is_superuser:
        return applications
    condition = Application.public_q()
    if _signed_in(user):
        condition |= Q(call__in=configurable_calls(user).values("pk"))
        condition |= Q(pk__in=scoping.restrict(Application.objects.all(), user, "edit").values("pk"))  # the applicant's own
        seats = Application.objects.filter(status=Application.Status.SUBMITTED, call__commission__user=user)
        condition |= Q(pk__in=scoping.restrict(seats, user, "review").values("pk"))
    return applications.filter(condition)


def sees_scores(user, call: Call) -> bool:
    """Aggregated scores are public once results are published; before, only for whoever
    configures the call and the chair of its commission."""
    if call.status == Call.Status.PUBLISHED:
        return True
    if not _signed_in(user):
        return False
    return may_configure(user, call) or CommissionMember.objects.filter(call=call, user=user, role=CommissionMember.Role.CHAIR).exists()


def application_for(user, pk: int) -> Application:
    application = get_object_or_404(Application.objects.select_related("call", "territory"), pk=pk)
    return get_object_or_404(visible_applications(user, application.call), pk=pk)


def attachment_for(user, pk: int) -> Attachment:
    attachment = get_object_or_404(Attachment.objects.select_related("application__call"), pk=pk)
    application_for(user, attachment.application_id)
    return attachment


def own_applications(user, call: Call) -> QuerySet:
    """Applications the person may change (their municipality's)."""
    if not _signed_in(user):
        return Application.objects.none()
    return scoping.restrict(Application.objects.filter(call=call), user, "edit").select_related("territory")


def applicant_territories(user, call: Call) -> QuerySet:
    """Municipalities inside the call's eligible territories on whose behalf the person may apply."""
    from aimak.territories.models import MUNICIPAL_KINDS, Territory

    if not _signed_in(user):
        return Territory.objects.none()
    eligible = Q(pk__in=[])
    for place in call.eligible.all():
        eligible |= Q(path__startswith=place.path)
    places = Territory.objects.current().filter(kind__in=MUNICIPAL_KINDS).filter(eligible)
    return scoping.territories_where(user, "create", Application, places).order_by("path")


def standing(user, call: Call) -> dict:
    """What the person is to this call: configures it, their commission seat, whether they chair
    it, and the municipalities they may apply for while it takes applications."""
    from ..services.applications import accepting
    from ..services.review import seat

    configures = _signed_in(user) and may_configure(user, call)
    member = seat(user, call)
    chair = member is not None and member.role == CommissionMember.Role.CHAIR
    applicants = applicant_territories(user, call) if accepting(call) else None
    return {
        "configures": configures,
        "member": member,
        "chair": chair,
        "sees_ranking": (configures or chair) and call.status in (Call.Status.REVIEW, Call.Status.DECIDED, Call.Status.PUBLISHED),
        "may_apply": bool(applicants is not None and applicants.exists()),
        "sees_names": _signed_in(user),
    }

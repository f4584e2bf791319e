"""Preparing and running a call: its settings, criteria and commission, and its steps
(open -> commission review -> decision -> published results). Every write needs the
"configure" right where the call is run."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aimak.core import context, scoping

from .. import subjects
from ..models import Application, Call, CommissionMember, Criterion, Score
from .common import configuring, errors_add, refuse

EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
TEXT_FIELDS = ("title", "description", "organiser", "prizes")
FIELDS = (*TEXT_FIELDS, "kind", "territory", "subject_type", "opens", "closes", "review_until", "scale_min", "scale_max")
MAX_SCALE = 100


def check(data: dict) -> dict:
    """Errors by field for a call's settings (model values; ``eligible`` a list of territories)."""
    errors: dict[str, list] = {}
    if not (data.get("title") or "").strip():
        errors_add(errors, "title", _("Enter the title of the call."))
    if not (data.get("organiser") or "").strip():
        errors_add(errors, "organiser", _("Name the organiser."))
    if data.get("kind") not in Call.Kind.values:
        errors_add(errors, "kind", _("Choose the kind of call."))
    if subjects.kind(data.get("subject_type") or "") is None:
        errors_add(errors, "subject_type", _("Choose what applications are made with."))
    territory = data.get("territory")
    if territory is None:
        errors_add(errors, "territory", _("Choose the level at which the call is run."))
    dates = {}
    for name in ("opens", "closes", "review_until"):
        day = data.get(name)
        if not isinstance(day, date):
            errors_add(errors, name, _("Enter the date."))
        elif not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            errors_add(errors, name, _("Enter a date from %(low)s to %(high)s.") % {"low": EARLIEST_YEAR, "high": LATEST_YEAR})
        else:
            dates[name] = day
    if "opens" in dates and "closes" in dates and dates["closes"] < dates["opens"]:
        errors_add(errors, "closes", _("Applications cannot close before they open (%(day)s).") % {"day": dates["opens"].isoformat()})
    if "closes" in dates and "review_until" in dates and dates["review_until"] < dates["closes"]:
        errors_add(errors, "review_until", _("The commission cannot finish scoring before applications close (%(day)s).") % {"day": dates["closes"].isoformat()})
    low, high = data.get("scale_min"), data.get("scale_max")
    if low is None or not 0 <= low <= MAX_SCALE:
        errors_add(errors, "scale_min", _("Enter a whole number from 0 to %(max)s.") % {"max": MAX_SCALE})
    if high is None or not 0 <= high <= MAX_SCALE:
        errors_add(errors, "scale_max", _("Enter a whole number from 0 to %(max)s.") % {"max": MAX_SCALE})
    elif low is not None and high <= low:
        errors_add(errors, "scale_max", _("The highest score must be above the lowest (%(low)s).") % {"low": low})
    eligible = data.get("eligible") or []
    if territory is not None:
        outside = [t for t in eligible if not t.path.startswith(territory.path)]
        if outside:
            errors_add(errors, "eligible", _("Eligible territories must be within %(territory)s: %(outside)s.") % {
                "territory": territory, "outside": ", ".join(str(t) for t in outside)})
    return errors


def _apply(call: Call, data: dict) -> None:
    for name in FIELDS:
        if name in data:
            value = data[name]
            setattr(call, name, value.strip() if isinstance(value, str) else value)


@transaction.atomic
def create_call(user, data: dict, *, default_criteria: bool = True, language: str | None = None, is_synthetic: bool = False) -> Call:
    """A new call in preparation (a draft), with the default criteria of what it is about,
    titled in the language of the person creating it."""
    data = {"kind": Call.Kind.COMPETITION, "subject_type": "programs.program", "scale_min": 0, "scale_max": 5, **data}
    territory = data.get("territory")
    if territory is not None and not scoping.allowed_within(user, "configure", Call, territory):
        refuse(user, "configure", territory, _("You may not run calls at the level of %(territory)s.") % {"territory": territory})
    errors = check(data)
    if errors:
        raise ValidationError(errors)
    call = Call(created_by=context.person(user), is_synthetic=is_synthetic)
    _apply(call, data)
    call.save()
    call.eligible.set(data.get("eligible") or [])
    if default_criteria:
        with translation.override(language or translation.get_language() or "ru"):
            for order, (title, description, evidence) in enumerate(subjects.DEFAULT_CRITERIA.get(call.subject_type, []), start=1):
                Criterion.objects.create(call=call, order=order, title=str(title), description=str(description), evidence=evidence, weight=1)
    return call


def _locked(call: Call) -> Call:
    return Call.objects.select_for_update().select_related("territory").get(pk=call.pk)


def _has_scores(call: Call) -> bool:
    return Score.objects.filter(application__call=call).exists()


@transaction.atomic
def change_call(user, call: Call, data: dict) -> Call:
    """Change a call's settings. Once scores exist its scale and subject stay as scored."""
    call = _locked(call)
    configuring(user, call)
    new_territory = data.get("territory", call.territory)
    if new_territory is not None and new_territory != call.territory and not scoping.allowed_within(user, "configure", Call, new_territory):
        refuse(user, "configure", call, _("You may not run calls at the level of %(territory)s.") % {"territory": new_territory})
    merged = {name: getattr(call, name) for name in FIELDS}
    merged["eligible"] = list(call.eligible.all())
    merged.update(data)
    errors = check(merged)
    if _has_scores(call):
        for name in ("scale_min", "scale_max", "subject_type"):
            if name in data and data[name] != getattr(call, name):
                errors_add(errors, name, _("Applications have been scored: this can no longer change."))
    if call.status != Call.Status.DRAFT and "subject_type" in data and data["subject_type"] != call.subject_type:
        errors_add(errors, "subject_type", _("The call is announced: what applications are made with can no longer change."))
    if errors:
        raise ValidationError(errors)
    _apply(call, data)
    call.save()
    if "eligible" in data:
        call.eligible.set(data["eligible"] or [])
    return call


# --- criteria ----------------------------------------------------------------------------------

def _check_criterion(call: Call, data: dict) -> dict:
    errors: dict[str, list] = {}
    if not (data.get("title") or "").strip():
        errors_add(errors, "title", _("Enter the criterion."))
    try:
        weight = Decimal(str(data.get("weight")))
    except (InvalidOperation, ValueError):
        weight = None
    if weight is None or not weight.is_finite() or weight <= 0 or weight >= 1000:
        errors_add(errors, "weight", _("The weight must be a number above 0 (and below 1000)."))
    known = {code for code, _label in (subjects.kind(call.subject_type).evidence_codes if subjects.kind(call.subject_type) else [])}
    unknown = [c for c in subjects.codes(data.get("evidence", "")) if c not in known]
    if unknown:
        errors_add(errors, "evidence", _("Unknown evidence: %(codes)s.") % {"codes": ", ".join(unknown)})
    return errors


def _criteria_editable(call: Call) -> None:
    if _has_scores(call):
        raise ValidationError({"__all__": [_("Applications have been scored: the criteria can no longer change.")]})


@transaction.atomic
def add_criterion(user, call: Call, data: dict) -> Criterion:
    call = _locked(call)
    configuring(user, call)
    _criteria_editable(call)
    errors = _check_criterion(call, data)
    if errors:
        raise ValidationError(errors)
    order = data.get("order") or (call.criteria.count() + 1)
    return Criterion.objects.create(call=call, order=order, title=data["title"].strip(), description=(data.get("description") or "").strip(),
                                    weight=Decimal(str(data["weight"])), evidence=",".join(subjects.codes(data.get("evidence", ""))))


@transaction.atomic
def change_criterion(user, criterion: Criterion, data: dict) -> Criterion:
    call = _locked(criterion.call)
    configuring(user, call)
    _criteria_editable(call)
    merged = {"title": criterion.title, "description": criterion.description, "weight": criterion.weight,
              "evidence": criterion.evidence, "order": criterion.order, **data}
    errors = _check_criterion(call, merged)
    if errors:
        raise ValidationError(errors)
    criterion.title = merged["title"].strip()
    criterion.description = (merged.get("description") or "").strip()
    criterion.weight = Decimal(str(merged["weight"]))
    criterion.evidence = ",".join(subjects.codes(merged.get("evidence", "")))
    criterion.order = merged.get("order") or criterion.order
    criterion.save()
    return criterion


@transaction.atomic
def remove_criterion(user, criterion: Criterion) -> None:
    call = _locked(criterion.call)
    configuring(user, call)
    _criteria_editable(call)
    if call.status != Call.Status.DRAFT and call.criteria.count() <= 1:
        raise ValidationError({"__all__": [_("An announced call keeps at least one criterion.")]})
    criterion.delete()


# --- commission ----------------------------------------------------------------------------------

def _may_review_here(person, call: Call) -> bool:
    """A scoring member needs "review" over the applicants: somewhere covering or inside the
    territory the call is run at (else they could never declare or score)."""
    if person.is_superuser:
        return True
    path = call.territory.path
    return any(path.startswith(p) or p.startswith(path) for p in scoping.grants(person, "review", Application))


@transaction.atomic
def add_member(user, call: Call, *, person, role: str = CommissionMember.Role.MEMBER, home_territory=None) -> CommissionMember:
    """Seat a person on the commission; where they come from keeps them from scoring applicants
    from there."""
    call = _locked(call)
    configuring(user, call)
    errors: dict[str, list] = {}
    if person is None:
        errors_add(errors, "user", _("Choose the person."))
    elif not person.is_active:
        errors_add(errors, "user", _("%(person)s cannot sign in any more.") % {"person": person})
    elif CommissionMember.objects.filter(call=call, user=person).exists():
        errors_add(errors, "user", _("%(person)s is already on the commission.") % {"person": person})
    elif role != CommissionMember.Role.SECRETARY and not _may_review_here(person, call):
        errors_add(errors, "user", _("%(person)s has no right to review applications in %(territory)s: give them a role that may review "
                                     "(such as commission member) there first.") % {"person": person, "territory": call.territory})
    if role not in CommissionMember.Role.values:
        errors_add(errors, "role", _("Choose the role."))
    elif role == CommissionMember.Role.CHAIR and call.commission.filter(role=CommissionMember.Role.CHAIR).exists():
        errors_add(errors, "role", _("The commission already has a chair."))
    if call.status in (Call.Status.DECIDED, Call.Status.PUBLISHED):
        errors_add(errors, "__all__", _("The call is decided: its commission no longer changes."))
    if errors:
        raise ValidationError(errors)
    return CommissionMember.objects.create(call=call, user=person, role=role, home_territory=home_territory)


@transaction.atomic
def remove_member(user, member: CommissionMember) -> None:
    call = _locked(member.call)
    configuring(user, call)
    if member.scores.exists() or member.declarations.exists():
        raise ValidationError({"__all__": [_("%(person)s has already declared or scored: their seat stays on record.") % {"person": member.user}]})
    member.delete()


# --- steps ---------------------------------------------------------------------------------------

def _step_from(call: Call, *allowed: str) -> None:
    if call.status not in allowed:
        raise ValidationError({"status": [_("The call is %(status)s: this step is not possible now.") % {"status": call.get_status_display()}]})


@transaction.atomic
def open_call(user, call: Call) -> Call:
    """Announce the call: it becomes public and eligible municipalities may apply within its dates."""
    call = _locked(call)
    configuring(user, call)
    _step_from(call, Call.Status.DRAFT)
    errors: dict[str, list] = {}
    if not call.criteria.exists():
        errors_add(errors, "criteria", _("Add at least one criterion before opening the call."))
    if not call.commission.exclude(role=CommissionMember.Role.SECRETARY).exists():
        errors_add(errors, "commission", _("Seat at least one commission member who scores (a chair or a member) before opening the call."))
    if not call.eligible.exists():
        errors_add(errors, "eligible", _("Choose the territories that may apply before opening the call."))
    if call.closes < scoping.today():
        errors_add(errors, "closes", _("Applications closed on %(day)s: move the dates before opening the call.") % {"day": call.closes.isoformat()})
    if errors:
        raise ValidationError(errors)
    call.status = Call.Status.OPEN
    call.save(update_fields=["status"])
    return call


@transaction.atomic
def start_review(user, call: Call, *, early: bool = False) -> Call:
    """Close applications and hand them to the commission: after the closing date, or earlier
    when the organiser says so."""
    call = _locked(call)
    configuring(user, call)
    _step_from(call, Call.Status.OPEN)
    if call.closes >= scoping.today() and not early:
        raise ValidationError({"early": [_("Applications are open until %(day)s; confirm that you close them early.") % {"day": call.closes.isoformat()}]})
    call.status = Call.Status.REVIEW
    call.save(update_fields=["status"])
    return call


@transaction.atomic
def decide(user, call: Call, results: dict, *, note: str = "") -> Call:
    """Record the decision: for every admitted application a result (winner, incentive prize,
    not awarded) and its prize; ranks come from the commission's aggregated scores.

    ``results`` maps an application's id to {"result": ..., "prize": ...}; errors are named
    ``a<id>_result`` / ``a<id>_prize``."""
    from ..selectors import scores as score_selectors

    call = _locked(call)
    configuring(user, call)
    _step_from(call, Call.Status.REVIEW, Call.Status.DECIDED)
    applications = list(Application.objects.select_for_update().filter(call=call, status=Application.Status.SUBMITTED))
    errors: dict[str, list] = {}
    if not applications:
        errors_add(errors, "__all__", _("No application was submitted: there is nothing to decide."))
    decided = (Application.Result.WINNER, Application.Result.PRIZE, Application.Result.NOT_AWARDED)
    for application in applications:
        entry = results.get(application.pk) or {}
        if entry.get("result") not in decided:
            errors_add(errors, f"a{application.pk}_result", _("Choose the result for %(applicant)s.") % {"applicant": application.applicant_name or application.territory})
        if len((entry.get("prize") or "").strip()) > 300:
            errors_add(errors, f"a{application.pk}_prize", _("Keep the prize to 300 characters."))
    if errors:
        raise ValidationError(errors)
    ranks = score_selectors.ranks(call)
    for application in applications:
        entry = results[application.pk]
        application.result = entry["result"]
        application.prize = (entry.get("prize") or "").strip() if entry["result"] != Application.Result.NOT_AWARDED else ""
        application.rank = ranks.get(application.pk)
        application.save(update_fields=["result", "prize", "rank"])
    call.status = Call.Status.DECIDED
    call.decision_note = (note or "").strip()
    call.decided_at = timezone.now()
    call.save(update_fields=["status", "decision_note", "decided_at"])
    return call


@transaction.atomic
def publish(user, call: Call) -> Call:
    """Make the results public: ranking, winners and prizes, means per criterion (never who
    scored what)."""
    call = _locked(call)
    configuring(user, call)
    _step_from(call, Call.Status.DECIDED)
    call.status = Call.Status.PUBLISHED
    call.save(update_fields=["status"])
    return call

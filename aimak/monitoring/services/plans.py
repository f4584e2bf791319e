"""Prevention and response plans: made (often from a template), filled with measures, kept up
to date with progress notes and a status.

Every write checks the person's right on the plan's territory, validates all fields first and
names each bad one, and happens in one transaction, so a refused or invalid edit leaves no
trace. An edit that would move a plan outside the author's territories is refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from aimak.core import scoping

from .. import plan_templates
from ..models import Alert, PlanMeasure, PlanUpdate, ResponsePlan

MEASURE_FIELDS = ("title", "owner", "partners", "deadline", "budget", "status")
PLAN_FIELDS = ("territory", "plan_type", "title", "goal", "risks", "starts_on", "ends_on")


def _refuse(user, action: str, detail: dict):
    from aimak.audit.services import log_security_event

    log_security_event("permission_refused", user=user, detail={"action": action, **detail})
    raise PermissionDenied(_("You cannot do this outside your territories."))


def _as_date(value, field: str, errors: dict):
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors[field] = _("Enter a date as YYYY-MM-DD.")
        return None


def _as_budget(value, errors: dict):
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).strip().replace(" ", "").replace(",", "."))
    except InvalidOperation:
        errors["budget"] = _("Enter the budget as a number of som.")
        return None
    if not amount.is_finite():
        errors["budget"] = _("Enter the budget as a number of som.")
        return None
    if amount < 0:
        errors["budget"] = _("The budget cannot be negative.")
        return None
    if amount >= Decimal("1e12"):
        errors["budget"] = _("The budget is too large.")
        return None
    return amount.quantize(Decimal("0.01"))


def _check_plan(plan: ResponsePlan) -> None:
    errors = {}
    plan.title = (plan.title or "").strip()
    plan.goal = (plan.goal or "").strip()
    plan.risks = (plan.risks or "").strip()
    if not plan.title:
        errors["title"] = _("Give the plan a title.")
    elif len(plan.title) > 300:
        errors["title"] = _("The title is longer than 300 characters.")
    if not plan.goal:
        errors["goal"] = _("Say what the plan is meant to achieve.")
    if plan.plan_type not in ResponsePlan.PlanType.values:
        errors["plan_type"] = _("Choose one of the types of plan.")
    if plan.status not in ResponsePlan.Status.values:
        errors["status"] = _("Choose one of the statuses.")
    if plan.territory_id is None:
        errors["territory"] = _("Choose the territory the plan is for.")
    elif plan.territory.valid_to is not None:
        errors["territory"] = _("This territory no longer exists; choose the one that replaced it.")
    if plan.starts_on and plan.ends_on and plan.ends_on < plan.starts_on:
        errors["ends_on"] = _("The plan cannot end before it starts.")
    if errors:
        raise ValidationError(errors)


def _check_measure(measure: PlanMeasure, errors: dict) -> None:
    measure.title = (measure.title or "").strip()
    measure.owner = (measure.owner or "").strip()
    measure.partners = (measure.partners or "").strip()
    if not measure.title:
        errors["title"] = _("Say what the measure is.")
    elif len(measure.title) > 300:
        errors["title"] = _("The measure is longer than 300 characters.")
    if not measure.owner:
        errors["owner"] = _("Name who is responsible for the measure.")
    elif len(measure.owner) > 200:
        errors["owner"] = _("The name of the person responsible is longer than 200 characters.")
    if len(measure.partners) > 300:
        errors["partners"] = _("The list of partners is longer than 300 characters.")
    if measure.status not in PlanMeasure.Status.values:
        errors["status"] = _("Choose one of the statuses.")
    plan = measure.plan
    if measure.deadline and "deadline" not in errors:
        if plan.starts_on and measure.deadline < plan.starts_on:
            errors["deadline"] = _("The deadline is before the plan starts (%(day)s).") % {"day": plan.starts_on.isoformat()}
        elif plan.ends_on and measure.deadline > plan.ends_on:
            errors["deadline"] = _("The deadline is after the plan ends (%(day)s).") % {"day": plan.ends_on.isoformat()}
    if errors:
        raise ValidationError(errors)


def create_plan(user, territory, plan_type: str, title: str, goal: str, risks: str = "", starts_on=None, ends_on=None,
                alerts=(), from_template: bool = True, language: str | None = None) -> ResponsePlan:
    """A new plan for a territory where the person may create. From a template, its suggested
    measures are copied in the person's language; linked alerts move to "response under way"."""
    if territory is None or not scoping.allowed_within(user, "create", ResponsePlan, territory):
        _refuse(user, "create", {"object": "monitoring.responseplan", "territory": getattr(territory, "code", None)})
    errors: dict = {}
    starts_on = _as_date(starts_on, "starts_on", errors)
    ends_on = _as_date(ends_on, "ends_on", errors)
    plan = ResponsePlan(
        territory=territory, plan_type=plan_type, title=title, goal=goal, risks=risks or "",
        starts_on=starts_on, ends_on=ends_on, created_by=user,
    )
    try:
        _check_plan(plan)
    except ValidationError as exc:
        errors = {**exc.message_dict, **errors}
    if errors:
        raise ValidationError(errors)
    alerts = list(alerts or [])
    if alerts:
        visible = set(scoping.restrict(Alert.objects.filter(pk__in=[a.pk for a in alerts]), user, "review").values_list("pk", flat=True))
        if len(visible) != len({a.pk for a in alerts}):
            _refuse(user, "link_alert", {"object": "monitoring.alert", "pks": [a.pk for a in alerts]})
    from .alert_workflow import start_response

    with transaction.atomic():
        plan.save()
        if from_template:
            lang = plan_templates.language_of(user, language)
            for order, item in enumerate(plan_templates.suggested(plan_type, lang)["measures"]):
                PlanMeasure.objects.create(plan=plan, title=item["title"], owner=item["owner"], partners=item["partners"], order=order)
        for alert in alerts:
            if alert.status in Alert.OPEN:
                start_response(user, alert, plan)
            else:
                plan.alerts.add(alert)
    return plan


def plan_from_template(user, territory, plan_type: str, *, title: str = "", goal: str = "", language: str | None = None, **fields) -> ResponsePlan:
    """A plan whose title and goal come from the template unless given."""
    lang = plan_templates.language_of(user, language)
    suggested = plan_templates.suggested(plan_type, lang)
    title = title or (f"{suggested['title']} — {territory}" if suggested["title"] else "")
    return create_plan(user, territory, plan_type, title, goal or suggested["goal"], from_template=True, language=lang, **fields)


def update_plan(user, plan: ResponsePlan, **fields) -> ResponsePlan:
    """Change a plan's title, goal, risks, dates, type or territory. The person needs the right
    to edit both where the plan is and where it would go."""
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"unknown plan fields: {sorted(unknown)}")
    scoping.require(user, "edit", plan)
    with transaction.atomic():
        plan = ResponsePlan.objects.select_for_update().get(pk=plan.pk)
        errors: dict = {}
        for name, value in fields.items():
            if name in ("starts_on", "ends_on"):
                value = _as_date(value, name, errors)
            setattr(plan, name, value)
        try:
            _check_plan(plan)
        except ValidationError as exc:
            errors = {**exc.message_dict, **errors}
        if not errors and (plan.starts_on or plan.ends_on):
            outside = plan.measures.exclude(deadline__isnull=True)
            if plan.starts_on and outside.filter(deadline__lt=plan.starts_on).exists():
                errors["starts_on"] = _("Some measures have deadlines before this start date.")
            if plan.ends_on and outside.filter(deadline__gt=plan.ends_on).exists():
                errors["ends_on"] = _("Some measures have deadlines after this end date.")
        if errors:
            raise ValidationError(errors)
        scoping.require(user, "edit", plan)  # the plan where it would now be
        plan.save()
    return plan


def _measure_values(measure: PlanMeasure, fields: dict) -> None:
    errors: dict = {}
    for name, value in fields.items():
        if name == "deadline":
            value = _as_date(value, "deadline", errors)
        elif name == "budget":
            value = _as_budget(value, errors)
        setattr(measure, name, value if value is not None or name in ("deadline", "budget") else "")
    _check_measure(measure, errors)


def add_measure(user, plan: ResponsePlan, title: str, owner: str, partners: str = "", deadline=None, budget=None,
                status: str = PlanMeasure.Status.PLANNED) -> PlanMeasure:
    scoping.require(user, "edit", plan)
    measure = PlanMeasure(plan=plan)
    _measure_values(measure, {"title": title, "owner": owner, "partners": partners, "deadline": deadline, "budget": budget, "status": status})
    with transaction.atomic():
        last = plan.measures.aggregate(n=Max("order"))["n"]
        measure.order = 0 if last is None else last + 1
        measure.save()
    return measure


def update_measure(user, measure: PlanMeasure, **fields) -> PlanMeasure:
    """Change some of a measure's fields (owner, partners, deadline, budget, status...)."""
    unknown = set(fields) - set(MEASURE_FIELDS)
    if unknown:
        raise TypeError(f"unknown measure fields: {sorted(unknown)}")
    scoping.require(user, "edit", measure)
    with transaction.atomic():
        current = PlanMeasure.objects.select_for_update().select_related("plan").get(pk=measure.pk)
        _measure_values(current, fields)
        current.save()
    measure.refresh_from_db()
    return current


def remove_measure(user, measure: PlanMeasure) -> None:
    scoping.require(user, "edit", measure)
    measure.delete()


def add_update(user, plan: ResponsePlan, text: str) -> PlanUpdate:
    """A progress note: what was done, what is stuck."""
    scoping.require(user, "edit", plan)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write what has been done.")})
    return PlanUpdate.objects.create(plan=plan, text=text, user=user)


def set_status(user, plan: ResponsePlan, status: str, comment: str = "") -> ResponsePlan:
    """Move the plan to another status; the change is noted in its progress log."""
    scoping.require(user, "edit", plan)
    if status not in ResponsePlan.Status.values:
        raise ValidationError({"status": _("Choose one of the statuses.")})
    if status == plan.status:
        return plan
    with transaction.atomic():
        current = ResponsePlan.objects.select_for_update().get(pk=plan.pk)
        old = current.get_status_display()
        current.status = status
        current.save(update_fields=["status", "updated_at"])
        note = _("Status changed: %(old)s → %(new)s.") % {"old": old, "new": current.get_status_display()}
        comment = (comment or "").strip()
        PlanUpdate.objects.create(plan=current, text=f"{note} {comment}".strip(), user=user)
    plan.refresh_from_db()
    return current

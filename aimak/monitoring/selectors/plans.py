"""Reads for plan pages: lists, one plan with its measures and progress, where one may plan."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404

from aimak.core import scoping
from aimak.territories.models import KIND_LEVEL, Level, Territory

from ..models import PlanMeasure, PlanUpdate, ResponsePlan

PLANNABLE_KINDS = [k for k, level in KIND_LEVEL.items() if level <= Level.MUNICIPALITY]


def plans(user) -> QuerySet:
    return (
        scoping.restrict(ResponsePlan.objects.all(), user, "view")
        .select_related("territory", "created_by")
        .annotate(
            n_measures=Count("measures", distinct=True),
            n_done=Count("measures", filter=Q(measures__status=PlanMeasure.Status.DONE), distinct=True),
            n_alerts=Count("alerts", distinct=True),
        )
        .order_by("-created_at", "-id")
    )


def plan_for(user, pk: int, action: str = "view") -> ResponsePlan:
    return get_object_or_404(scoping.restrict(ResponsePlan.objects.select_related("territory", "created_by"), user, action), pk=pk)


def measure_for(user, pk: int, action: str = "view") -> PlanMeasure:
    return get_object_or_404(scoping.restrict(PlanMeasure.objects.select_related("plan", "plan__territory"), user, action), pk=pk)


def measures(plan: ResponsePlan) -> QuerySet:
    return plan.measures.order_by("order", "id")


def budget_total(plan: ResponsePlan):
    return plan.measures.aggregate(total=Sum("budget"))["total"]


def updates(plan: ResponsePlan) -> QuerySet:
    return PlanUpdate.objects.filter(plan=plan).select_related("user").order_by("-created_at", "-id")


def linked_alerts(user, plan: ResponsePlan) -> QuerySet:
    from ..models import Alert

    return scoping.restrict(Alert.objects.filter(plans=plan), user, "view").select_related("territory")


def territories_for_new_plan(user) -> QuerySet:
    """Current territories down to municipalities where the person may create a plan, in tree order."""
    qs = scoping.territories_where(user, "create", ResponsePlan, Territory.objects.current().filter(kind__in=PLANNABLE_KINDS))
    return qs.order_by("path")


def can_edit(user, plan: ResponsePlan) -> bool:
    return scoping.allowed_within(user, "edit", ResponsePlan, plan.territory)

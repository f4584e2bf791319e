"""Reads for the rules page: the rules with their alert counts, the cut-offs in force."""

from __future__ import annotations

from django.db.models import Count, Q

from aimak.core import scoping

from ..models import DEFAULT_CUTOFFS, Alert, AlertRule
from ..services import index as index_service

def rules_with_counts(user) -> list[AlertRule]:
    """Every rule with ``alerts_raised`` and ``alerts_open``: counted among the alerts the person
    may see, in one grouped query."""
    counts = {
        row["rule"]: row
        for row in scoping.restrict(Alert.objects.all(), user, "view").order_by().values("rule")
        .annotate(raised=Count("id"), open=Count("id", filter=Q(status__in=Alert.OPEN)))
    }
    rules = list(AlertRule.objects.order_by("code"))
    for rule in rules:
        row = counts.get(rule.pk, {})
        rule.alerts_raised, rule.alerts_open = row.get("raised", 0), row.get("open", 0)
    return rules


def current_cutoffs() -> dict[str, float]:
    return index_service.cutoffs_with_defaults(index_service.get_settings().cutoffs or DEFAULT_CUTOFFS)

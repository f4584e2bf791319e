"""The API's filters: the list pages' filter sets (``aimak.monitoring.filtersets``) with the
API's stricter period and territory parameters (codes that are refused by name when wrong,
territories that include everything under them) and a few API-only extras."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from .. import filtersets as ui
from ..filtersets import (  # noqa: F401  (re-exported for the views)
    PERIOD_HELP,
    AggregateValueFilterSet,
    CodeListFilter,
    DataValueFilterSet,
    IndexValueFilterSet,
    PeriodFilter,
    PeriodFromFilter,
    PeriodToFilter,
    TerritoryFilter,
)
from ..models import Alert, AlertRule, Report


class IndicatorAPIFilterSet(ui.IndicatorFilterSet):
    active = django_filters.BooleanFilter(field_name="is_active", label=_("In use"))

    class Meta(ui.IndicatorFilterSet.Meta):
        fields = ["q", "domain", "value_type", "period_type", "active"]


class ReportAPIFilterSet(ui.ReportFilterSet):
    period = PeriodFilter(field_name="period_start", label=_("Period"))
    period_from = PeriodFromFilter(field_name="period_start", label=_("From period"), help_text=PERIOD_HELP)
    period_to = PeriodToFilter(field_name="period_start", label=_("To period"), help_text=PERIOD_HELP)
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=Report.Status.choices)
    territory = TerritoryFilter(field_name="territory", path_as_of_period="territory_path", label=_("Territory"))
    since = django_filters.DateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label=_("Changed since"),
        help_text=_("Date or date and time (ISO 8601); reports changed at or after it."),
    )

    class Meta(ui.ReportFilterSet.Meta):
        fields = ["form", "period", "period_from", "period_to", "status", "territory", "since", "q"]


class AlertAPIFilterSet(ui.AlertFilterSet):
    territory = TerritoryFilter(field_name="territory", label=_("Territory"))
    period = PeriodFilter(field_name="period_start", label=_("Period"))
    open = django_filters.BooleanFilter(label=_("Open only"), method="filter_open", help_text=_("true: raised, acknowledged or responding."))
    rule = CodeListFilter(field_name="rule__code", label=_("Rule"))
    kind = django_filters.MultipleChoiceFilter(field_name="rule__kind", label=_("Kind of rule"), choices=AlertRule.Kind.choices)

    class Meta(ui.AlertFilterSet.Meta):
        fields = ["status", "open", "severity", "territory", "period", "period_from", "period_to", "overdue", "rule", "kind"]

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(status__in=Alert.OPEN) if value else queryset.exclude(status__in=Alert.OPEN)


class PlanAPIFilterSet(ui.PlanFilterSet):
    territory = TerritoryFilter(field_name="territory", label=_("Territory"))
    alert = django_filters.NumberFilter(field_name="alerts", label=_("Answers alert"), help_text=_("Alert id."))

    class Meta(ui.PlanFilterSet.Meta):
        fields = ["territory", "status", "plan_type", "alert", "q"]

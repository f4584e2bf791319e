"""Filters of the monitoring lists, shared by the pages and the API.

Periods and places are read as people write them (2026-03, a SOATE code); a bad one is refused
with a message naming the field instead of being silently ignored, so nobody mistakes "no data"
for "wrong question"."""

import django_filters
from django import forms as django_forms
from django.core.exceptions import ValidationError as _ValidationError
from django.db.models import Q
from django.forms import CheckboxInput as _CheckboxInput
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from aimak.territories import selectors as territory_selectors
from aimak.territories.filtersets import TerritoryTextFilter

from . import periods
from .models import AggregateValue, Alert, DataValue, Domain, IndexValue, Indicator, Level, Report, ReportingForm, ResponsePlan

# ---- shared filter parts -------------------------------------
# Periods and places as people write them (2026-03, a SOATE code). A bad one is refused with a
# message naming the parameter instead of being silently ignored, so nobody mistakes "no data"
# for "wrong question". The API uses these sets as they are; pages may too.


PERIOD_HELP = _("Period code: 2026-03 (month), 2026Q1 (quarter) or 2026 (year).")


class PeriodCodeField(django_forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return periods.parse(value)
        except ValueError:
            raise django_forms.ValidationError(
                _("“%(value)s” is not a period: write 2026-03 for a month, 2026Q1 for a quarter or 2026 for a year."),
                code="invalid_period",
                params={"value": value},
            ) from None


class TerritoryCodeField(django_forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        found = territory_selectors.by_code(value)
        if found is None:
            raise django_forms.ValidationError(
                _("No territory has the code “%(value)s” (give a 14-digit SOATE code)."), code="unknown_territory", params={"value": value}
            )
        return found


class CodeListField(django_forms.CharField):
    """``fights,protests`` -> ["fights", "protests"]."""

    def clean(self, value):
        value = super().clean(value)
        return [v.strip() for v in (value or "").split(",") if v.strip()]


@extend_schema_field({"type": "string", "example": "2026-03", "description": "Period code: 2026-03 (month), 2026Q1 (quarter) or 2026 (year)."})
class PeriodFilter(django_filters.Filter):
    """One period: its type and first day must match (``period_type_field`` says where the type is)."""

    field_class = PeriodCodeField

    def __init__(self, *args, period_type_field="period_type", **kwargs):
        self.period_type_field = period_type_field
        kwargs.setdefault("help_text", PERIOD_HELP)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(**{self.field_name: value.start, self.period_type_field: value.type})


@extend_schema_field({"type": "string", "example": "2025-04", "description": "Period code; periods starting on or after its first day."})
class PeriodFromFilter(django_filters.Filter):
    field_class = PeriodCodeField

    def filter(self, qs, value):
        return qs if value is None else qs.filter(**{f"{self.field_name}__gte": value.start})


@extend_schema_field({"type": "string", "example": "2026Q1", "description": "Period code; periods starting on or before its last day."})
class PeriodToFilter(django_filters.Filter):
    field_class = PeriodCodeField

    def filter(self, qs, value):
        return qs if value is None else qs.filter(**{f"{self.field_name}__lte": value.end})


@extend_schema_field({"type": "string", "example": "41702210000000", "description": "SOATE code (or P-code): the territory and everything under it."})
class TerritoryFilter(django_filters.Filter):
    """A territory and everything under it: on today's tree, or also (``path_as_of_period``) on
    the tree of the period, so data filed before a reform is found under its old parent too."""

    field_class = TerritoryCodeField

    def __init__(self, *args, path_as_of_period=None, **kwargs):
        self.path_as_of_period = path_as_of_period
        kwargs.setdefault("help_text", _("SOATE code; the territory and everything under it."))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        condition = Q(**{f"{self.field_name}__path__startswith": value.path})
        if self.path_as_of_period:
            condition |= Q(**{f"{self.path_as_of_period}__startswith": value.path})
        return qs.filter(condition)


@extend_schema_field({"type": "integer", "enum": [0, 1, 2, 3, 4],
                      "description": "Level of the territory: 0 country, 1 oblasts, 2 rayons and cities, 3 aiyl aimaks and towns, 4 villages."})
class TerritoryLevelFilter(django_filters.TypedChoiceFilter):
    def __init__(self, *args, **kwargs):
        from aimak.territories.models import Level as TerritoryLevel

        kwargs.setdefault("choices", TerritoryLevel.choices)
        kwargs.setdefault("coerce", int)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        return qs.filter(**{f"{self.field_name}__kind__in": territory_selectors.level_kinds(int(value))})


@extend_schema_field({"type": "string", "example": "fights,protests", "description": "One code, or several separated by commas."})
class CodeListFilter(django_filters.Filter):
    field_class = CodeListField

    def filter(self, qs, value):
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs


# ---- the pages' lists

class ReportFilterSet(django_filters.FilterSet):
    form = django_filters.ModelChoiceFilter(label=_("Form"), queryset=ReportingForm.objects.all(), to_field_name="code")
    period = PeriodFilter(label=_("Period (e.g. 2026-03)"), field_name="period_start")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Report.Status.choices)
    q = TerritoryTextFilter()

    class Meta:
        model = Report
        fields = ["form", "period", "status", "q"]



# ---- alerts and plans (response area) ---------------------------------------------------------




def _valid_period(value):
    try:
        periods.parse(value)
    except ValueError:
        raise _ValidationError(_("Write the period as 2026-03, 2026Q1 or 2026.")) from None


class AlertFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=Alert.Status.choices)
    severity = django_filters.MultipleChoiceFilter(label=_("Severity"), choices=Level.choices)
    territory = TerritoryTextFilter()
    period_from = django_filters.CharFilter(label=_("From period (e.g. 2026-01)"), method="filter_from", validators=[_valid_period])
    period_to = django_filters.CharFilter(label=_("To period (e.g. 2026-03)"), method="filter_to", validators=[_valid_period])
    overdue = django_filters.BooleanFilter(label=_("Only overdue acknowledgements"), method="filter_overdue", widget=_CheckboxInput)

    class Meta:
        model = Alert
        fields = ["status", "severity", "territory", "period_from", "period_to", "overdue"]

    def filter_from(self, queryset, name, value):
        return queryset.filter(period_start__gte=periods.parse(value).start)

    def filter_to(self, queryset, name, value):
        return queryset.filter(period_start__lte=periods.parse(value).end)

    def filter_overdue(self, queryset, name, value):
        from .selectors.alerts import overdue_q

        return queryset.filter(overdue_q()) if value else queryset


class PlanFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=ResponsePlan.Status.choices)
    plan_type = django_filters.MultipleChoiceFilter(label=_("Type of plan"), choices=ResponsePlan.PlanType.choices)
    territory = TerritoryTextFilter()
    q = django_filters.CharFilter(label=_("Words in the title or goal"), method="filter_q")

    class Meta:
        model = ResponsePlan
        fields = ["status", "plan_type", "territory", "q"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(title__icontains=value) | Q(goal__icontains=value)) if value else queryset




class IndicatorFilterSet(django_filters.FilterSet):
    """The catalogue page: by domain, value type, period type, and a search over code and the three names."""

    q = django_filters.CharFilter(label=_("Name or code"), method="filter_q")
    domain = django_filters.ModelChoiceFilter(label=_("Domain"), queryset=Domain.objects.all(), to_field_name="code")
    value_type = django_filters.ChoiceFilter(label=_("Value type"), choices=Indicator.ValueType.choices)
    period_type = django_filters.ChoiceFilter(label=_("Period type"), choices=periods.PERIOD_TYPES)

    class Meta:
        model = Indicator
        fields = ["q", "domain", "value_type", "period_type"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value) | Q(name_ky__icontains=value) | Q(name_ru__icontains=value) | Q(name_en__icontains=value)
        )


class _CategoryMixin:
    def filter_category(self, queryset, name, value):
        return queryset.filter(category="" if value == "total" else value)


class DataValueFilterSet(_CategoryMixin, django_filters.FilterSet):
    """Entered values, one row each (the API's ``values`` list)."""

    indicator = CodeListFilter(field_name="indicator__code", label=_("Indicator"))
    form = CodeListFilter(field_name="report__form__code", label=_("Form"))
    territory = TerritoryFilter(field_name="territory", path_as_of_period="territory_path", label=_("Territory"))
    period = PeriodFilter(field_name="period_start", period_type_field="report__period_type", label=_("Period"))
    period_from = PeriodFromFilter(field_name="period_start", label=_("From period"), help_text=PERIOD_HELP)
    period_to = PeriodToFilter(field_name="period_start", label=_("To period"), help_text=PERIOD_HELP)
    category = django_filters.CharFilter(label=_("Category"), method="filter_category", help_text=_("Category code; “total” for the totals."))
    counted = django_filters.BooleanFilter(label=_("Only counted reports"), help_text=_("true: values of submitted or approved reports only."))
    status = django_filters.MultipleChoiceFilter(field_name="report__status", label=_("Report status"), choices=Report.Status.choices)

    class Meta:
        model = DataValue
        fields = ["indicator", "form", "territory", "period", "period_from", "period_to", "category", "counted", "status"]


class AggregateValueFilterSet(_CategoryMixin, django_filters.FilterSet):
    indicator = CodeListFilter(field_name="indicator__code", label=_("Indicator"))
    territory = TerritoryFilter(field_name="territory", label=_("Territory"))
    territory_level = TerritoryLevelFilter(field_name="territory", label=_("Territory level"))
    period = PeriodFilter(field_name="period_start", period_type_field="indicator__period_type", label=_("Period"))
    period_from = PeriodFromFilter(field_name="period_start", label=_("From period"), help_text=PERIOD_HELP)
    period_to = PeriodToFilter(field_name="period_start", label=_("To period"), help_text=PERIOD_HELP)
    category = django_filters.CharFilter(label=_("Category"), method="filter_category", help_text=_("Category code; “total” for the totals."))

    class Meta:
        model = AggregateValue
        fields = ["indicator", "territory", "territory_level", "period", "period_from", "period_to", "category"]


class IndexValueFilterSet(django_filters.FilterSet):
    territory = TerritoryFilter(field_name="territory", label=_("Territory"))
    territory_level = TerritoryLevelFilter(field_name="territory", label=_("Territory level"))
    period = PeriodFilter(field_name="period_start", label=_("Period"))
    period_from = PeriodFromFilter(field_name="period_start", label=_("From period"), help_text=PERIOD_HELP)
    period_to = PeriodToFilter(field_name="period_start", label=_("To period"), help_text=PERIOD_HELP)
    period_type = django_filters.ChoiceFilter(label=_("Period type"), choices=periods.PERIOD_TYPES)
    level = django_filters.MultipleChoiceFilter(label=_("Tension level"), choices=Level.choices)

    class Meta:
        model = IndexValue
        fields = ["territory", "territory_level", "period", "period_from", "period_to", "period_type", "level"]

"""Shapes of the monitoring API. Codes, not database ids, name indicators, forms, territories
and periods, so that files and scripts written against the API survive a database reload."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import disaggregation, periods
from ..models import (
    AggregateValue,
    Alert,
    AlertEvent,
    DataValue,
    Domain,
    FormAssignment,
    FormIndicator,
    IndexValue,
    Indicator,
    IndicatorVersion,
    Level,
    PlanMeasure,
    PlanUpdate,
    Report,
    ReportEvent,
    ReportingForm,
    ResponsePlan,
)

LANGS = ("ky", "ru", "en")


class TranslationsSerializer(serializers.Serializer):
    """The same text in the three languages ("" where not written yet)."""

    ky = serializers.CharField()
    ru = serializers.CharField()
    en = serializers.CharField()


def translations(obj, field: str) -> dict:
    return {lang: getattr(obj, f"{field}_{lang}") or "" for lang in LANGS}


class TerritoryRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()


@extend_schema_field(TerritoryRefSerializer)
class TerritoryRefField(serializers.Field):
    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return {"code": value.code, "name": value.name, "kind": value.kind}


@extend_schema_field({"type": "string", "example": "2026-03", "description": "Period code"})
class PeriodCodeField(serializers.Field):
    """A (period_type, period_start) pair shown as its code; ``type_source`` says where the
    type is when the row does not carry it."""

    def __init__(self, type_source="period_type", **kwargs):
        self.type_source = type_source
        kwargs.setdefault("source", "*")
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, obj):
        period_type = obj
        for part in self.type_source.split("."):
            period_type = getattr(period_type, part)
        return periods.PeriodSpan(period_type, obj.period_start).code


def choice(choices, **kwargs):
    return serializers.ChoiceField(choices=choices, read_only=True, **kwargs)


def page_url(obj) -> str | None:
    """The object's page, or None while that page does not exist (the API outlives pages)."""
    from django.urls import NoReverseMatch

    try:
        return obj.get_absolute_url()
    except NoReverseMatch:
        return None


def username(user) -> str | None:
    return user.get_username() if user else None


# --- national configuration ---------------------------------------------------------------


class DomainSerializer(serializers.ModelSerializer):
    names = serializers.SerializerMethodField()
    descriptions = serializers.SerializerMethodField()

    class Meta:
        model = Domain
        fields = ["code", "name", "names", "description", "descriptions", "weight", "order"]

    @extend_schema_field(TranslationsSerializer)
    def get_names(self, obj):
        return translations(obj, "name")

    @extend_schema_field(TranslationsSerializer)
    def get_descriptions(self, obj):
        return translations(obj, "description")


class CategorySerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("“” is the total."))
    label = serializers.CharField()


class FormulaSerializer(serializers.Serializer):
    numerator = serializers.CharField()
    denominator = serializers.CharField()
    factor = serializers.DecimalField(max_digits=10, decimal_places=3)


class IndicatorSerializer(serializers.ModelSerializer):
    domain = serializers.SlugRelatedField(slug_field="code", read_only=True)
    names = serializers.SerializerMethodField()
    definitions = serializers.SerializerMethodField()
    units = serializers.SerializerMethodField()
    categories = serializers.SerializerMethodField()
    formula = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Indicator
        fields = [
            "code", "name", "names", "definition", "definitions", "domain", "unit", "units", "value_type", "polarity",
            "disaggregation", "categories", "period_type", "collection_level", "aggregation", "min_value", "max_value",
            "thresholds", "critical_value", "index_weight", "source", "formula", "is_active", "version", "updated_at", "url",
        ]

    @extend_schema_field(TranslationsSerializer)
    def get_names(self, obj):
        return translations(obj, "name")

    @extend_schema_field(TranslationsSerializer)
    def get_definitions(self, obj):
        return translations(obj, "definition")

    @extend_schema_field(TranslationsSerializer)
    def get_units(self, obj):
        return translations(obj, "unit")

    @extend_schema_field(CategorySerializer(many=True))
    def get_categories(self, obj):
        parts = [{"code": disaggregation.TOTAL, "label": str(disaggregation.label(obj.disaggregation, disaggregation.TOTAL))}]
        return parts + [{"code": c.code, "label": str(disaggregation.label(obj.disaggregation, c.code))} for c in obj.categories()]

    @extend_schema_field(FormulaSerializer(allow_null=True))
    def get_formula(self, obj):
        if not obj.is_formula:
            return None
        return {"numerator": obj.numerator.code, "denominator": obj.denominator.code, "factor": str(obj.factor)}

    def get_url(self, obj) -> str | None:
        return page_url(obj)


class IndicatorVersionSerializer(serializers.ModelSerializer):
    changed_by = serializers.SerializerMethodField()

    class Meta:
        model = IndicatorVersion
        fields = ["version", "definition", "changed_by", "changed_at", "note"]

    def get_changed_by(self, obj) -> str | None:
        return username(obj.changed_by)


class FormIndicatorSerializer(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator.code")
    name = serializers.CharField(source="indicator.name")

    class Meta:
        model = FormIndicator
        fields = ["indicator", "name", "order", "required"]


class FormAssignmentSerializer(serializers.ModelSerializer):
    area = TerritoryRefField()

    class Meta:
        model = FormAssignment
        fields = ["area", "kinds"]


class ReportingFormSerializer(serializers.ModelSerializer):
    names = serializers.SerializerMethodField()
    indicators = FormIndicatorSerializer(source="items", many=True, read_only=True)
    assignments = FormAssignmentSerializer(many=True, read_only=True)
    expected_reporters = serializers.SerializerMethodField()
    closed_periods = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = ReportingForm
        fields = [
            "code", "name", "names", "description", "period_type", "days_allowed", "first_period", "is_active",
            "indicators", "assignments", "expected_reporters", "closed_periods", "url",
        ]

    @extend_schema_field(TranslationsSerializer)
    def get_names(self, obj):
        return translations(obj, "name")

    def get_expected_reporters(self, obj) -> int:
        """Territories that must report it on today's tree."""
        from ..selectors.forms import expected_territories

        return expected_territories(obj).count()

    def get_closed_periods(self, obj) -> list[str]:
        return [periods.PeriodSpan(obj.period_type, c.period_start).code for c in obj.closures.all()]

    def get_url(self, obj) -> str | None:
        return page_url(obj)


# --- reports --------------------------------------------------------------------------------


class ValueSerializer(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator.code")

    class Meta:
        model = DataValue
        fields = ["indicator", "category", "value", "comment"]


class ReportEventSerializer(serializers.ModelSerializer):
    user = serializers.SerializerMethodField()
    status_after = choice(Report.Status.choices)

    class Meta:
        model = ReportEvent
        fields = ["action", "status_after", "user", "integration", "comment", "created_at"]

    def get_user(self, obj) -> str | None:
        return username(obj.user)


class ReportSerializer(serializers.ModelSerializer):
    form = serializers.CharField(source="form.code")
    territory = TerritoryRefField()
    period = PeriodCodeField()
    period_end = serializers.DateField(source="period.end")
    status = choice(Report.Status.choices)
    submitted_by = serializers.SerializerMethodField()
    values = ValueSerializer(many=True, read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id", "form", "territory", "period", "period_type", "period_start", "period_end", "status", "narrative", "sources",
            "revision", "values", "created_at", "updated_at", "submitted_at", "submitted_by", "is_synthetic", "url",
        ]

    def get_submitted_by(self, obj) -> str | None:
        return username(obj.submitted_by)

    def get_url(self, obj) -> str | None:
        return page_url(obj)


class ReportDetailSerializer(ReportSerializer):
    events = ReportEventSerializer(many=True, read_only=True)

    class Meta(ReportSerializer.Meta):
        fields = ReportSerializer.Meta.fields + ["events"]


class ReportStartSerializer(serializers.Serializer):
    form = serializers.SlugRelatedField(slug_field="code", queryset=ReportingForm.objects.filter(is_active=True), help_text=_("Form code."))
    territory = serializers.CharField(help_text=_("SOATE code of the reporting territory."))
    period = serializers.CharField(help_text=_("Period code: 2026-03 (month), 2026Q1 (quarter) or 2026 (year)."))

    def validate_territory(self, value):
        from aimak.territories.selectors import by_code

        found = by_code(value)
        if found is None:
            raise serializers.ValidationError(_("No territory has the code “%(value)s”.") % {"value": value})
        return found

    def validate(self, attrs):
        try:
            span = periods.parse(attrs["period"])
        except ValueError:
            raise serializers.ValidationError(
                {"period": _("“%(value)s” is not a period: write 2026-03 for a month, 2026Q1 for a quarter or 2026 for a year.")
                 % {"value": attrs["period"]}}
            ) from None
        form = attrs["form"]
        if span.type != form.period_type:
            raise serializers.ValidationError(
                {"period": _("The form “%(form)s” is reported per %(type)s period; “%(value)s” is not one.")
                 % {"form": form.code, "type": dict(periods.PERIOD_TYPES)[form.period_type], "value": attrs["period"]}}
            )
        attrs["period"] = span
        return attrs


class ValueInputSerializer(serializers.Serializer):
    indicator = serializers.CharField(help_text=_("Indicator code."))
    category = serializers.CharField(required=False, allow_blank=True, default="", help_text=_("Category code; “” or omitted for the total."))
    value = serializers.CharField(allow_blank=True, allow_null=True, help_text=_("The value as written (number, yes/no, 1–5); empty clears it."))


class DraftSerializer(serializers.Serializer):
    values = ValueInputSerializer(many=True, required=False, default=list)
    narrative = serializers.CharField(required=False, allow_blank=True)
    sources = serializers.CharField(required=False, allow_blank=True)
    revision = serializers.IntegerField(
        min_value=0, help_text=_("The report's revision you started from; a newer one on the server means someone else saved first.")
    )

    def validate_values(self, items):
        seen = {}
        for item in items:
            key = (item["indicator"], item.get("category") or "")
            if key in seen:
                raise serializers.ValidationError(
                    _("The value of %(indicator)s (%(category)s) is given twice.") % {"indicator": key[0], "category": key[1] or _("total")}
                )
            seen[key] = "" if item["value"] is None else item["value"]
        return seen


class DraftResultSerializer(serializers.Serializer):
    report = ReportDetailSerializer()
    warnings = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("What submission will still ask for, by field (value:<indicator>:<category>)."),
    )


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class RequiredCommentSerializer(serializers.Serializer):
    comment = serializers.CharField(allow_blank=True, help_text=_("What must change, for the person who reports."))


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, help_text=_("Why the approved report is opened again (kept in its log)."))


# --- analysis -------------------------------------------------------------------------------


class DataValueSerializer(serializers.ModelSerializer):
    """One flat row per value: what a spreadsheet wants."""

    report = serializers.IntegerField(source="report_id")
    form = serializers.CharField(source="report.form.code")
    indicator = serializers.CharField(source="indicator.code")
    territory = serializers.CharField(source="territory.code")
    territory_name = serializers.CharField(source="territory.name")
    period = PeriodCodeField(type_source="report.period_type")
    status = choice(Report.Status.choices, source="report.status")

    class Meta:
        model = DataValue
        fields = [
            "id", "report", "form", "indicator", "category", "value", "territory", "territory_name", "period", "period_start",
            "status", "counted", "comment",
        ]


class AggregateValueSerializer(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator.code")
    territory = serializers.CharField(source="territory.code")
    territory_name = serializers.CharField(source="territory.name")
    period = PeriodCodeField(type_source="indicator.period_type")

    class Meta:
        model = AggregateValue
        fields = ["indicator", "territory", "territory_name", "period", "period_start", "category", "value", "reports", "computed_at"]


class BreakdownItemSerializer(serializers.Serializer):
    indicator = serializers.CharField()
    domain = serializers.CharField(required=False)
    value = serializers.CharField(required=False, allow_null=True)
    score = serializers.FloatField(required=False, allow_null=True)
    weight = serializers.FloatField(required=False, allow_null=True)
    contribution = serializers.FloatField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True)


@extend_schema_field(BreakdownItemSerializer(many=True))
class BreakdownField(serializers.JSONField):
    """Which indicators pushed the index, by how much (points of the 0–100 scale)."""


class IndexValueSerializer(serializers.ModelSerializer):
    territory = TerritoryRefField()
    period = PeriodCodeField()
    level = choice(Level.choices)
    level_label = serializers.CharField(source="get_level_display")
    breakdown = BreakdownField(read_only=True)

    class Meta:
        model = IndexValue
        fields = ["territory", "period", "period_type", "period_start", "value", "level", "level_label", "coverage", "breakdown", "computed_at"]


class AlertEventSerializer(serializers.ModelSerializer):
    user = serializers.SerializerMethodField()

    class Meta:
        model = AlertEvent
        fields = ["action", "user", "comment", "created_at"]

    def get_user(self, obj) -> str | None:
        return username(obj.user)


class AlertRuleRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()


class AlertSerializer(serializers.ModelSerializer):
    rule = serializers.SerializerMethodField()
    territory = TerritoryRefField()
    period = PeriodCodeField()
    status = choice(Alert.Status.choices)
    severity = choice(Level.choices)
    acknowledged_by = serializers.SerializerMethodField()
    escalated_to = serializers.SerializerMethodField()
    is_overdue = serializers.SerializerMethodField()
    plans = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = [
            "id", "rule", "territory", "period", "period_type", "period_start", "severity", "status", "summary", "evidence",
            "raised_at", "acknowledge_due", "acknowledged_at", "acknowledged_by", "is_overdue", "resolved_at", "escalated_to",
            "plans", "is_synthetic", "url",
        ]

    @extend_schema_field(AlertRuleRefSerializer)
    def get_rule(self, obj):
        return {"code": obj.rule.code, "name": obj.rule.name, "kind": obj.rule.kind}

    def get_acknowledged_by(self, obj) -> str | None:
        return username(obj.acknowledged_by)

    @extend_schema_field(TerritoryRefSerializer(allow_null=True))
    def get_escalated_to(self, obj):
        t = obj.escalated_to
        return {"code": t.code, "name": t.name, "kind": t.kind} if t else None

    def get_is_overdue(self, obj) -> bool:
        """Still not acknowledged after the time allowed."""
        from django.utils import timezone

        return obj.acknowledged_at is None and obj.is_open and obj.acknowledge_due < timezone.now()

    def get_url(self, obj) -> str | None:
        return page_url(obj)


class AlertDetailSerializer(AlertSerializer):
    events = AlertEventSerializer(many=True, read_only=True)

    class Meta(AlertSerializer.Meta):
        fields = AlertSerializer.Meta.fields + ["events"]


class PlanMeasureSerializer(serializers.ModelSerializer):
    status = choice(PlanMeasure.Status.choices)

    class Meta:
        model = PlanMeasure
        fields = ["id", "title", "owner", "partners", "deadline", "budget", "status", "order"]


class PlanUpdateSerializer(serializers.ModelSerializer):
    user = serializers.SerializerMethodField()

    class Meta:
        model = PlanUpdate
        fields = ["id", "text", "user", "created_at"]

    def get_user(self, obj) -> str | None:
        return username(obj.user)


class PlanSerializer(serializers.ModelSerializer):
    territory = TerritoryRefField()
    status = choice(ResponsePlan.Status.choices)
    alerts = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    measures = PlanMeasureSerializer(many=True, read_only=True)
    updates = PlanUpdateSerializer(many=True, read_only=True)
    created_by = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = ResponsePlan
        fields = [
            "id", "territory", "plan_type", "title", "goal", "risks", "status", "starts_on", "ends_on", "alerts", "measures",
            "updates", "created_by", "created_at", "updated_at", "is_synthetic", "url",
        ]

    def get_created_by(self, obj) -> str | None:
        return username(obj.created_by)

    def get_url(self, obj) -> str | None:
        return page_url(obj)


class PlanCreateSerializer(serializers.Serializer):
    territory = serializers.CharField(help_text=_("SOATE code of the territory the plan belongs to."))
    plan_type = serializers.ChoiceField(choices=ResponsePlan.PlanType.choices)
    title = serializers.CharField(max_length=300)
    goal = serializers.CharField()
    risks = serializers.CharField(required=False, allow_blank=True, default="")
    starts_on = serializers.DateField(required=False, allow_null=True, default=None)
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)
    alerts = serializers.ListField(child=serializers.IntegerField(), required=False, default=list, help_text=_("Ids of the alerts it answers."))
    from_template = serializers.BooleanField(required=False, default=True, help_text=_("Start with the measures of the plan type's template."))

    def validate_territory(self, value):
        from aimak.territories.selectors import by_code

        found = by_code(value)
        if found is None:
            raise serializers.ValidationError(_("No territory has the code “%(value)s”.") % {"value": value})
        return found

    def validate_alerts(self, ids):
        """Only alerts the person can see may be linked; others are named as unknown."""
        from aimak.core import scoping

        user = self.context["request"].user
        found = {a.pk: a for a in scoping.restrict(Alert.objects.filter(pk__in=ids), user, "view")}
        missing = [str(i) for i in ids if i not in found]
        if missing:
            raise serializers.ValidationError(_("No alert you can see has the id %(ids)s.") % {"ids": ", ".join(missing)})
        return [found[i] for i in dict.fromkeys(ids)]

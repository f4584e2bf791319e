"""Social-tension monitoring: what is measured, who reports it, what it adds up to, and what is
done about it.

The data model follows DHIS2 (a value is indicator x territory x period x category; forms have
a period type; approval locks) without its jargon: disaggregations are presets (see
``disaggregation.py``), and analysis is kept live: ``AggregateValue`` and ``IndexValue`` are
summaries the database recomputes for the affected territories the moment a report is
submitted, reviewed or reopened (``services/analytics.py``), so no nightly batch exists.

Where rows live: reports, values, aggregates, index values, alerts and plans belong to a
territory and are scoped by ``restrict()``; the catalogue, forms and rules are national
configuration (``territory_field = None``) changed by people with ``configure``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import disaggregation, periods

ZERO = Decimal(0)


class Domain(models.Model):
    """One of the six areas of the brief; its weight shapes the tension index."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    weight = models.DecimalField(_("weight in the index"), max_digits=6, decimal_places=3, default=Decimal(1))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    territory_field = None  # national configuration
    audited = True

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
        ordering = ["order", "code"]

    def __str__(self):
        return self.name


class Indicator(models.Model):
    class ValueType(models.TextChoices):
        COUNT = "count", _("count")
        NUMBER = "number", _("number")
        PERCENTAGE = "percentage", _("percentage")
        YES_NO = "yes_no", _("yes / no")
        SCALE = "scale", _("scale 1–5")

    class Polarity(models.IntegerChoices):
        TENSION = 1, _("higher means more tension")
        RESILIENCE = -1, _("higher means more resilience")

    class Aggregation(models.TextChoices):
        SUM = "sum", _("sum")
        MEAN = "mean", _("mean")
        MEAN_POPULATION = "mean_population", _("mean weighted by population")
        MAX = "max", _("maximum")

    class CollectionLevel(models.IntegerChoices):
        MUNICIPALITY = 3, _("municipality")
        DISTRICT = 2, _("rayon or city")

    class ValueOrigin(models.TextChoices):
        """Where values come from (formulas are recognised by their numerator)."""

        ENTERED = "entered", _("entered in reporting forms")
        INCIDENTS = "incidents", _("counted from incident reports")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=300)
    definition = models.TextField(_("definition"), blank=True)
    domain = models.ForeignKey(Domain, verbose_name=_("domain"), on_delete=models.PROTECT, related_name="indicators")
    unit = models.CharField(_("unit"), max_length=60, blank=True)
    value_type = models.CharField(_("value type"), max_length=12, choices=ValueType.choices, default=ValueType.COUNT)
    polarity = models.SmallIntegerField(_("polarity"), choices=Polarity.choices, default=Polarity.TENSION)
    disaggregation = models.CharField(
        _("disaggregation"), max_length=12, choices=disaggregation.PRESET_CHOICES, default=disaggregation.NONE
    )
    period_type = models.CharField(_("period type"), max_length=10, choices=periods.PERIOD_TYPES, default=periods.MONTHLY)
    collection_level = models.PositiveSmallIntegerField(
        _("collection level"), choices=CollectionLevel.choices, default=CollectionLevel.MUNICIPALITY
    )
    aggregation = models.CharField(_("aggregation up the tree"), max_length=16, choices=Aggregation.choices, default=Aggregation.SUM)
    min_value = models.DecimalField(_("smallest valid value"), max_digits=14, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField(_("largest valid value"), max_digits=14, decimal_places=4, null=True, blank=True)
    # Raw values at which the indicator alone signals a level; e.g. {"yellow": 1, "orange": 3, "red": 5}.
    thresholds = models.JSONField(_("thresholds"), default=dict, blank=True)
    # A single value at or above this raises an alert at once (e.g. 1 fatality).
    critical_value = models.DecimalField(_("critical value"), max_digits=14, decimal_places=4, null=True, blank=True)
    index_weight = models.DecimalField(_("weight in the index"), max_digits=6, decimal_places=3, default=Decimal(1))
    source = models.CharField(_("data source"), max_length=300, blank=True)
    value_origin = models.CharField(_("values come from"), max_length=10, choices=ValueOrigin.choices, default=ValueOrigin.ENTERED)
    # Formula indicators are computed, never entered: numerator / denominator x factor.
    numerator = models.ForeignKey(
        "self", verbose_name=_("numerator"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    denominator = models.ForeignKey(
        "self", verbose_name=_("denominator"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    factor = models.DecimalField(_("factor"), max_digits=10, decimal_places=3, default=Decimal(1))
    is_active = models.BooleanField(_("in use"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    territory_field = None  # national configuration
    audited = True

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["domain__order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(numerator__isnull=True) & Q(denominator__isnull=True))
                | (Q(numerator__isnull=False) & Q(denominator__isnull=False)),
                name="indicator_formula_complete",
            ),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True) | Q(max_value__isnull=True) | Q(max_value__gte=models.F("min_value")),
                name="indicator_range_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.code} — {self.name}"

    def get_absolute_url(self):
        return reverse("monitoring:indicator", args=[self.code])

    @property
    def is_formula(self) -> bool:
        return self.numerator_id is not None

    def categories(self):
        return disaggregation.categories(self.disaggregation)


class IndicatorVersion(models.Model):
    """What an indicator said at each version, so old reports can be read as they were meant."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("definition"))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("changed"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    territory_field = None

    class Meta:
        verbose_name = _("indicator version")
        verbose_name_plural = _("indicator versions")
        ordering = ["indicator", "-version"]
        constraints = [models.UniqueConstraint(fields=["indicator", "version"], name="indicator_version_unique")]


class ReportingForm(models.Model):
    """A named set of indicators reported together for one period type."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    period_type = models.CharField(_("period type"), max_length=10, choices=periods.PERIOD_TYPES, default=periods.MONTHLY)
    indicators = models.ManyToManyField(Indicator, through="FormIndicator", related_name="forms", verbose_name=_("indicators"))
    days_allowed = models.PositiveSmallIntegerField(_("days allowed after the period ends"), default=10)
    first_period = models.DateField(_("first period"), help_text=_("First day of the first period to report."))
    is_active = models.BooleanField(_("in use"), default=True)
    # The incident register: filled by Aimak from incident reports, never by people (ADR 0008).
    is_register = models.BooleanField(_("filled from incident reports"), default=False, editable=False)

    territory_field = None
    audited = True

    class Meta:
        verbose_name = _("reporting form")
        verbose_name_plural = _("reporting forms")
        ordering = ["code"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("monitoring:form", args=[self.code])


class FormIndicator(models.Model):
    form = models.ForeignKey(ReportingForm, on_delete=models.CASCADE, related_name="items")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="form_items")
    order = models.PositiveSmallIntegerField(default=0)
    required = models.BooleanField(_("required"), default=True)

    territory_field = None

    class Meta:
        ordering = ["form", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["form", "indicator"], name="form_indicator_unique")]


class FormAssignment(models.Model):
    """Who must report: every territory of these kinds under an area (e.g. all aiyl aimaks of
    Jeti-Oguz rayon)."""

    form = models.ForeignKey(ReportingForm, on_delete=models.CASCADE, related_name="assignments")
    area = models.ForeignKey("territories.Territory", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    kinds = models.JSONField(_("kinds of territory"), default=list)

    territory_field = "area"
    audited = True

    class Meta:
        verbose_name = _("reporting assignment")
        verbose_name_plural = _("reporting assignments")
        constraints = [models.UniqueConstraint(fields=["form", "area"], name="form_assignment_unique")]

    def __str__(self):
        return f"{self.form} — {self.area}"


class PeriodClosure(models.Model):
    """A period of a form closed for reporting by a coordinator or analyst (reopenable)."""

    form = models.ForeignKey(ReportingForm, on_delete=models.CASCADE, related_name="closures")
    period_start = models.DateField(_("period"))
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    territory_field = None
    audited = True

    class Meta:
        constraints = [models.UniqueConstraint(fields=["form", "period_start"], name="period_closure_unique")]

    def __str__(self):
        return f"{self.form} {self.period_start}"


class Report(models.Model):
    """One territory's values for one form and period, with a narrative and sources."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("returned with comments")
        APPROVED_DISTRICT = "approved_district", _("approved by the district")
        APPROVED_OBLAST = "approved_oblast", _("approved by the oblast")

    COUNTED = (Status.SUBMITTED, Status.APPROVED_DISTRICT, Status.APPROVED_OBLAST)  # in analysis at once
    LOCKED = (Status.APPROVED_DISTRICT, Status.APPROVED_OBLAST)

    form = models.ForeignKey(ReportingForm, verbose_name=_("form"), on_delete=models.PROTECT, related_name="reports")
    territory = models.ForeignKey("territories.Territory", verbose_name=_("territory"), on_delete=models.PROTECT, related_name="+")
    period_type = models.CharField(max_length=10, choices=periods.PERIOD_TYPES)
    period_start = models.DateField(_("period"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    narrative = models.TextField(_("narrative"), blank=True)
    sources = models.TextField(_("sources"), blank=True)
    # The territory's place in the tree as of the period (materialised path), so roll-ups use
    # the map that was valid then.
    territory_path = models.CharField(max_length=48, db_index=True, editable=False)
    revision = models.PositiveIntegerField(default=0, editable=False)  # guards against lost updates
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    territory_field = "territory"
    audited = True

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-period_start", "territory__path"]
        constraints = [
            models.UniqueConstraint(fields=["form", "territory", "period_start"], name="report_unique_per_period"),
        ]
        indexes = [models.Index(fields=["form", "period_start", "status"])]

    def __str__(self):
        return f"{self.form} · {self.territory} · {self.period.code}"

    def get_absolute_url(self):
        return reverse("monitoring:report", args=[self.pk])

    @property
    def period(self) -> periods.PeriodSpan:
        return periods.PeriodSpan(self.period_type, self.period_start)

    @property
    def is_locked(self) -> bool:
        return self.status in self.LOCKED

    @property
    def is_counted(self) -> bool:
        return self.status in self.COUNTED


class ReportEvent(models.Model):
    """The report's workflow log: every save, submission, return, approval and reopening."""

    class Action(models.TextChoices):
        SAVED = "saved", _("saved as draft")
        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("returned with comments")
        APPROVED = "approved", _("approved")
        REOPENED = "reopened", _("reopened")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    status_after = models.CharField(_("status"), max_length=20, choices=Report.Status.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    integration = models.CharField(max_length=100, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    territory_field = "report__territory"

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_action_display()} {self.report_id}"


class DataValue(models.Model):
    """One entered value. Territory, period and path are copied from the report so that the
    database can aggregate values without joins."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    category = models.CharField(_("category"), max_length=20, blank=True, default=disaggregation.TOTAL)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4)
    territory = models.ForeignKey("territories.Territory", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    territory_path = models.CharField(max_length=48)
    counted = models.BooleanField(default=False)  # mirrors report.is_counted, for the aggregation's WHERE
    comment = models.CharField(_("comment"), max_length=300, blank=True)

    territory_field = "territory"
    audited = True

    class Meta:
        verbose_name = _("value")
        verbose_name_plural = _("values")
        constraints = [models.UniqueConstraint(fields=["report", "indicator", "category"], name="value_unique_in_report")]
        indexes = [
            models.Index(fields=["indicator", "period_start", "counted", "territory_path"], name="value_rollup"),
            models.Index(fields=["territory", "indicator", "period_start"], name="value_history"),
        ]

    def __str__(self):
        return f"{self.indicator.code}[{self.category or 'total'}] = {self.value}"


class AggregateValue(models.Model):
    """A value of an indicator for a territory at any level and period, rolled up by the
    indicator's rule from counted reports on the tree as of the period (formula indicators
    computed from their parts). Recomputed for the affected territories on every change."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="aggregates")
    territory = models.ForeignKey("territories.Territory", on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField()
    category = models.CharField(max_length=20, blank=True, default="")
    value = models.DecimalField(max_digits=20, decimal_places=6, null=True)
    reports = models.PositiveIntegerField(default=0)  # how many reports it stands on
    computed_at = models.DateTimeField(auto_now=True)

    territory_field = "territory"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["indicator", "territory", "period_start", "category"], name="aggregate_unique")
        ]
        indexes = [
            models.Index(fields=["territory", "period_start"], name="aggregate_by_place"),
            models.Index(fields=["indicator", "period_start"], name="aggregate_by_indicator"),
        ]


class IndexSettings(models.Model):
    """The index's configurable parts (one row): level cut-offs and the normalisation mix."""

    cutoffs = models.JSONField(_("level cut-offs"), default=dict)  # {"green": 20, "yellow": 40, "orange": 60, "red": 80}
    own_history_share = models.DecimalField(_("weight of the territory's own history"), max_digits=4, decimal_places=3, default=Decimal("0.5"))
    history_periods = models.PositiveSmallIntegerField(_("periods of history used as baseline"), default=12)
    acknowledge_within_hours = models.PositiveSmallIntegerField(_("hours allowed to acknowledge an alert"), default=24)

    territory_field = None
    audited = True

    class Meta:
        verbose_name = _("index settings")
        verbose_name_plural = _("index settings")


class Level(models.TextChoices):
    """Five tension levels, as the brief names them."""

    BLUE = "blue", _("calm")
    GREEN = "green", _("isolated incidents")
    YELLOW = "yellow", _("tension without violence")
    ORANGE = "orange", _("repeated organised conflict")
    RED = "red", _("repeated or mass violence")


LEVEL_ORDER = [Level.BLUE, Level.GREEN, Level.YELLOW, Level.ORANGE, Level.RED]
DEFAULT_CUTOFFS = {"green": 20, "yellow": 40, "orange": 60, "red": 80}


class IndexValue(models.Model):
    """The tension index (0–100) of a territory for a period with its explanation."""

    territory = models.ForeignKey("territories.Territory", on_delete=models.CASCADE, related_name="+")
    period_type = models.CharField(max_length=10, choices=periods.PERIOD_TYPES, default=periods.MONTHLY)
    period_start = models.DateField()
    value = models.DecimalField(_("index"), max_digits=6, decimal_places=2)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    # [{"indicator": code, "domain": code, "value": raw, "score": 0-100, "weight": w, "contribution": points, "reason": ...}]
    breakdown = models.JSONField(_("breakdown"), default=list)
    coverage = models.DecimalField(_("share of indicators with data"), max_digits=5, decimal_places=4, default=ZERO)
    # An area (rayon, oblast, country) is as tense as its most tense part: when a part's index
    # is above the area's own, the area takes it and this says which part it was:
    # {"territory": SOATE code, "value": 63.2, "level": "orange", "own_value": 12.5}.
    hotspot = models.JSONField(_("most tense part"), null=True, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    territory_field = "territory"

    @property
    def period(self) -> periods.PeriodSpan:
        return periods.PeriodSpan(self.period_type, self.period_start)

    class Meta:
        verbose_name = _("index value")
        verbose_name_plural = _("index values")
        constraints = [models.UniqueConstraint(fields=["territory", "period_type", "period_start"], name="index_unique")]
        indexes = [
            models.Index(fields=["period_start", "level"], name="index_by_period"),
            models.Index(fields=["computed_at"], name="index_by_computed"),  # the data version (core/answers.py)
        ]


class AlertRule(models.Model):
    class Kind(models.TextChoices):
        LEVEL_CROSSING = "level_crossing", _("index level crossed")
        SHARP_RISE = "sharp_rise", _("sharp rise against the territory's own baseline")
        CRITICAL_VALUE = "critical_value", _("critical single value or incident")
        NEIGHBOURS_RISING = "neighbours_rising", _("several neighbouring territories rising together")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    # level_crossing: {"level": "orange"}; sharp_rise: {"points": 20, "periods": 6};
    # critical_value: {} (uses indicators' critical values); neighbours_rising: {"count": 3, "points": 10}
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    severity = models.CharField(_("severity"), max_length=8, choices=Level.choices, default=Level.ORANGE)
    is_active = models.BooleanField(_("in use"), default=True)

    territory_field = None
    audited = True

    class Meta:
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Alert(models.Model):
    class Status(models.TextChoices):
        RAISED = "raised", _("raised")
        ACKNOWLEDGED = "acknowledged", _("acknowledged")
        RESPONDING = "responding", _("response plan under way")
        RESOLVED = "resolved", _("resolved")
        ESCALATED = "escalated", _("escalated")

    OPEN = (Status.RAISED, Status.ACKNOWLEDGED, Status.RESPONDING)

    key = models.CharField(max_length=120, unique=True, editable=False)  # rule:territory:period — raised once
    rule = models.ForeignKey(AlertRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="alerts")
    territory = models.ForeignKey("territories.Territory", verbose_name=_("territory"), on_delete=models.PROTECT, related_name="+")
    period_type = models.CharField(max_length=10, choices=periods.PERIOD_TYPES, default=periods.MONTHLY)
    period_start = models.DateField(_("period"))
    severity = models.CharField(_("severity"), max_length=8, choices=Level.choices)
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.RAISED, db_index=True)
    summary = models.CharField(_("summary"), max_length=400)
    evidence = models.JSONField(_("evidence"), default=dict)
    raised_at = models.DateTimeField(_("raised"), auto_now_add=True)
    acknowledge_due = models.DateTimeField(_("acknowledge by"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("acknowledged by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    escalated_to = models.ForeignKey("territories.Territory", verbose_name=_("escalated to"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    territory_field = "territory"
    audited = True

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["status", "raised_at"], name="alert_inbox")]

    def __str__(self):
        return self.summary

    def get_absolute_url(self):
        return reverse("monitoring:alert", args=[self.pk])

    @property
    def period(self) -> periods.PeriodSpan:
        return periods.PeriodSpan(self.period_type, self.period_start)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class AlertEvent(models.Model):
    """The alert's workflow log (raised, acknowledged, plan opened, resolved, escalated, notes)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    territory_field = "alert__territory"

    class Meta:
        ordering = ["created_at", "id"]


class Notification(models.Model):
    """An in-app message to one person (also sent by e-mail when they have an address)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    message = models.CharField(_("message"), max_length=400)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    territory_field = None  # addressed to its person; listed only for them

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "alert"], name="notification_once_per_alert")]


class ResponsePlan(models.Model):
    """A prevention or response plan of a territory (seed 003's three plan types as templates)."""

    class PlanType(models.TextChoices):
        PREVENT = "prevent", _("forecast and prevent risks")
        DIALOGUE = "dialogue", _("dialogue and trust between authorities, CSOs and communities")
        PEACE = "peace", _("sustainable peace")
        RESPONSE = "response", _("response to an alert")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ACTIVE = "active", _("under way")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")

    territory = models.ForeignKey("territories.Territory", verbose_name=_("territory"), on_delete=models.PROTECT, related_name="+")
    plan_type = models.CharField(_("type of plan"), max_length=10, choices=PlanType.choices)
    title = models.CharField(_("title"), max_length=300)
    goal = models.TextField(_("goal"))
    risks = models.TextField(_("risks it answers"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    alerts = models.ManyToManyField(Alert, blank=True, related_name="plans", verbose_name=_("alerts it answers"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    territory_field = "territory"
    audited = True

    class Meta:
        verbose_name = _("prevention or response plan")
        verbose_name_plural = _("prevention and response plans")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("monitoring:plan", args=[self.pk])


class PlanMeasure(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")
        DELAYED = "delayed", _("delayed")
        DROPPED = "dropped", _("dropped")

    plan = models.ForeignKey(ResponsePlan, on_delete=models.CASCADE, related_name="measures")
    title = models.CharField(_("measure"), max_length=300)
    owner = models.CharField(_("responsible"), max_length=200)
    partners = models.CharField(_("partner organisations"), max_length=300, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    budget = models.DecimalField(_("budget, som"), max_digits=14, decimal_places=2, null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    order = models.PositiveSmallIntegerField(default=0)

    territory_field = "plan__territory"
    audited = True

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["plan", "order", "id"]

    def __str__(self):
        return self.title


class PlanUpdate(models.Model):
    plan = models.ForeignKey(ResponsePlan, on_delete=models.CASCADE, related_name="updates")
    text = models.TextField(_("progress"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    territory_field = "plan__territory"
    audited = True

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["-created_at", "-id"]

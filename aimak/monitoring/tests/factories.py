"""Makers for the permission matrix (one row of each scoped monitoring model at a place) and
small builders the monitoring tests share."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from aimak.core.testing import scoped_factory

from .. import models as m

PERIOD = date(2026, 3, 1)


def domain(code="incidents", weight=1):
    return m.Domain.objects.get_or_create(code=code, defaults={"name_en": code.title(), "name_ru": code, "weight": weight})[0]


def indicator(code="fights", **fields):
    fields.setdefault("domain", domain())
    fields.setdefault("name_en", code)
    fields.setdefault("name_ru", code)
    return m.Indicator.objects.get_or_create(code=code, defaults=fields)[0]


def form(code="matrix-form", indicators=(), **fields):
    fields.setdefault("name_en", code)
    fields.setdefault("name_ru", code)
    fields.setdefault("first_period", date(2024, 1, 1))
    f, _ = m.ReportingForm.objects.get_or_create(code=code, defaults=fields)
    for i, ind in enumerate(indicators):
        m.FormIndicator.objects.get_or_create(form=f, indicator=ind, defaults={"order": i})
    return f


def report(place, *, form_obj=None, period=PERIOD, status=m.Report.Status.DRAFT):
    return m.Report.objects.create(
        form=form_obj or form(), territory=place, period_type="monthly", period_start=period,
        status=status, territory_path=place.path,
    )


def rule(kind="level_crossing"):
    return m.AlertRule.objects.get_or_create(code=f"matrix-{kind}", defaults={"kind": kind, "name_en": kind, "name_ru": kind})[0]


def alert(place, *, period=PERIOD, rule_obj=None):
    r = rule_obj or rule()
    return m.Alert.objects.create(
        key=f"{r.code}:{place.pk}:{period}", rule=r, territory=place, period_start=period, severity="orange",
        summary=f"alert {place.code}", acknowledge_due=timezone.now() + timedelta(hours=24),
    )


def plan(place):
    return m.ResponsePlan.objects.create(territory=place, plan_type="prevent", title=f"plan {place.code}", goal="goal")


scoped_factory("monitoring.formassignment")(lambda place: m.FormAssignment.objects.create(form=form(f"f-{place.pk}"), area=place, kinds=["aiyl_aimak"]))
scoped_factory("monitoring.report")(lambda place: report(place))
scoped_factory("monitoring.reportevent")(lambda place: m.ReportEvent.objects.create(report=report(place, period=date(2025, 1, 1)), action="saved", status_after="draft"))
scoped_factory("monitoring.datavalue")(
    lambda place: m.DataValue.objects.create(
        report=report(place, period=date(2025, 2, 1)), indicator=indicator(), value=Decimal(1),
        territory=place, period_start=date(2025, 2, 1), territory_path=place.path,
    )
)
scoped_factory("monitoring.aggregatevalue")(
    lambda place: m.AggregateValue.objects.create(indicator=indicator(), territory=place, period_start=PERIOD, value=Decimal(1))
)
scoped_factory("monitoring.indexvalue")(
    lambda place: m.IndexValue.objects.create(territory=place, period_start=PERIOD, value=Decimal(10), level="blue")
)
scoped_factory("monitoring.alert")(lambda place: alert(place))
scoped_factory("monitoring.alertevent")(lambda place: m.AlertEvent.objects.create(alert=alert(place, period=date(2025, 3, 1)), action="raised"))
scoped_factory("monitoring.responseplan")(lambda place: plan(place))
scoped_factory("monitoring.planmeasure")(lambda place: m.PlanMeasure.objects.create(plan=plan(place), title="m", owner="o"))
scoped_factory("monitoring.planupdate")(lambda place: m.PlanUpdate.objects.create(plan=plan(place), text="t"))


# --- reporting (added by the reporting work) ---------------------------------------------------


def reporting_test_form(code="t-monthly"):
    """A monthly form with one indicator of each kind: counts split by sex and by sex and age,
    a percentage, a yes/no, a 1-5 score, an optional number, and a formula (never entered)."""
    fights = indicator("t-fights", name_en="Fights", value_type="count", disaggregation="sex")
    protest = indicator("t-protest", name_en="Protesters", value_type="count", disaggregation="sex_age")
    trust = indicator("t-trust", name_en="Trust in the aiyl okmotu", value_type="percentage", unit="%")
    water = indicator("t-water", name_en="Water dispute", value_type="yes_no")
    mood = indicator("t-mood", name_en="Mood", value_type="scale", definition="1 calm … 5 very tense")
    budget = indicator("t-budget", name_en="Spending on dialogue", value_type="number", unit="som")
    rate = indicator("t-rate", name_en="Fights per trust point", value_type="number", numerator=fights, denominator=trust)
    f = form(code, indicators=[fights, protest, trust, water, mood, budget, rate], period_type="monthly")
    m.FormIndicator.objects.filter(form=f, indicator=budget).update(required=False)
    return f

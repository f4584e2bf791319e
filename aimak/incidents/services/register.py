"""The incident register: incident-count indicators written from incident reports (ADR 0008).

For one territory and month the database counts the incidents that are not false (one grouped
query per register) and the result becomes the values of that month's register report, a
system report that is always counted and never goes through review. From there aggregation,
the index, alert rules (a death raises its alert at once through the critical-value rule) and
the audit trail work as for any report.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from aimak.audit import services as audit
from aimak.monitoring import periods
from aimak.monitoring.models import DataValue, FormIndicator, Indicator, Report, ReportingForm
from aimak.monitoring.selectors import forms as form_selectors
from aimak.monitoring.services import analytics

from ..models import Incident

# Casualty indicators sum incident fields instead of counting incidents: code -> (total, women)
CASUALTIES = {
    "injuries": ("injured", "injured_women"),
    "fatalities": ("killed", "killed_women"),
    "displaced-households": ("displaced_households", None),
}


def register_form() -> ReportingForm | None:
    return ReportingForm.objects.filter(is_register=True, is_active=True).first()


def counted_incidents():
    """Incidents that count: Aimak's own (not the ACLED reference layer), not marked false."""
    return Incident.objects.filter(origin=Incident.Origin.AIMAK).exclude(verification=Incident.Verification.FALSE)


def month_of(day: date) -> date:
    return periods.containing(periods.MONTHLY, day).start


def grouped_counts(incidents, form: ReportingForm) -> dict[tuple[int, date], dict[tuple[str, str], Decimal]]:
    """The register's values for every (territory, month) the incidents touch, by two grouped
    queries: {(territory id, month): {(indicator code, category): value}}, zeros included."""
    indicators = {i.code: i for i in Indicator.objects.filter(form_items__form=form)}
    incidents = incidents.order_by().annotate(month=TruncMonth("date"))
    out: dict = {}

    def cell(territory_id, month):
        key = (territory_id, month if isinstance(month, date) and not hasattr(month, "hour") else month.date())
        if key not in out:
            out[key] = {(code, ""): Decimal(0) for code in indicators}
        return out[key]

    for t_id, month in incidents.values_list("territory_id", "month").distinct():
        cell(t_id, month)
    typed = incidents.filter(incident_type__indicator__code__in=indicators)
    for t_id, month, code, n in typed.values("territory_id", "month", "incident_type__indicator__code").annotate(n=Count("id")).values_list(
            "territory_id", "month", "incident_type__indicator__code", "n"):
        cell(t_id, month)[(code, "")] = Decimal(n)
    sums = {}
    for code, (total, women) in CASUALTIES.items():
        if code in indicators:
            sums[f"{code}|t"] = Sum(total, default=0)
            if women and indicators[code].disaggregation == "sex":
                known = Q(**{f"{women}__isnull": False})
                sums[f"{code}|f"] = Sum(women, filter=known, default=0)
                sums[f"{code}|m"] = Sum(F(total) - F(women), filter=known, default=0)
    if sums:
        for row in incidents.values("territory_id", "month").annotate(**sums):
            values = cell(row["territory_id"], row["month"])
            for key, value in row.items():
                if "|" in key:
                    code, part = key.split("|")
                    values[(code, "" if part == "t" else part)] = Decimal(value or 0)
    return out


def counts(territory_id: int, month: date, form: ReportingForm) -> dict[tuple[str, str], Decimal]:
    """The register's values for one territory and month, zeros included."""
    span = periods.containing(periods.MONTHLY, month)
    incidents = counted_incidents().filter(territory_id=territory_id, date__gte=span.start, date__lte=span.end)
    empty = {(i.indicator.code, ""): Decimal(0) for i in FormIndicator.objects.filter(form=form).select_related("indicator")}
    return grouped_counts(incidents, form).get((territory_id, span.start), empty)


def _write(form: ReportingForm, territory, month: date, values: dict) -> Report:
    span = periods.containing(periods.MONTHLY, month)
    report, created = Report.objects.get_or_create(
        form=form, territory=territory, period_start=span.start,
        defaults={"period_type": periods.MONTHLY, "status": Report.Status.SUBMITTED, "submitted_at": timezone.now(),
                  "territory_path": form_selectors.path_as_of(territory, span.end)},
    )
    ids = dict(Indicator.objects.filter(code__in={c for c, _cat in values}).values_list("code", "pk"))
    stored = {(v.indicator_id, v.category): v for v in DataValue.objects.filter(report=report)}
    new, changed = [], []
    for (code, category), value in values.items():
        current = stored.pop((ids[code], category), None)
        if current is None:
            new.append(DataValue(report=report, indicator_id=ids[code], category=category, value=value, territory_id=territory.pk,
                                 period_start=report.period_start, territory_path=report.territory_path, counted=True))
        elif current.value != value:
            current.value = value
            changed.append(current)
    for gone in stored.values():
        gone.delete()
    if new:
        audit.bulk_create(DataValue, new)
    if changed:
        audit.bulk_update(DataValue, changed, ["value"])
    if created or new or changed or stored:
        report.revision += 1
        report.save(update_fields=["revision", "updated_at"])
        analytics.refresh_after_report(report)
    return report


@transaction.atomic
def recount(territory, month: date) -> Report | None:
    """Bring one territory's register for the month containing ``month`` up to date; the
    analysis follows in the same transaction. Nothing happens without a register form."""
    form = register_form()
    if form is None:
        return None
    return _write(form, territory, month, counts(territory.pk, month_of(month), form))


def recount_places(places) -> None:
    """``places``: (territory, day) pairs touched by a change (before and after an edit)."""
    seen = set()
    for territory, day in places:
        key = (territory.pk, month_of(day))
        if key not in seen:
            seen.add(key)
            recount(territory, day)


def ensure_register(territory, period_type: str, period_start: date) -> None:
    """Called when a monthly report is submitted: "no incidents" is the register's zero, so
    that a quiet month counts as quiet in the index, not as missing."""
    form = register_form()
    if form is None or period_type != form.period_type:
        return
    if not Report.objects.filter(form=form, territory=territory, period_start=period_start).exists():
        recount(territory, period_start)


def rebuild(*, synthetic_only: bool = False) -> int:
    """Write every register report from the incidents by grouped queries, without the live
    analysis (the caller recomputes the periods): for demo loads and reference imports.
    Returns the number of register reports written."""
    from aimak.territories.models import Territory

    form = register_form()
    if form is None:
        return 0
    incidents = counted_incidents()
    if synthetic_only:
        incidents = incidents.filter(is_synthetic=True)
    grouped = grouped_counts(incidents, form)
    territories = Territory.objects.in_bulk({t for t, _m in grouped})
    ids = dict(Indicator.objects.filter(form_items__form=form).values_list("code", "pk"))
    now = timezone.now()
    existing = {(r.territory_id, r.period_start): r for r in Report.objects.filter(form=form)}
    reports = []
    for (territory_id, month), _values in grouped.items():
        if (territory_id, month) not in existing:
            span = periods.containing(periods.MONTHLY, month)
            reports.append(Report(form=form, territory_id=territory_id, period_start=month, period_type=periods.MONTHLY,
                                  status=Report.Status.SUBMITTED, submitted_at=now, is_synthetic=synthetic_only,
                                  territory_path=form_selectors.path_as_of(territories[territory_id], span.end)))
    Report.objects.bulk_create(reports)
    existing = {(r.territory_id, r.period_start): r for r in Report.objects.filter(form=form)}
    touched = [existing[key] for key in grouped]
    DataValue.objects.filter(report__in=touched).delete()
    DataValue.objects.bulk_create([
        DataValue(report=report, indicator_id=ids[code], category=category, value=value, territory_id=report.territory_id,
                  period_start=report.period_start, territory_path=report.territory_path, counted=True)
        for report in touched for (code, category), value in grouped[(report.territory_id, report.period_start)].items()
    ], batch_size=2000)
    return len(touched)


def register_values(territory, month: date) -> list[tuple[Indicator, Decimal]]:
    """What the register holds for a territory and month, for the monthly form's read-only panel."""
    form = register_form()
    if form is None:
        return []
    items = FormIndicator.objects.filter(form=form).select_related("indicator").order_by("order")
    values = dict(DataValue.objects.filter(report__form=form, territory=territory, period_start=month_of(month), category="")
                  .values_list("indicator_id", "value"))
    return [(item.indicator, values.get(item.indicator_id, Decimal(0))) for item in items]

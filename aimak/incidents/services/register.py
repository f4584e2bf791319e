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

from aimak.monitoring import periods
from aimak.monitoring.models import DataValue, FormIndicator, Indicator, Report, ReportingForm
from aimak.monitoring.selectors import forms as form_selectors
from aimak.monitoring.services import analytics, reporting

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
    merged = {(ids[code], category): value for (code, category), value in values.items()}
    if reporting.write_values(report, merged, set(ids.values())) or created:
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


def rebuild(*, synthetic_only: bool = False, zeros=()) -> int:
    """Write register reports from the incidents by grouped queries, without the live analysis
    (the caller recomputes the periods): for demo loads and reference imports. Returns the number
    of register reports written.

    ``synthetic_only``: only the (territory, month) cells that synthetic incidents touch, the
    reports it creates marked synthetic (the demo's, removed with it); their values still count
    every incident there, as the live count does. ``zeros``: (territory id, month) cells written
    even without incidents, as zeros, like ``ensure_register`` writes for a submitted monthly
    report (a quiet month is a zero, not a gap)."""
    form = register_form()
    if form is None:
        return 0
    incidents = counted_incidents()
    zeros = {(territory_id, month_of(month)) for territory_id, month in zeros}
    cells = None
    if synthetic_only:
        synthetic = incidents.filter(is_synthetic=True).order_by().annotate(month=TruncMonth("date"))
        cells = {(t, _as_date(m)) for t, m in synthetic.values_list("territory_id", "month").distinct()} | zeros
        incidents = incidents.filter(territory_id__in={t for t, _m in cells})
    grouped = grouped_counts(incidents, form)
    if cells is not None:
        grouped = {key: values for key, values in grouped.items() if key in cells}
    empty = {(code, ""): Decimal(0) for code in Indicator.objects.filter(form_items__form=form).values_list("code", flat=True)}
    for key in zeros:
        grouped.setdefault(key, dict(empty))
    ids = dict(Indicator.objects.filter(form_items__form=form).values_list("code", "pk"))
    now = timezone.now()
    existing = {(r.territory_id, r.period_start): r for r in Report.objects.filter(form=form)}
    missing = [key for key in grouped if key not in existing]
    paths = _paths_as_of(missing)
    reports = [Report(form=form, territory_id=territory_id, period_start=month, period_type=periods.MONTHLY,
                      status=Report.Status.SUBMITTED, submitted_at=now, is_synthetic=synthetic_only,
                      territory_path=paths[(territory_id, month)])
               for territory_id, month in missing]
    Report.objects.bulk_create(reports, batch_size=500)
    existing = {(r.territory_id, r.period_start): r for r in Report.objects.filter(form=form)}
    touched = [existing[key] for key in grouped]
    new_ids = {r.pk for r in reports}
    stale = [r.pk for r in touched if r.pk not in new_ids]
    for start in range(0, len(stale), 500):
        DataValue.objects.filter(report_id__in=stale[start:start + 500]).delete()
    DataValue.objects.bulk_create([
        DataValue(report=report, indicator_id=ids[code], category=category, value=value, territory_id=report.territory_id,
                  period_start=report.period_start, territory_path=report.territory_path, counted=True)
        for report in touched for (code, category), value in grouped[(report.territory_id, report.period_start)].items()
    ], batch_size=2000)
    return len(touched)


def _paths_as_of(cells) -> dict[tuple[int, date], str]:
    """``path_as_of`` the end of each (territory id, month) by one query instead of one a cell:
    the latest-starting version valid that day, else the territory's current path."""
    from aimak.territories.models import Territory, TerritoryVersion

    territory_ids = {t for t, _m in cells}
    current = dict(Territory.objects.filter(pk__in=territory_ids).values_list("pk", "path"))
    versions: dict = {}
    for territory_id, valid_from, valid_to, path in (
            TerritoryVersion.objects.filter(territory_id__in=territory_ids)
            .order_by(F("valid_from").desc(nulls_last=True), "-pk").values_list("territory_id", "valid_from", "valid_to", "path")):
        versions.setdefault(territory_id, []).append((valid_from, valid_to, path))
    out = {}
    for territory_id, month in cells:
        day = periods.containing(periods.MONTHLY, month).end
        path = next((path for starts, ends, path in versions.get(territory_id, ())
                     if (starts is None or starts <= day) and (ends is None or ends > day)), None)
        out[(territory_id, month)] = path or current[territory_id]
    return out


def _as_date(month) -> date:
    """``TruncMonth`` gives a date or a datetime depending on the database."""
    return month.date() if hasattr(month, "hour") else month


def register_values(territory, month: date) -> list[tuple[Indicator, Decimal]]:
    """What the register holds for a territory and month, for the monthly form's read-only panel."""
    form = register_form()
    if form is None:
        return []
    items = FormIndicator.objects.filter(form=form).select_related("indicator").order_by("order")
    values = dict(DataValue.objects.filter(report__form=form, territory=territory, period_start=month_of(month), category="")
                  .values_list("indicator_id", "value"))
    return [(item.indicator, values.get(item.indicator_id, Decimal(0))) for item in items]

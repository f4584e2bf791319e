"""One way in for values from outside: every channel (Kobo, ODK, DHIS2, spreadsheets) hands
its parsed rows to ``deliver``, which goes through the monitoring reporting services, so the
same permissions, validation, audit trail and live analysis apply as in the browser."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aimak.audit.services import log_security_event
from aimak.monitoring.models import FormIndicator, Report, ReportingForm
from aimak.monitoring.services import reporting


@dataclass
class Delivery:
    form: ReportingForm
    territory: object  # Territory
    period_start: date
    values: dict = field(default_factory=dict)  # {(indicator code, category): text}
    narrative: str | None = None
    sources: str | None = None


def deliver(actor, delivery: Delivery, *, submit: bool = True, replace: bool = False) -> Report:
    """Write ``delivery`` into its report (started if needed) and submit it.

    ``replace``: values of the form not in the delivery are removed (an edited submission, or
    DHIS2's UPDATE of a whole data set), instead of being left as they were. An approved report
    is locked: the delivery is refused with a reason, never half-applied: the whole delivery is
    one transaction (no empty draft is left behind by a refused one)."""
    try:
        with transaction.atomic():
            return _deliver(actor, delivery, submit=submit, replace=replace)
    except PermissionDenied:
        # the services' own security event was rolled back with the rest: record it again
        log_security_event("permission_refused", user=actor, detail={
            "action": "deliver", "form": delivery.form.code, "territory": getattr(delivery.territory, "code", None),
            "period": delivery.period_start.isoformat()})
        raise


def _deliver(actor, delivery: Delivery, *, submit: bool, replace: bool) -> Report:
    if delivery.form.is_register:  # derived figures: what enters is the incidents themselves
        raise ValidationError({"form": _("Incident counts are not imported: Aimak counts them from incident reports. "
                                         "Send the incidents instead (the incident form, ACLED CSV or the API).")})
    report = reporting.start_report(actor, delivery.form, delivery.territory, delivery.period_start)
    if report.is_locked:
        raise ValidationError({"report": _("The report of %(territory)s for %(period)s is approved and locked; ask a coordinator to reopen it.")
                               % {"territory": delivery.territory, "period": report.period.code}})
    values = dict(delivery.values)
    if replace:
        for code, categories in _form_cells(delivery.form).items():
            for category in categories:
                values.setdefault((code, category), "")
    reporting.save_draft(actor, report, values, delivery.narrative, delivery.sources)
    report.refresh_from_db()
    if submit and report.status in (Report.Status.DRAFT, Report.Status.RETURNED):
        reporting.submit(actor, report)
        report.refresh_from_db()
    return report


def _form_cells(form: ReportingForm) -> dict[str, list[str]]:
    """Every (indicator, category) cell a monitor can fill in on this form (formulas excluded)."""
    cells = {}
    for item in FormIndicator.objects.filter(form=form, indicator__numerator__isnull=True).select_related("indicator"):
        cells[item.indicator.code] = ["", *(c.code for c in item.indicator.categories())]
    return cells

"""The incident panels other pages show (a territory's monitoring page, an alert, a monthly
report): one call each, so those views stay unaware of how incidents are read."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from aimak.core import scoping

from ..models import Incident
from . import incidents as selectors

PANEL_SIZE = 10


def _links(query: dict) -> dict:
    q = urlencode(query)
    return {"list_url": f"{reverse('incidents:list')}?{q}", "map_url": f"{reverse('incidents:map')}?{q}"}


def territory_panel(user, territory) -> dict:
    """Recent incidents of a territory and below, with where to see them all and to record one."""
    incidents = selectors.visible_incidents(user).filter(territory__path__startswith=territory.path)
    may_record = territory.kind in selectors.RECORDING_KINDS and scoping.allowed_within(user, "create", Incident, territory)
    return {
        "incidents": list(incidents[:PANEL_SIZE]),
        "count": incidents.count(),
        "new_url": f"{reverse('incidents:new')}?{urlencode({'territory': territory.code})}" if may_record else "",
        **_links({"territory": territory.code}),
    }


def alert_panel(user, alert) -> dict:
    """The incidents of an alert's territory (and below) during its period, false reports left out."""
    incidents = selectors.incidents_for_alert(user, alert)
    return {
        "incidents": list(incidents[:PANEL_SIZE * 2]),
        "count": incidents.count(),
        "period": alert.period.code,
        **_links({"territory": alert.territory.code, "period": alert.period.code}),
    }


def register_panel(user, report) -> dict | None:
    """What the incident register counted for a monthly report's territory and month (None for
    other reports and for the register itself, whose values are the counts)."""
    from aimak.monitoring import periods

    from ..services import register

    if report.period_type != periods.MONTHLY or report.form.is_register:
        return None
    span = periods.PeriodSpan(periods.MONTHLY, report.period_start)
    day = min(scoping.today(), span.end)
    may_record = scoping.allowed_within(user, "create", Incident, report.territory) and report.territory.kind in selectors.RECORDING_KINDS
    return {
        "values": register.register_values(report.territory, report.period_start),
        "period": span.code,
        "new_url": f"{reverse('incidents:new')}?{urlencode({'territory': report.territory.code, 'date': day.isoformat()})}" if may_record else "",
        **_links({"territory": report.territory.code, "period": span.code}),
    }

"""Reads for the alert inbox, one alert's page and a person's notifications."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import BooleanField, Case, IntegerField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aimak.core import scoping

from ..models import Alert, AlertEvent, AlertRule, Indicator, Level, Notification, ResponsePlan

OPEN = [str(s) for s in Alert.OPEN]


def overdue_q(now: datetime | None = None) -> Q:
    """Open, nobody has acknowledged it, and the time allowed has run out."""
    now = now or timezone.now()
    return Q(status__in=OPEN, acknowledged_at__isnull=True, acknowledge_due__lt=now)


def inbox(user, *, now: datetime | None = None) -> QuerySet:
    """Alerts in the person's territories, open ones first, newest first within each group."""
    qs = scoping.restrict(Alert.objects.all(), user, "view")
    return (
        qs.select_related("territory", "rule", "acknowledged_by", "escalated_to")
        .annotate(
            open_first=Case(When(status__in=OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()),
            is_overdue=Case(When(overdue_q(now), then=Value(True)), default=Value(False), output_field=BooleanField()),
        )
        .order_by("open_first", "-raised_at", "-id")
    )


def overdue(user, *, now: datetime | None = None) -> QuerySet:
    return scoping.restrict(Alert.objects.filter(overdue_q(now)), user, "view")


def alert_for(user, pk: int, action: str = "view") -> Alert:
    """One alert the person may see; anything else is "not found", so its existence leaks nothing."""
    return get_object_or_404(scoping.restrict(Alert.objects.select_related("territory", "rule", "acknowledged_by", "escalated_to"), user, action), pk=pk)


@dataclass(frozen=True)
class AckTiming:
    hours: Decimal | None  # hours taken (None while waiting)
    limit_hours: Decimal
    waiting_hours: Decimal | None  # hours waited so far, while not acknowledged
    late: bool

    @property
    def overdue_now(self) -> bool:
        return self.hours is None and self.late


def _hours(delta) -> Decimal:
    return (Decimal(delta.total_seconds()) / Decimal(3600)).quantize(Decimal("0.1"))


def acknowledgement(alert: Alert, now: datetime | None = None) -> AckTiming:
    """How long acknowledging took (or has been waiting) against the limit the alert was raised with."""
    now = now or timezone.now()
    limit = _hours(alert.acknowledge_due - alert.raised_at)
    if alert.acknowledged_at is not None:
        return AckTiming(_hours(alert.acknowledged_at - alert.raised_at), limit, None, alert.acknowledged_at > alert.acknowledge_due)
    waiting = _hours(now - alert.raised_at)
    return AckTiming(None, limit, waiting, alert.status in OPEN and now > alert.acknowledge_due)


def events(alert: Alert) -> QuerySet:
    return AlertEvent.objects.filter(alert=alert).select_related("user").order_by("created_at", "id")


def plans_for(user, alert: Alert) -> QuerySet:
    return scoping.restrict(ResponsePlan.objects.filter(alerts=alert), user, "view").select_related("territory")


EVENT_LABELS = {
    "raised": _("raised"),
    "acknowledged": _("acknowledged"),
    "plan_opened": _("response plan opened"),
    "resolved": _("resolved"),
    "escalated": _("escalated"),
    "commented": _("comment"),
    "notified": _("notified"),
    "severity_raised": _("severity raised"),
}


def event_label(action: str) -> str:
    return str(EVENT_LABELS.get(action, action.replace("_", " ")))


def territory_url(territory) -> str:
    """The territory's monitoring page once it exists, else its gazetteer page."""
    try:
        return reverse("monitoring:territory", args=[territory.code])
    except NoReverseMatch:
        return territory.get_absolute_url()


def level_label(code) -> str:
    try:
        return str(Level(code).label)
    except ValueError:
        return str(code or "")


# ---- evidence ---------------------------------------------------------------------------------

KNOWN_EVIDENCE_KEYS = (
    "rule", "parameters", "index", "level", "previous", "period", "period_type", "period_start", "territory",
    "top", "top_indicators", "critical", "critical_values", "territories", "neighbours", "reports", "reports_total",
)
EVIDENCE_LABELS = {
    "rule": _("Rule"),
    "parameters": _("Rule settings"),
    "index": _("Tension index"),
    "level": _("Level"),
    "previous": _("Previous index"),
    "baseline": _("Usual level (median of earlier periods)"),
    "rise": _("Rise, points"),
    "period": _("Period"),
    "reports_total": _("Reports behind it"),
}
# What each rule setting means, in the words the rule editor uses.
PARAMETER_LABELS = {
    "level": _("level reached"),
    "min_level": _("at least the level"),
    "points": _("points of rise"),
    "periods": _("earlier periods compared"),
    "count": _("territories rising together"),
    "levels": _("levels of territory watched"),
}
NEIGHBOUR_LABELS = {"value": _("index now"), "previous_value": _("index before"), "rise": _("rise, points")}
TERRITORY_LEVEL_LABELS = {0: _("country"), 1: _("oblasts"), 2: _("rayons and cities"), 3: _("aiyl aimaks and towns")}


def _parameter_text(key, value) -> str:
    if key in ("level", "min_level"):
        value = level_label(value)
    elif key == "levels" and isinstance(value, list):
        value = ", ".join(str(TERRITORY_LEVEL_LABELS.get(v, v)) for v in value)
    return f"{PARAMETER_LABELS.get(key, key)}: {_pretty(value)}"


def _index_facts(index: dict) -> list:
    """The index part of the analytics evidence: now, before, and the baseline a rise is measured on."""
    facts = []
    if index.get("value") is not None:
        facts.append((EVIDENCE_LABELS["index"], {"code": str(index.get("level") or ""), "label": f"{index['value']:g} · {level_label(index.get('level'))}"}))
    if index.get("previous_value") is not None:
        facts.append((EVIDENCE_LABELS["previous"], {"code": str(index.get("previous_level") or ""),
                                                    "label": f"{index['previous_value']:g} · {level_label(index.get('previous_level'))}"}))
    if index.get("baseline") is not None:
        periods_text = ", ".join(map(str, _as_list(index.get("baseline_periods"))))
        facts.append((EVIDENCE_LABELS["baseline"], f"{index['baseline']:g}" + (f" ({periods_text})" if periods_text else "")))
    if index.get("rise") is not None:
        facts.append((EVIDENCE_LABELS["rise"], f"{index['rise']:+g}"))
    return facts


def _pretty(value) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, indent=1, default=str)
    return "" if value is None else str(value)


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def explain_evidence(evidence) -> dict:
    """The evidence an alert carries, made readable: indicator codes become names in the page
    language, report ids become links, neighbours become places. Unknown keys are kept and shown
    as they are; missing keys are simply absent. Never fails on odd data."""
    if not isinstance(evidence, dict):
        return {"facts": [], "top": [], "critical": [], "territories": [], "reports": [], "other": [(_("Evidence"), _pretty(evidence))] if evidence else []}
    top = [row for row in _as_list(evidence.get("top_indicators", evidence.get("top"))) if isinstance(row, dict)]
    critical = [row for row in _as_list(evidence.get("critical_values", evidence.get("critical"))) if isinstance(row, dict)]
    codes = {str(row.get("indicator")) for row in top + critical if row.get("indicator") is not None}
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=codes)} if codes else {}

    def indicator_cell(row):
        code = row.get("indicator")
        found = indicators.get(str(code))
        return {"code": code, "name": found.name if found else (code or "—"), "unit": found.unit if found else "", "obj": found}

    facts = []
    rule = evidence.get("rule")
    parameters = evidence.get("parameters")
    if isinstance(rule, dict):
        kind = rule.get("kind")
        try:
            facts.append((EVIDENCE_LABELS["rule"], str(AlertRule.Kind(kind).label)))
        except ValueError:
            facts.append((EVIDENCE_LABELS["rule"], _pretty(kind or rule.get("code"))))
        parameters = rule.get("parameters") or parameters
    elif rule not in (None, ""):
        facts.append((EVIDENCE_LABELS["rule"], _pretty(rule)))
    if isinstance(evidence.get("index"), dict):
        facts.extend(_index_facts(evidence["index"]))
    for key in ("index", "level", "previous", "period"):
        value = evidence.get(key)
        if value in (None, "") or isinstance(value, dict):
            continue
        if key == "level":
            facts.append((EVIDENCE_LABELS[key], {"code": str(value), "label": level_label(value)}))
        else:
            facts.append((EVIDENCE_LABELS[key], _pretty(value)))
    if isinstance(parameters, dict) and parameters:
        facts.append((EVIDENCE_LABELS["parameters"], "; ".join(_parameter_text(k, v) for k, v in parameters.items())))
    elif parameters:
        facts.append((EVIDENCE_LABELS["parameters"], _pretty(parameters)))
    if evidence.get("reports_total"):
        facts.append((EVIDENCE_LABELS["reports_total"], _pretty(evidence["reports_total"])))

    territories = []
    places = _as_list(evidence.get("territories")) + [
        {"code": n.get("territory"), **{k: v for k, v in n.items() if k != "territory"}}
        for n in _as_list(evidence.get("neighbours")) if isinstance(n, dict)
    ]
    from aimak.territories.models import Territory

    wanted_codes = {str(p.get("code") if isinstance(p, dict) else p) for p in places if isinstance(p, (dict, str, int))}
    by_code = {t.code: t for t in Territory.objects.filter(code__in=wanted_codes, valid_to__isnull=True)} if wanted_codes else {}
    by_pk = {}
    pks = [p for p in places if isinstance(p, int)]
    if pks:
        by_pk = {t.pk: t for t in Territory.objects.filter(pk__in=pks)}
    for place in places:
        if isinstance(place, dict):
            code = str(place.get("code", ""))
            found = by_code.get(code)
            extra = [(NEIGHBOUR_LABELS.get(k, k), _pretty(v)) for k, v in place.items() if k not in ("code", "name")]
            territories.append({"name": found.name if found else place.get("name") or code or "—", "url": territory_url(found) if found else "", "extra": extra})
        else:
            found = by_pk.get(place) if isinstance(place, int) else by_code.get(str(place))
            territories.append({"name": found.name if found else str(place), "url": territory_url(found) if found else "", "extra": []})

    reports = []
    for rid in _as_list(evidence.get("reports")):
        try:
            url = reverse("monitoring:report", args=[int(rid)])
        except (NoReverseMatch, TypeError, ValueError):
            url = ""
        reports.append({"id": rid, "url": url})

    return {
        "facts": facts,
        "top": [{**indicator_cell(r), "value": r.get("value"), "score": r.get("score"), "contribution": r.get("contribution"),
                 "threshold": level_label(r["threshold"]) if r.get("threshold") else None} for r in top],
        "critical": [{**indicator_cell(r), "value": r.get("value"), "critical_value": r.get("critical_value")} for r in critical],
        "territories": territories,
        "reports": reports,
        "other": [(k, _pretty(v)) for k, v in evidence.items() if k not in KNOWN_EVIDENCE_KEYS],
    }


# ---- notifications ----------------------------------------------------------------------------

def notifications(user) -> QuerySet:
    return Notification.objects.filter(user=user).select_related("alert").order_by("-created_at", "-id")


def unread_count(user) -> int:
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_for(user, pk: int) -> Notification:
    """A notification is addressed to one person: anyone else gets "not found"."""
    return get_object_or_404(Notification, pk=pk, user=user)

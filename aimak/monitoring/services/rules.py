"""Tuning the early warning: the alert rules and the index settings (level cut-offs, the mix of
own history and national comparison, the time allowed to acknowledge an alert).

Why a service of its own: these are national configuration, so a change needs ``configure`` on
the country, is checked completely before anything is written (a refused change writes
nothing), and is saved in one transaction; the audit trail records it because both models are
audited.

What a change does, and what it does not:
- New cut-offs re-read the level of every stored index value in one SQL ``UPDATE ... CASE``, so
  maps, pages and lists agree with the new cut-offs at once; the index values themselves stay
  as computed (threshold floors use the new cut-offs from the next recompute on).
- New rule parameters apply from the next evaluation on; past periods are not re-evaluated and
  alerts already raised stay as they are.
- A new acknowledgement limit applies to alerts raised from then on.

``user=None`` means a trusted command or job (as in ``services.catalogue``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, CharField, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aimak.core import scoping

from ..models import AlertRule, IndexSettings, IndexValue, Level
from . import index as index_service

COUNTRY_CODE = "41700000000000"
LANGS = ("ky", "ru", "en")
CUTOFF_LEVELS = ("green", "yellow", "orange", "red")  # blue is below green's cut-off

# Territory levels a rule can watch (aimak.territories Level numbers).
TERRITORY_LEVELS = [
    (3, gettext_lazy("aiyl aimaks and towns")),
    (2, gettext_lazy("rayons and cities")),
    (1, gettext_lazy("oblasts")),
]

# The parameters each kind reads (services/alerts.py), in the order the form shows them.
KIND_PARAMETERS = {
    AlertRule.Kind.LEVEL_CROSSING: ("level", "levels"),
    AlertRule.Kind.SHARP_RISE: ("points", "periods", "min_level", "levels"),
    AlertRule.Kind.CRITICAL_VALUE: ("levels",),
    AlertRule.Kind.NEIGHBOURS_RISING: ("count", "points", "min_level", "levels"),
}
# Kinds whose alerts carry the rule's own severity (the others: the level reached, or red).
KINDS_WITH_SEVERITY = (AlertRule.Kind.SHARP_RISE, AlertRule.Kind.NEIGHBOURS_RISING)

LIMITS = {
    "periods": (3, 60),  # the rise is measured against at least 3 past index values
    "count": (2, 1000),
    "points": (0, 100),  # above 0, at most the whole index scale
    "history_periods": (3, 60),
    "acknowledge_within_hours": (1, 720),
    "own_history_share": (0, 1),
    "cutoff": (0, 100),
}

LABELS = {
    "name_ky": gettext_lazy("Name in Kyrgyz"),
    "name_ru": gettext_lazy("Name in Russian"),
    "name_en": gettext_lazy("Name in English"),
    "severity": gettext_lazy("Severity"),
    "is_active": gettext_lazy("In use"),
    "level": gettext_lazy("Level that raises the alert"),
    "levels": gettext_lazy("Territory levels watched"),
    "points": gettext_lazy("Rise in index points"),
    "periods": gettext_lazy("Past periods forming the usual level"),
    "min_level": gettext_lazy("Lowest level that counts"),
    "count": gettext_lazy("Territories rising together"),
    "cutoff_green": gettext_lazy("Green starts at"),
    "cutoff_yellow": gettext_lazy("Yellow starts at"),
    "cutoff_orange": gettext_lazy("Orange starts at"),
    "cutoff_red": gettext_lazy("Red starts at"),
    "own_history_share": gettext_lazy("Weight of the territory's own history"),
    "history_periods": gettext_lazy("Periods of history used as baseline"),
    "acknowledge_within_hours": gettext_lazy("Hours allowed to acknowledge an alert"),
}


# ---------------------------------------------------------------- permission

def can_configure(user) -> bool:
    """Rules and index settings are national configuration: ``configure`` on the whole country."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    from aimak.territories.selectors import by_code

    return scoping.allowed_within(user, "configure", AlertRule, by_code(COUNTRY_CODE))


def require_configure(user, what: str) -> None:
    if user is None:  # a command or a background job
        return
    if not can_configure(user):
        from aimak.audit.services import log_security_event

        log_security_event("permission_refused", user=user, detail={"action": "configure", "object": what})
        raise PermissionDenied


# ---------------------------------------------------------------- checking input

def _label(field: str) -> str:
    return str(LABELS.get(field, field))


def _number(data: dict, field: str, errors: dict) -> Decimal | None:
    raw = data.get(field)
    if isinstance(raw, bool):
        raw = None
    if isinstance(raw, str):
        raw = raw.strip().replace(",", ".").replace("\u00a0", "").replace(" ", "")
    if raw is None or raw == "":
        errors[field] = _("%(field)s: enter a number.") % {"field": _label(field)}
        return None
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        errors[field] = _("%(field)s: enter a number.") % {"field": _label(field)}
        return None
    if not value.is_finite():
        errors[field] = _("%(field)s: enter a number.") % {"field": _label(field)}
        return None
    return value


def _whole(data: dict, field: str, errors: dict, low: int, high: int) -> int | None:
    value = _number(data, field, errors)
    if value is None:
        return None
    if value != value.to_integral_value() or not low <= value <= high:
        errors[field] = _("%(field)s: enter a whole number from %(low)s to %(high)s.") % {"field": _label(field), "low": low, "high": high}
        return None
    return int(value)


def _between(data: dict, field: str, errors: dict, low, high, *, above_low: bool = False) -> Decimal | None:
    value = _number(data, field, errors)
    if value is None:
        return None
    too_low = value <= low if above_low else value < low
    if too_low or value > high:
        message = (_("%(field)s: enter a number above %(low)s and at most %(high)s.") if above_low
                   else _("%(field)s: enter a number from %(low)s to %(high)s."))
        errors[field] = message % {"field": _label(field), "low": low, "high": high}
        return None
    return value


def _json_number(value: Decimal):
    """Whole numbers stay integers in the JSON (20, not 20.0)."""
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def _level(data: dict, field: str, errors: dict, allowed) -> str | None:
    value = str(data.get(field) or "").strip()
    if value not in allowed:
        errors[field] = _("%(field)s: choose one of the levels.") % {"field": _label(field)}
        return None
    return value


def _territory_levels(data: dict, errors: dict) -> list[int] | None:
    raw = data.get("levels")
    if isinstance(raw, (str, int)):
        raw = [raw]
    allowed = {number for number, _name in TERRITORY_LEVELS}
    chosen = set()
    for item in raw or []:
        try:
            number = int(item)
        except (TypeError, ValueError):
            number = None
        if number not in allowed:
            errors["levels"] = _("%(field)s: choose among aiyl aimaks and towns, rayons and cities, oblasts.") % {"field": _label("levels")}
            return None
        chosen.add(number)
    if not chosen:
        errors["levels"] = _("%(field)s: choose at least one level of territory.") % {"field": _label("levels")}
        return None
    return sorted(chosen, reverse=True)


def _boolean(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def check_rule(rule: AlertRule, data: dict) -> dict:
    """The rule's new field values (only those given in ``data``; the rest stay), or a
    ValidationError keyed by field with messages that name the field."""
    errors: dict[str, str] = {}
    out: dict = {}
    for lang in LANGS:
        key = f"name_{lang}"
        if key in data:
            text = str(data.get(key) or "").strip()
            if not text:
                errors[key] = _("%(field)s: this is required.") % {"field": _label(key)}
            elif len(text) > 200:
                errors[key] = _("%(field)s: at most %(count)s characters.") % {"field": _label(key), "count": 200}
            else:
                out[key] = text
    if "severity" in data:
        out["severity"] = _level(data, "severity", errors, Level.values)
    if "is_active" in data:
        out["is_active"] = _boolean(data["is_active"])

    wanted = KIND_PARAMETERS.get(rule.kind, ())
    parameters = dict(rule.parameters or {})
    if "level" in wanted and "level" in data:
        parameters["level"] = _level(data, "level", errors, CUTOFF_LEVELS)
    if "min_level" in wanted and "min_level" in data:
        parameters["min_level"] = _level(data, "min_level", errors, Level.values)
    if "points" in wanted and "points" in data:
        low, high = LIMITS["points"]
        points = _between(data, "points", errors, low, high, above_low=True)
        parameters["points"] = _json_number(points) if points is not None else None
    if "periods" in wanted and "periods" in data:
        parameters["periods"] = _whole(data, "periods", errors, *LIMITS["periods"])
    if "count" in wanted and "count" in data:
        parameters["count"] = _whole(data, "count", errors, *LIMITS["count"])
    if "levels" in wanted and "levels" in data:
        levels = _territory_levels(data, errors)
        old = (rule.parameters or {}).get("levels")
        same = isinstance(old, list) and levels is not None and sorted(map(str, old)) == sorted(map(str, levels))
        parameters["levels"] = old if same else levels  # the same levels in another order are no change
    if errors:
        raise ValidationError(errors)
    if parameters != (rule.parameters or {}):
        out["parameters"] = parameters
    return out


def check_index_settings(current: IndexSettings, data: dict) -> dict:
    """The settings' new values (only those given; cut-offs may come as ``cutoff_<level>`` keys
    or as a ``cutoffs`` dict), or a ValidationError naming each wrong field."""
    data = dict(data)
    for name, value in (data.pop("cutoffs", None) or {}).items():
        data.setdefault(f"cutoff_{name}", value)
    errors: dict[str, str] = {}
    out: dict = {}
    cuts = index_service.cutoffs_with_defaults(current.cutoffs)
    new_cuts: dict[str, Decimal | None] = {name: Decimal(str(cuts[name])) for name in CUTOFF_LEVELS}
    low, high = LIMITS["cutoff"]
    for name in CUTOFF_LEVELS:
        key = f"cutoff_{name}"
        if key in data:
            new_cuts[name] = _between(data, key, errors, low, high)
    previous = None
    for name in CUTOFF_LEVELS:
        value = new_cuts[name]
        if value is None:
            previous = None
            continue
        if previous is not None and value <= new_cuts[previous]:
            key = f"cutoff_{name}"
            errors.setdefault(key, _("%(field)s: cut-offs must rise strictly from green to red; enter more than %(previous)s (%(value)s).")
                              % {"field": _label(key), "previous": _label(f"cutoff_{previous}"), "value": _json_number(new_cuts[previous])})
        previous = name
    if not errors:
        stored = {name: _json_number(new_cuts[name]) for name in CUTOFF_LEVELS}
        if stored != {k: (current.cutoffs or {}).get(k) for k in CUTOFF_LEVELS}:
            out["cutoffs"] = stored
    if "own_history_share" in data:
        share = _between(data, "own_history_share", errors, *LIMITS["own_history_share"])
        if share is not None:
            if share != share.quantize(Decimal("0.001")):
                errors["own_history_share"] = _("%(field)s: use at most three decimals.") % {"field": _label("own_history_share")}
            else:
                out["own_history_share"] = share.quantize(Decimal("0.001"))
    for field in ("history_periods", "acknowledge_within_hours"):
        if field in data:
            out[field] = _whole(data, field, errors, *LIMITS[field])
    if errors:
        raise ValidationError(errors)
    return out


# ---------------------------------------------------------------- writing

def update_rule(user, rule: AlertRule, data: dict) -> tuple[AlertRule, bool]:
    """Change a rule's names, severity, use and parameters. Returns (rule, whether anything
    changed); nothing is written when nothing changed. Past periods are not re-evaluated."""
    require_configure(user, "monitoring.alertrule")
    with transaction.atomic():
        rule = AlertRule.objects.select_for_update().get(pk=rule.pk)
        changes = check_rule(rule, data)
        changes = {k: v for k, v in changes.items() if getattr(rule, k) != v}
        if not changes:
            return rule, False
        for name, value in changes.items():
            setattr(rule, name, value)
        rule.save(update_fields=list(changes))
    return rule, True


def update_index_settings(user, data: dict) -> tuple[IndexSettings, int | None]:
    """Change the index settings. Returns (settings, how many stored index values changed level):
    None when the cut-offs did not change, so nothing was re-levelled."""
    require_configure(user, "monitoring.indexsettings")
    with transaction.atomic():
        row = IndexSettings.objects.select_for_update().get(pk=index_service.get_settings().pk)
        changes = check_index_settings(row, data)
        changes = {k: v for k, v in changes.items() if getattr(row, k) != v}
        if not changes:
            return row, None
        for name, value in changes.items():
            setattr(row, name, value)
        row.save(update_fields=list(changes))
        moved = relevel_index_values(row.cutoffs) if "cutoffs" in changes else None
    return row, moved


def level_case(cutoffs: dict | None) -> Case:
    """The level of an index value as SQL: the same rule as ``index.level_for`` (the highest level
    whose cut-off the value reaches; blue below green)."""
    cuts = index_service.cutoffs_with_defaults(cutoffs)
    whens = [When(value__gte=Decimal(str(cuts[name])), then=Value(name)) for name in reversed(CUTOFF_LEVELS)]
    return Case(*whens, default=Value(Level.BLUE.value), output_field=CharField())


def relevel_index_values(cutoffs: dict | None) -> int:
    """Give every stored index value the level its value has under ``cutoffs``: one UPDATE with a
    CASE on the value, touching only rows whose level changes. Returns how many changed."""
    case = level_case(cutoffs)
    return IndexValue.objects.exclude(level=case).update(level=case)

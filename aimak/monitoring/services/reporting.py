"""The periodic report's life: start, fill in, submit, return, approve, reopen.

Each workflow action checks the person's rights where the report lives, acts, and leaves a
``ReportEvent`` in one transaction. Whenever the report enters or leaves analysis (its values
become counted or stop being counted) the live analysis is refreshed in the same transaction,
so a dashboard never shows a state the report is not in."""

from __future__ import annotations

import functools
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aimak.audit import services as audit
from aimak.core import context, scoping
from aimak.territories.models import PATH_STEP

from .. import disaggregation, periods, registers
from ..models import DataValue, FormIndicator, Indicator, Report, ReportEvent, ReportingForm
from ..selectors import forms as form_selectors
from . import analytics

Status = Report.Status
YES = {"1", "yes", "y", "true", "да", "д", "ооба", "ооба.", "бар"}
NO = {"0", "no", "n", "false", "нет", "н", "жок", "жок."}
MAX_DECIMALS = 4
MAX_WHOLE_DIGITS = 12
# SQLite keeps a decimal as a double: 16 digits (123456789012.3456) came back altered, or made
# the report unreadable (decimal.InvalidOperation when 999999999999.9995 rounded up). Excel keeps 15.
MAX_SIGNIFICANT_DIGITS = 15
PART_TYPES = (Indicator.ValueType.COUNT, Indicator.ValueType.NUMBER)  # where "of which" adds up
OBLAST_PATH_LENGTH = 2 * PATH_STEP  # country step + oblast step


def value_key(code: str, category: str) -> str:
    return f"value:{code}:{category}"


class _Refused(PermissionDenied):
    """A refusal raised inside the transaction; logged once the transaction has rolled back."""

    def __init__(self, user, action, report, message):
        super().__init__(message)
        self.user, self.action, self.pk = user, action, getattr(report, "pk", None)


def _refuse(user, action: str, report: Report | None = None, message: str = ""):
    raise _Refused(user, action, report, message or _("You do not have the right to do this for this territory."))


def _action(fn):
    """Run a workflow action in one transaction; a refusal is written to the security log
    after the rollback, so that it survives it."""

    @functools.wraps(fn)
    def wrapper(user, *args, **kwargs):
        # outside a request (commands, imports, tests) the acting person is the one passed in,
        # so that the change records name them
        actor = context.acting(user) if context.actor() is None and getattr(user, "is_authenticated", False) else nullcontext()
        try:
            with actor, transaction.atomic():
                return fn(user, *args, **kwargs)
        except _Refused as exc:
            audit.log_security_event(
                "permission_refused", user=exc.user, detail={"action": exc.action, "object": "monitoring.report", "pk": exc.pk}
            )
            raise PermissionDenied(*exc.args) from None

    return wrapper


def _require(user, action: str, report: Report, message: str = "") -> None:
    if not scoping.allowed_within(user, action, Report, report.territory):
        _refuse(user, action, report, message)
    if report.form.is_register:
        raise ValidationError({"form": _("The incident register is counted by Aimak from incident reports: record or correct the incidents instead.")})


def _log(report: Report, action: str, user, comment: str = "") -> ReportEvent:
    return ReportEvent.objects.create(
        report=report, action=action, status_after=report.status, user=context.person(user),
        integration=getattr(user, "integration_name", ""), comment=comment,
    )


def _refresh(report: Report) -> None:
    analytics.refresh_after_report(report)


def _locked_for_update(report: Report) -> Report:
    """The report as it stands now, row-locked, so two coordinators cannot act on one state."""
    return Report.objects.select_for_update().select_related("form", "territory").get(pk=report.pk)


# --- starting -------------------------------------------------------------------------------


@_action
def start_report(user, form: ReportingForm, territory, period_start: date) -> Report:
    """The report of ``territory`` for ``form`` and the period starting ``period_start``: the
    existing one, or a new draft. Refused for periods that are not the form's, not yet begun,
    before the form existed, or closed, and for territories that do not report the form."""
    if not scoping.allowed_within(user, "create", Report, territory):
        _refuse(user, "create", message=_("You may not start reports for %(territory)s.") % {"territory": territory})
    existing = Report.objects.filter(form=form, territory=territory, period_start=period_start).first()
    if existing is not None:
        return existing
    span = periods.containing(form.period_type, period_start)
    if span.start != period_start:
        raise ValidationError({"period": _("%(day)s is not the first day of a %(type)s period of this form.")
                               % {"day": period_start.isoformat(), "type": dict(periods.PERIOD_TYPES)[form.period_type]}})
    if not form.is_active:
        raise ValidationError({"form": _("The form “%(form)s” is no longer in use.") % {"form": form}})
    if period_start < form.first_period:
        raise ValidationError({"period": _("Period %(period)s is before the first period of this form (%(first)s).")
                               % {"period": span.code, "first": periods.containing(form.period_type, form.first_period).code}})
    if period_start > scoping.today():
        raise ValidationError({"period": _("Period %(period)s has not begun yet.") % {"period": span.code}})
    if form_selectors.is_closed(form, period_start):
        raise ValidationError({"period": _("Period %(period)s is closed for reporting.") % {"period": span.code}})
    if not form_selectors.is_expected(form, territory, as_of=span.end):
        raise ValidationError({"territory": _("%(territory)s does not report the form “%(form)s”.") % {"territory": territory, "form": form}})
    try:
        with transaction.atomic():  # a savepoint: a concurrent start must not break the caller's transaction
            report = Report.objects.create(
                form=form, territory=territory, period_type=form.period_type, period_start=period_start,
                territory_path=form_selectors.path_as_of(territory, span.end), created_by=context.person(user),
            )
    except IntegrityError:  # started by someone else a moment ago
        return Report.objects.get(form=form, territory=territory, period_start=period_start)
    return report


# --- values ---------------------------------------------------------------------------------


@dataclass
class Item:
    """An indicator as this form asks for it."""

    indicator: Indicator
    required: bool

    @property
    def categories(self) -> list[str]:
        return [disaggregation.TOTAL, *disaggregation.category_codes(self.indicator.disaggregation)]


def form_items(form: ReportingForm) -> list[Item]:
    return [
        Item(fi.indicator, fi.required)
        for fi in FormIndicator.objects.filter(form=form).select_related("indicator", "indicator__domain").order_by("order", "id")
    ]


def _decimal(text: str) -> Decimal | None:
    cleaned = text.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _show(number: Decimal) -> str:
    """A number as people write it: 10, not 1E+1 nor 10.0000."""
    return format(number.normalize(), "f")


def parse_value(indicator: Indicator, text: str) -> Decimal:
    """One entered value as the indicator's type reads it; ValueError with the reason."""
    name = indicator.name
    kind = indicator.value_type
    text = (text or "").strip()
    T = Indicator.ValueType
    if kind == T.YES_NO:
        word = text.lower()
        if word in YES:
            return Decimal(1)
        if word in NO:
            return Decimal(0)
        raise ValueError(_("%(indicator)s: answer yes or no.") % {"indicator": name})
    number = _decimal(text)
    if number is not None and abs(number) >= Decimal(10) ** MAX_WHOLE_DIGITS:  # before quantize, which cannot take 1e30
        raise ValueError(_("%(indicator)s: the number is too large.") % {"indicator": name})
    if kind in (T.COUNT, T.SCALE):
        if number is None or number != number.to_integral_value():
            raise ValueError(_("%(indicator)s: enter a whole number.") % {"indicator": name})
        number = number.quantize(Decimal(1))
        if kind == T.COUNT and number < 0:
            raise ValueError(_("%(indicator)s: a count cannot be negative.") % {"indicator": name})
        if kind == T.SCALE and not 1 <= number <= 5:
            raise ValueError(_("%(indicator)s: choose a score from 1 to 5.") % {"indicator": name})
    else:
        if number is None:
            raise ValueError(_("%(indicator)s: enter a number.") % {"indicator": name})
        if kind == T.PERCENTAGE and not 0 <= number <= 100:
            raise ValueError(_("%(indicator)s: a percentage must be between 0 and 100.") % {"indicator": name})
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > MAX_DECIMALS:
            raise ValueError(_("%(indicator)s: use at most %(n)s decimal places.") % {"indicator": name, "n": MAX_DECIMALS})
        if len(number.normalize().as_tuple().digits) > MAX_SIGNIFICANT_DIGITS:
            raise ValueError(_("%(indicator)s: use at most %(n)s digits in all.") % {"indicator": name, "n": MAX_SIGNIFICANT_DIGITS})
    if abs(number) >= Decimal(10) ** MAX_WHOLE_DIGITS:
        raise ValueError(_("%(indicator)s: the number is too large.") % {"indicator": name})
    if indicator.min_value is not None and number < indicator.min_value:
        raise ValueError(_("%(indicator)s: the value may not be below %(min)s.") % {"indicator": name, "min": _show(indicator.min_value)})
    if indicator.max_value is not None and number > indicator.max_value:
        raise ValueError(_("%(indicator)s: the value may not be above %(max)s.") % {"indicator": name, "max": _show(indicator.max_value)})
    return number


def _stored(report: Report) -> dict[tuple[int, str], DataValue]:
    return {(v.indicator_id, v.category): v for v in DataValue.objects.filter(report=report)}


def validate_values(report: Report, values: dict, *, complete: bool = False) -> tuple[dict, dict, dict]:
    """Check entered values against the form without writing anything.

    ``values`` maps (indicator code, category) to the text typed; "" clears a value; absent
    keys keep what is stored. Returns (errors, warnings, merged) where ``merged`` maps
    (indicator id, category) to the value the report would hold. With ``complete`` (submission)
    missing required totals and parts without a total are errors, otherwise warnings."""
    items = {item.indicator.code: item for item in form_items(report.form)}
    errors: dict[str, list] = {}
    warnings: dict[str, list] = {}
    merged: dict[tuple[int, str], Decimal] = {(k[0], k[1]): v.value for k, v in _stored(report).items()}
    touched: set[str] = set()
    for (code, category), text in values.items():
        category = category or disaggregation.TOTAL
        key = value_key(code, category)
        item = items.get(code)
        if item is None:
            errors[key] = [_("Indicator %(code)s is not on this form.") % {"code": code}]
            continue
        indicator = item.indicator
        if category not in item.categories:
            errors[key] = [_("%(indicator)s has no part “%(category)s”.") % {"indicator": indicator.name, "category": category}]
            continue
        text = "" if text is None else str(text).strip()
        if indicator.is_formula:
            if text:
                errors[key] = [_("%(indicator)s is calculated from other indicators and cannot be entered.") % {"indicator": indicator.name}]
            continue
        touched.add(code)
        if text == "":
            merged.pop((indicator.pk, category), None)
            continue
        try:
            merged[(indicator.pk, category)] = parse_value(indicator, text)
        except ValueError as exc:
            errors[key] = [str(exc)]
    check = items.keys() if complete else touched
    for code in check:
        item = items[code]
        indicator = item.indicator
        if indicator.is_formula:
            continue
        total_key = value_key(code, disaggregation.TOTAL)
        total = merged.get((indicator.pk, disaggregation.TOTAL))
        parts = {c: merged[(indicator.pk, c)] for c in item.categories[1:] if (indicator.pk, c) in merged}
        if total is None:
            target = errors if complete else warnings
            if item.required:
                target.setdefault(total_key, []).append(_("%(indicator)s: the total is required.") % {"indicator": indicator.name})
            elif parts:
                target.setdefault(total_key, []).append(
                    _("%(indicator)s: enter the total as well as its parts.") % {"indicator": indicator.name}
                )
            continue
        if indicator.value_type not in PART_TYPES or not parts or total_key in errors:
            continue
        for category, part in parts.items():
            if part > total:
                errors.setdefault(value_key(code, category), []).append(
                    _("%(indicator)s: “of which %(part)s” (%(value)s) is more than the total (%(total)s).")
                    % {"indicator": indicator.name, "part": disaggregation.label(indicator.disaggregation, category),
                       "value": _show(part), "total": _show(total)}
                )
        if sum(parts.values()) > total:
            errors.setdefault(total_key, []).append(
                _("%(indicator)s: the parts add up to %(sum)s, more than the total (%(total)s).")
                % {"indicator": indicator.name, "sum": _show(sum(parts.values())), "total": _show(total)}
            )
    return errors, warnings, merged


def _editable(user, report: Report) -> None:
    _require(user, "edit", report)
    if report.is_locked:
        raise ValidationError({"status": _("This report is approved and locked. Ask a coordinator to reopen it.")})
    if form_selectors.is_closed(report.form, report.period_start):
        raise ValidationError({"period": _("Period %(period)s is closed for reporting.") % {"period": report.period.code}})


@_action
def save_draft(user, report: Report, values: dict, narrative: str | None = None, sources: str | None = None,
               revision: int | None = None) -> tuple[Report, dict]:
    """Write the entered values, all or none. Returns the report and non-blocking warnings
    (what submission will still ask for); raises ValidationError keyed by field otherwise.
    ``revision`` is the one the person started from: if someone saved meanwhile, nothing is
    written (their changes are not overwritten)."""
    report = _locked_for_update(report)
    _editable(user, report)
    if revision is not None and int(revision) != report.revision:
        raise ValidationError({"revision": _("Someone else saved this report meanwhile. Reload the page to see their changes; your entries are kept on this device.")})
    errors, warnings, merged = validate_values(report, values)
    if narrative is not None and len(narrative) > 20000:
        errors["narrative"] = [_("The narrative is too long (at most 20,000 characters).")]
    if errors:
        raise ValidationError(errors)
    write_values(report, merged, {item.indicator.pk for item in form_items(report.form) if item.indicator.code in {c for c, _cat in values}})
    if narrative is not None:
        report.narrative = narrative.strip()
    if sources is not None:
        report.sources = sources.strip()
    report.revision += 1
    report.save()
    _log(report, ReportEvent.Action.SAVED, user)
    if report.is_counted:  # a correction to a submitted report changes what is counted
        _refresh(report)
    return report, warnings


def write_values(report: Report, merged: dict, indicator_ids: set[int]) -> bool:
    """Make the report's values of ``indicator_ids`` what ``merged`` says ({(indicator id,
    category): Decimal}), audited; True if anything changed. Also used by the incident register."""
    stored = _stored(report)
    counted = report.is_counted
    new, changed = [], []
    for (indicator_id, category), value in merged.items():
        if indicator_id not in indicator_ids:
            continue
        current = stored.get((indicator_id, category))
        if current is None:
            new.append(DataValue(
                report=report, indicator_id=indicator_id, category=category, value=value, territory_id=report.territory_id,
                period_start=report.period_start, territory_path=report.territory_path, counted=counted,
            ))
        elif current.value != value:
            current.value = value
            changed.append(current)
    gone = [current for key, current in stored.items() if key[0] in indicator_ids and key not in merged]
    for current in gone:
        current.delete()  # the audit signal records the removal
    if new:
        audit.bulk_create(DataValue, new)
    if changed:
        audit.bulk_update(DataValue, changed, ["value"])
    return bool(new or changed or gone)


# --- workflow -------------------------------------------------------------------------------


@_action
def submit(user, report: Report) -> Report:
    """Send the report for review; its values count in analysis from this moment."""
    report = _locked_for_update(report)
    _require(user, "submit", report)
    if report.status in (Status.SUBMITTED, *Report.LOCKED):
        raise ValidationError({"status": _("This report has already been submitted (%(status)s).") % {"status": report.get_status_display()}})
    if form_selectors.is_closed(report.form, report.period_start):
        raise ValidationError({"period": _("Period %(period)s is closed for reporting.") % {"period": report.period.code}})
    errors, _warnings, _merged = validate_values(report, {}, complete=True)
    if errors:
        raise ValidationError(errors)
    report.status = Status.SUBMITTED
    report.submitted_at = timezone.now()
    report.submitted_by = context.person(user)
    report.save()
    DataValue.objects.filter(report=report).update(counted=True)
    _log(report, ReportEvent.Action.SUBMITTED, user)
    _refresh(report)
    registers.report_submitted(report.territory, report.period_type, report.period_start)
    return report


@_action
def return_report(user, report: Report, comment: str) -> Report:
    """Send the report back to its monitor with what to fix; it leaves analysis until resubmitted."""
    report = _locked_for_update(report)
    _require(user, "review", report)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what should be corrected: a comment is required to return a report.")})
    if report.status not in (Status.SUBMITTED, Status.APPROVED_DISTRICT):
        raise ValidationError({"status": _("Only a submitted report can be returned; this one is %(status)s.") % {"status": report.get_status_display()}})
    report.status = Status.RETURNED
    report.save()
    DataValue.objects.filter(report=report).update(counted=False)
    _log(report, ReportEvent.Action.RETURNED, user, comment)
    _refresh(report)
    return report


def _covers_oblast(user, report: Report) -> bool:
    """Whether one of the person's approval grants is at the report's oblast or above it."""
    if user.is_superuser:
        return True
    path = report.territory.path
    return any(path.startswith(p) and len(p) <= OBLAST_PATH_LENGTH for p in scoping.grants(user, "approve", Report))


@_action
def approve(user, report: Report, comment: str = "") -> Report:
    """Approve at the next level: the district first, then the oblast. Approval locks."""
    report = _locked_for_update(report)
    _require(user, "approve", report)
    if report.submitted_by_id is not None and report.submitted_by_id == user.pk:
        raise ValidationError({"status": _("You submitted this report, so someone else must approve it.")})
    if report.status == Status.SUBMITTED:
        report.status = Status.APPROVED_DISTRICT
    elif report.status == Status.APPROVED_DISTRICT:
        if not _covers_oblast(user, report):
            _refuse(user, "approve", report, _("Approval at oblast level needs an oblast coordinator."))
        report.status = Status.APPROVED_OBLAST
    else:
        raise ValidationError({"status": _("This report cannot be approved now (%(status)s).") % {"status": report.get_status_display()}})
    report.save()
    _log(report, ReportEvent.Action.APPROVED, user, (comment or "").strip())
    _refresh(report)
    return report


@_action
def reopen(user, report: Report, reason: str) -> Report:
    """Unlock an approved report so that its monitor can correct it; the reason stays on record."""
    report = _locked_for_update(report)
    _require(user, "approve", report)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for reopening an approved report.")})
    if not report.is_locked:
        raise ValidationError({"status": _("Only an approved report can be reopened; this one is %(status)s.") % {"status": report.get_status_display()}})
    report.status = Status.RETURNED
    report.save()
    DataValue.objects.filter(report=report).update(counted=False)
    _log(report, ReportEvent.Action.REOPENED, user, reason)
    _refresh(report)
    return report

"""Reading reports: what a person may see, what they still have to report, and each value's
history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q

from aimak.audit.models import ChangeRecord
from aimak.core import scoping
from aimak.territories.models import Territory

from .. import disaggregation, periods
from ..models import DataValue, Report, ReportEvent, ReportingForm
from . import forms as form_selectors

TODO_PERIODS = 6
TODO_TERRITORIES = 60  # a national administrator's to-do list would otherwise be the country


def reports(user, action: str = "view"):
    return scoping.restrict(Report.objects.select_related("form", "territory", "submitted_by"), user, action)


def report(user, pk: int, action: str = "view") -> Report | None:
    """The report if ``user`` may ``action`` it, else None (the page answers 404)."""
    return reports(user, action).filter(pk=pk).first()


def events(report: Report):
    return ReportEvent.objects.filter(report=report).select_related("user")


def values(report: Report) -> dict[tuple[str, str], DataValue]:
    return {(v.indicator.code, v.category): v for v in DataValue.objects.filter(report=report).select_related("indicator")}


def value_history(report: Report, indicator, category: str | None = None):
    """Every recorded change of one value of a report (all its parts when ``category`` is
    None), including removals and re-entries: a removed value's row is gone, its change
    records are not."""
    same = {"report_id": report.pk, "indicator_id": indicator.pk}
    if category is not None:
        same["category"] = category
    condition = Q(**{f"after__{k}": v for k, v in same.items()}) | Q(**{f"before__{k}": v for k, v in same.items()})
    return ChangeRecord.objects.filter(condition, object_type="monitoring.datavalue").select_related("user").order_by("-created_at", "-id")


# --- the data-entry layout ------------------------------------------------------------------


@dataclass
class Cell:
    code: str  # category code, "" for the total
    label: object
    name: str  # the input's name: value:<indicator>:<category>
    value: str = ""
    indicator_code: str = ""
    errors: list = field(default_factory=list)

    @property
    def dom_id(self) -> str:
        return f"{self.indicator_code}-{self.code or 'total'}"


@dataclass
class Block:
    """One indicator as the page lays it out: a total and its parts, or a women/men x age grid."""

    indicator: object
    required: bool
    total: Cell
    parts: list[Cell] = field(default_factory=list)
    grid_columns: list = field(default_factory=list)  # age bands for sex_age
    grid_rows: list = field(default_factory=list)  # [(label, [Cell, ...])]
    input: dict = field(default_factory=dict)  # type, inputmode, step, min, max of the inputs

    @property
    def is_grid(self) -> bool:
        return bool(self.grid_rows)

    @property
    def cells(self) -> list[Cell]:
        return [self.total, *self.parts, *[c for _label, cells in self.grid_rows for c in cells]]


def _plain(number) -> str:
    return "" if number is None else format(number.normalize(), "f")


def input_attributes(indicator) -> dict:
    """What the browser can check before the server does (and which keyboard a phone shows)."""
    kind = indicator.value_type
    attrs = {"inputmode": "decimal", "step": "any", "min": "", "max": ""}
    if kind in ("count", "scale"):
        attrs.update(inputmode="numeric", step="1")
    if kind == "count":
        attrs["min"] = "0"
    elif kind == "scale":
        attrs.update(min="1", max="5")
    elif kind == "percentage":
        attrs.update(min="0", max="100")
    if indicator.min_value is not None:
        attrs["min"] = _plain(indicator.min_value) if not attrs["min"] else _plain(max(indicator.min_value, type(indicator.min_value)(attrs["min"])))
    if indicator.max_value is not None:
        attrs["max"] = _plain(indicator.max_value) if not attrs["max"] else _plain(min(indicator.max_value, type(indicator.max_value)(attrs["max"])))
    return attrs


def _text(value) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


def entry_layout(report: Report) -> list[tuple]:
    """Indicators grouped by domain, each with its cells filled from the stored values."""
    from ..services.reporting import form_items, value_key

    stored = {(v.indicator_id, v.category): v.value for v in DataValue.objects.filter(report=report)}
    groups: dict = {}
    for item in form_items(report.form):
        ind = item.indicator

        def cell(code, label, ind=ind):
            return Cell(code, label, value_key(ind.code, code), _text(stored.get((ind.pk, code))), ind.code)

        block = Block(ind, item.required, cell(disaggregation.TOTAL, disaggregation.label(ind.disaggregation, "")),
                      input=input_attributes(ind))
        cats = disaggregation.categories(ind.disaggregation)
        if ind.disaggregation == disaggregation.SEX_AGE:
            block.grid_columns = [label for _code, label in disaggregation.AGE_BANDS]
            for sex, label in (("f", cats[0].group), ("m", cats[len(disaggregation.AGE_BANDS)].group)):
                block.grid_rows.append((label, [cell(f"{sex}_{band}", band_label) for band, band_label in disaggregation.AGE_BANDS]))
        else:
            block.parts = [cell(c.code, c.label) for c in cats]
        groups.setdefault(ind.domain, []).append(block)
    return list(groups.items())


# --- the to-do list -------------------------------------------------------------------------


def _reporting_places(user):
    """Current territories where ``user`` may start reports."""
    qs = Territory.objects.current()
    if user.is_superuser:
        return qs
    paths = scoping.grants(user, "create", Report)
    if not paths:
        return qs.none()
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(path__startswith=path)
    return qs.filter(condition)


def recent_periods(form: ReportingForm, today: date, last: int = TODO_PERIODS) -> list[periods.PeriodSpan]:
    """The form's latest periods that have begun, newest first, not before its first period."""
    current = periods.containing(form.period_type, today)
    spans = [current.shift(-i) for i in range(last)]
    return [s for s in spans if s.start >= form.first_period]


def todo(user, *, today: date | None = None, last: int = TODO_PERIODS) -> list[dict]:
    """For each form and territory the person reports for: the recent periods and where each
    stands (not started, draft, submitted, returned, approved, closed)."""
    from ..models import PeriodClosure

    today = today or scoping.today()
    places = _reporting_places(user)
    rows = []
    for form in ReportingForm.objects.filter(is_active=True).order_by("code"):
        spans = recent_periods(form, today, last)
        if not spans:
            continue
        territories = list(
            form_selectors.expected_territories(form).filter(pk__in=places.values("pk")).order_by("path")[:TODO_TERRITORIES]
        )
        if not territories:
            continue
        existing = {
            (r.territory_id, r.period_start): r
            for r in Report.objects.filter(form=form, territory__in=territories, period_start__in=[s.start for s in spans])
        }
        closed = set(PeriodClosure.objects.filter(form=form, period_start__in=[s.start for s in spans]).values_list("period_start", flat=True))
        for territory in territories:
            cells = []
            for span in spans:
                found = existing.get((territory.pk, span.start))
                cells.append({"period": span, "report": found, "closed": span.start in closed})
            rows.append({"form": form, "territory": territory, "periods": cells})
    return rows

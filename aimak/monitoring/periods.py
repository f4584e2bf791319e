"""Reporting periods as people say them: 2026-03 (a month), 2026Q1 (a quarter), 2026 (a year).

A period is identified by its type and first day; its code is what the API, files and pages
show. Pure functions here, no database."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

MONTHLY, QUARTERLY, YEARLY = "monthly", "quarterly", "yearly"
PERIOD_TYPES = [(MONTHLY, _("monthly")), (QUARTERLY, _("quarterly")), (YEARLY, _("yearly"))]
_MONTHS = {MONTHLY: 1, QUARTERLY: 3, YEARLY: 12}


@dataclass(frozen=True, order=True)
class PeriodSpan:
    type: str
    start: date

    @property
    def end(self) -> date:
        """The last day of the period."""
        return add_months(self.start, _MONTHS[self.type]) - timedelta(days=1)

    @property
    def code(self) -> str:
        if self.type == MONTHLY:
            return f"{self.start.year}-{self.start.month:02d}"
        if self.type == QUARTERLY:
            return f"{self.start.year}Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)

    def shift(self, steps: int) -> "PeriodSpan":
        return PeriodSpan(self.type, add_months(self.start, steps * _MONTHS[self.type]))

    def __str__(self):
        return self.code


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# ASCII digits only (``\d`` would also take Arabic-Indic and other digits), years from 1000:
# whatever parses prints back as the same code.
_CODE = re.compile(r"(?P<year>[1-9][0-9]{3})(?:-(?P<month>[0-9]{2})|Q(?P<quarter>[1-4]))?")


def parse(code: str) -> PeriodSpan:
    """``2026-03`` -> March 2026; ``2026Q1``; ``2026``. ValueError for anything else."""
    match = _CODE.fullmatch((code or "").strip()) if isinstance(code, str) or code is None else None
    if not match:
        raise ValueError(code)
    year = int(match["year"])
    if match["month"]:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise ValueError(code)
        return PeriodSpan(MONTHLY, date(year, month, 1))
    if match["quarter"]:
        return PeriodSpan(QUARTERLY, date(year, 3 * (int(match["quarter"]) - 1) + 1, 1))
    return PeriodSpan(YEARLY, date(year, 1, 1))


def containing(period_type: str, day: date) -> PeriodSpan:
    if period_type == MONTHLY:
        return PeriodSpan(MONTHLY, date(day.year, day.month, 1))
    if period_type == QUARTERLY:
        return PeriodSpan(QUARTERLY, date(day.year, 3 * ((day.month - 1) // 3) + 1, 1))
    return PeriodSpan(YEARLY, date(day.year, 1, 1))


def last_complete(period_type: str, today: date) -> PeriodSpan:
    """The latest period that has ended by ``today``: what monitors report on now."""
    return containing(period_type, today).shift(-1)

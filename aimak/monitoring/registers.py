"""Extension point for registers: system reports Aimak fills itself (the incident register of
``aimak.incidents``). Monitoring does not know what a register counts; an app that keeps one
adds a function here (in its ``AppConfig.ready``), and submitting a periodic report calls
them, so that a quiet month is written as zeros and not left missing (ADR 0008)."""

from __future__ import annotations

from datetime import date

ON_REPORT_SUBMITTED: list = []  # functions (territory, period_type, period_start) -> None


def report_submitted(territory, period_type: str, period_start: date) -> None:
    for ensure in ON_REPORT_SUBMITTED:
        ensure(territory, period_type, period_start)

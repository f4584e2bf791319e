"""Live analysis (owned by the analytics work): keep aggregates, the index and alerts in step
with reports. PLACEHOLDER SIGNATURES — being implemented in this session."""


def refresh_after_report(report) -> None:
    """Recompute every aggregate, index value and alert the report touches."""
    raise NotImplementedError


def recompute_period(period_type: str, period_start, *, indicator_ids=None, evaluate_alerts: bool = True) -> None:
    raise NotImplementedError

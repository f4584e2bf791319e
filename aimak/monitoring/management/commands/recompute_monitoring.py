"""Recompute aggregates, the index and alerts after the catalogue or the rules changed.

Reports recompute what they touch the moment they change; a new weight, threshold or rule
applies to stored periods only when they are recomputed, which is what this does."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from aimak.core.context import acting_as
from aimak.monitoring import periods
from aimak.monitoring.models import Report
from aimak.monitoring.services import analytics


class Command(BaseCommand):
    help = "Recompute aggregates, index values (and alerts, unless --no-alerts) for one period or every period with reports."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="a period code: 2026-03, 2026Q1 or 2026 (default: every period with reports)")
        parser.add_argument("--no-alerts", action="store_true", help="do not evaluate the alert rules")

    def handle(self, *args, period=None, no_alerts=False, **options):
        if period:
            try:
                spans = [periods.parse(period)]
            except ValueError:
                raise CommandError(f"“{period}” is not a period code such as 2026-03, 2026Q1 or 2026.") from None
        else:
            spans = [periods.PeriodSpan(t, s) for t, s in
                     Report.objects.order_by("period_start", "period_type").values_list("period_type", "period_start").distinct()]
        with acting_as(integration="recompute_monitoring"):
            for span in spans:
                with transaction.atomic():
                    analytics.recompute_period(span.type, span.start, evaluate_alerts=not no_alerts)
                self.stdout.write(f"{span.code}: recomputed")
        self.stdout.write(self.style.SUCCESS(f"{len(spans)} period(s) recomputed."))

"""Write (or rewrite) the synthetic monitoring history that demonstrations and training use."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from aimak.monitoring.services import demo


class Command(BaseCommand):
    help = (
        "Generate a reproducible synthetic monitoring history (reports, values, alerts, plans), "
        "marked as synthetic demo data. Does nothing when synthetic data exists, unless --reload."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="random seed; the same seed gives the same history")
        parser.add_argument("--months", type=int, default=24, help="how many monthly periods, ending with the last complete month")
        parser.add_argument("--end", type=date.fromisoformat, default=None, help="a day (YYYY-MM-DD) in the last month to generate")
        parser.add_argument("--reload", action="store_true", help="delete the synthetic data first and generate it again")

    def handle(self, *args, seed, months, end, reload, **options):
        if months < 1 or months > 120:
            raise CommandError("--months must be between 1 and 120.")
        try:
            counts = demo.generate(seed=seed, months=months, end=end, stdout=self.stdout, reload=reload)
        except demo.MissingPiece as exc:
            raise CommandError(str(exc)) from exc
        if counts.get("skipped"):
            return
        self.stdout.write(self.style.SUCCESS(
            f"{counts['reports']} reports, {counts['values']} values, {counts['alerts']} alerts, "
            f"{counts['plans']} plans in {counts['seconds']} s."
        ))

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aimak.core.context import acting_as
from aimak.core.imports import SourceError

STARTING_CATALOGUE = Path(__file__).resolve().parents[2] / "catalogue" / "starting_catalogue.json"


class Command(BaseCommand):
    help = "Load the monitoring indicator catalogue (default: the starting catalogue); loading it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(STARTING_CATALOGUE), help="a catalogue in JSON or XLSX (path or http(s) URL)")
        parser.add_argument("--dry-run", action="store_true", help="check everything, save nothing")

    def handle(self, *args, file=None, dry_run=False, verbosity=1, **options):
        from aimak.monitoring.services.catalogue import import_catalogue

        with acting_as(integration="load_monitoring_catalogue"):
            try:
                report = import_catalogue(file, dry_run=dry_run)
            except SourceError as exc:
                raise CommandError(f"{file}: {exc}") from exc
            self.stdout.write(report.as_text(limit=20 if verbosity < 2 else 10_000))
            if not report.ok:
                raise CommandError("Some rows were rejected; nothing was saved.")
            if not dry_run:
                self.ensure_rules()

    def ensure_rules(self):
        """The default alert rules belong to the analytics side; use them when it provides them."""
        try:
            from aimak.monitoring.services.alerts import ensure_default_rules
        except ImportError:
            return
        rules = ensure_default_rules()
        self.stdout.write(f"Alert rules: {len(rules or [])} in place.")

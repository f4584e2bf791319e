from django.core.management.base import BaseCommand, CommandError

from aimak.core.context import acting_as
from aimak.core.imports import SourceError, data_path

from ...importers import IMPORTERS, REFERENCE_FILES, complete_missing_names


class Command(BaseCommand):
    help = "Load the reference gazetteer (SOATE, names, boundaries, villages) from AIMAK_DATA or --data."

    def add_arguments(self, parser):
        parser.add_argument("--data", help="folder or http(s) URL holding territories/ and geo/ (default: AIMAK_DATA)")
        parser.add_argument("--dry-run", action="store_true", help="check everything, save nothing")

    def handle(self, *args, data=None, dry_run=False, verbosity=1, **options):
        from django.conf import settings

        if data:
            settings.AIMAK_DATA = data
        with acting_as(integration="load_territories"):
            self.load(dry_run, verbosity)

    def load(self, dry_run, verbosity):
        failed = False
        for name, parts in REFERENCE_FILES:
            source = data_path(*parts)
            try:
                report = IMPORTERS[name].run(source, dry_run=dry_run)
            except SourceError as exc:
                raise CommandError(f"{source}: {exc}") from exc
            self.stdout.write(report.as_text(limit=10 if verbosity < 2 else 10_000))
            failed = failed or not report.ok
            if dry_run and name == "soate":
                self.stdout.write("(dry run: later files are checked against the database as it is)")
        if not dry_run:
            report = complete_missing_names()
            self.stdout.write(report.as_text(limit=5 if verbosity < 2 else 10_000))
        if failed:
            raise CommandError("Some files had rejected rows; nothing of those files was saved.")



from django.core.management.base import BaseCommand, CommandError

from aimak.core.context import acting_as
from aimak.core.imports import SourceError

from ...importers import IMPORTERS


class Command(BaseCommand):
    help = "Import one file of territorial data: " + ", ".join(IMPORTERS)

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(IMPORTERS))
        parser.add_argument("source", help="a path or an http(s) URL")
        parser.add_argument("--dry-run", action="store_true", help="check everything, save nothing")
        parser.add_argument("--edition", help="name of the edition of the tree (soate, changes)")
        parser.add_argument("--key", help="GeoJSON property holding the code (boundaries)")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, kind, source, dry_run=False, edition=None, key=None, json=False, verbosity=1, **options):
        extra = {}
        if edition:
            extra["edition_name"] = edition
        if key:
            extra["key"] = key
        try:
            with acting_as(integration=f"import_territories {kind}"):
                report = IMPORTERS[kind].run(source, dry_run=dry_run, **extra)
        except SourceError as exc:
            raise CommandError(str(exc)) from exc
        if json:
            import json as json_module

            self.stdout.write(json_module.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(report.as_text(limit=50 if verbosity < 2 else 100_000))
        if not report.ok:
            raise CommandError("Rejected rows: nothing was saved.")

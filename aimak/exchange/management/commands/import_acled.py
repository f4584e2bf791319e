"""``aimak import_acled FILE [--dry-run] [--valid-rows-only] [--dataset NAME] [--user USERNAME]``

Load ACLED's events in Kyrgyzstan from an ACLED CSV export (a path or an http(s) URL) as the
incidents' reference layer; loading the same file again changes nothing. With ``--user`` the
import acts as that person (who must be allowed to configure the whole country); without, it acts as the command line itself: whoever runs manage.py already holds the
database, so it gets every right and is recorded as the integration "command:import_acled"."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from aimak.core.context import acting_as
from aimak.core.imports import SourceError

NAME = "command:import_acled"


class CommandLine:
    """The actor of an import started on the server's command line."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_superuser = True
    is_staff = False
    is_integration = True
    pk = id = None
    preferred_language = ""
    integration_name = username = NAME

    def __str__(self):
        return NAME

    def get_username(self) -> str:
        return NAME

    def integration_grants(self, action: str, model) -> list[str]:
        return [""]  # every territory's path starts with ""


class Command(BaseCommand):
    help = "Load ACLED's events in Kyrgyzstan (an ACLED CSV export) as the incidents' reference layer; loading it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", help="ACLED CSV export (path or http(s) URL)")
        parser.add_argument("--dry-run", action="store_true", help="check everything, save nothing")
        parser.add_argument("--valid-rows-only", action="store_true", help="save the valid rows even when others are rejected")
        parser.add_argument("--dataset", default="", help="name of the dataset kept with each event (default: the file name)")
        parser.add_argument("--user", default="", help="import as this person (default: the command line, with every right)")

    def handle(self, *args, file, dry_run=False, valid_rows_only=False, dataset="", user="", verbosity=1, **options):
        from aimak.exchange.services.acled import import_acled

        if user:
            actor = get_user_model().objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user is named {user!r}.")
            scope = acting_as(actor)
        else:
            actor = CommandLine()
            scope = acting_as(integration=NAME)
        with scope:
            try:
                report = import_acled(file, user=actor, dry_run=dry_run, valid_rows_only=valid_rows_only, dataset_name=dataset)
            except (SourceError, PermissionDenied) as exc:
                raise CommandError(f"{file}: {exc}") from exc
        self.stdout.write(report.as_text(limit=20 if verbosity < 2 else 100_000))
        if report.rejected and not report.committed and not dry_run:
            raise CommandError("Some rows were rejected; nothing was saved (use --valid-rows-only to save the others).")

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from aimak.core.context import acting_as


class Command(BaseCommand):
    help = "Load the incident types and their ACLED mapping (default: the starting list); loading again changes nothing."

    def add_arguments(self, parser):
        from aimak.incidents.services.types import STARTING_TYPES

        parser.add_argument("--file", default=str(STARTING_TYPES), help="a JSON file like aimak/incidents/catalogue/incident_types.json")

    def handle(self, *args, file=None, **options):
        from aimak.incidents.services.types import load_incident_types

        with acting_as(integration="load_incident_types"):
            try:
                outcome = load_incident_types(file)
            except (ValidationError, OSError, ValueError) as exc:
                raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from exc
        self.stdout.write("Incident types: {created} created, {updated} updated, {unchanged} unchanged.".format(**outcome))

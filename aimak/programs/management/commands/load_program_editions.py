from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from aimak.core.context import acting_as


class Command(BaseCommand):
    help = "Load the SEDP methodology editions and their templates (default: 2018 and 2024); loading again changes nothing."

    def add_arguments(self, parser):
        from aimak.programs.services.editions import STARTING_EDITIONS

        parser.add_argument("--file", default=str(STARTING_EDITIONS), help="a JSON file like aimak/programs/catalogue/editions.json")

    def handle(self, *args, file=None, **options):
        from aimak.programs.services.editions import load_editions

        with acting_as(integration="load_program_editions"):
            try:
                outcome = load_editions(file)
            except (ValidationError, OSError, ValueError, KeyError) as exc:
                raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from exc
        self.stdout.write("Program editions: {created} created, {updated} updated, {unchanged} unchanged.".format(**outcome))

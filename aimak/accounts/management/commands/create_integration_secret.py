from django.core.management.base import BaseCommand, CommandError

from aimak.accounts.models import Role
from aimak.accounts.tokens import create_integration_secret
from aimak.core.context import acting_as
from aimak.territories.selectors import by_code


class Command(BaseCommand):
    help = "Create a secret for a machine sender (Kobo, ODK); the secret is printed once."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("role", help="role code, e.g. local_monitor")
        parser.add_argument("territory", help="SOATE code the sender reports for")
        parser.add_argument("--days", type=int, help="expires after this many days")

    def handle(self, name, role, territory, days=None, **options):
        role_obj = Role.objects.filter(code=role).first()
        place = by_code(territory)
        if role_obj is None:
            raise CommandError(f"unknown role {role!r}; roles: {', '.join(Role.objects.values_list('code', flat=True))}")
        if place is None:
            raise CommandError(f"no territory with code {territory}")
        with acting_as(integration="create_integration_secret"):
            secret, key = create_integration_secret(created_by=None, name=name, role=role_obj, territory=place, days=days)
        self.stdout.write(f"{secret.name}: {key}")
        self.stdout.write("Store it in the sender now; Aimak keeps only its hash.")

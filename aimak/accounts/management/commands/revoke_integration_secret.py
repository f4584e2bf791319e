from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from aimak.accounts.models import IntegrationSecret
from aimak.accounts.tokens import revoke_integration_secret
from aimak.core.context import acting_as


class Command(BaseCommand):
    help = "Revoke an integration secret at once: the sender can no longer send with it (recorded in the change log)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the name given to create_integration_secret, e.g. kobo-barskoon")

    def handle(self, name, **options):
        secret = IntegrationSecret.objects.filter(name=name).first()
        if secret is None:
            names = ", ".join(IntegrationSecret.objects.order_by("name").values_list("name", flat=True)) or "none"
            raise CommandError(f"no integration secret named {name!r}; secrets: {names}")
        with acting_as(integration="revoke_integration_secret"):
            revoked = revoke_integration_secret(None, secret)
        if revoked:
            self.stdout.write(f"{secret.name}: revoked; it can no longer be used.")
        else:
            self.stdout.write(f"{secret.name}: already revoked on {timezone.localtime(secret.revoked_at):%Y-%m-%d %H:%M}.")

"""Everything a first look at Aimak needs: the gazetteer and a demo administrator."""

import os

from django.core.management import call_command
from django.core.management.base import BaseCommand

from aimak.accounts.services import ensure_user
from aimak.territories.models import Territory

DEMO_PASSWORD = os.environ.get("AIMAK_DEMO_PASSWORD", "aimak-demo-2026")


class Command(BaseCommand):
    help = "Load the reference territories (if not loaded) and create the demo users; prints how to sign in."

    def add_arguments(self, parser):
        parser.add_argument("--reload", action="store_true", help="load the reference data again even if present")

    def handle(self, *args, reload=False, **options):
        if reload or not Territory.objects.exists():
            self.stdout.write("Loading the reference territories…")
            call_command("load_territories", verbosity=0, stdout=self.stdout)
        ensure_user(
            "admin", DEMO_PASSWORD, superuser=True,
            first_name="Demo", last_name="Administrator", organisation="Aimak", preferred_language="",
        )
        counts = Territory.objects.filter(valid_to__isnull=True).count()
        self.stdout.write(self.style.SUCCESS(f"Aimak demo is ready: {counts} territories."))
        self.stdout.write("Sign in as:")
        self.stdout.write(f"  administrator   user: admin   password: {DEMO_PASSWORD}")

"""Everything a first look at Aimak needs: the gazetteer and a demo administrator."""

import io
import os

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from aimak.accounts.models import Role, RoleAssignment
from aimak.accounts.services import ensure_user, sync_builtin_roles
from aimak.core.context import acting_as
from aimak.territories.models import Territory
from aimak.territories.selectors import by_code

DEMO_PASSWORD = os.environ.get("AIMAK_DEMO_PASSWORD", "aimak-demo-2026")

# (user name, first name, last name, position, role, territory SOATE code) in the seeds' pilot places
DEMO_PEOPLE = [
    ("monitor.barskoon", "Айгүл", "Осмонова", "Local monitor, Barskoon", "local_monitor", "41702210815000"),
    ("monitor.suzak", "Бакыт", "Ташиев", "Local monitor, Suzak", "local_monitor", "41703220856000"),
    ("coord.jetioguz", "Нурлан", "Асанов", "Jeti-Oguz rayon coordinator", "district_coordinator", "41702210000000"),
    ("coord.suzak", "Жылдыз", "Мамытова", "Suzak rayon coordinator", "district_coordinator", "41703220000000"),
    ("coord.issykkul", "Эрлан", "Жумабеков", "Issyk-Kul oblast coordinator", "oblast_coordinator", "41702000000000"),
    ("analyst", "Мээрим", "Садыкова", "National analyst", "national_analyst", "41700000000000"),
    ("commission", "Улан", "Абдыкадыров", "Commission member", "commission_member", "41700000000000"),
    ("staff.barskoon", "Гүлнара", "Токтосунова", "Executive secretary, Barskoon aiyl okmotu", "municipal_staff", "41702210815000"),
]


class Command(BaseCommand):
    help = "Load the reference territories (if not loaded) and create the demo users; prints how to sign in."

    def add_arguments(self, parser):
        parser.add_argument("--reload", action="store_true", help="load the reference data again even if present")

    def handle(self, *args, reload=False, **options):
        if reload or not Territory.objects.exists():
            self.stdout.write("Loading the reference territories…")
            call_command("load_territories", verbosity=0, stdout=self.stdout)
        sync_builtin_roles()
        with acting_as(integration="setup_demo"):
            admin = ensure_user(
                "admin", DEMO_PASSWORD, superuser=True,
                first_name="Demo", last_name="Administrator", organisation="Aimak", preferred_language="",
            )
            people = [("admin", "national_administrator", "41700000000000", admin)]
            for username, first, last, position, role_code, code in DEMO_PEOPLE:
                user = ensure_user(username, DEMO_PASSWORD, first_name=first, last_name=last, position=position, organisation="Demo")
                people.append((username, role_code, code, user))
            for username, role_code, code, user in people:
                territory = by_code(code)
                role = Role.objects.get(code=role_code)
                RoleAssignment.objects.get_or_create(user=user, role=role, territory=territory, defaults={"granted_by": admin})
        self.load_monitoring(reload)
        counts = Territory.objects.filter(valid_to__isnull=True).count()
        self.stdout.write(self.style.SUCCESS(f"Aimak demo is ready: {counts} territories."))
        self.stdout.write(f"Sign in at /accounts/sign-in/ as (password for all: {DEMO_PASSWORD}):")
        for username, role_code, code, _user in people:
            role = Role.objects.get(code=role_code)
            self.stdout.write(f"  {username:<18} {role.name_en} — {by_code(code).name_en}")

    def load_monitoring(self, reload):
        """The indicator catalogue, the incident types and a synthetic monitoring history (with its
        incidents), the first time (or with --reload); after the demo users exist, so alerts go to
        their coordinators."""
        from aimak.incidents.models import IncidentType
        from aimak.monitoring.models import Indicator, Report
        from aimak.monitoring.services import demo

        if reload or not Indicator.objects.exists():
            self.stdout.write("Loading the monitoring indicator catalogue…")
            call_command("load_monitoring_catalogue", verbosity=0, stdout=io.StringIO())
        if reload or not IncidentType.objects.exists():
            self.stdout.write("Loading the incident types…")
            call_command("load_incident_types", verbosity=0, stdout=io.StringIO())
        if reload or not Report.objects.exists():
            self.stdout.write("Generating the synthetic monitoring history…")
            try:
                demo.generate(reload=reload, stdout=self.stdout)
            except demo.MissingPiece as exc:
                raise CommandError(str(exc)) from exc

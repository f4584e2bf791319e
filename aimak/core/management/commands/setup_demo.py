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
    ("staff.suzak", "Азамат", "Турдубаев", "Deputy head, Suzak aiyl okmotu", "municipal_staff", "41703220856000"),
    ("staff.akshyirak", "Чолпон", "Бейшеева", "Social specialist, Ak-Shyirak aiyl okmotu", "municipal_staff", "41702210810000"),
    ("commission.2", "Динара", "Исмаилова", "Commission member (gender expert)", "commission_member", "41700000000000"),
    ("commission.3", "Талант", "Мамбетов", "Commission member (LSG expert)", "commission_member", "41700000000000"),
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
        self.load_programs(reload)
        counts = Territory.objects.filter(valid_to__isnull=True).count()
        self.stdout.write(self.style.SUCCESS(f"Aimak demo is ready: {counts} territories."))
        self.stdout.write(f"Sign in at /accounts/sign-in/ as (password for all: {DEMO_PASSWORD}):")
        for username, role_code, code, _user in people:
            role = Role.objects.get(code=role_code)
            self.stdout.write(f"  {username:<18} {role.name_en} — {by_code(code).name_en}")

    def load_programs(self, reload):
        """The SEDP methodology editions, the seeds' programs (Barskoon and Suzak 2020-2022, six
        2025 drafts) and the competitions, the first time (or with --reload)."""
        from django.contrib.auth import get_user_model

        from aimak.programs.models import Edition
        from aimak.programs.services import demo as program_demo

        if reload or not Edition.objects.exists():
            self.stdout.write("Loading the development program editions…")
            call_command("load_program_editions", verbosity=0, stdout=io.StringIO())
        if reload and program_demo.has_programs():
            program_demo.delete_synthetic()
        if not program_demo.has_programs():
            self.stdout.write("Writing the demo development programs and competitions…")
            users = get_user_model().objects.in_bulk(["staff.barskoon", "staff.suzak", "analyst", "commission", "commission.2", "commission.3"], field_name="username")
            with acting_as(integration="setup_demo"):
                made = program_demo.generate(staff=users.get("staff.barskoon"), people=users)
            self.stdout.write(f"  {len(made['approved'])} approved programs, {len(made['drafts'])} drafts, {len(made.get('calls', []))} calls.")

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

import io

import pytest
from django.core.management import call_command


@pytest.fixture
def editions(db):
    """The 2018 and 2024 methodology editions; returns {code: Edition}."""
    from aimak.programs.models import Edition

    call_command("load_program_editions", stdout=io.StringIO())
    return {e.code: e for e in Edition.objects.all()}


@pytest.fixture
def people(db):
    """Staff of Barskoon and Suzak, the Jeti-Oguz coordinator, an analyst, a commission member."""
    from aimak.accounts.services import sync_builtin_roles
    from aimak.accounts.tests.factories import person

    sync_builtin_roles()
    return {
        "staff": person("prog-staff", "municipal_staff", "41702210815000"),
        "suzak_staff": person("prog-suzak", "municipal_staff", "41703220856000"),
        "coordinator": person("prog-coord", "district_coordinator", "41702210000000"),
        "analyst": person("prog-analyst", "national_analyst", "41700000000000"),
        "commission": person("prog-commission", "commission_member", "41700000000000"),
    }


@pytest.fixture
def program(editions, people, territory):
    """A 2018-edition draft program of Barskoon for 2020-2022 started by its staff."""
    from aimak.programs.services.programs import start_program

    return start_program(people["staff"], territory=territory("41702210815000"), edition=editions["2018"],
                         title="Программа социально-экономического развития Барскоонского АА", start_year=2020, end_year=2022)


@pytest.fixture
def client(client):
    """Pages in English for the assertions (Kyrgyz is the default; language tests switch)."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client

import io

import pytest
from django.core.management import call_command


@pytest.fixture
def catalogue(db):
    """The starting indicator catalogue (with the incident register) and incident types."""
    call_command("load_monitoring_catalogue", stdout=io.StringIO())
    call_command("load_incident_types", stdout=io.StringIO())


@pytest.fixture
def people(db):
    from aimak.accounts.services import sync_builtin_roles
    from aimak.accounts.tests.factories import person

    sync_builtin_roles()
    return {
        "monitor": person("inc-monitor", "local_monitor", "41702210815000"),
        "coordinator": person("inc-coord", "district_coordinator", "41702210000000"),
        "suzak_monitor": person("inc-suzak", "local_monitor", "41703220856000"),
        "analyst": person("inc-analyst", "national_analyst", "41700000000000"),
    }

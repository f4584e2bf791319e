"""Test set-up shared by every app: the reference gazetteer is loaded once per test database."""

import io
import os

import pytest
from django.core.management import call_command
from hypothesis import settings as hypothesis_settings

# Property tests: "ci" (the default) has no deadline, as two cores are shared with other jobs, and
# prints how to reproduce a failure; HYPOTHESIS_PROFILE=thorough runs ten times the examples.
hypothesis_settings.register_profile("ci", deadline=None, print_blob=True)
hypothesis_settings.register_profile("thorough", deadline=None, max_examples=1000)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_configure(config):
    """Dashboard answers are not kept between requests in tests (each test sees its own writes;
    SQLite reuses the ids of rolled-back rows, so versions repeat across tests). The answer
    cache's own tests turn it on."""
    from django.conf import settings

    settings.AIMAK_ANSWER_CACHE_SECONDS = 0


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_territories", verbosity=0, stdout=io.StringIO())


@pytest.fixture
def territory(db):
    """Look up a current territory by SOATE code."""
    from aimak.territories.selectors import by_code

    def get(code):
        t = by_code(code)
        assert t is not None, code
        return t

    return get


@pytest.fixture
def staff_client(db, client):
    from aimak.accounts.services import ensure_user

    user = ensure_user("staff-test", "a-long-test-password", superuser=True)
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def english_messages():
    """Assertions on messages read English; language tests switch explicitly."""
    from django.utils import translation

    with translation.override("en"):
        yield

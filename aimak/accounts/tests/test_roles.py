import pytest
from django.core.exceptions import PermissionDenied

from aimak.accounts.models import Role, RoleAssignment, User
from aimak.accounts.services import assign_role, deactivate_user
from aimak.audit.models import SecurityEvent
from aimak.territories.selectors import by_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator():
    user = User.objects.create(username="coord")
    RoleAssignment.objects.create(user=user, role=Role.objects.get(code="district_coordinator"), territory=by_code("41702210000000"))
    return user


def test_a_coordinator_grants_roles_inside_the_rayon(coordinator):
    monitor = User.objects.create(username="new-monitor")
    a = assign_role(granted_by=coordinator, user=monitor, role=Role.objects.get(code="local_monitor"), territory=by_code("41702210815000"))
    assert a.granted_by == coordinator


def test_but_not_outside_it_and_the_refusal_is_logged(coordinator):
    monitor = User.objects.create(username="new-monitor")
    with pytest.raises(PermissionDenied):
        assign_role(granted_by=coordinator, user=monitor, role=Role.objects.get(code="local_monitor"), territory=by_code("41703220856000"))
    assert SecurityEvent.objects.filter(kind="permission_refused", user=coordinator).exists()


def test_nor_a_role_with_more_rights_than_their_own(coordinator):
    with pytest.raises(PermissionDenied):
        assign_role(granted_by=coordinator, user=User.objects.create(username="x"), role=Role.objects.get(code="national_administrator"),
                    territory=by_code("41702210815000"))


def test_a_monitor_cannot_grant_anything():
    monitor = User.objects.create(username="m")
    RoleAssignment.objects.create(user=monitor, role=Role.objects.get(code="local_monitor"), territory=by_code("41702210815000"))
    with pytest.raises(PermissionDenied):
        assign_role(granted_by=monitor, user=User.objects.create(username="y"), role=Role.objects.get(code="local_monitor"), territory=by_code("41702210815000"))


def test_deactivating_keeps_the_person(coordinator):
    monitor = User.objects.create(username="leaving")
    RoleAssignment.objects.create(user=monitor, role=Role.objects.get(code="local_monitor"), territory=by_code("41702210815000"))
    deactivate_user(by=coordinator, user=monitor)
    monitor.refresh_from_db()
    assert not monitor.is_active and User.objects.filter(pk=monitor.pk).exists()


def test_deactivating_someone_with_roles_elsewhere_is_refused(coordinator):
    other = User.objects.create(username="elsewhere")
    RoleAssignment.objects.create(user=other, role=Role.objects.get(code="local_monitor"), territory=by_code("41703220856000"))
    with pytest.raises(PermissionDenied):
        deactivate_user(by=coordinator, user=other)

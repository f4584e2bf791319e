from aimak.accounts.models import Role, RoleAssignment, User
from aimak.core.testing import scoped_factory


@scoped_factory("accounts.roleassignment")
def assignment(place):
    user, _ = User.objects.get_or_create(username=f"someone-at-{place.code}")
    return RoleAssignment.objects.create(user=user, role=Role.objects.get(code="municipal_staff"), territory=place)

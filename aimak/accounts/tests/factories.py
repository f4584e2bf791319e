from aimak.accounts.models import Role, RoleAssignment, User
from aimak.core.testing import scoped_factory


@scoped_factory("accounts.roleassignment")
def assignment(place):
    user, _ = User.objects.get_or_create(username=f"someone-at-{place.code}")
    return RoleAssignment.objects.create(user=user, role=Role.objects.get(code="municipal_staff"), territory=place)


@scoped_factory("accounts.integrationsecret")
def integration_secret(place):
    from aimak.accounts.tokens import create_integration_secret

    secret, _key = create_integration_secret(created_by=None, name=f"kobo-{place.code}", role=Role.objects.get(code="local_monitor"), territory=place)
    return secret


def person(username: str, role_code: str, code: str) -> User:
    """A person holding a built-in role on the territory with this SOATE code (tests of any app)."""
    from aimak.accounts.services import sync_builtin_roles
    from aimak.territories.selectors import by_code

    if not Role.objects.filter(code=role_code).exists():
        sync_builtin_roles()
    user = User.objects.create(username=username)
    RoleAssignment.objects.create(user=user, role=Role.objects.get(code=role_code), territory=by_code(code))
    return user

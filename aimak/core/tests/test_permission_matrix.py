"""The permission matrix, generated from the registry of scoped models and the built-in roles.

For every role, every scoped model and every action: a person holding the role on a rayon may
act on rows placed in that rayon and below it, never above it or elsewhere (the public may
only view what the model publishes). New models join the matrix by declaring
``territory_field`` and a maker in their app's tests/factories.py."""

import itertools

import pytest
from django.apps import apps

from aimak.accounts.models import Role, RoleAssignment, User
from aimak.core import scoping
from aimak.core.testing import load_makers
from aimak.territories.selectors import by_code

pytestmark = pytest.mark.django_db

ASSIGNED = "41702210000000"  # Jeti-Oguz rayon
PLACES = {
    "in scope": "41702210000000",
    "descendant": "41702210815000",  # Barskoon aiyl aimak
    "ancestor": "41702000000000",  # Issyk-Kul oblast
    "out of scope": "41703220856000",  # Suzak aiyl aimak, another oblast
}
COVERED = {"in scope", "descendant"}


def test_every_model_says_whether_it_belongs_to_a_place():
    forgetful = [
        m._meta.label for m in apps.get_models()
        if m.__module__.startswith("aimak.") and not hasattr(m, "territory_field")
    ]
    assert not forgetful, f"declare territory_field (a lookup to Territory, 'self', or None): {forgetful}"


def test_every_scoped_model_has_a_maker():
    makers = load_makers()
    missing = [scoping.model_label(m) for m in scoping.scoped_models() if scoping.model_label(m) not in makers]
    assert not missing, f"add a maker in the app's tests/factories.py for {missing}"


def test_permission_matrix(capsys):
    makers = load_makers()
    rows = {}
    for relation, code in PLACES.items():
        place = by_code(code)
        for model in scoping.scoped_models():
            rows[(scoping.model_label(model), relation)] = makers[scoping.model_label(model)](place)
    assigned = by_code(ASSIGNED)
    checked = 0
    failures = []
    roles = list(Role.objects.exclude(code="public"))
    for role in roles:
        user = User.objects.create(username=f"matrix-{role.code}")
        RoleAssignment.objects.create(user=user, role=role, territory=assigned)
        for model, action in itertools.product(scoping.scoped_models(), scoping.ACTIONS):
            label = scoping.model_label(model)
            allowed_ids = set(scoping.restrict(model._default_manager.all(), user, action).values_list("pk", flat=True))
            for relation in PLACES:
                obj = rows[(label, relation)]
                public = action == "view" and hasattr(model, "public_q") and model._default_manager.filter(model.public_q(), pk=obj.pk).exists()
                sensitive = hasattr(model, "restricted_q") and model._default_manager.filter(model.restricted_q(), pk=obj.pk).exists()
                expected = public or (role.allows(label, action) and relation in COVERED
                                      and (not sensitive or role.allows(label, "view_restricted")))
                if (obj.pk in allowed_ids) != expected:
                    failures.append((role.code, label, action, relation, expected))
                checked += 1
    anonymous = __import__("django.contrib.auth.models", fromlist=["AnonymousUser"]).AnonymousUser()
    for model, action in itertools.product(scoping.scoped_models(), scoping.ACTIONS):
        allowed_ids = set(scoping.restrict(model._default_manager.all(), anonymous, action).values_list("pk", flat=True))
        for relation in PLACES:
            obj = rows[(scoping.model_label(model), relation)]
            public = action == "view" and hasattr(model, "public_q") and model._default_manager.filter(model.public_q(), pk=obj.pk).exists()
            if (obj.pk in allowed_ids) != public:
                failures.append(("anonymous", scoping.model_label(model), action, relation, public))
            checked += 1
    with capsys.disabled():
        print(f"\npermission matrix: {checked} cases checked ({len(roles)} roles + anonymous, "
              f"{len(scoping.scoped_models())} models, {len(scoping.ACTIONS)} actions, {len(PLACES)} places)")
    assert not failures, failures[:20]
    assert checked >= len(roles) * len(scoping.ACTIONS) * len(PLACES)


def test_restrict_refuses_models_that_are_not_scoped():
    from aimak.territories.models import GazetteerEdition

    with pytest.raises(TypeError):
        scoping.restrict(GazetteerEdition.objects.all(), None)


def test_expired_and_future_assignments_grant_nothing():
    import datetime

    user = User.objects.create(username="temp")
    role = Role.objects.get(code="local_monitor")
    place = by_code("41702210815000")
    today = scoping.today()
    RoleAssignment.objects.create(user=user, role=role, territory=place, valid_to=today)
    RoleAssignment.objects.create(user=user, role=role, territory=place, valid_from=today + datetime.timedelta(days=1))
    assert not scoping.allowed_within(user, "edit", type(place), place)


def test_deactivated_people_lose_access():
    user = User.objects.create(username="gone", is_active=False)
    place = by_code("41702210815000")
    RoleAssignment.objects.create(user=user, role=Role.objects.get(code="local_monitor"), territory=place)
    assert not scoping.allowed_within(user, "edit", type(place), place)


def scoped_pages():
    """Every page that works on one territory and declares the action it needs."""
    from django.urls import get_resolver

    found = []

    def walk(patterns, prefix=""):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns, prefix + str(p.pattern))
            else:
                view = getattr(p.callback, "view_class", None)
                if view is not None and hasattr(view, "scope_action") and "<str:code>" in str(p.pattern):
                    found.append(("/" + prefix + str(p.pattern), view))

    walk(get_resolver().url_patterns)
    return found


def test_page_matrix(client, capsys):
    pages = scoped_pages()
    assert len(pages) >= 2
    assigned = by_code(ASSIGNED)
    checked, failures = 0, []
    for role in Role.objects.exclude(code="public"):
        user = User.objects.create(username=f"pages-{role.code}")
        RoleAssignment.objects.create(user=user, role=role, territory=assigned)
        client.force_login(user)
        for route, view in pages:
            label = scoping.model_label(view.scope_model)
            for relation, code in PLACES.items():
                status = client.get(route.replace("<str:code>", code)).status_code
                public = view.scope_action == "view" and hasattr(view.scope_model, "public_q")
                expected_ok = public or (role.allows(label, view.scope_action) and relation in COVERED)
                if (status == 200) != expected_ok or status not in (200, 403, 404):
                    failures.append((role.code, route, relation, status))
                checked += 1
    client.logout()
    for route, view in pages:
        for relation, code in PLACES.items():
            status = client.get(route.replace("<str:code>", code)).status_code
            public = view.scope_action == "view" and hasattr(view.scope_model, "public_q")
            if (status == 200) != public:
                failures.append(("anonymous", route, relation, status))
            checked += 1
    with capsys.disabled():
        print(f"\npage matrix: {checked} requests checked over {len(pages)} territory pages")
    assert not failures, failures

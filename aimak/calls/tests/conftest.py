"""Fixtures of the call tests: the programs app's people and Barskoon's program, a Suzak
program, three scoring commission members and a secretary, and a competition run nationally
for the Issyk-Kul oblast and the Suzak rayon."""

from datetime import timedelta

import pytest

from aimak.programs.tests.conftest import editions, people, program  # noqa: F401  (fixtures)

BARSKOON, SUZAK, JETI_OGUZ, ISSYK_KUL, SUZAK_RAYON, COUNTRY = (
    "41702210815000", "41703220856000", "41702210000000", "41702000000000", "41703220000000", "41700000000000")


@pytest.fixture
def suzak_program(editions, people, territory):  # noqa: F811
    from aimak.programs.services.programs import start_program

    return start_program(people["suzak_staff"], territory=territory(SUZAK), edition=editions["2018"],
                         title="Программа развития Сузакского АА", start_year=2021, end_year=2023)


@pytest.fixture
def members(people):  # noqa: F811
    """Three commission members who score (national commission role) and one from Barskoon."""
    from aimak.accounts.tests.factories import person

    return {name: person(f"calls-{name}", "commission_member", COUNTRY) for name in ("m1", "m2", "m3", "barskoon", "secretary")}


@pytest.fixture
def call(people, members, territory):  # noqa: F811
    """An open competition (dates around today) with criteria weighted 2 and 1 on 0–5."""
    from aimak.calls.services import calls as services
    from aimak.core.scoping import today

    analyst = people["analyst"]
    day = today()
    the_call = services.create_call(analyst, {
        "title": "Best inclusive program 2025", "organiser": "Ministry", "territory": territory(COUNTRY),
        "eligible": [territory(ISSYK_KUL), territory(SUZAK_RAYON)],
        "opens": day - timedelta(days=10), "closes": day + timedelta(days=10), "review_until": day + timedelta(days=40),
        "scale_min": 0, "scale_max": 5, "prizes": "Six winners",
    }, default_criteria=False)
    services.add_criterion(analyst, the_call, {"title": "Inclusive measures", "weight": 2, "evidence": "inclusive_measures"})
    services.add_criterion(analyst, the_call, {"title": "Quality", "weight": 1})
    for name in ("m1", "m2", "m3"):
        services.add_member(analyst, the_call, person=members[name])
    services.add_member(analyst, the_call, person=members["barskoon"], home_territory=territory(BARSKOON))
    services.add_member(analyst, the_call, person=members["secretary"], role="secretary")
    services.open_call(analyst, the_call)
    the_call.refresh_from_db()
    return the_call


@pytest.fixture
def applications(call, people, program, suzak_program, territory):  # noqa: F811
    """Barskoon's and Suzak's submitted applications."""
    from aimak.calls.services import applications as services

    a = services.apply(people["staff"], call, territory=territory(BARSKOON), subject=program, title="Barskoon: inclusion in our SEDP")
    b = services.apply(people["suzak_staff"], call, territory=territory(SUZAK), subject=suzak_program, title="Suzak: SEDP for all")
    return {"a": services.submit(people["staff"], a), "b": services.submit(people["suzak_staff"], b)}


@pytest.fixture
def in_review(call, applications, people):  # noqa: F811
    from aimak.calls.services import calls as services

    services.start_review(people["analyst"], call, early=True)
    call.refresh_from_db()
    return call


@pytest.fixture
def scored(in_review, applications, members):
    """The hand-worked scores (criteria weighted 2 and 1, scale 0–5):
    A (Barskoon): m1 4,3; m2 5,5; m3 3,1.  B (Suzak): m1 2,4; m2 3,–; m3 declared a conflict."""
    from aimak.calls.services import review

    c1, c2 = list(in_review.criteria.order_by("order"))
    a, b = applications["a"], applications["b"]
    for name, app, values in (("m1", a, (4, 3)), ("m2", a, (5, 5)), ("m3", a, (3, 1)), ("m1", b, (2, 4)), ("m2", b, (3, None))):
        review.declare(members[name], app, has_conflict=False)
        review.score(members[name], app, {c1: (values[0], "ok"), c2: (values[1], "ok" if values[1] is not None else "")})
    review.declare(members["m3"], b, has_conflict=True, note="I advised Suzak on its program")
    return {"call": in_review, "a": a, "b": b, "c1": c1, "c2": c2}


@pytest.fixture
def client(client):
    """Pages in English for the assertions (Kyrgyz is the default; language tests switch)."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client

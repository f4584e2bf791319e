"""The program API: the pages' scope and filters; approved programs are open data."""

import pytest
from rest_framework.test import APIClient

from aimak.programs.models import Funding, Measure, Stage
from aimak.programs.tests.factories import measure

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(program):
    program.stage = Stage.APPROVED
    program.save()
    return program


def test_anonymous_readers_see_approved_programs_only(approved, editions, people, territory):
    from aimak.programs.services.programs import start_program

    draft = start_program(people["suzak_staff"], territory=territory("41703220856000"), edition=editions["2024"],
                          title="Черновик", start_year=2026, end_year=2030)
    client = APIClient()
    ids = [p["id"] for p in client.get("/api/programs/programs/").json()["results"]]
    assert ids == [approved.pk]
    assert client.get(f"/api/programs/programs/{draft.pk}/").status_code == 404
    client.force_authenticate(people["suzak_staff"])
    ids = {p["id"] for p in client.get("/api/programs/programs/").json()["results"]}
    assert ids == {approved.pk, draft.pk}
    # the list page's filters: a rayon finds the programs of its municipalities
    found = client.get("/api/programs/programs/", {"territory": "41702210000000"}).json()["results"]
    assert [p["id"] for p in found] == [approved.pk]
    assert found[0]["territory"]["code"] == "41702210815000" and found[0]["edition"] == "2018"


def test_content_financing_and_inclusion(approved):
    water = measure(approved, title="Водопровод", cost=300, target_groups=["everyone"])
    ramps = measure(approved, title="Пандусы", cost=100, target_groups=["disability"])
    Funding.objects.create(measure=water, year=2020, source="local_budget", amount=300)
    Funding.objects.create(measure=ramps, year=2021, source="diaspora", amount=100)
    client = APIClient()
    content = client.get(f"/api/programs/programs/{approved.pk}/content/").json()
    assert [m["title"] for m in content["measures"]] == ["Водопровод", "Пандусы"]
    lines = client.get(f"/api/programs/programs/{approved.pk}/financing/").json()
    assert [(line["year"], line["source"], float(line["amount"])) for line in lines] == [(2020, "local_budget", 300.0), (2021, "diaspora", 100.0)]
    checks = {c["code"]: c for c in client.get(f"/api/programs/programs/{approved.pk}/inclusion/").json()}
    assert checks["migration_measures"]["status"] == "met"  # diaspora money counts for migration and development
    assert checks["inclusive_budget_share"]["status"] == "met"  # 100 of 400 = 25 % >= 10 %
    assert Measure.objects.count() == 2


def test_editions_are_readable_with_their_templates(editions):
    data = APIClient().get("/api/programs/editions/2024/").json()
    assert data["code"] == "2024" and data["template"]["district_review"] is True
    assert [s["code"] for s in data["template"]["sections"]][:3] == ["approval", "profile", "analysis"]

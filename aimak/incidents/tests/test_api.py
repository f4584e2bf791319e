"""The incident API: scoped like the pages (404 outside one's territories, restricted incidents
hidden), the pages' filters, recording through the same service with errors by field, the
types, and an OpenAPI document generated without warnings."""

from datetime import date

import pytest
from django.test import Client

from aimak.accounts.tests.factories import person
from aimak.accounts.tokens import create_token
from aimak.incidents.models import Incident, IncidentType
from aimak.incidents.services import incidents as services
from aimak.monitoring.models import DataValue
from aimak.territories.selectors import by_code

pytestmark = pytest.mark.django_db

API = "/api/incidents"
BARSKOON, SUZAK_AA, JETI_OGUZ = "41702210815000", "41703220856000", "41702210000000"


def data(**over):
    values = {
        "date": date(2026, 3, 14), "territory": by_code(BARSKOON), "village": "Barskoon",
        "incident_type": IncidentType.objects.get(code="intergroup-fight"), "injured": 2,
        "description": "A fight after a football match.",
    }
    values.update(over)
    return values


def signed_in(user):
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(user)
    return c


def with_token(user, scope):
    _token, key = create_token(user=user, name=f"{scope} token", scope=scope, days=5)
    return Client(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")


def body(**over):
    values = {
        "date": "2026-03-20", "territory": BARSKOON, "incident_type": "road-blockade", "village": "Tosor",
        "actor1": "Farmers", "actor1_kind": 6, "participants": 40, "latitude": 42.1542, "longitude": 77.6105,
        "description": "The road to Karakol was blocked for three hours.", "sources": "Police",
    }
    values.update(over)
    return values


@pytest.fixture
def world(catalogue, people):
    return {
        "fight": services.record_incident(people["monitor"], data()),
        "protest": services.record_incident(people["coordinator"], data(
            date=date(2026, 2, 3), incident_type=IncidentType.objects.get(code="protest-peaceful"), injured=0)),
        "suzak": services.record_incident(people["suzak_monitor"], data(territory=by_code(SUZAK_AA))),
        "restricted": services.record_incident(people["monitor"], data(sensitivity=Incident.Sensitivity.RESTRICTED)),
    }


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_the_list_is_scoped_and_hides_restricted_incidents(world, people):
    assert ids(signed_in(people["coordinator"]).get(f"{API}/incidents/")) == {world[k].pk for k in ("fight", "protest", "restricted")}
    assert ids(signed_in(people["suzak_monitor"]).get(f"{API}/incidents/")) == {world["suzak"].pk}
    other = person("api-monitor-2", "local_monitor", BARSKOON)
    assert ids(signed_in(other).get(f"{API}/incidents/")) == {world["fight"].pk, world["protest"].pk}
    assert signed_in(other).get(f"{API}/incidents/{world['restricted'].pk}/").status_code == 404
    assert signed_in(people["suzak_monitor"]).get(f"{API}/incidents/{world['fight'].pk}/").status_code == 404
    assert Client().get(f"{API}/incidents/").status_code in (401, 403)


def test_one_incident_reads_with_codes_and_acled_fields(world, people):
    row = signed_in(people["coordinator"]).get(f"{API}/incidents/{world['fight'].pk}/").json()
    assert row["reference"] == f"AIM{world['fight'].pk}" and row["url"] == f"/incidents/{world['fight'].pk}/"
    assert row["territory"]["code"] == BARSKOON
    assert row["incident_type"] == {"code": "intergroup-fight", "name": "Fight between groups", "parent": "violence",
                                    "disorder_type": "Political violence", "event_type": "Riots", "sub_event_type": "Mob violence"}
    assert row["verification"] == "unverified" and row["sensitivity"] == "public" and row["origin"] == "aimak"
    assert row["reported_by"] == "inc-monitor" and row["injured"] == 2


def test_the_filters_are_the_pages_filters(world, people):
    c = signed_in(people["coordinator"])
    assert ids(c.get(f"{API}/incidents/", {"incident_type": "violence"})) == {world["fight"].pk, world["restricted"].pk}
    assert ids(c.get(f"{API}/incidents/", {"period": "2026-02"})) == {world["protest"].pk}
    assert ids(c.get(f"{API}/incidents/", {"period": "2026Q1", "sensitivity": "restricted"})) == {world["restricted"].pk}
    assert ids(c.get(f"{API}/incidents/", {"event_type": "Protests"})) == {world["protest"].pk}
    assert ids(c.get(f"{API}/incidents/", {"with_casualties": "true"})) == {world["fight"].pk, world["restricted"].pk}
    assert ids(c.get(f"{API}/incidents/", {"territory": JETI_OGUZ, "verification": "unverified"})) == {
        world[k].pk for k in ("fight", "protest", "restricted")}
    bad = c.get(f"{API}/incidents/", {"period": "March", "incident_type": "nonsense"})
    assert bad.status_code == 400 and {"period", "incident_type"} <= set(bad.json())


def test_recording_through_the_api(catalogue, people):
    c = signed_in(people["monitor"])
    response = c.post(f"{API}/incidents/", body(), content_type="application/json")
    assert response.status_code == 201, response.content
    row = response.json()
    incident = Incident.objects.get(pk=row["id"])
    assert incident.reported_by == people["monitor"] and incident.incident_type.code == "road-blockade"
    assert row["latitude"] == "42.154200" and row["territory"]["code"] == BARSKOON
    assert DataValue.objects.filter(report__form__is_register=True, territory=by_code(BARSKOON), indicator__code="road-blockades",
                                    category="").values_list("value", flat=True).first() == 1


def test_bad_codes_and_bad_values_are_named_by_field(catalogue, people):
    c = signed_in(people["monitor"])
    wrong_codes = c.post(f"{API}/incidents/", body(territory="41799999999999", incident_type="brawl"), content_type="application/json")
    assert wrong_codes.status_code == 400
    assert wrong_codes.json() == {"territory": ["No territory has the code “41799999999999”."],
                                  "incident_type": ["There is no incident type “brawl”."]}
    rules = c.post(f"{API}/incidents/", body(date="2099-01-01", latitude=55, injured=1, injured_women=3, description="",
                                             incident_type="violence"), content_type="application/json")
    assert rules.status_code == 400
    errors = rules.json()
    assert set(errors) >= {"date", "latitude", "injured_women", "description", "incident_type"}
    assert errors["description"] == ["Describe what happened."]
    assert errors["incident_type"] == ["Choose a sub-type of “Violence between groups”."]
    kinds = c.post(f"{API}/incidents/", body(actor1_kind=12, date_precision=7), content_type="application/json")
    assert kinds.status_code == 400 and {"actor1_kind", "date_precision"} <= set(kinds.json())
    missing = c.post(f"{API}/incidents/", {}, content_type="application/json")
    assert missing.status_code == 400 and {"date", "territory", "incident_type", "description"} <= set(missing.json())
    assert not Incident.objects.exists()


def test_recording_elsewhere_or_with_a_read_only_token_is_refused(catalogue, people):
    outside = signed_in(people["monitor"]).post(f"{API}/incidents/", body(territory=SUZAK_AA), content_type="application/json")
    assert outside.status_code == 403
    read_only = with_token(people["monitor"], "read").post(f"{API}/incidents/", body(), content_type="application/json")
    assert read_only.status_code == 403
    assert with_token(people["monitor"], "write").post(f"{API}/incidents/", body(), content_type="application/json").status_code == 201
    assert Incident.objects.count() == 1


def test_the_types_with_their_acled_mapping(catalogue, people):
    c = signed_in(people["suzak_monitor"])
    rows = c.get(f"{API}/types/").json()["results"]
    codes = [r["code"] for r in rows]
    assert codes.index("violence") < codes.index("intergroup-fight") < codes.index("protest")  # each type before its sub-types
    fight = next(r for r in rows if r["code"] == "intergroup-fight")
    assert fight["parent"] == "violence" and fight["event_type"] == "Riots" and fight["indicator"] == "intergroup-fights"
    assert set(fight["names"]) == {"ky", "ru", "en"}
    assert c.get(f"{API}/types/road-blockade/").json()["sub_event_type"]
    assert c.get(f"{API}/types/nothing/").status_code == 404


def test_the_openapi_schema_documents_the_incident_api_without_warnings():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    warnings = dict(GENERATOR_STATS._warn_cache)
    errors = dict(GENERATOR_STATS._error_cache)
    assert not warnings and not errors, (list(warnings)[:5], list(errors)[:5])
    paths = schema["paths"]
    for path in ["incidents/", "incidents/{id}/", "types/", "types/{code}/"]:
        assert f"{API}/{path}" in paths, path
    assert "post" in paths[f"{API}/incidents/"]
    params = {p["name"] for p in paths[f"{API}/incidents/"]["get"]["parameters"]}
    assert {"period", "territory", "incident_type", "verification", "sensitivity", "origin", "actor_kind", "with_casualties", "q"} <= params

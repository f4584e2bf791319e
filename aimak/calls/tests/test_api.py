"""The read-only API: calls with criteria; applications with aggregates where allowed."""

import pytest
from django.conf import settings

from aimak.calls.services import calls as call_services

pytestmark = pytest.mark.django_db
API = "/api/calls"


def test_calls_with_their_criteria(client, call):
    data = client.get(f"{API}/calls/").json()
    found = next(c for c in data["results"] if c["id"] == call.pk)
    assert [(c["title"], c["weight"], c["evidence"]) for c in found["criteria"]] == [
        ("Inclusive measures", "2.00", ["inclusive_measures"]), ("Quality", "1.00", [])]
    assert set(found["eligible"]) == {"41702000000000", "41703220000000"} and found["status"] == "open"


def test_applications_with_aggregates_only_where_allowed(client, scored, people):
    assert client.get(f"{API}/applications/").json()["results"] == []  # anonymous, not published
    client.force_login(people["staff"])
    own = client.get(f"{API}/applications/").json()["results"]
    assert [a["id"] for a in own] == [scored["a"].pk] and own[0]["scores"] is None
    client.force_login(people["analyst"])
    rows = {a["id"]: a for a in client.get(f"{API}/applications/?call={scored['call'].pk}").json()["results"]}
    a = rows[scored["a"].pk]["scores"]
    assert a["weighted"] == pytest.approx(11 / 3) and a["percent"] == pytest.approx(220 / 3) and a["spread"] == pytest.approx(8 / 3)
    assert (a["members_scored"], a["conflicts"]) == (3, 0)
    assert [(m["criterion"], m["mean"], m["scores"]) for m in a["criteria"]] == [(scored["c1"].pk, 4.0, 3), (scored["c2"].pk, 3.0, 3)]
    b = client.get(f"{API}/applications/{scored['b'].pk}/").json()["scores"]
    assert b["weighted"] == pytest.approx(3.0) and b["conflicts"] == 1
    call_services.decide(people["analyst"], scored["call"], {scored["a"].pk: {"result": "winner"}, scored["b"].pk: {"result": "prize"}})
    call_services.publish(people["analyst"], scored["call"])
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # signing out forgets the language
    public = client.get(f"{API}/applications/").json()["results"]
    assert [(x["rank"], x["result"]) for x in public] == [(1, "winner"), (2, "prize")]
    assert public[0]["scores"]["weighted"] == pytest.approx(11 / 3)
    assert "member" not in str(public[0]["scores"]["criteria"])


def test_the_schema_documents_the_calls_api_without_warnings():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert not dict(GENERATOR_STATS._warn_cache) and not dict(GENERATOR_STATS._error_cache)
    for path in ("calls/", "calls/{id}/", "applications/", "applications/{id}/"):
        assert f"{API}/{path}" in schema["paths"], path

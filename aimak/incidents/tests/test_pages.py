"""The incident pages: list with exports, map with its GeoJSON, one incident with verification,
the record and edit form; scoped like everything else (404 outside one's territories, restricted
incidents hidden), bad input named by field, and the panels on monitoring pages."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client

from aimak.accounts.tests.factories import person
from aimak.audit.models import SecurityEvent
from aimak.incidents.models import Incident, IncidentEvent, IncidentType
from aimak.incidents.services import incidents as services
from aimak.monitoring.models import Alert
from aimak.territories.selectors import by_code

pytestmark = pytest.mark.django_db

BARSKOON, SUZAK_AA, JETI_OGUZ, ISSYK_KUL = "41702210815000", "41703220856000", "41702210000000", "41702000000000"


def data(**over):
    values = {
        "date": date(2026, 3, 14), "territory": by_code(BARSKOON), "village": "Barskoon",
        "incident_type": IncidentType.objects.get(code="intergroup-fight"), "actor1": "Youth of Barskoon", "actor1_kind": 5,
        "participants": 30, "injured": 2, "description": "A fight after a football match.", "sources": "Aiyl okmotu",
    }
    values.update(over)
    return values


def signed_in(user, lang="en"):
    c = Client()
    c.force_login(user)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return c


def form_post(**over):
    """What the record form posts for a good incident in Barskoon."""
    values = {
        "date": "2026-03-20", "date_precision": "1", "territory": str(by_code(BARSKOON).pk), "village": "Tosor",
        "latitude": "", "longitude": "", "geo_precision": "1", "incident_type": "road-blockade",
        "actor1": "Farmers", "actor1_kind": "6", "assoc_actor1": "", "actor2": "", "actor2_kind": "", "assoc_actor2": "",
        "groups": "", "participants": "40", "injured": "0", "injured_women": "", "killed": "0", "killed_women": "",
        "displaced_households": "0", "description": "The road to Karakol was blocked for three hours.", "sources": "Police",
        "sensitivity": "public",
    }
    values.update(over)
    return values


@pytest.fixture
def world(catalogue, people):
    barskoon = services.record_incident(people["monitor"], data())
    located = services.record_incident(people["coordinator"], data(
        latitude=Decimal("42.154200"), longitude=Decimal("77.610500"), incident_type=IncidentType.objects.get(code="protest-peaceful"),
        injured=0, description="A peaceful protest at the aiyl okmotu.",
    ))
    suzak = services.record_incident(people["suzak_monitor"], data(territory=by_code(SUZAK_AA), village="Suzak", description="Water dispute."))
    restricted = services.record_incident(people["monitor"], data(sensitivity=Incident.Sensitivity.RESTRICTED, description="Hate speech case."))
    return {"barskoon": barskoon, "located": located, "suzak": suzak, "restricted": restricted}


# --- list and exports ---------------------------------------------------------------------------


def test_the_list_shows_what_the_person_may_see(world, people):
    html = signed_in(people["coordinator"]).get("/incidents/").content.decode()
    for key in ("barskoon", "located", "restricted"):
        assert f'href="/incidents/{world[key].pk}/"' in html
    assert f'href="/incidents/{world["suzak"].pk}/"' not in html
    assert "4 incidents" not in html and "3 incidents" in html
    suzak = signed_in(people["suzak_monitor"]).get("/incidents/").content.decode()
    assert f'/incidents/{world["suzak"].pk}/"' in suzak and f'/incidents/{world["barskoon"].pk}/"' not in suzak


def test_list_filters_a_type_with_its_sub_types_and_casualties(world, people):
    c = signed_in(people["coordinator"])
    html = c.get("/incidents/", {"incident_type": "violence"}).content.decode()  # the type finds its sub-type "intergroup-fight"
    assert f'/incidents/{world["barskoon"].pk}/"' in html and f'/incidents/{world["located"].pk}/"' not in html
    html = c.get("/incidents/", {"with_casualties": "false"}).content.decode()
    assert f'/incidents/{world["located"].pk}/"' in html and f'/incidents/{world["barskoon"].pk}/"' not in html
    bad = c.get("/incidents/", {"period": "March"})
    assert bad.status_code == 200 and "is not a period" in bad.content.decode()


def test_exports_follow_the_filters_and_are_logged_when_restricted_incidents_are_in_reach(world, people):
    c = signed_in(people["coordinator"])
    response = c.get("/incidents/", {"territory": BARSKOON, "incident_type": "protest", "export": "csv"})
    lines = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Reference,Date,Date precision,Territory,SOATE code")
    assert len(lines) == 2 and f"AIM{world['located'].pk}" in lines[1] and "Peaceful protest" in lines[1]
    assert SecurityEvent.objects.filter(kind="export", detail__what="incidents").count() == 1
    xlsx = c.get("/incidents/", {"export": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    # a monitor in Suzak reaches no restricted incident: nothing to log
    signed_in(people["suzak_monitor"]).get("/incidents/", {"export": "csv"})
    assert SecurityEvent.objects.filter(kind="export", detail__what="incidents").count() == 2


def test_a_territory_has_its_own_incident_page(world, people):
    c = signed_in(people["coordinator"])
    page = c.get(f"/incidents/in/{BARSKOON}/")
    assert page.status_code == 200 and f'/incidents/{world["barskoon"].pk}/"' in page.content.decode()
    assert f"/incidents/new/?territory={BARSKOON}" in page.content.decode()
    assert c.get(f"/incidents/in/{SUZAK_AA}/").status_code == 404
    assert c.get(f"/incidents/in/{ISSYK_KUL}/").status_code == 404  # above the coordinator's rayon
    assert c.get("/incidents/in/41799999999999/").status_code == 404


# --- one incident -------------------------------------------------------------------------------


def test_the_incident_page_shows_every_field_in_words(world, people):
    incident = world["located"]
    html = signed_in(people["coordinator"]).get(f"/incidents/{incident.pk}/").content.decode()
    for text in ("Peaceful protest", "Protests and blockades", "Demonstrations", "Peaceful protest", "42.154200, 77.610500",
                 "rioters", "Youth of Barskoon", "A peaceful protest at the aiyl okmotu.", "Aiyl okmotu", "Recorded",
                 "Not yet verified".lower(), f"/monitoring/territory/{BARSKOON}/", "Edit"):
        assert text in html, text
    assert 'action="/incidents/%d/verify/"' % incident.pk in html and 'action="/incidents/%d/false/"' % incident.pk in html


def test_incidents_outside_ones_scope_are_not_found(world, people):
    assert signed_in(people["suzak_monitor"]).get(f"/incidents/{world['barskoon'].pk}/").status_code == 404
    assert signed_in(people["suzak_monitor"]).get(f"/incidents/{world['barskoon'].pk}/edit/").status_code == 404
    other_monitor = person("inc-monitor-2", "local_monitor", BARSKOON)
    c = signed_in(other_monitor)
    assert c.get(f"/incidents/{world['restricted'].pk}/").status_code == 404  # restricted, and not theirs
    assert f'/incidents/{world["restricted"].pk}/"' not in c.get("/incidents/").content.decode()
    assert signed_in(people["monitor"]).get(f"/incidents/{world['restricted'].pk}/").status_code == 200  # the author
    html = signed_in(people["coordinator"]).get(f"/incidents/{world['restricted'].pk}/").content.decode()
    assert "Restricted: only coordinators and analysts" in html
    assert Client().get(f"/incidents/{world['barskoon'].pk}/").status_code == 302  # to the sign-in page


def test_verification_flow_with_notes(world, people):
    incident = world["barskoon"]
    monitor_page = signed_in(people["monitor"]).get(f"/incidents/{incident.pk}/").content.decode()
    assert "/verify/" not in monitor_page  # monitors record, coordinators verify
    c = signed_in(people["coordinator"])
    refused = c.post(f"/incidents/{incident.pk}/false/", {"note": "  "})
    assert refused.status_code == 400 and "Say why the report is false: a note is required." in refused.content.decode()
    incident.refresh_from_db()
    assert incident.verification == "unverified"
    assert c.post(f"/incidents/{incident.pk}/false/", {"note": "The police found no such fight."}).status_code == 302
    incident.refresh_from_db()
    assert incident.verification == "false"
    page = c.get(f"/incidents/{incident.pk}/").content.decode()
    assert "/reopen/" in page and "/verify/" not in page and "The police found no such fight." in page
    assert c.post(f"/incidents/{incident.pk}/reopen/", {"note": ""}).status_code == 400
    c.post(f"/incidents/{incident.pk}/reopen/", {"note": "A video surfaced."})
    c.post(f"/incidents/{incident.pk}/verify/", {"note": ""})
    incident.refresh_from_db()
    assert incident.verification == "verified"
    assert [e.action for e in incident.events.order_by("id")] == ["recorded", "false", "reopened", "verified"]
    assert c.post(f"/incidents/{incident.pk}/delete/").status_code == 404


def test_a_monitor_posting_a_verification_is_refused(world, people):
    response = signed_in(people["monitor"]).post(f"/incidents/{world['barskoon'].pk}/verify/", {"note": ""})
    assert response.status_code == 403
    world["barskoon"].refresh_from_db()
    assert world["barskoon"].verification == "unverified"


# --- record and edit ------------------------------------------------------------------------------


def test_the_form_is_prefilled_and_offers_only_places_where_one_may_record(catalogue, people):
    c = signed_in(people["monitor"])
    html = c.get("/incidents/new/", {"territory": BARSKOON, "date": "2026-03-02"}).content.decode()
    assert 'value="2026-03-02"' in html
    assert re.search(rf'<option value="{by_code(BARSKOON).pk}" selected>', html)
    assert f'<option value="{by_code(SUZAK_AA).pk}"' not in html
    assert '<optgroup label="Violence between groups">' in html and '<option value="intergroup-fight">' in html
    assert '<option value="violence">' not in html  # a type with sub-types is a group, not a choice
    assert "visible only to" not in html and "seen only by coordinators and analysts" in html
    assert c.get("/incidents/new/", {"date": "2026-02-30"}).status_code == 200  # an impossible date is ignored
    assert signed_in(people["analyst"]).get("/incidents/new/").status_code == 403  # analysts read and verify


def test_recording_an_incident(catalogue, people):
    c = signed_in(people["monitor"])
    response = c.post("/incidents/new/", form_post(latitude="42,1542", longitude="77.61051234"))
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/incidents/{incident.pk}/"
    assert incident.reported_by == people["monitor"] and incident.incident_type.code == "road-blockade"
    assert str(incident.latitude) == "42.154200" and str(incident.longitude) == "77.610512"
    assert incident.events.get().action == IncidentEvent.Action.RECORDED
    assert f"Incident AIM{incident.pk} recorded." in c.get(response["Location"]).content.decode()


def test_bad_input_is_named_by_field_and_nothing_is_saved(catalogue, people):
    c = signed_in(people["monitor"])
    response = c.post("/incidents/new/", form_post(
        date="2099-01-01", latitude="55", longitude="", injured="1", injured_women="3", description=" ", incident_type="",
        participants="many",
    ))
    assert response.status_code == 200 and not Incident.objects.exists()
    errors = response.context["form"].errors
    assert set(errors) >= {"date", "latitude", "longitude", "injured_women", "description", "incident_type", "participants"}
    html = response.content.decode()
    assert "Nothing was saved: correct the marked fields." in html
    assert "The date 2099-01-01 is in the future." in html and "Describe what happened." in html
    assert "Cannot be more than the total (1)." in html and "Choose the type of incident." in html
    # a territory outside one's grants is not a choice
    outside = c.post("/incidents/new/", form_post(territory=str(by_code(SUZAK_AA).pk)))
    assert "territory" in outside.context["form"].errors and not Incident.objects.exists()


def test_correcting_an_incident(world, people):
    incident = world["barskoon"]
    c = signed_in(people["monitor"])
    page = c.get(f"/incidents/{incident.pk}/edit/").content.decode()
    assert 'value="Barskoon"' in page and '<option value="intergroup-fight" selected>' in page
    response = c.post(f"/incidents/{incident.pk}/edit/", form_post(
        date="2026-03-14", incident_type="intergroup-fight", village="Barskoon centre", comment="Place corrected",
    ))
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.village == "Barskoon centre" and incident.incident_type.code == "intergroup-fight"
    assert incident.events.filter(action="changed", comment="Place corrected").exists()
    bad = c.post(f"/incidents/{incident.pk}/edit/", form_post(description=""))
    assert bad.status_code == 200 and "Describe what happened." in bad.content.decode()


def test_reference_layer_incidents_are_not_edited_by_hand(catalogue, people):
    acled = services.record_incident(people["analyst"], data(), origin=Incident.Origin.ACLED, external_id="KGZ1234")
    c = signed_in(people["coordinator"])
    html = c.get(f"/incidents/{acled.pk}/").content.decode()
    assert "KGZ1234" in html and "ACLED reference" in html and "/edit/" not in html and "/verify/" not in html
    assert c.get(f"/incidents/{acled.pk}/edit/").status_code == 403
    refused = c.post(f"/incidents/{acled.pk}/verify/", {"note": ""})
    assert refused.status_code == 400 and "Reference-layer incidents are verified by their source." in refused.content.decode()
    listing = c.get("/incidents/", {"origin": "acled"}).content.decode()
    assert "KGZ1234" in listing and "not counted in the indicators" in listing


# --- map ----------------------------------------------------------------------------------------


def test_the_map_page_counts_and_its_geojson_places_points(world, people):
    c = signed_in(people["coordinator"])
    page = c.get("/incidents/map/", {"territory": BARSKOON}).content.decode()
    assert "3 incidents match these filters." in page
    assert "With their own coordinates: 1; at their territory’s point (approximate): 2." in page
    assert 'data-geojson-url="/incidents/map.geojson?territory=41702210815000"' in page
    assert "The map needs JavaScript" in page and f'href="/incidents/?territory={BARSKOON}"' in page
    data = c.get("/incidents/map.geojson", {"territory": BARSKOON}).json()
    assert data["total"] == 3 and data["shown"] + data["unplaced"] == 3
    by_id = {f["properties"]["id"]: f for f in data["features"]}
    assert by_id[world["located"].pk]["geometry"]["coordinates"] == [77.6105, 42.1542]
    assert by_id[world["located"].pk]["properties"]["approximate"] is False
    if world["barskoon"].pk in by_id:
        assert by_id[world["barskoon"].pk]["properties"]["approximate"] is True
    assert c.get("/incidents/map.geojson", {"period": "March"}).status_code == 400
    assert c.get("/incidents/map/", {"export": "csv"})["Location"] == "/incidents/?export=csv"
    suzak = signed_in(people["suzak_monitor"]).get("/incidents/map.geojson").json()
    assert {f["properties"]["id"] for f in suzak["features"]} <= {world["suzak"].pk}


def test_map_points_fall_back_to_the_territory_point(catalogue, people):
    from aimak.incidents.selectors import maps

    barskoon = by_code(BARSKOON)
    barskoon.latitude, barskoon.longitude = 42.15, 77.6
    barskoon.save(update_fields=["latitude", "longitude"])
    incident = services.record_incident(people["monitor"], data())
    features, unplaced = maps.features(Incident.objects.all())
    assert unplaced == 0 and features[0]["geometry"]["coordinates"] == [77.6, 42.15]
    assert features[0]["properties"]["approximate"] is True and features[0]["properties"]["reference"] == f"AIM{incident.pk}"


# --- panels on other pages ---------------------------------------------------------------------


def test_the_monitoring_territory_page_shows_recent_incidents(world, people):
    html = signed_in(people["monitor"]).get(f"/monitoring/territory/{BARSKOON}/").content.decode()
    assert "Recent incidents" in html and f'/incidents/{world["barskoon"].pk}/"' in html
    assert f'href="/incidents/?territory={BARSKOON}"' in html and f"/incidents/new/?territory={BARSKOON}" in html
    assert f"/incidents/map/?territory={BARSKOON}" in html


def test_an_alert_lists_the_incidents_behind_it(catalogue, people):
    death = services.record_incident(people["monitor"], data(killed=1, injured=0))
    alert = Alert.objects.get(rule__kind="critical_value", territory=by_code(BARSKOON))
    html = signed_in(people["coordinator"]).get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert "Incidents in this territory, 2026-03" in html and f'/incidents/{death.pk}/"' in html
    assert f'href="/incidents/?territory={BARSKOON}&amp;period=2026-03"' in html
    incident_page = signed_in(people["coordinator"]).get(f"/incidents/{death.pk}/").content.decode()
    assert f'/monitoring/alerts/{alert.pk}/"' in incident_page


def test_the_monthly_report_shows_the_register_counts(catalogue, people):
    from aimak.monitoring.models import ReportingForm
    from aimak.monitoring.services import reporting

    services.record_incident(people["monitor"], data())
    form = ReportingForm.objects.filter(is_register=False, period_type="monthly", is_active=True).first()
    if form is None:
        pytest.skip("no monthly form in the catalogue")
    report = reporting.start_report(people["monitor"], form, by_code(BARSKOON), date(2026, 3, 1))
    html = signed_in(people["monitor"]).get(f"/monitoring/reports/{report.pk}/").content.decode()
    assert "Incidents recorded this month" in html
    assert f"/incidents/new/?territory={BARSKOON}&amp;date=2026-03-31" in html
    panel = html.split("Incidents recorded this month")[1].split("</section>")[0]
    assert re.search(r"<td class=\"num\">1</td>", panel)  # the fight counted in its indicator


# --- languages ----------------------------------------------------------------------------------


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


# English phrases of these pages that must not show on a Kyrgyz page
ENGLISH = [
    "Incidents", "Record an incident", "Incident map", "ACLED event type", "No incidents match these filters.", "Recorded by",
    "Kind of actor", "With injured or killed", "All types", "All incidents", "The same incidents as a list", "Types of incident",
    "How points are drawn", "When and where", "Who was involved", "People affected", "Type and ACLED mapping",
    "ACLED disorder type", "ACLED sub-event type", "Counted in indicator", "Alerts for this place and period", "Verify",
    "Mark as a false report", "Record the incident", "Coordinates (optional)", "How exact is the date?", "How exact is the place?",
    "Type of incident", "Kind of first actor", "Groups involved", "Displaced households", "Who may see it", "Sources and visibility",
    "not yet verified", "Aimak monitors", "What was corrected", "Correct the incident", "Village or place", "Reference",
    "Fight between groups", "state forces", "within a week", "Nothing was saved",
]


def test_the_pages_speak_kyrgyz(world, people):
    c = signed_in(people["coordinator"], "ky")
    people["coordinator"].preferred_language = "ky"
    people["coordinator"].save(update_fields=["preferred_language"])
    phrases = ENGLISH
    for url in ["/incidents/", "/incidents/map/", f"/incidents/{world['barskoon'].pk}/", "/incidents/new/",
                f"/incidents/{world['barskoon'].pk}/edit/", f"/incidents/in/{BARSKOON}/"]:
        response = c.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert '<html lang="ky">' in html
        text = _visible_text(html)
        leaked = [p for p in phrases if re.search(rf"(?<![\w-]){re.escape(p)}(?![\w-])", text)]
        assert not leaked, (url, leaked[:10])

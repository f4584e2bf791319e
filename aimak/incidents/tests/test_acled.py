"""ACLED both ways: Aimak's incidents as ACLED's CSV (the person's scope, the incident filters,
constant queries), and ACLED's events in Kyrgyzstan loaded as a reference layer (places by
name, types by ACLED's types, skipped and rejected rows with their lines, all or nothing,
repeats change nothing), with a round trip of Aimak's own export."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from aimak.accounts.tests.factories import person
from aimak.audit.models import SecurityEvent
from aimak.core.imports import SourceError
from aimak.exchange.services import acled
from aimak.incidents.models import Incident, IncidentEvent, IncidentType
from aimak.incidents.services import incidents as services
from aimak.monitoring.models import DataValue
from aimak.territories.selectors import by_code

pytestmark = pytest.mark.django_db

BARSKOON, SUZAK_AA, COUNTRY = "41702210815000", "41703220856000", "41700000000000"
AK_SAY, OSH_CITY, BISHKEK = "41705214848000", "41721000000000", "41711000000000"
HEADER = ",".join(acled.COLUMNS)
# Real-shaped rows of ACLED's export (its newer format: ISO dates, actor kinds in words; one
# row in the older one: "16 September 2022" and numeric inter codes).
BATKEN_CLASH = ('KGZ4521,16 September 2022,2022,1,Political violence,Battles,Armed clash,Military Forces of Kyrgyzstan (2021-),,1,'
                'Military Forces of Tajikistan (1994-),,8,18,,417,Caucasus and Central Asia,Kyrgyzstan,Batken,Batken,,Ak-Sai,39.8840,70.5180,1,'
                'AKIpress; 24.kg,National,"On 16 September 2022, Kyrgyz and Tajik border forces clashed near Ak-Sai, Batken district. '
                '12 people were killed.",12,,1664202345')
OSH_PROTEST = ('KGZ4602,2022-10-03,2022,1,Demonstrations,Protests,Peaceful protest,Protesters (Kyrgyzstan),,Protesters,,,,Protesters only,,'
               '417,Caucasus and Central Asia,Kyrgyzstan,Osh,Osh,,Osh,40.5283,72.7985,1,Kloop,National,'
               '"On 3 October 2022, around 200 residents of Osh protested against the border agreement with Uzbekistan.",0,crowd size=around 200,1665000000')
BISHKEK_PROTEST = ('KGZ4610,2022-10-24,2022,1,Demonstrations,Protests,Protest with intervention,Protesters (Kyrgyzstan),,Protesters,'
                   'Police Forces of Kyrgyzstan (2021-),,State forces,State forces-Protesters,,417,Caucasus and Central Asia,Kyrgyzstan,Bishkek,'
                   'Bishkek,,Bishkek,42.8700,74.5900,1,RFE/RL,International,"On 24 October 2022, police detained activists protesting '
                   'in Bishkek against the transfer of the Kempir-Abad reservoir.",0,crowd size=no report,1666700000')
TAJIK_ROW = ('TJK9981,2022-09-16,2022,1,Political violence,Battles,Armed clash,Military Forces of Tajikistan (1994-),,State forces,'
             'Military Forces of Kyrgyzstan (2021-),,External/Other forces,State forces-External/Other forces,,762,Caucasus and Central Asia,'
             'Tajikistan,Sughd,Isfara,,Vorukh,39.8500,70.5800,1,Asia-Plus,National,"Clashes near Vorukh.",9,,1664202345')
SHELLING = ('KGZ4530,2022-09-17,2022,1,Political violence,Explosions/Remote violence,Shelling/artillery/missile attack,'
            'Military Forces of Tajikistan (1994-),,External/Other forces,,,,External/Other forces only,,417,Caucasus and Central Asia,'
            'Kyrgyzstan,Batken,Leilek,,Kulundu,40.0080,69.6090,2,24.kg,National,"Shelling of Kulundu.",0,,1664202345')
ROWS = [BATKEN_CLASH, OSH_PROTEST, BISHKEK_PROTEST, TAJIK_ROW, SHELLING]


def acled_file(*rows, bom=False) -> bytes:
    text = "\r\n".join([HEADER, *rows]) + "\r\n"
    return ("\ufeff" + text if bom else text).encode("utf-8")


@pytest.fixture(autouse=True)
def quick_analytics(monkeypatch):
    monkeypatch.setattr("aimak.monitoring.services.analytics.refresh_after_report", lambda report: None)


@pytest.fixture
def admin(people):
    return person("inc-admin", "national_administrator", COUNTRY)


def data(**over):
    values = {
        "date": date(2026, 3, 14), "territory": by_code(BARSKOON), "village": "Barskoon",
        "incident_type": IncidentType.objects.get(code="intergroup-fight"), "actor1": "Youth of Barskoon", "actor1_kind": 5,
        "actor2": "Youth of Tamga", "actor2_kind": 5, "participants": 30, "injured": 2, "killed": 1,
        "latitude": Decimal("42.154"), "longitude": Decimal("77.602"),
        "description": "A fight after a football match.", "sources": "Aiyl okmotu\npolice",
    }
    values.update(over)
    return values


@pytest.fixture(autouse=True)
def shelling_unmapped(request):
    """The files' SHELLING row stands for an ACLED event no Aimak type in use maps to."""
    if "catalogue" in request.fixturenames and "shelling_mapped" not in request.fixturenames:
        from aimak.incidents.models import IncidentType

        request.getfixturevalue("catalogue")
        IncidentType.objects.filter(code="shelling").update(is_active=False)


@pytest.fixture
def shelling_mapped():
    """Asked for by the test that keeps the starting types as they are."""


def read_csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


# --- export -----------------------------------------------------------------------------------


def test_the_export_writes_acleds_columns_for_what_the_person_may_see(client, catalogue, people):
    fight = services.record_incident(people["monitor"], data())
    attack = services.record_incident(people["coordinator"], data(
        incident_type=IncidentType.objects.get(code="attack-civilians"), actor1="Unknown armed men", actor1_kind=3,
        actor2="Residents of Tamga", actor2_kind=7, village="", latitude=None, longitude=None, participants=None,
        sensitivity="restricted", killed=0, injured=1))
    false = services.record_incident(people["monitor"], data(description="A rumour of a fight."))
    services.mark_false(people["coordinator"], false, "Nobody saw it.")
    elsewhere = services.record_incident(people["suzak_monitor"], data(territory=by_code(SUZAK_AA), village="Kok-Tash", actor2="", actor2_kind=None))

    client.force_login(people["analyst"])
    response = client.get("/exchange/acled/export.csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="aimak-acled-')
    rows = read_csv(response)
    assert list(rows[0]) == acled.COLUMNS
    by_id = {r["event_id_cnty"]: r for r in rows}
    assert set(by_id) == {f"AIM{fight.pk}", f"AIM{attack.pk}", f"AIM{elsewhere.pk}"}  # the false report is left out
    row = by_id[f"AIM{fight.pk}"]
    assert (row["event_date"], row["year"], row["time_precision"]) == ("2026-03-14", "2026", "1")
    assert (row["disorder_type"], row["event_type"], row["sub_event_type"]) == ("Political violence", "Riots", "Mob violence")
    assert (row["actor1"], row["inter1"], row["actor2"], row["inter2"], row["interaction"]) == ("Youth of Barskoon", "5", "Youth of Tamga", "5", "55")
    assert (row["iso"], row["region"], row["country"]) == ("417", "Caucasus and Central Asia", "Kyrgyzstan")
    assert (row["admin1"], row["admin2"], row["admin3"], row["location"]) == ("Issyk-Kul", "Jeti-Oguz", "Barskoon", "Barskoon")
    assert (row["latitude"], row["longitude"], row["geo_precision"]) == ("42.154", "77.602", "1")
    assert (row["source"], row["notes"], row["fatalities"]) == ("Aiyl okmotu; police", "A fight after a football match.", "1")
    assert row["tags"] == "crowd size=30; Aimak verification: unverified" and row["civilian_targeting"] == ""
    assert int(row["timestamp"]) == int(Incident.objects.get(pk=fight.pk).updated_at.timestamp())
    row = by_id[f"AIM{attack.pk}"]
    assert (row["interaction"], row["civilian_targeting"]) == ("37", "Civilian targeting")
    assert row["tags"] == "Aimak verification: unverified; sensitivity: restricted"
    assert row["location"] == "Barskoon" and row["geo_precision"] == "2" and row["latitude"]  # the territory's centre, approximate
    assert by_id[f"AIM{elsewhere.pk}"]["interaction"] == "50" and by_id[f"AIM{elsewhere.pk}"]["admin2"] == "Suzak"
    assert SecurityEvent.objects.filter(kind="export", detail__what="acled_incidents").exists()

    only_false = read_csv(client.get("/exchange/acled/export.csv?verification=false"))
    assert [r["event_id_cnty"] for r in only_false] == [f"AIM{false.pk}"]
    assert [r["event_id_cnty"] for r in read_csv(client.get(f"/exchange/acled/export.csv?place={SUZAK_AA}"))] == [f"AIM{elsewhere.pk}"]

    client.force_login(people["suzak_monitor"])  # their own territory only
    assert [r["event_id_cnty"] for r in read_csv(client.get("/exchange/acled/export.csv"))] == [f"AIM{elsewhere.pk}"]
    client.force_login(people["monitor"])  # the coordinator's restricted incident is not theirs to see
    assert {r["event_id_cnty"] for r in read_csv(client.get("/exchange/acled/export.csv"))} == {f"AIM{fight.pk}"}


def test_a_bad_filter_is_a_400_naming_it_and_strangers_sign_in_first(client, catalogue, people):
    assert client.get("/exchange/acled/export.csv").status_code == 302
    client.force_login(people["analyst"])
    response = client.get("/exchange/acled/export.csv?period=2026-13&verification=maybe")
    assert response.status_code == 400
    text = response.content.decode()
    assert text.startswith("period: ") or "\nperiod: " in text
    assert "verification: " in text


def test_the_export_makes_the_same_queries_for_few_or_many_incidents(client, catalogue, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(people["analyst"])
    services.record_incident(people["monitor"], data())

    def count():
        with CaptureQueriesContext(connection) as queries:
            read_csv(client.get("/exchange/acled/export.csv"))
        return len(queries)

    few = count()
    for n in range(12):
        services.record_incident(people["suzak_monitor"] if n % 2 else people["monitor"],
                                 data(territory=by_code(SUZAK_AA if n % 2 else BARSKOON), description=f"Fight {n}"))
    assert count() == few


# --- import -----------------------------------------------------------------------------------


def test_acled_events_in_kyrgyzstan_load_as_a_reference_layer(catalogue, admin):
    report = acled.import_acled(acled_file(*ROWS), user=admin, dataset_name="ACLED KGZ 2022")
    assert not report.committed and Incident.objects.count() == 0  # all or nothing: one row is rejected
    assert [(i.line, i.key) for i in report.skipped] == [(5, "TJK9981")]
    assert "Tajikistan" in report.skipped[0].message
    assert [(i.line, i.key) for i in report.rejected] == [(6, "KGZ4530")]
    assert report.rejected[0].message.startswith("event_type: No Aimak incident type is mapped to ACLED's “Explosions/Remote violence”")

    report = acled.import_acled(acled_file(*ROWS), user=admin, dataset_name="ACLED KGZ 2022", valid_rows_only=True)
    assert report.committed and (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert "The valid rows were saved" in report.as_text()
    clash, osh, bishkek = (Incident.objects.get(origin="acled", external_id=i) for i in ("KGZ4521", "KGZ4602", "KGZ4610"))
    assert clash.reference == "KGZ4521" and clash.source_dataset == "ACLED KGZ 2022"
    assert (clash.date, clash.territory.code, clash.village, clash.killed) == (date(2022, 9, 16), AK_SAY, "Ak-Sai", 12)
    assert (clash.incident_type.code, clash.actor1_kind, clash.actor2_kind) == ("border-clash", 1, 8)
    assert (clash.latitude, clash.longitude, clash.geo_precision) == (Decimal("39.884"), Decimal("70.518"), 1)
    assert clash.sources == "AKIpress; 24.kg" and clash.description.startswith("On 16 September 2022")
    assert (osh.territory.code, osh.village, osh.participants, osh.incident_type.code) == (OSH_CITY, "", 200, "protest-peaceful")
    assert osh.actor1_kind == 6 and osh.actor2_kind is None
    assert (bishkek.territory.code, bishkek.incident_type.code, bishkek.participants) == (BISHKEK, "protest-intervention", None)
    assert not clash.is_counted  # a reference layer, never counted
    assert not DataValue.objects.filter(report__form__is_register=True).exists()

    events = IncidentEvent.objects.count()
    again = acled.import_acled(acled_file(*ROWS), user=admin, dataset_name="ACLED KGZ 2022", valid_rows_only=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert Incident.objects.count() == 3 and IncidentEvent.objects.count() == events

    revised = acled.import_acled(acled_file(BATKEN_CLASH.replace('killed.",12,', 'killed.",13,'), OSH_PROTEST, bom=True),
                                 user=admin, dataset_name="ACLED KGZ 2023")
    assert revised.committed and (revised.created, revised.updated, revised.unchanged) == (0, 1, 1)
    clash.refresh_from_db()
    assert clash.killed == 13 and clash.source_dataset == "ACLED KGZ 2023"
    assert clash.events.order_by("-id").first().action == IncidentEvent.Action.CHANGED


def test_a_dry_run_reports_and_saves_nothing(catalogue, admin):
    report = acled.import_acled(acled_file(BATKEN_CLASH, OSH_PROTEST), user=admin, dry_run=True)
    assert report.dry_run and not report.committed and report.created == 2
    assert Incident.objects.count() == 0


@pytest.mark.parametrize("row, line_key, column, text", [
    (OSH_PROTEST.replace("2022-10-03,2022", "2099-10-03,2099"), "KGZ4602", "event_date", "is in the future"),
    (OSH_PROTEST.replace("2022-10-03", "03.10.2022"), "KGZ4602", "event_date", "is not a date"),
    (OSH_PROTEST.replace(",Protests,Peaceful protest,", ",Alien landing,Peaceful protest,"), "KGZ4602", "event_type", "is not one of ACLED's event types"),
    (OSH_PROTEST.replace("Kyrgyzstan,Osh,Osh,,Osh", "Kyrgyzstan,Atlantis,,,Osh"), "KGZ4602", "admin1", "No oblast or city of republican significance is named “Atlantis”"),
    (OSH_PROTEST.replace("Kyrgyzstan,Osh,Osh,,Osh", "Kyrgyzstan,Osh,,,"), "KGZ4602", "admin1", "“Osh” is ambiguous"),
    (OSH_PROTEST.replace(",0,crowd size", ",many,crowd size"), "KGZ4602", "fatalities", "is not a whole number"),
    (OSH_PROTEST.replace("40.5283,72.7985", "14.5283,72.7985"), "KGZ4602", "latitude", "outside Kyrgyzstan"),
    (OSH_PROTEST.replace(",Protesters,,,,", ",Cheerleaders,,,,"), "KGZ4602", "inter1", "is not a kind of actor"),
    (OSH_PROTEST.replace("2022-10-03,2022", "2022-10-03,2021"), "KGZ4602", "year", "is not the year of the event date"),
])
def test_bad_rows_are_rejected_with_their_line_and_column(catalogue, admin, row, line_key, column, text):
    report = acled.import_acled(acled_file(BATKEN_CLASH, row), user=admin)
    assert not report.committed and Incident.objects.count() == 0
    assert [(i.line, i.key) for i in report.rejected][:1] == [(3, line_key)], report.as_text()
    assert report.rejected[0].message.startswith(f"{column}: ") and text in report.rejected[0].message, report.rejected[0].message


def test_a_repeated_event_id_in_one_file_is_rejected(catalogue, admin):
    report = acled.import_acled(acled_file(BATKEN_CLASH, OSH_PROTEST, BATKEN_CLASH), user=admin)
    assert [(i.line, i.key) for i in report.rejected] == [(4, "KGZ4521")]
    assert "also on line 2" in report.rejected[0].message


def test_files_that_cannot_be_read_say_why(catalogue, admin):
    latin1 = acled_file(OSH_PROTEST.replace("residents", "résidents")).decode("utf-8").encode("latin-1")
    with pytest.raises(SourceError, match="not UTF-8"):
        acled.import_acled(latin1, user=admin)
    with pytest.raises(SourceError, match="UTF-16"):
        acled.import_acled(acled_file(OSH_PROTEST).decode("utf-8").encode("utf-16"), user=admin)
    without = "event_id_cnty,event_date,country,admin1,notes\r\nKGZ1,2022-01-01,Kyrgyzstan,Osh,x\r\n".encode()
    with pytest.raises(SourceError, match="Required columns are missing: event_type, sub_event_type, fatalities"):
        acled.import_acled(without, user=admin)
    with pytest.raises(SourceError, match="empty"):
        acled.import_acled(b"", user=admin)
    assert Incident.objects.count() == 0


def test_only_people_who_configure_the_whole_country_import(catalogue, people, admin):
    for who in ("monitor", "coordinator"):
        with pytest.raises(PermissionDenied):
            acled.import_acled(acled_file(OSH_PROTEST), user=people[who])
    assert SecurityEvent.objects.filter(kind="permission_refused", detail__source="acled").count() == 2
    assert acled.import_acled(acled_file(OSH_PROTEST), user=people["analyst"]).created == 1  # analysts load reference data
    assert acled.import_acled(acled_file(OSH_PROTEST), user=admin).created == 0  # already there


def test_the_page_explains_uploads_and_reports(client, catalogue, people, admin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(people["monitor"])
    page = client.get("/exchange/acled/").content.decode()
    assert "/exchange/acled/export.csv" in page and 'type="file"' not in page
    assert client.post("/exchange/acled/", {"file": SimpleUploadedFile("acled.csv", acled_file(OSH_PROTEST))}).status_code == 403
    assert "/exchange/acled/" in client.get("/exchange/").content.decode()

    client.force_login(admin)
    assert 'type="file"' in client.get("/exchange/acled/").content.decode()
    upload = SimpleUploadedFile("acled-kgz.csv", acled_file(*ROWS), content_type="text/csv")
    response = client.post("/exchange/acled/", {"file": upload, "dry_run": "on"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    text = response.content.decode()
    assert "KGZ4530" in text and "Explosions/Remote violence" in text and "Dry run: nothing was saved." in text
    assert Incident.objects.count() == 0
    upload = SimpleUploadedFile("acled-kgz.csv", acled_file(*ROWS), content_type="text/csv")
    response = client.post("/exchange/acled/", {"file": upload, "valid_rows_only": "on"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "The valid rows were saved; the rejected rows were not." in response.content.decode()
    assert Incident.objects.filter(origin="acled", source_dataset="acled-kgz.csv").count() == 3
    bad = client.post("/exchange/acled/", {"file": SimpleUploadedFile("x.csv", "a;b\n1;2\n".encode("utf-16"))}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400 and "UTF-16" in bad.content.decode()


def test_the_command_imports_a_file(tmp_path, catalogue, people):
    path = tmp_path / "acled.csv"
    path.write_bytes(acled_file(*ROWS))
    out = io.StringIO()
    with pytest.raises(CommandError, match="nothing was saved"):
        call_command("import_acled", str(path), stdout=out)
    assert Incident.objects.count() == 0 and "line 6" in out.getvalue()
    out = io.StringIO()
    call_command("import_acled", str(path), "--valid-rows-only", "--dataset", "ACLED test", stdout=out)
    assert "3 created" in out.getvalue()
    assert set(Incident.objects.values_list("source_dataset", "integration")) == {("ACLED test", "command:import_acled")}
    with pytest.raises(CommandError, match="No active user"):
        call_command("import_acled", str(path), "--user", "nobody", stdout=io.StringIO())
    with pytest.raises(CommandError, match="configure the whole country"):
        call_command("import_acled", str(path), "--user", people["monitor"].username, stdout=io.StringIO())


# --- round trip -------------------------------------------------------------------------------


def test_aimaks_own_export_loads_back_as_the_same_events(client, catalogue, people, admin):
    recorded = [
        services.record_incident(people["monitor"], data()),
        services.record_incident(people["monitor"], data(incident_type=IncidentType.objects.get(code="protest-peaceful"), village="",
                                                         actor1="Farmers of Barskoon", actor1_kind=6, actor2="", actor2_kind=None,
                                                         killed=0, injured=0, participants=120, date=date(2026, 2, 3), date_precision=2)),
        services.record_incident(people["suzak_monitor"], data(territory=by_code(SUZAK_AA), incident_type=IncidentType.objects.get(code="border-clash"),
                                                               killed=3, village="Kok-Tash", latitude=None, longitude=None,
                                                               sensitivity="restricted", date=date(2025, 7, 30))),
    ]
    client.force_login(admin)
    exported = b"".join(client.get("/exchange/acled/export.csv").streaming_content)
    report = acled.import_acled(exported, user=admin, dataset_name="Aimak export")
    assert report.committed and report.created == 3, report.as_text()
    for mine in recorded:
        copy = Incident.objects.get(origin="acled", external_id=f"AIM{mine.pk}")
        assert (copy.date, copy.date_precision, copy.territory, copy.killed) == (mine.date, mine.date_precision, mine.territory, mine.killed)
        assert (copy.incident_type.event_type, copy.incident_type.sub_event_type) == (mine.incident_type.event_type, mine.incident_type.sub_event_type)
        assert (copy.actor1, copy.actor1_kind, copy.actor2_kind, copy.participants) == (mine.actor1, mine.actor1_kind, mine.actor2_kind, mine.participants)
        assert (copy.sensitivity, copy.description) == (mine.sensitivity, mine.description)
        assert not copy.is_counted
    again = acled.import_acled(exported, user=admin, dataset_name="Aimak export")
    assert (again.created, again.unchanged) == (0, 3)


def test_acled_event_types_find_the_closest_aimak_type(catalogue, shelling_mapped, admin):
    from aimak.exchange.services.acled import Types

    types = Types()
    assert types.find("Riots", "Mob violence")[0].code == "mob-violence"  # not the first "Mob violence" type
    assert types.find("Strategic developments", "Other")[0].code == "other-development"  # not a counted one
    assert types.find("Strategic developments", "Arrests")[0].code == "arrests"
    assert types.find("Strategic developments", "Agreement")[0].code == "other-development"  # the general one
    assert types.find("Explosions/Remote violence", "Shelling/artillery/missile attack")[0].code == "shelling"

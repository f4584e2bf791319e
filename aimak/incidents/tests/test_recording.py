"""Recording and verifying incidents: rights where it happened, clear refusals, history, and
the incident register counting them into the indicators (and a death raising its alert)."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aimak.core import scoping
from aimak.incidents.models import Incident, IncidentEvent, IncidentType
from aimak.incidents.services import incidents as services
from aimak.incidents.services import register
from aimak.monitoring.models import AggregateValue, Alert, DataValue, Report
from aimak.territories.selectors import by_code

pytestmark = pytest.mark.django_db

BARSKOON, SUZAK_AA, JETI_OGUZ = "41702210815000", "41703220856000", "41702210000000"


def data(**over):
    values = {
        "date": date(2026, 3, 14), "territory": by_code(BARSKOON), "village": "Barskoon",
        "incident_type": IncidentType.objects.get(code="intergroup-fight"), "actor1": "Youth of Barskoon",
        "actor1_kind": 5, "actor2": "Youth of Tamga", "actor2_kind": 5, "participants": 30, "injured": 2,
        "injured_women": 0, "description": "A fight after a football match.", "sources": "Aiyl okmotu; police",
    }
    values.update(over)
    return values


def register_value(code, territory_code=BARSKOON, category=""):
    return DataValue.objects.filter(report__form__is_register=True, territory=by_code(territory_code), indicator__code=code,
                                    category=category, period_start=date(2026, 3, 1)).values_list("value", flat=True).first()


def test_a_recorded_incident_is_counted_in_its_indicators_at_once(catalogue, people):
    incident = services.record_incident(people["monitor"], data())
    assert incident.events.get().action == IncidentEvent.Action.RECORDED
    assert register_value("intergroup-fights") == 1
    assert register_value("injuries") == 2
    assert register_value("injuries", category="f") == 0 and register_value("injuries", category="m") == 2
    assert register_value("fatalities") == 0
    report = Report.objects.get(form__is_register=True, territory=by_code(BARSKOON))
    assert report.is_counted
    rayon = AggregateValue.objects.get(indicator__code="intergroup-fights", territory=by_code(JETI_OGUZ), period_start=date(2026, 3, 1), category="")
    assert rayon.value == 1
    services.record_incident(people["monitor"], data(injured=1, injured_women=None))
    assert register_value("intergroup-fights") == 2 and register_value("injuries") == 3
    assert register_value("injuries", category="f") == 0  # only known splits add up in the parts


def test_a_death_raises_a_critical_alert_at_once(catalogue, people):
    services.record_incident(people["monitor"], data(killed=1, injured=0, injured_women=None))
    alert = Alert.objects.get(rule__kind="critical_value", territory=by_code(BARSKOON))
    assert alert.severity == "red"
    assert "fatalities" in str(alert.evidence)


def test_marking_false_stops_counting_and_reopening_counts_again(catalogue, people):
    incident = services.record_incident(people["monitor"], data())
    with pytest.raises(PermissionDenied):
        services.verify(people["monitor"], incident)  # monitors record, coordinators verify
    with pytest.raises(ValidationError) as exc:
        services.mark_false(people["coordinator"], incident, "")
    assert "note" in exc.value.message_dict
    services.mark_false(people["coordinator"], incident, "The police found no such fight.")
    assert register_value("intergroup-fights") == 0
    with pytest.raises(ValidationError):
        services.verify(people["coordinator"], incident)  # false -> verified needs a reopening first
    services.reopen_verification(people["coordinator"], incident, "A video surfaced.")
    services.verify(people["coordinator"], incident, "Seen on video.")
    incident.refresh_from_db()
    assert incident.verification == Incident.Verification.VERIFIED
    assert register_value("intergroup-fights") == 1
    assert [e.action for e in incident.events.order_by("id")] == ["recorded", "false", "reopened", "verified"]


def test_moving_an_incident_recounts_both_places_and_months(catalogue, people):
    incident = services.record_incident(people["coordinator"], data())
    services.change_incident(people["coordinator"], incident, {"date": date(2026, 2, 27), "village": "Tosor"})
    assert register_value("intergroup-fights") == 0
    feb = DataValue.objects.get(report__form__is_register=True, territory=by_code(BARSKOON), indicator__code="intergroup-fights",
                                category="", period_start=date(2026, 2, 1))
    assert feb.value == 1


def test_bad_input_is_named_by_field(catalogue, people):
    with pytest.raises(ValidationError) as exc:
        services.record_incident(people["monitor"], data(
            date=date(2099, 1, 1), latitude=55, longitude=None, injured=1, injured_women=3, description=" ",
            incident_type=IncidentType.objects.get(code="violence"),
        ))
    errors = exc.value.message_dict
    assert set(errors) >= {"date", "longitude", "latitude", "injured_women", "description", "incident_type"}
    assert not Incident.objects.exists()


def test_a_monitor_cannot_record_elsewhere(catalogue, people):
    with pytest.raises(PermissionDenied):
        services.record_incident(people["monitor"], data(territory=by_code(SUZAK_AA)))
    assert not Incident.objects.exists()


def test_restricted_incidents_are_seen_by_their_author_and_those_allowed(catalogue, people):
    incident = services.record_incident(people["monitor"], data(sensitivity=Incident.Sensitivity.RESTRICTED))
    other = services.record_incident(people["coordinator"], data(sensitivity=Incident.Sensitivity.RESTRICTED))
    visible = lambda user: set(scoping.restrict(Incident.objects.all(), user).values_list("pk", flat=True))  # noqa: E731
    assert visible(people["monitor"]) == {incident.pk}  # their own, not the coordinator's
    assert visible(people["coordinator"]) == {incident.pk, other.pk}
    assert visible(people["analyst"]) == {incident.pk, other.pk}
    assert visible(people["suzak_monitor"]) == set()
    # the register counts restricted incidents too: the figure is not sensitive, the details are
    assert register_value("intergroup-fights") == 2


def test_the_same_external_delivery_twice_records_one_incident(catalogue, people):
    first = services.record_incident(people["monitor"], data(), external_id="uuid:abc")
    again = services.record_incident(people["monitor"], data(), external_id="uuid:abc")
    assert first.pk == again.pk and Incident.objects.count() == 1


def test_a_submitted_monthly_report_writes_the_register_zeros(catalogue, people):
    from aimak.monitoring.models import ReportingForm

    register.ensure_register(by_code(BARSKOON), "monthly", date(2026, 1, 1))
    assert register_value("intergroup-fights") is None
    assert DataValue.objects.get(report__form=ReportingForm.objects.get(is_register=True), territory=by_code(BARSKOON),
                                 indicator__code="intergroup-fights", category="", period_start=date(2026, 1, 1)).value == 0


def test_rebuild_writes_the_same_values_as_live_counting(catalogue, people):
    services.record_incident(people["monitor"], data())
    services.record_incident(people["monitor"], data(killed=2, killed_women=1, injured=0, injured_women=None,
                                                     incident_type=IncidentType.objects.get(code="road-blockade")))
    live = set(DataValue.objects.filter(report__form__is_register=True).values_list("indicator__code", "category", "value"))
    register.rebuild()
    assert set(DataValue.objects.filter(report__form__is_register=True).values_list("indicator__code", "category", "value")) == live


def test_nobody_submits_returns_or_approves_the_register(catalogue, people):
    from aimak.monitoring.services import reporting

    services.record_incident(people["monitor"], data())
    report = Report.objects.get(form__is_register=True, territory=by_code(BARSKOON))
    for act in (lambda: reporting.approve(people["coordinator"], report),
                lambda: reporting.return_report(people["coordinator"], report, "Wrong count"),
                lambda: reporting.save_draft(people["monitor"], report, {("intergroup-fights", ""): "7"})):
        with pytest.raises(ValidationError) as exc:
            act()
        assert "record or correct the incidents instead" in str(exc.value)
    assert register_value("intergroup-fights") == 1


def test_a_death_recorded_on_a_rayon_raises_its_alert_there(catalogue, people):
    services.record_incident(people["coordinator"], data(territory=by_code(JETI_OGUZ), killed=1, injured=0, injured_women=None))
    alert = Alert.objects.get(rule__kind="critical_value")
    assert alert.territory == by_code(JETI_OGUZ) and alert.severity == "red"
    # ... and one recorded in an aiyl aimak raises one alert there, not a second one on its rayon
    services.record_incident(people["monitor"], data(killed=1, injured=0, injured_women=None))
    assert set(Alert.objects.filter(rule__kind="critical_value").values_list("territory__code", flat=True)) == {JETI_OGUZ, BARSKOON}


def test_incident_types_load_again_unchanged_and_refuse_a_badly_ordered_file(catalogue, tmp_path):
    import json

    from aimak.incidents.services.types import STARTING_TYPES, load_incident_types

    assert load_incident_types()["created"] == 0
    rows = json.loads(STARTING_TYPES.read_text(encoding="utf-8"))["incident_types"]
    bad = tmp_path / "types.json"
    bad.write_text(json.dumps({"incident_types": [
        {"code": "new-sub", "parent": "new-group", "name_en": "Sub", "event_type": "Riots", "indicator": "appeals-land"},
        {"code": "new-group", "parent": None, "name_en": "Group"},
    ]}), encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        load_incident_types(bad)
    text = " ".join(exc.value.messages)
    assert "“new-group” must come before its sub-types" in text and "“appeals-land” is not an indicator counted" in text
    assert IncidentType.objects.count() == len(rows)


def test_a_verified_incident_corrected_by_its_monitor_is_verified_again(catalogue, people):
    incident = services.record_incident(people["monitor"], data())
    services.verify(people["coordinator"], incident, "Police confirmed.")
    services.change_incident(people["coordinator"], incident, {"participants": 35})
    incident.refresh_from_db()
    assert incident.verification == Incident.Verification.VERIFIED  # the coordinator's own correction
    services.change_incident(people["monitor"], incident, {"injured": 3})
    incident.refresh_from_db()
    assert incident.verification == Incident.Verification.UNVERIFIED
    assert [e.action for e in incident.events.order_by("id")] == ["recorded", "verified", "changed", "changed", "reopened"]
    assert register_value("injuries") == 3  # still counted: only "false" stops counting

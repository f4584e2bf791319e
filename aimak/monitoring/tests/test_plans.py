"""Prevention and response plans: templates in the author's language, measures and their
validation, scope, and the plan pages."""

import types
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from aimak.accounts.services import sync_builtin_roles
from aimak.accounts.tests.factories import person
from aimak.monitoring import models as m
from aimak.monitoring import plan_templates
from aimak.monitoring.services import plans as services
from aimak.monitoring.tests import factories

pytestmark = pytest.mark.django_db

BARSKOON, JETI_OGUZ, ISSYK_KUL = "41702210815000", "41702210000000", "41702000000000"
SUZAK_AA, SUZAK = "41703220856000", "41703220000000"




@pytest.fixture
def people(territory):
    sync_builtin_roles()
    return types.SimpleNamespace(
        jeti=person("jeti-coord", "district_coordinator", JETI_OGUZ),
        suzak=person("suzak-coord", "district_coordinator", SUZAK),
        monitor=person("barskoon-monitor", "local_monitor", BARSKOON),
        analyst=person("analyst", "national_analyst", "41700000000000"),
    )


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def barskoon(territory):
    return territory(BARSKOON)


@pytest.fixture
def plan(people, barskoon):
    return services.create_plan(people.jeti, barskoon, "prevent", "Barskoon prevention plan", "Fewer pasture disputes",
                                starts_on=date(2026, 4, 1), ends_on=date(2026, 12, 31))


# ---- templates --------------------------------------------------------------------------------

def test_every_plan_type_has_a_template_in_three_languages():
    assert set(plan_templates.TEMPLATES) == set(m.ResponsePlan.PlanType.values)
    for code, tpl in plan_templates.TEMPLATES.items():
        assert 4 <= len(tpl["measures"]) <= 6, code
        for part in [tpl["title"], tpl["goal"]] + [item[k] for item in tpl["measures"] for k in ("title", "owner", "partners")]:
            assert all(part[lang].strip() for lang in ("ky", "ru", "en")), (code, part)
            assert part["ky"] != part["en"] and part["ru"] != part["en"], part


@pytest.mark.parametrize("plan_type", ["prevent", "dialogue", "peace", "response"])
@pytest.mark.parametrize("language", ["ky", "ru", "en"])
def test_a_plan_from_a_template_has_its_measures_in_the_authors_language(people, barskoon, plan_type, language):
    with translation.override(language):
        plan = services.create_plan(people.jeti, barskoon, plan_type, "Plan", "Goal")
    expected = plan_templates.TEMPLATES[plan_type]["measures"]
    titles = list(plan.measures.values_list("title", flat=True))
    assert titles == [item["title"][language] for item in expected]
    assert list(plan.measures.values_list("owner", flat=True)) == [item["owner"][language] for item in expected]
    assert plan.created_by == people.jeti and plan.status == "active"


def test_kyrgyz_measures_for_a_person_reading_kyrgyz(people, barskoon):
    with translation.override("ky"):
        plan = services.plan_from_template(people.jeti, barskoon, "dialogue")
    assert plan.goal.startswith("Жергиликтүү бийлик органдарынын")
    assert plan.title.startswith("Диалог жана ишеним планы")
    assert "диалог аянтчасынын" in plan.measures.first().title


def test_a_plan_without_template_has_no_measures(people, barskoon):
    plan = services.create_plan(people.jeti, barskoon, "peace", "Plan", "Goal", from_template=False)
    assert not plan.measures.exists()


# ---- scope and validation ---------------------------------------------------------------------

def test_a_plan_outside_scope_is_refused(people, territory):
    with pytest.raises(PermissionDenied):
        services.create_plan(people.jeti, territory(SUZAK_AA), "prevent", "Plan", "Goal")
    assert not m.ResponsePlan.objects.exists()


def test_a_local_monitor_plans_for_their_own_aiyl_aimak_only(people, barskoon, territory):
    assert services.create_plan(people.monitor, barskoon, "peace", "Plan", "Goal").territory == barskoon
    with pytest.raises(PermissionDenied):
        services.create_plan(people.monitor, territory(JETI_OGUZ), "peace", "Plan", "Goal")


def test_bad_plans_name_the_field_and_write_nothing(people, barskoon):
    with pytest.raises(ValidationError) as exc:
        services.create_plan(people.jeti, barskoon, "nonsense", " ", "", starts_on=date(2026, 5, 1), ends_on="2026-04-01")
    assert set(exc.value.message_dict) == {"title", "goal", "plan_type", "ends_on"}
    with pytest.raises(ValidationError) as exc:
        services.create_plan(people.jeti, barskoon, "prevent", "Plan", "Goal", starts_on="first of May")
    assert exc.value.message_dict == {"starts_on": ["Enter a date as YYYY-MM-DD."]}
    assert not m.ResponsePlan.objects.exists() and not m.PlanMeasure.objects.exists()


def test_an_edit_must_keep_the_plan_in_scope(people, plan, territory):
    with pytest.raises(PermissionDenied):
        services.update_plan(people.jeti, plan, territory=territory(SUZAK_AA))
    plan.refresh_from_db()
    assert plan.territory.code == BARSKOON
    services.update_plan(people.jeti, plan, territory=territory(JETI_OGUZ), title="Rayon plan")
    plan.refresh_from_db()
    assert (plan.territory.code, plan.title) == (JETI_OGUZ, "Rayon plan")
    with pytest.raises(PermissionDenied):
        services.update_plan(people.suzak, plan, title="Mine now")
    with pytest.raises(PermissionDenied):
        services.add_measure(people.suzak, plan, "x", "y")


def test_linking_alerts_puts_them_under_way(people, barskoon):
    alert = factories.alert(barskoon)
    plan = services.create_plan(people.jeti, barskoon, "response", "Answer", "Calm things", alerts=[alert])
    alert.refresh_from_db()
    assert alert.status == "responding" and list(plan.alerts.all()) == [alert]
    other = factories.alert(barskoon, period=date(2026, 2, 1))
    with pytest.raises(PermissionDenied):  # a monitor may plan, not review alerts
        services.create_plan(people.monitor, barskoon, "response", "Answer", "Calm", alerts=[other])
    other.refresh_from_db()
    assert other.status == "raised"


# ---- measures ---------------------------------------------------------------------------------

def test_measure_validation_names_the_field(people, plan):
    cases = [
        ({"budget": "-5"}, "budget", "The budget cannot be negative."),
        ({"budget": "a lot"}, "budget", "Enter the budget as a number of som."),
        ({"deadline": "2026-03-31"}, "deadline", "The deadline is before the plan starts (2026-04-01)."),
        ({"deadline": "2027-01-01"}, "deadline", "The deadline is after the plan ends (2026-12-31)."),
        ({"deadline": "31.03.2026"}, "deadline", "Enter a date as YYYY-MM-DD."),
        ({"title": "  "}, "title", "Say what the measure is."),
        ({"owner": ""}, "owner", "Name who is responsible for the measure."),
        ({"status": "maybe"}, "status", "Choose one of the statuses."),
    ]
    before = plan.measures.count()
    for override, field, message in cases:
        fields = {"title": "Meet the pasture committee", "owner": "AO head", **override}
        with pytest.raises(ValidationError) as exc:
            services.add_measure(people.jeti, plan, **fields)
        assert exc.value.message_dict[field] == [message], override
    assert plan.measures.count() == before


def test_measures_are_added_and_updated(people, plan):
    measure = services.add_measure(people.jeti, plan, "Meet the pasture committee", "AO head", partners="Pasture committee",
                                   deadline="2026-05-15", budget="12 500,50")
    assert measure.order == 5 and measure.budget == Decimal("12500.50") and measure.deadline == date(2026, 5, 15)
    services.update_measure(people.jeti, measure, status="done", budget="0")
    measure.refresh_from_db()
    assert (measure.status, measure.budget, measure.title) == ("done", Decimal("0.00"), "Meet the pasture committee")
    with pytest.raises(ValidationError):
        services.update_measure(people.jeti, measure, budget="-1")
    measure.refresh_from_db()
    assert measure.budget == Decimal("0.00")
    with pytest.raises(PermissionDenied):
        services.update_measure(people.suzak, measure, status="dropped")


def test_progress_notes_and_status(people, plan):
    with pytest.raises(ValidationError) as exc:
        services.add_update(people.jeti, plan, "  ")
    assert "text" in exc.value.message_dict
    services.add_update(people.jeti, plan, "Monitoring group formed, 9 members")
    services.set_status(people.jeti, plan, "completed", "All measures done")
    plan.refresh_from_db()
    assert plan.status == "completed"
    texts = list(plan.updates.values_list("text", flat=True))
    assert texts[0] == "Status changed: under way → completed. All measures done"
    assert texts[1] == "Monitoring group formed, 9 members"
    with pytest.raises(ValidationError):
        services.set_status(people.jeti, plan, "finished")


# ---- pages ------------------------------------------------------------------------------------

def test_plan_pages_for_the_coordinator_and_404_elsewhere(client, people, plan):
    client.force_login(people.jeti)
    listing = client.get(reverse("monitoring:plans"))
    assert listing.status_code == 200 and plan.title in listing.content.decode()
    page = client.get(plan.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert "Fewer pasture disputes" in body and "Set up a monitoring group" in body and "Add a measure" in body
    csv = b"".join(client.get(reverse("monitoring:plans"), {"export": "csv"}).streaming_content).decode("utf-8-sig")
    assert "Barskoon prevention plan" in csv
    client.force_login(people.suzak)
    assert client.get(plan.get_absolute_url()).status_code == 404
    assert plan.title not in client.get(reverse("monitoring:plans")).content.decode()
    assert client.post(reverse("monitoring:plan-action", args=[plan.pk, "update"]), {"text": "x"}).status_code == 404
    client.force_login(people.analyst)  # may view, not edit
    body = client.get(plan.get_absolute_url()).content.decode()
    assert "Fewer pasture disputes" in body and "Add a measure" not in body


def test_new_plan_page_offers_only_territories_in_scope(client, people, territory):
    client.force_login(people.jeti)
    page = client.get(reverse("monitoring:plan-new"), {"type": "dialogue"})
    assert page.status_code == 200
    choices = page.context["form"].fields["territory"].queryset
    assert choices.filter(code=BARSKOON).exists() and choices.filter(code=JETI_OGUZ).exists()
    assert not choices.filter(code=SUZAK_AA).exists() and not choices.filter(code=ISSYK_KUL).exists()
    assert "Hold quarterly dialogue platform meetings" in page.content.decode()
    refused = client.post(reverse("monitoring:plan-new"), {"territory": territory(SUZAK_AA).pk, "plan_type": "prevent", "title": "x", "goal": "y"})
    assert refused.status_code == 200 and "territory" in refused.context["form"].errors
    assert not m.ResponsePlan.objects.exists()
    client.force_login(people.analyst)  # no right to create anywhere
    assert client.get(reverse("monitoring:plan-new")).status_code == 403


def test_opening_a_response_plan_from_an_alert(client, people, barskoon):
    alert = factories.alert(barskoon)
    client.force_login(people.jeti)
    page = client.get(reverse("monitoring:plan-new"), {"alert": alert.pk})
    initial = page.context["form"].initial
    assert initial["territory"] == barskoon and initial["plan_type"] == "response" and alert.summary in initial["title"]
    response = client.post(reverse("monitoring:plan-new"), {
        "alert": alert.pk, "territory": barskoon.pk, "plan_type": "response", "title": initial["title"], "goal": "",
        "risks": alert.summary, "from_template": "on",
    })
    plan = m.ResponsePlan.objects.get()
    assert response.status_code == 302 and response["Location"] == plan.get_absolute_url()
    assert plan.goal == plan_templates.TEMPLATES["response"]["goal"]["en"] and plan.measures.count() == 5
    alert.refresh_from_db()
    assert alert.status == "responding" and list(plan.alerts.all()) == [alert]
    client.force_login(people.suzak)
    assert client.get(reverse("monitoring:plan-new"), {"alert": alert.pk}).status_code == 404


def test_measures_are_edited_in_place_with_htmx(client, people, plan):
    measure = plan.measures.first()
    url = reverse("monitoring:plan-measure", args=[measure.pk])
    client.force_login(people.jeti)
    row = client.get(url, {"edit": "1"}, HTTP_HX_REQUEST="true")
    assert row.status_code == 200 and f'id="measure-form-{measure.pk}"' in row.content.decode()
    bad = client.post(url, {"title": measure.title, "owner": measure.owner, "budget": "-10", "status": "planned"}, HTTP_HX_REQUEST="true")
    assert "The budget cannot be negative." in bad.content.decode()
    good = client.post(url, {"title": measure.title, "owner": "Deputy head", "budget": "3000", "deadline": "2026-06-30", "status": "in_progress"},
                       HTTP_HX_REQUEST="true")
    assert good.status_code == 200 and "Deputy head" in good.content.decode() and "<form" not in good.content.decode()
    measure.refresh_from_db()
    assert (measure.owner, measure.budget, measure.status) == ("Deputy head", Decimal("3000.00"), "in_progress")
    # without JavaScript the same form posts and comes back to the plan
    plain = client.post(url, {"title": measure.title, "owner": "Head", "status": "done"})
    assert plain.status_code == 302
    client.force_login(people.suzak)
    assert client.post(url, {"status": "dropped"}, HTTP_HX_REQUEST="true").status_code == 404


def test_plan_forms_add_measures_notes_and_status(client, people, plan):
    client.force_login(people.jeti)
    action = lambda name, **data: client.post(reverse("monitoring:plan-action", args=[plan.pk, name]), data)  # noqa: E731
    action("measure", title="Youth football tournament", owner="Culture specialist", budget="15000", deadline="2026-07-01")
    assert plan.measures.filter(title="Youth football tournament", budget=Decimal("15000")).exists()
    response = action("measure", title="", owner="")
    assert "Say what the measure is." in client.get(response["Location"]).content.decode()
    action("update", text="Tournament held, 8 teams")
    action("status", status="completed")
    plan.refresh_from_db()
    assert plan.status == "completed" and plan.updates.count() == 2
    edit = client.post(reverse("monitoring:plan-edit", args=[plan.pk]), {"territory": plan.territory.pk, "plan_type": "prevent", "title": "Renamed",
                                                                         "goal": "g", "starts_on": "2026-04-01", "ends_on": "2026-03-01"})
    assert edit.status_code == 200 and "ends_on" in edit.context["form"].errors

"""The pages, as each role uses them in the browser."""

import pytest
from django.conf import settings
from django.urls import reverse

from aimak.calls.models import Application, Call, Declaration, Score
from aimak.calls.services import calls as call_services

pytestmark = pytest.mark.django_db


def as_(client, user):
    client.force_login(user)
    return client


def test_the_public_sees_announced_calls_without_member_names(client, call):
    draft = call_services.create_call(call.created_by, {"title": "Hidden draft", "organiser": "M", "territory": call.territory,
                                                         "opens": call.opens, "closes": call.closes, "review_until": call.review_until})
    page = client.get(reverse("calls:list")).content.decode()
    assert call.title in page and "Hidden draft" not in page
    page = client.get(reverse("calls:call", args=[call.pk])).content.decode()
    assert "Inclusive measures" in page and "calls-m1" not in page and "Sign in to see the members" in page
    assert client.get(reverse("calls:call", args=[draft.pk])).status_code == 404
    assert client.get(reverse("calls:results", args=[call.pk])).status_code == 404
    assert client.get(reverse("calls:criteria", args=[call.pk])).status_code == 302  # to sign in


def test_staff_apply_in_the_browser(client, call, people, program):
    as_(client, people["staff"])
    assert client.get(reverse("calls:call", args=[call.pk])).content.decode().count(reverse("calls:apply", args=[call.pk])) == 1
    page = client.get(reverse("calls:apply", args=[call.pk]))
    assert page.status_code == 200 and program.title in page.content.decode()
    response = client.post(reverse("calls:apply", args=[call.pk]), {
        "territory": program.territory.pk, "subject": program.pk, "title": "Barskoon for everyone", "summary": "Women and youth", "submit": "1"})
    application = Application.objects.get(call=call)
    assert response.status_code == 302 and response["Location"] == application.get_absolute_url()
    assert application.status == "submitted"
    assert client.get(application.get_absolute_url()).status_code == 200
    # a second time with the same program: refused on the program's field
    response = client.post(reverse("calls:apply", args=[call.pk]), {
        "territory": program.territory.pk, "subject": program.pk, "title": "Again", "submit": "1"})
    assert response.status_code == 400 and "already in this call" in response.content.decode()
    # staff do not configure, nor see the ranking
    assert client.get(reverse("calls:criteria", args=[call.pk])).status_code == 403
    assert client.get(reverse("calls:new")).status_code == 403


def test_other_municipalities_do_not_see_an_application(client, applications, people):
    as_(client, people["suzak_staff"])
    assert client.get(applications["a"].get_absolute_url()).status_code == 404
    assert client.get(applications["b"].get_absolute_url()).status_code == 200


def test_the_commission_role_alone_does_not_show_applications(client, people, members, call, program, territory):
    """A draft call's submitted application (loaded data) is seen by its members only."""
    draft = call_services.create_call(people["analyst"], {"title": "Draft", "organiser": "M", "territory": call.territory,
                                                          "opens": call.opens, "closes": call.closes, "review_until": call.review_until,
                                                          "eligible": [territory("41702000000000")]})
    call_services.add_member(people["analyst"], draft, person=members["m1"])
    application = Application.objects.create(call=draft, territory=program.territory, title="Loaded", status="submitted")
    assert as_(client, people["commission"]).get(application.get_absolute_url()).status_code == 404
    assert client.get(reverse("calls:call", args=[draft.pk])).status_code == 404
    assert as_(client, members["m1"]).get(application.get_absolute_url()).status_code == 200


def test_a_commission_member_declares_and_scores_in_the_browser(client, in_review, applications, members):
    a = applications["a"]
    c1, c2 = list(in_review.criteria.order_by("order"))
    as_(client, members["m1"])
    page = client.get(reverse("calls:score", args=[a.pk])).content.decode()
    assert "Declaration of conflict of interest" in page and 'name="has_conflict"' in page
    assert client.post(reverse("calls:declare", args=[a.pk]), {"has_conflict": "no"}).status_code == 302
    page = client.get(reverse("calls:score", args=[a.pk])).content.decode()
    assert f'name="c{c1.pk}_value"' in page and 'min="0"' in page and 'max="5"' in page
    response = client.post(reverse("calls:score", args=[a.pk]), {f"c{c1.pk}_value": "6", f"c{c1.pk}_comment": "x",
                                                                 f"c{c2.pk}_value": "3", f"c{c2.pk}_comment": "fine"})
    assert response.status_code == 400
    assert "6 is outside the scale: give a whole number from 0 to 5." in response.content.decode()
    assert not Score.objects.exists()
    response = client.post(reverse("calls:score", args=[a.pk]), {f"c{c1.pk}_value": "4", f"c{c1.pk}_comment": "good measures",
                                                                 f"c{c2.pk}_value": "3", f"c{c2.pk}_comment": "fine"})
    assert response.status_code == 302
    assert sorted(Score.objects.values_list("value", flat=True)) == [3, 4]
    # the member from Barskoon is told to declare a conflict, and cannot declare none
    as_(client, members["barskoon"])
    assert "declare a conflict of interest" in client.get(reverse("calls:score", args=[a.pk])).content.decode()
    response = client.post(reverse("calls:declare", args=[a.pk]), {"has_conflict": "no"})
    assert response.status_code == 400 and not Declaration.objects.filter(member__user=members["barskoon"]).exists()


def test_the_organiser_prepares_ranks_decides_and_publishes(client, scored, people, members):
    call = scored["call"]
    as_(client, people["analyst"])
    for name in ("calls:call", "calls:edit", "calls:criteria", "calls:commission", "calls:ranking"):
        assert client.get(reverse(name, args=[call.pk])).status_code == 200, name
    ranking = client.get(reverse("calls:ranking", args=[call.pk])).content.decode()
    assert "3.67" in ranking and "73.3" in ranking and 'class="disagree"' in ranking and "2.67" in ranking
    assert client.get(scored["a"].get_absolute_url()).content.decode().count("3.67") >= 1
    response = client.post(reverse("calls:ranking", args=[call.pk]), {
        f"a{scored['a'].pk}_result": "winner", f"a{scored['a'].pk}_prize": "Grant", f"a{scored['b'].pk}_result": ""})
    assert response.status_code == 400 and "Choose the result" in response.content.decode()
    response = client.post(reverse("calls:ranking", args=[call.pk]), {
        f"a{scored['a'].pk}_result": "winner", f"a{scored['a'].pk}_prize": "Grant", f"a{scored['b'].pk}_result": "not_awarded", "note": "Protocol 1"})
    assert response.status_code == 302
    assert client.get(reverse("calls:results", args=[call.pk])).status_code == 200  # preview
    assert client.post(reverse("calls:step", args=[call.pk, "publish"])).status_code == 302
    assert Call.objects.get(pk=call.pk).status == "published"
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # signing out forgets the language
    page = client.get(reverse("calls:results", args=[call.pk])).content.decode()
    assert "Grant" in page and "3.67" in page and "4.00" in page
    for name in members:
        assert f"calls-{name}" not in page
    assert client.get(scored["a"].get_absolute_url()).status_code == 200
    export = client.get(reverse("calls:results", args=[call.pk]) + "?export=csv")
    assert b"Barskoon" in b"".join(export.streaming_content) or export.status_code == 200


def test_a_new_call_from_the_form(client, people, territory):
    as_(client, people["analyst"])
    assert client.get(reverse("calls:new")).status_code == 200
    data = {"title": "Inclusion 2026", "organiser": "Ministry", "kind": "competition", "subject_type": "programs.program",
            "territory": territory("41700000000000").pk, "eligible": [territory("41702000000000").pk],
            "opens": "2026-05-10", "closes": "2026-05-01", "review_until": "1999-01-01", "scale_min": "0", "scale_max": "5"}
    response = client.post(reverse("calls:new"), data)
    page = response.content.decode()
    assert response.status_code == 400 and "Applications cannot close before they open (2026-05-10)." in page
    assert "Enter a date from 2000 to 2100." in page
    data.update(closes="2026-06-01", review_until="2026-07-01")
    response = client.post(reverse("calls:new"), data)
    call = Call.objects.get(title="Inclusion 2026")
    assert response.status_code == 302 and call.criteria.count() == 9


def test_the_chair_sees_the_ranking_a_member_does_not(client, scored, members, people):
    call = scored["call"]
    assert as_(client, members["m1"]).get(reverse("calls:ranking", args=[call.pk])).status_code == 403
    member = call.commission.get(user=members["m2"])
    member.role = "chair"
    member.save()
    assert as_(client, members["m2"]).get(reverse("calls:ranking", args=[call.pk])).status_code == 200
    assert client.post(reverse("calls:ranking", args=[call.pk]), {}).status_code == 403  # only the organiser decides


def test_the_scoring_page_shows_the_programs_inclusion_profile_beside_the_criterion(client, in_review, applications, members):
    from aimak.calls import subjects
    from aimak.calls.services import review

    review.declare(members["m1"], applications["a"], has_conflict=False)
    page = as_(client, members["m1"]).get(reverse("calls:score", args=[applications["a"].pk])).content.decode()
    evidence = subjects.evidence_for(applications["a"])
    if evidence:  # the programs app's inclusion profile is there
        assert str(evidence["inclusive_measures"].title) in page and "check-" in page
        assert str(evidence["alignment"].title) not in page  # no criterion of this call draws on it
    else:
        assert "The inclusion profile is not available" in page

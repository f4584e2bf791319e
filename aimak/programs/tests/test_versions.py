"""Versions: the approved text stays frozen while a revision changes the program; two versions
compare part by part."""

import copy
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from aimak.programs.models import Measure, ProfileRow, Program, Stage
from aimak.programs.selectors.programs import compare, line_diff
from aimak.programs.services import process
from aimak.programs.services.versions import save_version
from aimak.programs.tests import factories


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def approved(program, people):
    """The Barskoon program with content, approved by the council."""
    factories.measure(program, number="1.1", title="Ичүүчү суу түтүгү", cost=500, target_groups=["everyone"])
    factories.measure(program, number="1.2", title="Жаштар борбору", cost=200, target_groups=["youth"])
    ProfileRow.objects.create(program=program, table="population", row="total", values={"total": 6200, "women": 3150, "men": 3050})
    Program.objects.filter(pk=program.pk).update(stage=Stage.REVISION, vision="Барскоон — таза жана коопсуз айыл.\nТуризм өнүккөн.")
    program.refresh_from_db()
    process.approve(people["staff"], program, resolution_number="7", resolution_date=date(2019, 12, 25),
                    scan=SimpleUploadedFile("r.pdf", b"%PDF-1.4\n%%EOF"))
    return program


def test_saving_versions_numbers_them_and_checks_who_saves(program, people):
    first = save_version(people["staff"], program, "Угууга чейинки долбоор")
    second = save_version(people["staff"], program, "")
    assert (first.number, second.number) == (1, 2)
    assert not first.is_approved and second.label == "Saved by hand"
    assert first.snapshot["program"]["title"] == program.title
    with pytest.raises(PermissionDenied):
        save_version(people["suzak_staff"], program, "x")
    with pytest.raises(ValidationError) as exc:
        save_version(people["staff"], program, "x" * 201)
    assert "label" in exc.value.message_dict


def test_the_approved_version_stays_frozen_while_a_revision_changes_the_program(approved, people):
    frozen = approved.versions.get(is_approved=True)
    before = copy.deepcopy(frozen.snapshot)
    process.start_revision(people["staff"], approved, day=date(2020, 5, 1), note="Бюджет өзгөрдү")
    water, youth = approved.measures.order_by("number")
    Measure.objects.filter(pk=water.pk).update(cost=650, responsible="Айыл өкмөтү")
    youth.delete()
    factories.measure(approved, number="1.3", title="Мүмкүнчүлүгү чектелген балдар үчүн пандус", cost=80, target_groups=["disability"])
    ProfileRow.objects.filter(program=approved).update(values={"total": 6300, "women": 3200, "men": 3100})
    Program.objects.filter(pk=approved.pk).update(vision="Барскоон — таза жана коопсуз айыл.\nТуризм жана айыл чарба өнүккөн.")
    approved.refresh_from_db()
    revised = save_version(people["staff"], approved, "Кайра каралган долбоор")

    frozen.refresh_from_db()
    assert frozen.snapshot == before  # nothing a revision does touches the approved text

    parts = {p["code"]: p for p in compare(frozen.snapshot, revised.snapshot, template=approved.edition.template)}
    measures = parts["measures"]
    assert measures["added"] == ["1.3 Мүмкүнчүлүгү чектелген балдар үчүн пандус"]
    assert measures["removed"] == ["1.2 Жаштар борбору"]
    [changed] = measures["changed"]
    fields = {f["field"]: (f["before"], f["after"]) for f in changed["fields"]}
    assert fields["cost, thousand som"] == ("500", "650")
    assert fields["responsible"] == ("—", "Айыл өкмөтү")
    profile = parts["profile"]["changed"][0]
    assert {f["field"]: (f["before"], f["after"]) for f in profile["fields"]}["total"] == ("6200", "6300")
    vision = next(f for f in parts["program"]["changed"][0]["fields"] if f["field"] == "vision statement")
    assert ("removed", "Туризм өнүккөн.") in vision["diff"] and ("added", "Туризм жана айыл чарба өнүккөн.") in vision["diff"]
    assert ("same", "Барскоон — таза жана коопсуз айыл.") in vision["diff"]
    assert "swot" not in parts  # unchanged parts are left out


def test_comparing_snapshots_of_different_shapes_is_refused():
    with pytest.raises(ValidationError) as exc:
        compare({"content_version": 1}, {"content_version": 2})
    assert "different formats" in exc.value.messages[0]
    assert compare({"content_version": 1}, {"content_version": 1}) == []
    assert line_diff("a\nb", "a\nc") == [("same", "a"), ("removed", "b"), ("added", "c")]


def test_version_pages_show_approved_versions_to_everyone_and_drafts_to_staff(client, approved, people):
    process.start_revision(people["staff"], approved, day=date(2020, 5, 1), note="Өзгөртүү")
    Measure.objects.filter(program=approved, number="1.1").update(cost=700)
    save_version(people["staff"], approved, "Долбоор")
    listing = client.get(f"/programs/{approved.pk}/versions/")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "Council resolution No. 7" in body and "Долбоор" not in body
    assert client.get(f"/programs/{approved.pk}/versions/compare/?a=1&b=2").status_code == 404
    client.force_login(people["staff"])
    page = client.get(f"/programs/{approved.pk}/versions/compare/?a=1&b=2")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Action plan" in text and "700" in text and "500" in text
    assert client.get(f"/programs/{approved.pk}/versions/compare/?a=1&b=9").status_code == 404

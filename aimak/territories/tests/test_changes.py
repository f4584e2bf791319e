"""Territorial change events: the tree as of a date, roll-up onto successors, repeat loads."""

from datetime import date

import pytest

from aimak.territories import selectors
from aimak.territories.importers import import_changes
from aimak.territories.models import Territory, TerritoryChange, TerritoryVersion

pytestmark = pytest.mark.django_db

HEADER = "event,date,type,from_code,to_code,share,name_ru,name_ky,name_en,kind,parent_code,note\n"
BARSKOON, AK_SHYIRAK, JETI_OGUZ = "41702210815000", "41702210810000", "41702210000000"


def changes(tmp_path, body: str, name="changes.csv"):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return import_changes(str(path))


def children_codes(parent_code, day):
    parent = selectors.by_code(parent_code)
    return set(selectors.tree_as_of(day).filter(parent=parent).values_list("code", flat=True))


def test_merger_gives_the_old_tree_before_and_the_new_after(tmp_path, territory):
    villages_of_ak_shyirak = set(territory(AK_SHYIRAK).children.values_list("code", flat=True))
    report = changes(
        tmp_path,
        f"R-1,2025-01-01,merge,{BARSKOON},{BARSKOON},,Барскоонский айылный аймак,Барскоон,Barskoon,,,reform\n"
        f"R-1,2025-01-01,merge,{AK_SHYIRAK},{BARSKOON},,,,,,,reform\n",
    )
    assert report.ok and report.committed, report.as_text()
    assert report.created == 1

    before, after = date(2024, 12, 31), date(2025, 1, 1)
    assert {BARSKOON, AK_SHYIRAK} <= children_codes(JETI_OGUZ, before)
    assert BARSKOON in children_codes(JETI_OGUZ, after)
    assert AK_SHYIRAK not in children_codes(JETI_OGUZ, after)
    # Ak-Shyirak's villages now belong to Barskoon, and did not before
    assert villages_of_ak_shyirak <= children_codes(BARSKOON, after)
    assert not villages_of_ak_shyirak & children_codes(BARSKOON, before)
    # the abolished unit is kept, with its end date, and is found when asked
    ak = Territory.objects.get(code=AK_SHYIRAK)
    assert ak.valid_to == after
    assert ak not in selectors.search("Ак-Шыйрак")
    assert ak in selectors.search("Ак-Шыйрак", include_abolished=True)
    # data of both roll up onto Barskoon after the date, and stay apart before it
    barskoon = territory(BARSKOON)
    values = {barskoon.pk: 10.0, ak.pk: 5.0}
    assert selectors.roll_up(values, as_of=after, since=date(2024, 6, 1)) == {barskoon.pk: 15.0}
    assert selectors.roll_up(values, as_of=before, since=date(2024, 6, 1)) == {barskoon.pk: 10.0, ak.pk: 5.0}
    # reports say which edition of the tree they use
    assert selectors.edition_as_of(after).effective_date == after
    assert selectors.edition_as_of(before).name == "SOATE 2019"


def test_loading_the_same_events_twice_changes_nothing(tmp_path):
    body = f"R-2,2025-01-01,merge,{BARSKOON},{BARSKOON},,,,,,,\nR-2,2025-01-01,merge,{AK_SHYIRAK},{BARSKOON},,,,,,,\n"
    assert changes(tmp_path, body).committed
    versions = TerritoryVersion.objects.count()
    again = changes(tmp_path, body)
    assert again.committed and again.created == 0 and again.unchanged == 1
    assert TerritoryVersion.objects.count() == versions


def test_an_event_id_reused_with_other_content_is_rejected(tmp_path):
    changes(tmp_path, f"R-3,2025-01-01,rename,{BARSKOON},,,Барскоон,,,,,\n")
    report = changes(tmp_path, f"R-3,2025-01-01,rename,{BARSKOON},,,Барскаун,,,,,\n")
    assert not report.ok and "R-3" in report.rejected[0].key


def test_rename_keeps_the_former_name_searchable(tmp_path, territory):
    report = changes(tmp_path, f"R-4,2025-03-01,rename,{BARSKOON},,,Новый айылный аймак,Жаңы айыл аймагы,New aiyl aimak,,,\n")
    assert report.committed, report.as_text()
    t = territory(BARSKOON)
    assert t.name_ru == "Новый айылный аймак" and t.short_name_ky == "Жаңы"
    assert t in selectors.search("Барскоон")  # former name
    old = t.versions.valid_on(date(2025, 2, 1)).get()
    assert old.name_ru == "Барскоонский айылный аймак"


def test_code_change_and_move(tmp_path, territory):
    new_code = "41702210899000"
    report = changes(
        tmp_path,
        f"R-5,2025-01-01,code_change,{BARSKOON},{new_code},,,,,,,\n"
        f"R-6,2025-02-01,reparent,{new_code},,,,,,,41702215000000,\n",
    )
    assert report.committed, report.as_text()
    t = territory(new_code)
    assert t.parent.code == "41702215000000"
    assert selectors.by_code(new_code) == t and t in selectors.search(BARSKOON)  # old code still finds it
    assert t.versions.valid_on(date(2024, 1, 1)).get().code == BARSKOON
    assert t.versions.valid_on(date(2025, 1, 15)).get().parent.code == JETI_OGUZ
    # its villages moved with it: their paths now start with the new rayon's
    for village in t.children.all():
        assert village.path.startswith(t.path)
        assert village.versions.valid_on(date(2025, 3, 1)).get().path.startswith(t.parent.path)


def test_split_shares_roll_up_proportionally(tmp_path, territory):
    report = changes(
        tmp_path,
        f"R-7,2025-01-01,split,{AK_SHYIRAK},{AK_SHYIRAK},0.6,,,,,,\n"
        f"R-7,2025-01-01,split,{AK_SHYIRAK},41702210898000,0.4,Новый айылный аймак,,,aiyl_aimak,,\n",
    )
    assert report.committed, report.as_text()
    ak, new = territory(AK_SHYIRAK), territory("41702210898000")
    assert new.parent.code == JETI_OGUZ and new.valid_from == date(2025, 1, 1)
    rolled = selectors.roll_up({ak.pk: 100.0}, as_of=date(2025, 6, 1), since=date(2024, 1, 1))
    assert rolled == pytest.approx({ak.pk: 60.0, new.pk: 40.0})


@pytest.mark.parametrize(
    "body, reason",
    [
        ("X,2025-01-01,merge,41702210999000,41702210815000,,,,,,,\nX,2025-01-01,merge,41702210810000,41702210815000,,,,,,,\n", "41702210999000"),
        ("X,2025-01-01,abolish,41702210815000,,,,,,,,\n", "still has"),
        ("X,2025-01-01,split,41702210810000,41702210810000,0.5,,,,,,\nX,2025-01-01,split,41702210810000,41702210898000,0.2,Н,,,,,\n", "add up to 1"),
        ("X,2025-13-01,rename,41702210815000,,,Н,,,,,\n", "YYYY-MM-DD"),
        ("X,2025-01-01,teleport,41702210815000,,,,,,,,\n", "teleport"),
        ("X,2025-01-01,rename,4170221081500,,,Н,,,,,\n", "14-digit"),
        ("X,2025-01-01,reparent,41702210815000,,,,,,,41702210815000,\n", "under itself"),
        ("X,2025-01-01,code_change,41702210815000,41702210810000,,,,,,,\n", "already exists"),
        ("X,2025-01-01,create,,41702210897000,,,,,aiyl_aimak,41702210000000,\n", "Russian name"),
    ],
)
def test_bad_change_events_are_rejected_and_nothing_is_saved(tmp_path, body, reason):
    before = (Territory.objects.count(), TerritoryVersion.objects.count(), TerritoryChange.objects.count())
    report = changes(tmp_path, body)
    assert not report.ok and not report.committed
    assert any(reason in (issue.message + issue.key) for issue in report.rejected), report.as_text()
    assert all(issue.line for issue in report.rejected)
    assert (Territory.objects.count(), TerritoryVersion.objects.count(), TerritoryChange.objects.count()) == before


def test_one_bad_event_rolls_back_the_good_ones(tmp_path, territory):
    report = changes(
        tmp_path,
        f"G,2025-01-01,rename,{BARSKOON},,,Хороший,,,,,\nB,2025-02-01,abolish,41702210999000,,,,,,,,\n",
    )
    assert not report.committed
    assert [i.line for i in report.rejected] == [3]
    assert territory(BARSKOON).name_ru == "Барскоонский айылный аймак"


def test_reloading_the_classifier_does_not_undo_changes(tmp_path, territory):
    from aimak.core.imports import data_path
    from aimak.territories.importers import import_soate

    changes(tmp_path, f"R-8,2025-01-01,merge,{BARSKOON},{BARSKOON},,,,,,,\nR-8,2025-01-01,merge,{AK_SHYIRAK},{BARSKOON},,,,,,,\n")
    report = import_soate(data_path("territories", "soate_2019.csv"))
    assert report.committed and report.created == 0 and report.updated == 0, report.as_text()
    assert not Territory.objects.filter(code=AK_SHYIRAK, valid_to__isnull=True).exists()


def test_an_old_code_still_opens_the_unit(tmp_path, client, territory):
    changes(tmp_path, f"R-9,2025-01-01,code_change,{BARSKOON},41702210899000,,,,,,,\n")
    assert selectors.by_code(BARSKOON).code == "41702210899000"
    assert client.get(f"/territories/{BARSKOON}/").status_code == 200

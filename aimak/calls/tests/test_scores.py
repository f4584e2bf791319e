"""The aggregates, worked by hand (criteria C1 weight 2, C2 weight 1, scale 0–5):

A (Barskoon): m1 4,3; m2 5,5; m3 3,1 -> means C1 4, C2 3; weighted (2·4 + 3)/3 = 11/3 = 3.667
  = 73.33 % of the scale; member totals 11/3, 15/3, 7/3 -> spread 8/3 = 2.667 (53.3 % >= 40 %).
B (Suzak): m1 2,4; m2 3,– (C2 left empty); m3 declared a conflict -> means C1 2.5, C2 4;
  weighted (2·2.5 + 4)/3 = 3.0 = 60 % (not the 2.8 of averaging every weighted score);
  member totals 8/3 and 6/2 = 3 -> spread 1/3 = 0.333 (6.7 %).
"""

import pytest

from aimak.calls.models import Application
from aimak.calls.selectors import scores

pytestmark = pytest.mark.django_db


def test_weighted_scores_percentages_spreads_and_ranking(scored):
    rows = list(scores.ranking(scored["call"]))
    assert [r.pk for r in rows] == [scored["a"].pk, scored["b"].pk]
    a, b = rows
    assert a.weighted == pytest.approx(11 / 3) and a.percent == pytest.approx(220 / 3)
    assert a.spread == pytest.approx(8 / 3) and a.spread_percent == pytest.approx(160 / 3)
    assert (a.members_scored, a.conflicts, a.place) == (3, 0, 1)
    assert b.weighted == pytest.approx(3.0) and b.percent == pytest.approx(60.0)
    assert b.spread == pytest.approx(1 / 3) and b.spread_percent == pytest.approx(20 / 3)
    assert (b.members_scored, b.conflicts, b.place) == (2, 1, 2)
    assert a.spread_percent >= scores.DISAGREEMENT > b.spread_percent


def test_means_per_criterion(scored):
    means = scores.criterion_means(scored["call"])
    a, b, c1, c2 = scored["a"].pk, scored["b"].pk, scored["c1"].pk, scored["c2"].pk
    assert {k: (v["mean"], v["n"], v["low"], v["high"]) for k, v in means.items()} == {
        (a, c1): (4.0, 3, 3, 5), (a, c2): (3.0, 3, 1, 5), (b, c1): (2.5, 2, 2, 3), (b, c2): (4.0, 1, 4, 4)}


def test_member_progress(scored):
    got = {m.user.username: (m.declared, m.conflicted, m.scored, m.completed) for m in scores.progress(scored["call"])}
    assert got == {"calls-m1": (2, 0, 2, 2), "calls-m2": (2, 0, 2, 1), "calls-m3": (2, 1, 1, 1),
                   "calls-barskoon": (0, 0, 0, 0), "calls-secretary": (0, 0, 0, 0)}


def test_rescoring_updates_the_same_row_and_the_ranking(scored, members):
    from aimak.calls.models import Score
    from aimak.calls.services import review

    before = Score.objects.count()
    # m2 now gives B 5 on both: B means C1 (2+5)/2 = 3.5, C2 (4+5)/2 = 4.5 -> (7 + 4.5)/3 = 3.833 > A's 3.667
    review.score(members["m2"], scored["b"], {scored["c1"]: (5, "better"), scored["c2"]: (5, "better")})
    assert Score.objects.count() == before + 1  # C1 updated, C2 added
    rows = list(scores.ranking(scored["call"]))
    assert [r.pk for r in rows] == [scored["b"].pk, scored["a"].pk]
    assert rows[0].weighted == pytest.approx(11.5 / 3)


def test_the_decision_records_ranks_results_and_prizes(scored, people):
    from aimak.calls.services import calls

    call = calls.decide(people["analyst"], scored["call"], {
        scored["a"].pk: {"result": "winner", "prize": "500 000 som"},
        scored["b"].pk: {"result": "prize", "prize": "Study visit"}}, note="Protocol 3")
    assert call.status == "decided"
    got = {a.pk: (a.rank, a.result, a.prize) for a in Application.objects.filter(call=call)}
    assert got == {scored["a"].pk: (1, "winner", "500 000 som"), scored["b"].pk: (2, "prize", "Study visit")}


def test_a_decision_needs_a_result_for_every_application(scored, people):
    from django.core.exceptions import ValidationError

    from aimak.calls.services import calls

    with pytest.raises(ValidationError) as exc:
        calls.decide(people["analyst"], scored["call"], {scored["a"].pk: {"result": "winner"}})
    assert list(exc.value.message_dict) == [f"a{scored['b'].pk}_result"]

"""The commission's scores, aggregated by the database: per application and criterion the mean
and the number of scores; per application the weighted score (Σ weight × mean per criterion /
Σ weight), the same as a percentage of the scale, the spread between members' weighted totals,
how many members scored and how many declared a conflict; the ranking; each member's progress.

A few queries for a whole call, whatever the number of applications: correlated subqueries and
a window function, which SQLite and PostgreSQL both run."""

from __future__ import annotations

from django.db.models import (
    Count,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Cast, Coalesce, Rank

from ..models import Application, Call, CommissionMember, Declaration, Score

# members disagree when their weighted totals are this share of the scale apart, or more
DISAGREEMENT = 40


def _float(expression):
    return Cast(expression, FloatField())


def _scores_of(application_ref: str = "pk") -> QuerySet:
    return Score.objects.filter(application=OuterRef(application_ref)).order_by()


def _weighted_score():
    """Σ_c w_c × mean_c / Σ_c w_c over the criteria scored, written per score row as
    Σ (w × v / n_c) / Σ (w / n_c), with n_c the number of scores of that criterion: one level of
    aggregation instead of an average of averages."""
    n = Subquery(Score.objects.filter(application=OuterRef("application"), criterion=OuterRef("criterion")).order_by()
                 .values("criterion").annotate(c=Count("pk")).values("c")[:1], output_field=IntegerField())
    weight, value = _float("criterion__weight"), _float("value")
    per_application = (_scores_of().values("application")
                       .annotate(w=Sum(weight * value / _float(n)) / Sum(weight / _float(n)))
                       .values("w")[:1])
    return Subquery(per_application, output_field=FloatField())


def _member_totals():
    weight, value = _float("criterion__weight"), _float("value")
    return _scores_of().values("member").annotate(t=Sum(weight * value) / Sum(weight))


def _count(queryset: QuerySet, what: str, distinct: bool = False):
    grouped = queryset.values("application").annotate(c=Count(what, distinct=distinct)).values("c")[:1]
    return Coalesce(Subquery(grouped, output_field=IntegerField()), Value(0))


def aggregated(applications: QuerySet) -> QuerySet:
    """``applications`` with their weighted score, percentage of the scale, spread between
    members, members who scored and conflicts declared (None / 0 while nobody scored)."""
    totals = _member_totals()
    scale = _float(F("call__scale_max") - F("call__scale_min"))
    return applications.select_related("territory", "call").annotate(
        weighted=_weighted_score(),
        spread=(Subquery(totals.order_by("-t").values("t")[:1], output_field=FloatField())
                - Subquery(totals.order_by("t").values("t")[:1], output_field=FloatField())),
        members_scored=_count(_scores_of(), "member", distinct=True),
        conflicts=_count(Declaration.objects.filter(application=OuterRef("pk"), has_conflict=True).order_by(), "pk"),
    ).annotate(
        percent=(F("weighted") - _float("call__scale_min")) * 100.0 / scale,
        spread_percent=F("spread") * 100.0 / scale,
    )


def ranking(call: Call, applications: QuerySet | None = None) -> QuerySet:
    """The call's submitted applications with their aggregates, best first (equal scores share
    a place; applications nobody scored yet come last, without a score)."""
    qs = applications if applications is not None else Application.objects.filter(call=call, status=Application.Status.SUBMITTED)
    qs = aggregated(qs).annotate(place=Window(expression=Rank(), order_by=F("weighted").desc(nulls_last=True)))
    return qs.order_by(F("weighted").desc(nulls_last=True), "territory__name", "pk")


def ranks(call: Call) -> dict[int, int | None]:
    """The place of each scored application (None while unscored): what the decision records."""
    return {pk: (place if weighted is not None else None) for pk, place, weighted in ranking(call).values_list("pk", "place", "weighted")}


def criterion_means(call: Call | None = None, *, application: Application | None = None, applications=None) -> dict[tuple[int, int], dict]:
    """{(application id, criterion id): {mean, n, low, high}} for a call, one application, or
    a list of application ids."""
    qs = Score.objects.all()
    if call is not None:
        qs = qs.filter(application__call=call)
    if application is not None:
        qs = qs.filter(application=application)
    if applications is not None:
        qs = qs.filter(application__in=applications)
    rows = (qs.order_by().values("application", "criterion")
            .annotate(mean=Sum(_float("value")) / Count("pk"), n=Count("pk"), low=Min("value"), high=Max("value")))
    return {(r["application"], r["criterion"]): r for r in rows}


def progress(call: Call) -> QuerySet:
    """Each commission member with how many submitted applications they declared on, declared a
    conflict with, scored (at least one criterion) and scored on every criterion."""
    submitted = Application.Status.SUBMITTED
    criteria = max(call.criteria.count(), 1)
    in_full = (Score.objects.filter(member=OuterRef(OuterRef("pk"))).order_by()
               .values("application").annotate(c=Count("pk")).filter(c__gte=criteria).values("application"))
    completed = (Application.objects.filter(call=call, status=submitted, pk__in=Subquery(in_full)).order_by()
                 .values("call").annotate(c=Count("pk")).values("c")[:1])
    return (CommissionMember.objects.filter(call=call).select_related("user", "home_territory").annotate(
        declared=Count("declarations", filter=Q(declarations__application__status=submitted), distinct=True),
        conflicted=Count("declarations", filter=Q(declarations__application__status=submitted, declarations__has_conflict=True), distinct=True),
        scored=Count("scores__application", filter=Q(scores__application__status=submitted), distinct=True),
        completed=Coalesce(Subquery(completed, output_field=IntegerField()), Value(0)),
    ).order_by("role", "user__last_name", "user__username"))


def member_scores(member: CommissionMember | None, application: Application) -> dict[int, Score]:
    if member is None:
        return {}
    return {s.criterion_id: s for s in Score.objects.filter(member=member, application=application)}


def submitted_count(call: Call) -> int:
    return Application.objects.filter(call=call, status=Application.Status.SUBMITTED).count()

"""Reads behind meetings and hearings: who came (shares of women, youth and persons with
disabilities summed by the database), the comments and their answers, and the draft as the
public hearing page shows it."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from aimak.core import scoping
from aimak.territories.models import Territory

from ..models import AgeGroup, Attendance, Comment, Group, Meeting, Program, Sex
from ..selectors.content import financing_summary, goal_tree, program_content
from ..services.hearings import cell_name, cells, deadline, why_closed
from .programs import share


def _attendance_sums(qs) -> dict:
    sums = qs.aggregate(
        total=Coalesce(Sum("count"), 0), women=Coalesce(Sum("count", filter=Q(sex=Sex.FEMALE)), 0),
        youth=Coalesce(Sum("count", filter=Q(age_group=AgeGroup.YOUTH)), 0),
        disability=Coalesce(Sum("count", filter=Q(with_disability=True)), 0))
    return {**sums, "women_share": share(sums["women"], sums["total"]), "youth_share": share(sums["youth"], sums["total"]),
            "disability_share": share(sums["disability"], sums["total"])}


def participation(meeting: Meeting) -> dict:
    """Who came to one meeting: totals and shares."""
    return _attendance_sums(Attendance.objects.filter(meeting=meeting))


def program_participation(program: Program) -> dict:
    """Village meetings and hearings of a program, each kind summed by the database."""
    return {kind: _attendance_sums(Attendance.objects.filter(meeting__program=program, meeting__kind=kind))
            for kind in Meeting.Kind.values}


def meetings(program: Program, *, published_only: bool = False):
    """The program's meetings with the people who came and the comments, each counted by the
    database (subqueries, so the two counts do not multiply each other). The public counts only
    published comments."""
    people = Attendance.objects.filter(meeting=OuterRef("pk")).values("meeting").annotate(s=Sum("count")).values("s")
    counted = Q(comments__status=Comment.Status.PUBLISHED) if published_only else Q()
    return (program.meetings.select_related("village")
            .annotate(people=Coalesce(Subquery(people, output_field=IntegerField()), Value(0)),
                      comments_total=Count("comments", filter=counted, distinct=True),
                      comments_pending=Count("comments", filter=Q(comments__status=Comment.Status.PENDING), distinct=True),
                      comments_unanswered=Count("comments", filter=Q(comments__answer=""), distinct=True))
            .order_by("date", "id"))


def meeting_for(user, pk: int) -> Meeting:
    """A meeting's working page: for people with a role where the program is."""
    meeting = Meeting.objects.select_related("program__territory", "program__edition", "village").filter(pk=pk).first()
    if meeting is None or not scoping.allowed_within(user, "view", Program, meeting.program.territory):
        raise Http404(_("No such meeting, or it is outside your access."))
    return meeting


def public_hearing(pk: int) -> Meeting:
    """A hearing's public page: every hearing is announced in public, its draft with it."""
    meeting = Meeting.objects.select_related("program__territory", "program__edition", "village").filter(
        pk=pk, kind=Meeting.Kind.HEARING).first()
    if meeting is None:
        raise Http404(_("No such public hearing."))
    return meeting


def attendance_grid(meeting: Meeting, posted: dict | None = None) -> dict:
    """The attendance table: rows (women / men, without / with a disability) by age group, with
    the form field of each cell and its count."""
    counts = {(a.sex, a.age_group, a.with_disability): a.count for a in meeting.attendance.all()}
    rows = []
    for disability in (False, True):
        for sex in Sex.values:
            row_cells = []
            for age in AgeGroup.values:
                name = cell_name(sex, age, disability)
                value = posted.get(name, "") if posted is not None else counts.get((sex, age, disability), 0)
                row_cells.append({"name": name, "value": value, "age": AgeGroup(age).label})
            rows.append({"sex": Sex(sex).label, "disability": disability, "cells": row_cells,
                         "total": sum(counts.get((sex, a, disability), 0) for a in AgeGroup.values)})
    return {"ages": [AgeGroup(a).label for a in AgeGroup.values], "rows": rows, "cells": cells()}


def comments(meeting: Meeting, status: str | None = None):
    qs = meeting.comments.select_related("changed_measure", "entered_by", "answered_by")
    return qs.filter(status=status) if status else qs


def comment_counts(meeting: Meeting) -> dict:
    return meeting.comments.aggregate(
        total=Count("id"), pending=Count("id", filter=Q(status=Comment.Status.PENDING)),
        published=Count("id", filter=Q(status=Comment.Status.PUBLISHED)), hidden=Count("id", filter=Q(status=Comment.Status.HIDDEN)),
        answered=Count("id", filter=~Q(answer="")), accepted=Count("id", filter=Q(answer=Comment.Answer.ACCEPTED)),
        partly=Count("id", filter=Q(answer=Comment.Answer.PARTLY)), rejected=Count("id", filter=Q(answer=Comment.Answer.REJECTED)),
        paper=Count("id", filter=Q(channel=Comment.Channel.PAPER)))


def published_comments(meeting: Meeting):
    """What residents see: published comments with their answers."""
    return meeting.comments.filter(Comment.public_q()).select_related("changed_measure").order_by("created_at", "id")


def villages(program: Program):
    """Villages of the program's municipality: a meeting's village is chosen among them."""
    return (Territory.objects.current().filter(path__startswith=program.territory.path)
            .exclude(pk=program.territory_id).order_by("name"))


def comment_state(meeting: Meeting) -> dict:
    return {"open": not why_closed(meeting), "why_closed": why_closed(meeting), "until": deadline(meeting)}


def _groups(codes) -> str:
    labels = []
    for code in codes or []:
        try:
            labels.append(str(Group(code).label))
        except ValueError:
            labels.append(code)
    return ", ".join(labels)


def draft(program: Program) -> dict:
    """The draft as residents read it on the hearing page: vision, priorities and goals, the
    action plan with costs and target groups, the indicators, and the financing total."""
    content = program_content(program)
    measures = [{**m, "groups": _groups(m["target_groups"]), "anchor": f"measure-{m['key']}"} for m in content["measures"]]
    return {
        "content": content,
        "tree": goal_tree(program),
        "measures": measures,
        "indicators": content["indicators"],
        "financing": financing_summary(program),
        "total_cost": program.measures.aggregate(total=Sum("cost"))["total"] or 0,
        "texts": content["texts"],
    }

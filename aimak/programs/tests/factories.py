"""Makers for the permission matrix, and small builders the program tests share."""

from datetime import date

from django.core.files.base import ContentFile

from aimak.core.testing import scoped_factory

from .. import models as m


def edition():
    return m.Edition.objects.get_or_create(code="matrix", defaults={"name_en": "matrix", "name_ru": "matrix", "valid_from": date(2018, 1, 1)})[0]


def program(place, **fields):
    fields.setdefault("title", f"program of {place.code}")
    fields.setdefault("start_year", 2020)
    fields.setdefault("end_year", 2022)
    return m.Program.objects.create(territory=place, edition=edition(), **fields)


def measure(prog, **fields):
    fields.setdefault("title", "measure")
    fields.setdefault("start_year", prog.start_year)
    fields.setdefault("end_year", prog.end_year)
    return m.Measure.objects.create(program=prog, **fields)


def indicator(prog, **fields):
    fields.setdefault("name", "indicator")
    return m.ProgramIndicator.objects.create(program=prog, **fields)


def meeting(prog, **fields):
    fields.setdefault("date", date(2020, 2, 1))
    fields.setdefault("place", "Aiyl okmotu hall")
    return m.Meeting.objects.create(program=prog, **fields)


def annual_report(prog, year=2020):
    return m.AnnualReport.objects.create(program=prog, year=year)


# The matrix checks the harder case where it matters: drafts (not public) and unpublished comments.
scoped_factory("programs.program")(lambda place: program(place))
scoped_factory("programs.profilerow")(lambda place: m.ProfileRow.objects.create(program=program(place), table="population", row="total", values={"total": 1}))
scoped_factory("programs.sectiontext")(lambda place: m.SectionText.objects.create(program=program(place), section="climate", text="t"))
scoped_factory("programs.problem")(lambda place: m.Problem.objects.create(program=program(place), title="p"))
scoped_factory("programs.swotitem")(lambda place: m.SwotItem.objects.create(program=program(place), kind="S", text="s"))
scoped_factory("programs.dream")(lambda place: m.Dream.objects.create(program=program(place), group="women"))
scoped_factory("programs.goal")(lambda place: m.Goal.objects.create(program=program(place), level="priority", title="g"))
scoped_factory("programs.measure")(lambda place: measure(program(place)))
scoped_factory("programs.funding")(lambda place: m.Funding.objects.create(measure=measure(program(place)), year=2020, source="local_budget", amount=1))
scoped_factory("programs.programindicator")(lambda place: indicator(program(place)))
scoped_factory("programs.indicatortarget")(lambda place: m.IndicatorTarget.objects.create(indicator=indicator(program(place)), year=2020, value=1))
scoped_factory("programs.annex")(lambda place: m.Annex.objects.create(program=program(place), kind="other", title="a", file=ContentFile(b"x", name="a.pdf")))
scoped_factory("programs.workinggroupmember")(lambda place: m.WorkingGroupMember.objects.create(program=program(place), name="n", sex="f"))
scoped_factory("programs.meeting")(lambda place: meeting(program(place), kind=m.Meeting.Kind.VILLAGE_MEETING))
scoped_factory("programs.attendance")(lambda place: m.Attendance.objects.create(meeting=meeting(program(place)), sex="f", age_group="29_59", count=3))
scoped_factory("programs.comment")(lambda place: m.Comment.objects.create(meeting=meeting(program(place)), text="c"))
scoped_factory("programs.programstep")(lambda place: m.ProgramStep.objects.create(program=program(place), step="created", stage="working_group", date=date(2020, 1, 1)))
scoped_factory("programs.programversion")(lambda place: m.ProgramVersion.objects.create(program=program(place), number=1, stage="draft"))
scoped_factory("programs.annualreport")(lambda place: annual_report(program(place)))
scoped_factory("programs.measureprogress")(lambda place: (lambda p: m.MeasureProgress.objects.create(report=annual_report(p), measure=measure(p)))(program(place)))
scoped_factory("programs.indicatoractual")(lambda place: (lambda p: m.IndicatorActual.objects.create(report=annual_report(p), indicator=indicator(p), value=1))(program(place)))

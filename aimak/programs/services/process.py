"""The life of a program as actions, each one: permission where the program is, the stage
allows it, act, and one more line in the history (``ProgramStep``), all in one transaction.

working group -> data collection -> village meetings -> draft -> [district coordination review,
when the edition has one] -> public hearing -> revision -> council approval -> implementation
(annual reports) -> completed; an approved program may be revised (back to revision, the
approved version stays frozen) or followed by a new program."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from aimak.core import context, scoping

from ..models import (
    AgeGroup,
    Annex,
    AnnualReport,
    IndicatorActual,
    MeasureProgress,
    Meeting,
    Program,
    ProgramStep,
    Sex,
    Stage,
    WorkingGroupMember,
)
from . import annexes as annex_services
from . import versions
from .programs import acting_on, editable, start_program

FLOW = (Stage.WORKING_GROUP, Stage.DATA_COLLECTION, Stage.VILLAGE_MEETINGS, Stage.DRAFT, Stage.DISTRICT_REVIEW,
        Stage.HEARING, Stage.REVISION, Stage.APPROVED, Stage.IMPLEMENTATION, Stage.COMPLETED)
# stages left by their own action rather than "move to the next stage"
OWN_ACTION = {Stage.DISTRICT_REVIEW: "district_review", Stage.REVISION: "approve"}
PREPARED_YEARS_BEFORE = 3  # a program is prepared at most this many years before its first year
REPORT_STAGES = (Stage.APPROVED, Stage.IMPLEMENTATION, Stage.COMPLETED)


def flow(program: Program) -> list[str]:
    """The stages this program goes through; the district review only where the edition has it."""
    return [s for s in FLOW if s != Stage.DISTRICT_REVIEW or program.edition.requires_district_review]


def next_stage(program: Program) -> str | None:
    stages = flow(program)
    if program.stage not in stages:
        return None
    index = stages.index(program.stage)
    return stages[index + 1] if index + 1 < len(stages) else None


def earliest_date(program: Program) -> date:
    return date(program.start_year - PREPARED_YEARS_BEFORE, 1, 1)


def last_step_date(program: Program) -> date | None:
    """The latest date in the history, leaving out the day the program was entered on the
    platform (programs prepared earlier are entered afterwards, with their real dates)."""
    return program.steps.exclude(step=ProgramStep.Step.CREATED).aggregate(d=Max("date"))["d"]


def check_past_date(program: Program, day, field: str = "date", *, after_history: bool = True) -> list[str]:
    """Reasons a date of something that happened is impossible (empty when it is fine)."""
    if day is None:
        return [_("Enter the date.")]
    if day > scoping.today():
        return [_("The date cannot be in the future.")]
    if day < earliest_date(program):
        return [_("The date is too early for a program of %(start)s–%(end)s: it cannot be before %(date)s.") % {
            "start": program.start_year, "end": program.end_year, "date": earliest_date(program).isoformat()}]
    last = last_step_date(program) if after_history else None
    if last is not None and day < last:
        return [_("The history already has a step on %(date)s; a later step cannot be dated earlier.") % {"date": last.isoformat()}]
    return []


def _record(user, program: Program, step: str, day: date, note: str = "", annex: Annex | None = None) -> ProgramStep:
    return ProgramStep.objects.create(program=program, step=step, stage=program.stage, date=day, note=(note or "").strip(),
                                      annex=annex, actor=context.person(user))


def _lock(program: Program) -> Program:
    """Lock the program's row for this transaction and bring the caller's copy up to date, so
    two people pressing the same button one after the other do not both act."""
    Program.objects.select_for_update().filter(pk=program.pk).first()
    program.refresh_from_db()
    return program


def _move(program: Program, stage: str) -> None:
    program.stage = stage
    program.save(update_fields=["stage", "updated_at"])


def _hearing_guard(program: Program) -> list[str]:
    if not program.meetings.filter(kind=Meeting.Kind.HEARING).exists():
        return [_("Announce at least one public hearing (date and place) before the draft goes to the hearing.")]
    return []


@transaction.atomic
def advance(user, program: Program, *, day, note: str = "") -> ProgramStep:
    """Move the program to its next stage, as the municipality does ("submit" where it is)."""
    acting_on(user, program, "submit")
    _lock(program)
    target = next_stage(program)
    if program.stage in OWN_ACTION:
        message = (_("The district coordination council reviews the draft first.") if program.stage == Stage.DISTRICT_REVIEW
                   else _("The program leaves revision when the council approves it: record the council's resolution."))
        raise ValidationError({"stage": [message]})
    if target is None:
        raise ValidationError({"stage": [_("The program is %(stage)s; there is no further stage.") % {"stage": program.get_stage_display()}]})
    errors: dict[str, list[str]] = {}
    date_errors = check_past_date(program, day)
    if date_errors:
        errors["date"] = date_errors
    stage_errors = []
    if program.stage == Stage.WORKING_GROUP and not program.working_group.exists():
        stage_errors.append(_("Add the members of the working group first."))
    if program.stage == Stage.VILLAGE_MEETINGS and not program.meetings.filter(kind=Meeting.Kind.VILLAGE_MEETING).exists():
        stage_errors.append(_("Record at least one village meeting before the draft is written."))
    if target == Stage.HEARING:
        stage_errors += _hearing_guard(program)
    if program.stage == Stage.HEARING and day is not None and not date_errors:
        if not program.meetings.filter(kind=Meeting.Kind.HEARING, date__lte=day).exists():
            stage_errors.append(_("No public hearing has taken place by this date."))
    if target == Stage.COMPLETED and day is not None and day.year < program.end_year:
        errors.setdefault("date", []).append(_("The program runs until %(year)s; it is completed in its last year or later.") % {"year": program.end_year})
    if stage_errors:
        errors["stage"] = stage_errors
    if errors:
        raise ValidationError(errors)
    step = ProgramStep.Step.HEARING_HELD if program.stage == Stage.HEARING else ProgramStep.Step.STAGE
    _move(program, target)
    return _record(user, program, step, day, note)


@transaction.atomic
def district_review(user, program: Program, *, decision: str, day, note: str = "") -> ProgramStep:
    """The district coordination council's opinion (2024 methodology): the draft goes on to the
    hearing, or back to the draft with the reasons. It takes "approve" where the program is (the
    coordinators' right), not "review", which commission members hold to score applications."""
    acting_on(user, program, "approve")
    _lock(program)
    if not program.edition.requires_district_review:
        raise ValidationError({"decision": [_("Programs of the %(edition)s have no district coordination review.") % {"edition": program.edition}]})
    if program.stage != Stage.DISTRICT_REVIEW:
        raise ValidationError({"stage": [_("The program is not waiting for the district review; it is at the stage “%(stage)s”.") % {"stage": program.get_stage_display()}]})
    errors: dict[str, list[str]] = {}
    if decision not in ("approve", "return"):
        errors["decision"] = [_("Choose the council's opinion.")]
    note = (note or "").strip()
    if decision == "return" and not note:
        errors["note"] = [_("Say what the municipality must change in the draft.")]
    date_errors = check_past_date(program, day)
    if date_errors:
        errors["date"] = date_errors
    if decision == "approve":
        hearing = _hearing_guard(program)
        if hearing:
            errors.setdefault("decision", []).extend(hearing)
    if errors:
        raise ValidationError(errors)
    if decision == "approve":
        _move(program, Stage.HEARING)
        text = _("Supported: the draft goes to the public hearing.")
    else:
        _move(program, Stage.DRAFT)
        text = _("Returned to the draft.")
    return _record(user, program, ProgramStep.Step.DISTRICT_REVIEWED, day, f"{text} {note}".strip())


def check_resolution(program: Program, number: str, day) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    number = (number or "").strip()
    if not number:
        errors["resolution_number"] = [_("Enter the number of the council's resolution.")]
    elif len(number) > 60:
        errors["resolution_number"] = [_("The number is at most 60 characters.")]
    if day is None:
        errors["resolution_date"] = [_("Enter the date of the council's resolution.")]
        return errors
    if day > scoping.today():
        errors["resolution_date"] = [_("The date cannot be in the future.")]
        return errors
    low, high = date(program.start_year - PREPARED_YEARS_BEFORE, 1, 1), date(program.end_year, 12, 31)
    if not low <= day <= high:
        errors["resolution_date"] = [_("A program for %(start)s–%(end)s is approved between %(low)s and %(high)s.") % {
            "start": program.start_year, "end": program.end_year, "low": low.isoformat(), "high": high.isoformat()}]
        return errors
    last_hearing = program.meetings.filter(kind=Meeting.Kind.HEARING).aggregate(d=Max("date"))["d"]
    if last_hearing is not None and day < last_hearing:
        errors["resolution_date"] = [_("The council cannot approve the program before its public hearing of %(date)s.") % {"date": last_hearing.isoformat()}]
        return errors
    history = check_past_date(program, day)
    if history:
        errors["resolution_date"] = history
    return errors


@transaction.atomic
def approve(user, program: Program, *, resolution_number: str, resolution_date, scan, note: str = ""):
    """The council approved the program: its resolution and scan are recorded, the approved text
    is frozen as a version, and the program becomes public."""
    acting_on(user, program, "submit")
    _lock(program)
    if program.stage != Stage.REVISION:
        raise ValidationError({"stage": [_("The council approves a program after its hearing and revision; this one is at the stage “%(stage)s”.") % {"stage": program.get_stage_display()}]})
    errors = check_resolution(program, resolution_number, resolution_date)
    if scan is None:
        errors["scan"] = [_("Attach the scan of the council's resolution.")]
    else:
        try:
            annex_services.check_file(program, scan)
        except ValidationError as exc:
            errors["scan"] = exc.message_dict["file"]
    if errors:
        raise ValidationError(errors)
    number = resolution_number.strip()
    title = _("Council resolution No. %(number)s of %(date)s") % {"number": number, "date": resolution_date.isoformat()}
    try:
        annex = annex_services.add_annex(user, program, kind=Annex.Kind.RESOLUTION, title=title, file=scan)
    except ValidationError as exc:
        raise ValidationError({("scan" if field == "file" else field): msgs for field, msgs in exc.message_dict.items()}) from exc
    program.resolution_number, program.resolution_date, program.stage = number, resolution_date, Stage.APPROVED
    program.save(update_fields=["resolution_number", "resolution_date", "stage", "updated_at"])
    version = versions.freeze(user, program, label=title, approved=True)
    _record(user, program, ProgramStep.Step.APPROVED, resolution_date, note or title, annex=annex)
    previous = program.previous
    if previous is not None and previous.stage in REPORT_STAGES:
        previous.stage = Stage.SUPERSEDED
        previous.save(update_fields=["stage", "updated_at"])
        _record(user, previous, ProgramStep.Step.STAGE, resolution_date,
                _("Replaced by “%(title)s”, approved by %(resolution)s.") % {"title": program.title, "resolution": title})
    return version


@transaction.atomic
def start_revision(user, program: Program, *, day, note: str) -> ProgramStep:
    """Open an approved program for changes; the approved version stays as the council saw it
    until the council approves the revised text."""
    acting_on(user, program, "submit")
    _lock(program)
    if program.stage not in (Stage.APPROVED, Stage.IMPLEMENTATION):
        raise ValidationError({"stage": [_("Only an approved program being implemented can be revised; this one is at the stage “%(stage)s”.") % {"stage": program.get_stage_display()}]})
    errors: dict[str, list[str]] = {}
    if not (note or "").strip():
        errors["note"] = [_("Say why the program is revised.")]
    date_errors = check_past_date(program, day)
    if date_errors:
        errors["date"] = date_errors
    if errors:
        raise ValidationError(errors)
    _move(program, Stage.REVISION)
    return _record(user, program, ProgramStep.Step.REVISION, day, note)


@transaction.atomic
def start_following(user, program: Program, *, title: str, start_year, end_year, edition, language: str = "ru") -> Program:
    """A new program for the years after this one; it points back at it, and this one is marked
    replaced when the new one is approved."""
    acting_on(user, program, "create")
    if program.stage not in REPORT_STAGES:
        raise ValidationError({"stage": [_("A new program follows an approved one; this one is at the stage “%(stage)s”.") % {"stage": program.get_stage_display()}]})
    if start_year is not None and start_year <= program.start_year:
        raise ValidationError({"start_year": [_("The new program starts after %(year)s.") % {"year": program.start_year}]})
    if program.successors.exclude(stage=Stage.SUPERSEDED).exists():
        raise ValidationError({"title": [_("A program following this one has already been started.")]})
    new = start_program(user, territory=program.territory, edition=edition, title=title, start_year=start_year,
                        end_year=end_year, language=language, previous=program)
    _record(user, program, ProgramStep.Step.NOTE, scoping.today(),
            _("The next program was started: %(title)s.") % {"title": str(new)})
    return new


# --- the working group -------------------------------------------------------------------------

@transaction.atomic
def save_member(user, program: Program, member: WorkingGroupMember | None = None, *, name: str, role: str, sex: str,
                position: str = "", age_group: str = "", has_disability: bool = False) -> WorkingGroupMember:
    editable(user, program)
    if member is not None and member.program_id != program.pk:
        raise ValidationError({"name": [_("This member is in another program's working group.")]})
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Enter the name.")]
    elif len(name) > 200:
        errors["name"] = [_("The name is at most 200 characters.")]
    if role not in WorkingGroupMember.Role.values:
        errors["role"] = [_("Choose the role in the working group.")]
    if sex not in Sex.values:
        errors["sex"] = [_("Choose woman or man: the working group's balance is counted from it.")]
    if age_group and age_group not in AgeGroup.values:
        errors["age_group"] = [_("Choose an age group from the list.")]
    if len(position or "") > 300:
        errors["position"] = [_("At most 300 characters.")]
    if errors:
        raise ValidationError(errors)
    member = member or WorkingGroupMember(program=program)
    member.name, member.role, member.sex, member.position = name, role, sex, (position or "").strip()
    member.age_group, member.has_disability = age_group or "", bool(has_disability)
    member.save()
    return member


@transaction.atomic
def remove_member(user, member: WorkingGroupMember) -> None:
    editable(user, member.program)
    member.delete()


@transaction.atomic
def set_working_group_order(user, program: Program, *, number: str, day, file=None) -> Program:
    """The order of the head of the aiyl okmotu (or mayor) that formed the working group."""
    editable(user, program)
    errors: dict[str, list[str]] = {}
    number = (number or "").strip()
    if not number:
        errors["number"] = [_("Enter the number of the order.")]
    elif len(number) > 60:
        errors["number"] = [_("The number is at most 60 characters.")]
    date_errors = check_past_date(program, day, after_history=False)
    if date_errors:
        errors["date"] = date_errors
    if file is not None:
        try:
            annex_services.check_file(program, file)
        except ValidationError as exc:
            errors["file"] = exc.message_dict["file"]
    if errors:
        raise ValidationError(errors)
    program.working_group_order, program.working_group_order_date = number, day
    program.save(update_fields=["working_group_order", "working_group_order_date", "updated_at"])
    if file is not None:
        annex_services.add_annex(user, program, kind=Annex.Kind.WORKING_GROUP_ORDER, file=file,
                                 title=_("Order No. %(number)s of %(date)s forming the working group") % {"number": number, "date": day.isoformat()})
    return program


# --- annual monitoring reports -----------------------------------------------------------------

def measure_field(pk: int, name: str) -> str:
    """The form field of one measure's progress (the same name in the form and the errors)."""
    return f"m{pk}_{name}"


def indicator_field(pk: int, name: str) -> str:
    return f"i{pk}_{name}"


def may_report(program: Program) -> bool:
    """Reports follow approval; a program under revision after approval keeps reporting."""
    if program.stage in REPORT_STAGES:
        return True
    return program.stage == Stage.REVISION and program.versions.filter(is_approved=True).exists()


@transaction.atomic
def start_report(user, program: Program, *, year) -> AnnualReport:
    acting_on(user, program, "edit")
    if not may_report(program):
        raise ValidationError({"year": [_("Annual reports are written once the council has approved the program.")]})
    if year is None:
        raise ValidationError({"year": [_("Enter the year.")]})
    if year not in program.years:
        raise ValidationError({"year": [_("The program covers %(start)s–%(end)s.") % {"start": program.start_year, "end": program.end_year}]})
    if year > scoping.today().year:
        raise ValidationError({"year": [_("The year %(year)s has not begun yet.") % {"year": year}]})
    if program.annual_reports.filter(year=year).exists():
        raise ValidationError({"year": [_("There is already a report for %(year)s.") % {"year": year}]})
    return AnnualReport.objects.create(program=program, year=year)


def _decimal_or_none(value):
    if value in (None, ""):
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


@transaction.atomic
def save_report(user, report: AnnualReport, *, narrative: str, measures: dict, actuals: dict) -> AnnualReport:
    """Progress of each measure (status, money spent) and the actual value of each indicator
    (women and men where it counts people) in the report's year.

    ``measures`` is {measure pk: {"status", "spent", "note"}}; ``actuals`` is {indicator pk:
    {"value", "women", "men"}}; errors name the fields ``m<pk>_spent``, ``i<pk>_value``..."""
    program = report.program
    acting_on(user, program, "edit")
    if report.status != AnnualReport.Status.DRAFT:
        raise ValidationError({"narrative": [_("The report was presented to the council; it no longer changes.")]})
    errors: dict[str, list[str]] = {}
    known_measures = {m.pk: m for m in program.measures.filter(pk__in=list(measures))}
    known_indicators = {i.pk: i for i in program.indicators.filter(pk__in=list(actuals))}
    clean_measures, clean_actuals = {}, {}
    for pk, data in measures.items():
        if pk not in known_measures:
            errors.setdefault("narrative", []).append(_("A measure of another program was sent."))
            continue
        status = data.get("status") or MeasureProgress.Status.NOT_STARTED
        if status not in MeasureProgress.Status.values:
            errors[measure_field(pk, "status")] = [_("Choose a status from the list.")]
        spent = _decimal_or_none(data.get("spent")) or Decimal(0)
        if spent < 0:
            errors[measure_field(pk, "spent")] = [_("Money spent cannot be negative.")]
        note = (data.get("note") or "").strip()
        if len(note) > 500:
            errors[measure_field(pk, "note")] = [_("At most 500 characters.")]
        clean_measures[pk] = {"status": status, "spent": spent, "note": note}
    for pk, data in actuals.items():
        indicator = known_indicators.get(pk)
        if indicator is None:
            errors.setdefault("narrative", []).append(_("An indicator of another program was sent."))
            continue
        value, women, men = (_decimal_or_none(data.get(k)) for k in ("value", "women", "men"))
        if indicator.counts_people:
            for key, number in (("value", value), ("women", women), ("men", men)):
                if number is not None and number < 0:
                    errors[indicator_field(pk, key)] = [_("A number of people cannot be negative.")]
            if women is not None and men is not None and indicator_field(pk, "women") not in errors and indicator_field(pk, "men") not in errors:
                if value is None:
                    value = women + men
                elif women + men != value:
                    errors[indicator_field(pk, "value")] = [_("Women and men (%(sum)s) do not add up to the total (%(value)s).") % {"sum": women + men, "value": value}]
        else:
            women = men = None
        clean_actuals[pk] = {"value": value, "women": women, "men": men}
    if errors:
        raise ValidationError(errors)
    report.narrative = (narrative or "").strip()
    report.save(update_fields=["narrative"])
    for pk, data in clean_measures.items():
        MeasureProgress.objects.update_or_create(report=report, measure_id=pk, defaults=data)
    for pk, data in clean_actuals.items():
        if all(v is None for v in data.values()):
            IndicatorActual.objects.filter(report=report, indicator_id=pk).delete()
        else:
            IndicatorActual.objects.update_or_create(report=report, indicator_id=pk, defaults=data)
    return report


@transaction.atomic
def submit_report(user, report: AnnualReport, *, day, note: str = "") -> ProgramStep:
    """The report was presented to the council: it is frozen, public, and in the history."""
    program = report.program
    acting_on(user, program, "submit")
    report = AnnualReport.objects.select_for_update().get(pk=report.pk)
    if report.status != AnnualReport.Status.DRAFT:
        raise ValidationError({"date": [_("The report for %(year)s was already presented.") % {"year": report.year}]})
    errors = check_past_date(program, day, after_history=False)
    if not errors and day < date(report.year, 1, 1):
        errors = [_("A report on %(year)s is presented during that year or later.") % {"year": report.year}]
    if errors:
        raise ValidationError({"date": errors})
    report.status, report.submitted_at, report.submitted_by = AnnualReport.Status.SUBMITTED, timezone.now(), context.person(user)
    report.save(update_fields=["status", "submitted_at", "submitted_by"])
    text = _("Monitoring report for %(year)s presented to the council.") % {"year": report.year}
    return _record(user, program, ProgramStep.Step.ANNUAL_REPORT, day, f"{text} {(note or '').strip()}".strip())

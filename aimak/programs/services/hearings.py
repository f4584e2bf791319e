"""Village meetings and public hearings: announcing them, who came (by sex, age group and
disability), residents' comments on the draft, their moderation and the municipality's answer
to each one, so residents see what became of what they said."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aimak.core import context, scoping

from ..models import AgeGroup, Attendance, Comment, Meeting, Program, Sex
from .process import PREPARED_YEARS_BEFORE
from .programs import editable

COMMENT_MAX = 3000
COMMENTS_AFTER_HEARING = 30  # days: comments may be collected at most this long after the hearing
HONEYPOT = "website"  # a field hidden from people; bots fill it


def deadline(meeting: Meeting) -> date:
    """Comments are accepted until this day (inclusive): the date set, else the hearing's day."""
    return meeting.comments_until or meeting.date


def why_closed(meeting: Meeting) -> str:
    """Why residents cannot comment now (empty when they can)."""
    if meeting.kind != Meeting.Kind.HEARING:
        return _("Comments are collected on public hearings only.")
    if meeting.status == Meeting.Status.PLANNED:
        return _("The hearing is announced but not yet open for comments.")
    if meeting.status == Meeting.Status.CLOSED:
        return _("The hearing is closed; comments are no longer accepted.")
    if scoping.today() > deadline(meeting):
        return _("Comments were accepted until %(date)s.") % {"date": deadline(meeting).isoformat()}
    return ""


def _check_meeting(program: Program, data: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    kind = data.get("kind")
    if kind not in Meeting.Kind.values:
        errors["kind"] = [_("Choose a village meeting or a public hearing.")]
    day = data.get("date")
    low, high = date(program.start_year - PREPARED_YEARS_BEFORE, 1, 1), date(program.end_year, 12, 31)
    if day is None:
        errors["date"] = [_("Enter the date.")]
    elif not low <= day <= high:
        errors["date"] = [_("Meetings on a program for %(start)s–%(end)s take place between %(low)s and %(high)s.") % {
            "start": program.start_year, "end": program.end_year, "low": low.isoformat(), "high": high.isoformat()}]
    place = (data.get("place") or "").strip()
    if not place:
        errors["place"] = [_("Enter where the meeting takes place.")]
    elif len(place) > 300:
        errors["place"] = [_("At most 300 characters.")]
    village = data.get("village")
    if village is not None and (village.pk == program.territory_id or not village.path.startswith(program.territory.path)):
        errors["village"] = [_("Choose a village of %(territory)s.") % {"territory": program.territory}]
    until = data.get("comments_until")
    if until is not None and day is not None and "date" not in errors:
        if until > day + timedelta(days=COMMENTS_AFTER_HEARING):
            errors["comments_until"] = [_("Comments are collected around the hearing: at most %(days)s days after it.") % {"days": COMMENTS_AFTER_HEARING}]
        elif until < day - timedelta(days=90):
            errors["comments_until"] = [_("This date is long before the hearing; residents need the time to read the draft.")]
    if until is not None and kind == Meeting.Kind.VILLAGE_MEETING:
        errors["comments_until"] = [_("Comments are collected on public hearings only; leave this empty.")]
    for field, limit in (("chair", 200), ("secretary", 200)):
        if len(data.get(field) or "") > limit:
            errors[field] = [_("At most %(n)s characters.") % {"n": limit}]
    return errors


MEETING_FIELDS = ("kind", "date", "time", "place", "village", "announcement", "comments_until", "chair", "secretary", "decisions")


@transaction.atomic
def save_meeting(user, program: Program, meeting: Meeting | None = None, **data) -> Meeting:
    """Announce a village meeting or hearing, or correct it."""
    editable(user, program)
    if meeting is not None:
        if meeting.program_id != program.pk:
            raise ValidationError({"place": [_("This meeting belongs to another program.")]})
        if meeting.kind != data.get("kind") and meeting.comments.exists():
            raise ValidationError({"kind": [_("The hearing has comments; it stays a hearing.")]})
    errors = _check_meeting(program, data)
    if errors:
        raise ValidationError(errors)
    meeting = meeting or Meeting(program=program)
    for field in MEETING_FIELDS:
        value = data.get(field)
        if field not in ("date", "time", "village", "comments_until"):
            value = (value or "").strip()
        setattr(meeting, field, value)
    meeting.save()
    return meeting


def _hearing(meeting: Meeting) -> None:
    if meeting.kind != Meeting.Kind.HEARING:
        raise ValidationError({"status": [_("Comments are collected on public hearings only.")]})


@transaction.atomic
def open_hearing(user, meeting: Meeting) -> Meeting:
    """Residents may comment from now until the deadline."""
    editable(user, meeting.program)
    _hearing(meeting)
    if meeting.status == Meeting.Status.OPEN:
        raise ValidationError({"status": [_("The hearing is already open for comments.")]})
    if deadline(meeting) < scoping.today():
        raise ValidationError({"comments_until": [_("The date for comments (%(date)s) has passed; set a later one first.") % {"date": deadline(meeting).isoformat()}]})
    if not meeting.announcement.strip():
        raise ValidationError({"announcement": [_("Write the announcement residents will read first.")]})
    meeting.status = Meeting.Status.OPEN
    meeting.save(update_fields=["status"])
    return meeting


@transaction.atomic
def close_hearing(user, meeting: Meeting) -> Meeting:
    editable(user, meeting.program)
    _hearing(meeting)
    if meeting.status != Meeting.Status.OPEN:
        raise ValidationError({"status": [_("The hearing is not open for comments.")]})
    meeting.status = Meeting.Status.CLOSED
    meeting.save(update_fields=["status"])
    return meeting


def cell_name(sex: str, age_group: str, with_disability: bool) -> str:
    """The form field of one cell of the attendance grid."""
    return f"a_{sex}_{age_group}_{'d' if with_disability else 'n'}"


def cells():
    """Every (sex, age group, with a disability) combination, in the grid's order."""
    return [(s, a, d) for d in (False, True) for s in Sex.values for a in AgeGroup.values]


@transaction.atomic
def set_attendance(user, meeting: Meeting, counts: dict) -> int:
    """Who came: {(sex, age group, with a disability): people}. Returns the total."""
    editable(user, meeting.program)
    errors: dict[str, list[str]] = {}
    clean = {}
    for key, value in counts.items():
        if key not in cells():
            errors["__all__"] = [_("Unknown cell of the attendance table.")]
            continue
        number = value or 0
        if not isinstance(number, int) or number < 0:
            errors[cell_name(*key)] = [_("Enter a whole number, 0 or more.")]
        elif number > 100000:
            errors[cell_name(*key)] = [_("That is more people than a meeting can hold.")]
        else:
            clean[key] = number
    if errors:
        raise ValidationError(errors)
    for (sex, age, disability), number in clean.items():
        if number:
            Attendance.objects.update_or_create(meeting=meeting, sex=sex, age_group=age, with_disability=disability, defaults={"count": number})
        else:
            Attendance.objects.filter(meeting=meeting, sex=sex, age_group=age, with_disability=disability).delete()
    return sum(clean.values())


def _check_comment(data: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    text = (data.get("text") or "").strip()
    if not text:
        errors["text"] = [_("Write your comment or proposal.")]
    elif len(text) > COMMENT_MAX:
        errors["text"] = [_("A comment is at most %(n)s characters; this one has %(count)s.") % {"n": COMMENT_MAX, "count": len(text)}]
    if data.get("language") not in ("ky", "ru"):
        errors["language"] = [_("Choose Kyrgyz or Russian.")]
    if data.get("sex") and data["sex"] not in Sex.values:
        errors["sex"] = [_("Choose from the list, or leave it empty.")]
    if data.get("age_group") and data["age_group"] not in AgeGroup.values:
        errors["age_group"] = [_("Choose from the list, or leave it empty.")]
    if len((data.get("author_name") or "").strip()) > 200:
        errors["author_name"] = [_("At most 200 characters.")]
    return errors


def _new_comment(meeting: Meeting, data: dict, **extra) -> Comment:
    return Comment.objects.create(
        meeting=meeting, text=data["text"].strip(), language=data["language"], author_name=(data.get("author_name") or "").strip(),
        sex=data.get("sex") or "", age_group=data.get("age_group") or "", **extra)


@transaction.atomic
def submit_comment(meeting: Meeting, *, text: str, language: str, author_name: str = "", sex: str = "", age_group: str = "",
                   website: str = "") -> Comment:
    """A resident's comment on the hearing's public page (no sign-in): it waits for moderation."""
    if website:
        raise ValidationError({HONEYPOT: [_("Leave this field empty.")]})
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    closed = why_closed(meeting)
    if closed:
        raise ValidationError({"text": [closed]})
    data = {"text": text, "language": language, "author_name": author_name, "sex": sex, "age_group": age_group}
    errors = _check_comment(data)
    if errors:
        raise ValidationError(errors)
    return _new_comment(meeting, data, channel=Comment.Channel.ONLINE, status=Comment.Status.PENDING)


@transaction.atomic
def enter_comment(user, meeting: Meeting, *, text: str, language: str, author_name: str = "", sex: str = "",
                  age_group: str = "", publish: bool = True) -> Comment:
    """A comment received on paper or spoken at the meeting, entered by staff (also after the
    hearing closed: the meeting's own comments come in afterwards)."""
    editable(user, meeting.program)
    _hearing(meeting)
    data = {"text": text, "language": language, "author_name": author_name, "sex": sex, "age_group": age_group}
    errors = _check_comment(data)
    if errors:
        raise ValidationError(errors)
    status = Comment.Status.PUBLISHED if publish else Comment.Status.PENDING
    return _new_comment(meeting, data, channel=Comment.Channel.PAPER, status=status, entered_by=context.person(user))


@transaction.atomic
def moderate(user, comment: Comment, *, publish: bool, note: str = "") -> Comment:
    """Publish a comment, or keep it off the public page with a reason (insults, personal data)."""
    editable(user, comment.meeting.program)
    note = (note or "").strip()
    if not publish and not note:
        raise ValidationError({"moderation_note": [_("Say why the comment is not published.")]})
    if len(note) > 300:
        raise ValidationError({"moderation_note": [_("At most 300 characters.")]})
    comment.status = Comment.Status.PUBLISHED if publish else Comment.Status.HIDDEN
    comment.moderation_note = "" if publish else note
    comment.save(update_fields=["status", "moderation_note"])
    return comment


@transaction.atomic
def answer_comment(user, comment: Comment, *, answer: str, answer_reason: str = "", change_made: str = "",
                   changed_measure=None, changed_section: str = "") -> Comment:
    """The municipality's answer: accepted, partly or not accepted, why, and what changed in the
    draft (with the measure or section, so residents can find it). Possible while the program is
    still being written, the revision after the hearing included."""
    program = comment.meeting.program
    editable(user, program)
    errors: dict[str, list[str]] = {}
    if answer not in Comment.Answer.values:
        errors["answer"] = [_("Choose the answer: accepted, partly accepted or not accepted.")]
    reason = (answer_reason or "").strip()
    if answer in (Comment.Answer.PARTLY, Comment.Answer.REJECTED) and not reason:
        errors["answer_reason"] = [_("Say why the proposal was not accepted in full.")]
    if changed_measure is not None and changed_measure.program_id != program.pk:
        errors["changed_measure"] = [_("Choose a measure of this program.")]
    changed_section = (changed_section or "").strip()
    if changed_section and program.edition.section(changed_section) is None:
        errors["changed_section"] = [_("Choose a section of this program.")]
    if answer == Comment.Answer.REJECTED and (changed_measure is not None or (change_made or "").strip()):
        errors["change_made"] = [_("A proposal not accepted changes nothing in the draft.")]
    if errors:
        raise ValidationError(errors)
    comment.answer, comment.answer_reason, comment.change_made = answer, reason, (change_made or "").strip()
    comment.changed_measure, comment.changed_section = changed_measure, changed_section
    comment.answered_by, comment.answered_at = context.person(user), timezone.now()
    comment.save(update_fields=["answer", "answer_reason", "change_made", "changed_measure", "changed_section", "answered_by", "answered_at"])
    return comment


"""Applying to a call: a municipality's application linking its program (or, later, a grant
proposal), with attachments; submitted and withdrawn while the call is open. Every write
needs the right where the applicant municipality is."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aimak.core import context, scoping, uploads
from aimak.territories.models import MUNICIPAL_KINDS

from .. import subjects
from ..models import Application, Attachment, Call
from .common import errors_add, refuse

MAX_BYTES = 10 * 1024 * 1024
FILE_TYPES = ("pdf", "docx", "xlsx", "odt", "ods", "jpg", "jpeg", "png")


def is_eligible(call: Call, territory) -> bool:
    return territory is not None and any(territory.path.startswith(t.path) for t in call.eligible.all())


def accepting(call: Call, today=None) -> bool:
    today = today or scoping.today()
    return call.status == Call.Status.OPEN and call.opens <= today <= call.closes


def _call_accepting(call: Call, errors: dict) -> None:
    today = scoping.today()
    if call.status != Call.Status.OPEN:
        errors_add(errors, "__all__", _("The call is %(status)s: it does not take applications.") % {"status": call.get_status_display()})
    elif today < call.opens:
        errors_add(errors, "__all__", _("Applications open on %(day)s.") % {"day": call.opens.isoformat()})
    elif today > call.closes:
        errors_add(errors, "__all__", _("Applications closed on %(day)s.") % {"day": call.closes.isoformat()})


def _check_subject(call: Call, territory, subject, user, errors: dict, *, application: Application | None = None) -> None:
    kind = subjects.kind(call.subject_type)
    if subject is None:
        errors_add(errors, "subject", _("Choose the %(what)s you apply with.") % {"what": kind.noun if kind else _("subject")})
        return
    if kind is None or subject._meta.label_lower != kind.key:
        errors_add(errors, "subject", _("This call takes applications with a %(what)s.") % {"what": kind.noun if kind else call.subject_type})
        return
    owner = kind.territory(subject)
    if territory is not None and (owner is None or owner.pk != territory.pk):
        errors_add(errors, "subject", _("%(subject)s belongs to %(owner)s, not to %(territory)s.") % {"subject": kind.label(subject), "owner": owner, "territory": territory})
        return
    if not kind.choices(user, territory).filter(pk=subject.pk).exists():
        errors_add(errors, "subject", _("You may not see %(subject)s.") % {"subject": kind.label(subject)})
        return
    same = Application.objects.filter(call=call, subject_type=kind.content_type(), subject_id=subject.pk)
    if application is not None:
        same = same.exclude(pk=application.pk)
    if same.exists():
        errors_add(errors, "subject", _("An application with %(subject)s is already in this call.") % {"subject": kind.label(subject)})


@transaction.atomic
def apply(user, call: Call, *, territory, subject, title: str, summary: str = "") -> Application:
    """Start an application (a draft) of a municipality inside the call's eligible territories."""
    if territory is not None and not scoping.allowed_within(user, "create", Application, territory):
        refuse(user, "create", call, _("You may not apply on behalf of %(territory)s.") % {"territory": territory})
    call = Call.objects.select_for_update().get(pk=call.pk)
    errors: dict[str, list] = {}
    _call_accepting(call, errors)
    if territory is None:
        errors_add(errors, "territory", _("Choose the applicant municipality."))
    elif territory.kind not in MUNICIPAL_KINDS:
        errors_add(errors, "territory", _("Applicants are cities and aiyl aimaks, not %(territory)s.") % {"territory": territory})
    elif not is_eligible(call, territory):
        errors_add(errors, "territory", _("%(territory)s is not among the territories eligible for this call.") % {"territory": territory})
    _check_subject(call, territory, subject, user, errors)
    if not (title or "").strip():
        errors_add(errors, "title", _("Enter the title of the application."))
    if errors:
        raise ValidationError(errors)
    kind = subjects.kind(call.subject_type)
    return Application.objects.create(
        call=call, territory=territory, applicant_name=str(territory), title=title.strip(), summary=(summary or "").strip(),
        subject_type=kind.content_type(), subject_id=subject.pk,
    )


def _own(user, application: Application, action: str = "edit") -> Application:
    application = Application.objects.select_for_update().select_related("call", "territory").get(pk=application.pk)
    if not scoping.allowed_within(user, action, Application, application.territory):
        refuse(user, action, application, _("You may not change the application of %(territory)s.") % {"territory": application.territory})
    return application


@transaction.atomic
def change_application(user, application: Application, *, subject=None, title: str, summary: str = "") -> Application:
    application = _own(user, application)
    errors: dict[str, list] = {}
    if application.status not in (Application.Status.DRAFT, Application.Status.WITHDRAWN):
        errors_add(errors, "__all__", _("A submitted application no longer changes; withdraw it first."))
    _call_accepting(application.call, errors)
    if subject is not None:
        _check_subject(application.call, application.territory, subject, user, errors, application=application)
    if not (title or "").strip():
        errors_add(errors, "title", _("Enter the title of the application."))
    if errors:
        raise ValidationError(errors)
    if subject is not None:
        application.subject_id = subject.pk
    application.title, application.summary = title.strip(), (summary or "").strip()
    application.save()
    return application


def check_file(upload) -> tuple[dict, str]:
    """Errors on "file" for an upload (``core.uploads``: by extension and content, not empty,
    at most 10 MB), and its file type."""
    try:
        return {}, uploads.check_upload(upload, types=FILE_TYPES, max_bytes=MAX_BYTES)[1]
    except ValidationError as exc:
        return exc.message_dict, ""


@transaction.atomic
def add_attachment(user, application: Application, *, title: str, file) -> Attachment:
    application = _own(user, application)
    errors, content_type = check_file(file)
    if application.status == Application.Status.SUBMITTED:
        errors_add(errors, "__all__", _("A submitted application no longer changes; withdraw it first."))
    if application.call.status != Call.Status.OPEN:
        errors_add(errors, "__all__", _("The call is %(status)s: applications no longer change.") % {"status": application.call.get_status_display()})
    title = (title or "").strip() or (getattr(file, "name", "") or "").rsplit("/", 1)[-1]
    if errors:
        raise ValidationError(errors)
    return Attachment.objects.create(application=application, title=title[:300], file=file, content_type=content_type,
                                     size=file.size, uploaded_by=context.person(user))


@transaction.atomic
def remove_attachment(user, attachment: Attachment) -> None:
    application = _own(user, attachment.application)
    if application.status == Application.Status.SUBMITTED or application.call.status != Call.Status.OPEN:
        raise ValidationError({"__all__": [_("A submitted application no longer changes; withdraw it first.")]})
    attachment.file.delete(save=False)
    attachment.delete()


@transaction.atomic
def submit(user, application: Application) -> Application:
    """Hand the application to the call, within its dates."""
    application = _own(user, application, "submit")
    errors: dict[str, list] = {}
    if application.status == Application.Status.SUBMITTED:
        errors_add(errors, "__all__", _("The application is already submitted."))
    _call_accepting(application.call, errors)
    if not is_eligible(application.call, application.territory):
        errors_add(errors, "territory", _("%(territory)s is not among the territories eligible for this call.") % {"territory": application.territory})
    if subjects.of(application) is None:
        errors_add(errors, "subject", _("Link what you apply with before submitting."))
    if errors:
        raise ValidationError(errors)
    application.status = Application.Status.SUBMITTED
    application.submitted_at = timezone.now()
    application.submitted_by = context.person(user)
    application.save(update_fields=["status", "submitted_at", "submitted_by"])
    return application


@transaction.atomic
def withdraw(user, application: Application) -> Application:
    """Take the application back while the call is open (it may be submitted again)."""
    application = _own(user, application, "submit")
    errors: dict[str, list] = {}
    if application.status not in (Application.Status.DRAFT, Application.Status.SUBMITTED):
        errors_add(errors, "__all__", _("The application is %(status)s.") % {"status": application.get_status_display()})
    if application.call.status != Call.Status.OPEN:
        errors_add(errors, "__all__", _("The call is %(status)s: applications can no longer be withdrawn.") % {"status": application.call.get_status_display()})
    if errors:
        raise ValidationError(errors)
    application.status = Application.Status.WITHDRAWN
    application.save(update_fields=["status"])
    return application

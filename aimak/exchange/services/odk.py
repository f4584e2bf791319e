"""Field collection with ODK Collect / KoboCollect: what arrives is kept raw first, then read.

Three ways in, one path through: ODK Collect posts OpenRosa XML (``receive_openrosa``), a Kobo
server pushes JSON to a REST-service webhook (``receive_kobo``) or is pulled (``pull``). Each
delivery is stored as a ``Submission`` in its own transaction *before* anything is parsed, so
nothing a monitor sent is lost, then read (form, territory, period, values) and handed to
``delivery.deliver`` like every other channel.

Idempotent by the instance id (ODK's ``meta/instanceID``): the same instance again changes
nothing and gets the earlier answer. An edit (``meta/deprecatedID``) replaces the submission
it names: the report gets exactly the edit's values (``replace=True``) and the earlier
submission becomes "replaced". Results are kept in the three languages, so a coordinator
reads the reason for a refusal in their own.

The incident form (``xlsform.incident_workbook``, or a partner's form mapped to incidents)
takes the same path up to the reading: its submission becomes an incident through
``incidents.services.incidents.record_incident`` with the instance id as the incident's
``external_id`` (a repeat returns the incident already recorded), and the ``Submission`` links
to it. An edit changes that incident through ``change_incident``: the incident is found by
the deprecated instance id as its ``external_id``, which then becomes the edit's instance id.
So an incident's ``external_id`` always names its latest version (and a further edit, which
names that version, finds it); the chain of versions stays in the submissions
(``deprecated_id``), each linked to the incident."""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aimak.audit.services import log_security_event
from aimak.core import context, scoping
from aimak.incidents.models import Incident
from aimak.incidents.services import incidents as incident_services
from aimak.monitoring import periods
from aimak.monitoring.models import ReportingForm
from aimak.territories.selectors import by_code

from .. import xlsform
from ..models import FormMapping, Submission
from . import incident_fields, mappings
from .delivery import Delivery, deliver

MAX_SUBMISSION_BYTES = 10 * 1024 * 1024  # a reporting form is a few kilobytes; photos are not kept
MAX_ID_LENGTH = Submission._meta.get_field("instance_id").max_length
LANGUAGE_CODES = [code for code, _name in xlsform.LANGUAGES]
Status = Submission.Status
Channel = Submission.Channel


class Malformed(ValueError):
    """A delivery that cannot be read at all (not XML/JSON, no instance id...)."""


@dataclass
class Parsed:
    instance_id: str
    deprecated_id: str = ""
    form_id: str = ""
    answers: dict = field(default_factory=dict)  # question name (last path segment) -> text
    extra: dict = field(default_factory=dict)  # what the result should remember (Kobo _id...)


@dataclass
class Outcome:
    submission: Submission
    duplicate: bool = False

    @property
    def status(self) -> str:
        return self.submission.status


# --- credentials ---------------------------------------------------------------------------------


def secret_from_request(request) -> str | None:
    """The integration secret a sender presented: ``Authorization: Token <secret>``, HTTP Basic
    with the secret as the password (the user name is free: ODK Collect asks for both), or
    ``?secret=`` for servers that cannot set headers. None when nothing was presented."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() == "token" and value.strip():
        return value.strip()
    if scheme.lower() == "basic" and value.strip():
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return ""
        return decoded.partition(":")[2]
    if request.headers.get("X-Aimak-Secret"):
        return request.headers["X-Aimak-Secret"].strip()
    return request.GET.get("secret") or None


# --- reading what arrived ------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_openrosa(data: bytes) -> Parsed:
    """An OpenRosa submission (the instance XML ODK Collect posts)."""
    if b"<!DOCTYPE" in data[:2048].upper() or b"<!ENTITY" in data.upper():
        raise Malformed(_("The XML may not declare a DOCTYPE or entities."))
    try:
        root = ET.fromstring(data)
    except (ET.ParseError, ValueError, LookupError) as exc:  # also an encoding expat cannot read, or no codec at all
        raise Malformed(_("The submission is not well-formed XML: %(reason)s") % {"reason": exc}) from None
    answers, meta = {}, {}
    parents = {child: parent for parent in root.iter() for child in parent}
    for element in root.iter():
        if element is root or len(element):
            continue
        name = _local(element.tag)
        parent = parents.get(element)
        if parent is not None and _local(parent.tag) == "meta":
            meta[name] = (element.text or "").strip()
        else:
            answers[name] = (element.text or "").strip()
    return Parsed(
        instance_id=meta.get("instanceID", ""), deprecated_id=meta.get("deprecatedID", ""),
        form_id=root.get("id", ""), answers=answers, extra={"version": root.get("version", "")},
    )


def parse_kobo(record) -> Parsed:
    """One Kobo submission as its REST service posts it or its data API lists it: keys are
    question paths joined by "/", system keys start with "_"."""
    if not isinstance(record, dict):
        raise Malformed(_("A Kobo submission is a JSON object."))
    answers = {}
    for key, value in record.items():
        if key.startswith("_") or key.startswith("meta/") or key == "meta":
            continue
        answers[key.rsplit("/", 1)[-1]] = mappings.answer_text(value)
    instance_id = mappings.answer_text(record.get("meta/instanceID"))
    extra = {k: record[k] for k in ("_id", "_submission_time", "__version__") if k in record}
    if not instance_id and record.get("_uuid"):
        instance_id = f"uuid:{mappings.answer_text(record['_uuid'])}"
        extra["instance_id_from"] = "_uuid"
    return Parsed(instance_id=instance_id, deprecated_id=mappings.answer_text(record.get("meta/deprecatedID")),
                  form_id=mappings.answer_text(record.get("_xform_id_string")), answers=answers, extra=extra)


def kobo_attachments(record) -> list[dict]:
    """The attachments Kobo lists, as far as they are well formed (the record itself is kept raw)."""
    found = []
    items = record.get("_attachments") if isinstance(record, dict) else None
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        name = item.get("media_file_basename") or item.get("filename") or ""
        if not isinstance(name, str) or not name:
            continue
        size = item.get("bytes")
        found.append({"name": name.rsplit("/", 1)[-1], "type": str(item.get("mimetype") or ""),
                      "size": size if isinstance(size, int) else None})
    return found


# --- translated results --------------------------------------------------------------------------


def in_languages(make) -> dict[str, str]:
    return xlsform.in_languages(make)


def _errors_of(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {key: [str(m) for m in messages] for key, messages in exc.message_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


def message(result: dict, language: str | None = None) -> str:
    """The result's message in ``language`` (the active one by default)."""
    text = (result or {}).get("message", "")
    if isinstance(text, dict):
        language = language or translation.get_language() or "ky"
        return text.get(language[:2]) or next(iter(text.values()), "")
    return text


def errors(result: dict, language: str | None = None) -> dict[str, list[str]]:
    found = (result or {}).get("errors") or {}
    language = (language or translation.get_language() or "ky")[:2]
    return found.get(language) or next(iter(found.values()), {}) if found else {}


def notes(result: dict, language: str | None = None) -> list[str]:
    language = (language or translation.get_language() or "ky")[:2]
    return [n.get(language) or next(iter(n.values()), "") if isinstance(n, dict) else n for n in (result or {}).get("notes", [])]


# --- receiving -----------------------------------------------------------------------------------


def receive_openrosa(actor, data: bytes, *, attachments=(), content_type="text/xml") -> Outcome:
    def read():
        return parse_openrosa(data)

    return _receive(actor, Channel.OPENROSA, data.decode("utf-8", errors="replace"), content_type, read, list(attachments))


def receive_kobo(actor, body, *, channel=Channel.KOBO_WEBHOOK) -> Outcome:
    """``body``: the raw JSON text (webhook) or the already-decoded record (pull)."""
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    holder = {}

    def read():
        try:
            record = json.loads(text) if isinstance(body, str) else body
        except (ValueError, RecursionError) as exc:  # RecursionError: nested deeper than any form
            raise Malformed(_("The submission is not valid JSON: %(reason)s") % {"reason": exc}) from None
        holder["attachments"] = kobo_attachments(record)
        return parse_kobo(record)

    return _receive(actor, channel, text, "application/json", read, holder)


def _receive(actor, channel, payload: str, content_type: str, read, attachments) -> Outcome:
    problem = None
    try:
        parsed = read()
    except Malformed as exc:
        parsed, problem = None, exc
    if isinstance(attachments, dict):  # filled in by the reader
        attachments = attachments.get("attachments", [])
    if parsed is not None and not parsed.instance_id:
        problem = Malformed(_("The submission has no meta/instanceID, so a repeat could not be recognised."))
    if parsed is not None and len(parsed.instance_id) > MAX_ID_LENGTH:
        problem = Malformed(_("The instance id is longer than %(n)s characters.") % {"n": MAX_ID_LENGTH})
    instance_id = parsed.instance_id if problem is None else "sha256:" + hashlib.sha256(payload.encode()).hexdigest()
    submission, created = _store(actor, channel, instance_id, payload, content_type, attachments,
                                 deprecated_id=(parsed.deprecated_id[:MAX_ID_LENGTH] if parsed and problem is None else ""))
    if not created and submission.status != Status.RECEIVED or not _claim(submission):
        submission.refresh_from_db()
        return Outcome(submission, duplicate=True)
    with _acting(actor):
        if problem is not None:
            _finish(submission, Status.REJECTED, {
                "outcome": "malformed",
                "message": in_languages(lambda: _("Not read: %(reason)s") % {"reason": _reread(read, problem)}),
            })
            return Outcome(submission)
        _process(actor, submission, parsed)
    return Outcome(submission)


def _reread(read, problem) -> str:
    """The reader's complaint in the active language (it is re-run: messages are made there)."""
    try:
        parsed = read()
    except Malformed as exc:
        return str(exc)
    if not parsed.instance_id:
        return _("The submission has no meta/instanceID, so a repeat could not be recognised.")
    return str(problem)


def _acting(actor):
    """Run as the sender for the change records, keeping the request for the security log."""
    if getattr(actor, "is_integration", False):
        return context.acting_as(integration=actor.integration_name, request=context.current_request(), request_id=context.request_id() or None)
    return context.acting_as(context.person(actor), request=context.current_request(), request_id=context.request_id() or None)


def _no_nul(text):
    """PostgreSQL text cannot hold NUL; a delivery with one is kept with U+FFFD in its place."""
    return text.replace("\x00", "\ufffd") if isinstance(text, str) else text


def _no_nul_within(value):
    """``_no_nul`` through a JSON value, keys included (a Kobo field may be named with a NUL)."""
    if isinstance(value, dict):
        return {_no_nul(k): _no_nul_within(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_nul_within(v) for v in value]
    return _no_nul(value)


def _store(actor, channel, instance_id, payload, content_type, attachments, *, deprecated_id) -> tuple[Submission, bool]:
    """Keep the delivery as it came, committed on its own, whatever happens next."""
    instance_id, payload, deprecated_id, content_type = _no_nul(instance_id), _no_nul(payload), _no_nul(deprecated_id), _no_nul(content_type)
    existing = Submission.objects.filter(instance_id=instance_id).first()
    if existing is not None:
        return existing, False
    try:
        with _acting(actor), transaction.atomic():
            return Submission.objects.create(
                channel=channel, instance_id=instance_id, deprecated_id=deprecated_id, payload=payload,
                content_type=content_type[:100], attachments=attachments, user=context.person(actor),
                integration=getattr(actor, "integration_name", "")[:100],
            ), True
    except IntegrityError:  # the same instance delivered a moment ago by a retry
        return Submission.objects.get(instance_id=instance_id), False


CLAIM_TIMEOUT = timedelta(minutes=10)


def _claim(submission: Submission) -> bool:
    """Only one of two simultaneous deliveries of an instance processes it; one left
    unprocessed by a crash is taken up again by a later retry."""
    now = timezone.now()
    claimed = Submission.objects.filter(pk=submission.pk, status=Status.RECEIVED).filter(
        Q(processed_at__isnull=True) | Q(processed_at__lt=now - CLAIM_TIMEOUT)).update(processed_at=now)
    return claimed == 1


def _finish(submission: Submission, status: str, result: dict, **fields) -> None:
    submission.status = status
    submission.result = _no_nul_within(result)
    submission.processed_at = timezone.now()
    for name, value in fields.items():
        setattr(submission, name, value)
    submission.save()


@dataclass
class _Read:
    form: ReportingForm | None = None
    territory: object = None
    span: periods.PeriodSpan | None = None


def _read(parsed: Parsed, found: _Read) -> Delivery:
    """Form, territory, period and values of a submission; ValidationError naming the field."""
    answers = parsed.answers
    code = answers.get(xlsform.FORM_FIELD) or xlsform.form_code_of(parsed.form_id) or ""
    found.form = ReportingForm.objects.filter(code=code).first() if code else None
    if found.form is None:
        raise ValidationError({"form": _("Unknown form “%(form)s”: use a form downloaded from Aimak.") % {"form": code or parsed.form_id or "?"}})
    territory_code = answers.get("territory", "")
    found.territory = by_code(territory_code) if territory_code else None
    if found.territory is None:
        raise ValidationError({"territory": _("Unknown territory “%(code)s”: give its 14-digit SOATE code.") % {"code": territory_code}})
    try:
        found.span = periods.parse(answers.get("period", ""))
    except ValueError:
        raise ValidationError({"period": _("“%(period)s” is not a period: write it as 2026-03, 2026Q1 or 2026.") % {"period": answers.get("period", "")}}) from None
    if found.span.type != found.form.period_type:
        raise ValidationError({"period": _("The form “%(form)s” is reported %(type)s; %(period)s is not such a period.")
                               % {"form": found.form, "type": dict(periods.PERIOD_TYPES)[found.form.period_type], "period": found.span.code}})
    values = {}
    for name, text in answers.items():
        cell = xlsform.cell_of(name)
        if cell is not None and text != "":
            values[cell] = text
    return Delivery(found.form, found.territory, found.span.start, values,
                    narrative=answers.get("narrative"), sources=answers.get("sources"))


class _Rollback(Exception):
    pass


def _errors_in_languages(exc: ValidationError, attempt) -> dict[str, dict[str, list[str]]]:
    """The refusal in every language: ``attempt`` is run again in each (and rolled back), since
    messages are made in the language active when they are raised."""
    by_language = {translation.get_language()[:2] if translation.get_language() else "ky": _errors_of(exc)}
    for code in LANGUAGE_CODES:
        if code in by_language:
            continue
        with translation.override(code):
            try:
                with transaction.atomic():
                    attempt()
                    raise _Rollback
            except ValidationError as again:
                by_language[code] = _errors_of(again)
            except (_Rollback, PermissionDenied):
                by_language[code] = by_language[next(iter(by_language))]
    return by_language


def _rejected(by_language: dict) -> dict:
    return {"outcome": "rejected", "errors": by_language,
            "message": {code: " ".join(m for msgs in errs.values() for m in msgs) for code, errs in by_language.items()}}


def _process(actor, submission: Submission, parsed: Parsed) -> None:
    later = Submission.objects.filter(deprecated_id=submission.instance_id).exclude(pk=submission.pk).first()
    if later is not None:  # its edit arrived first: this older version must not overwrite it
        _finish(submission, Status.REPLACED, {
            "outcome": "replaced", "replaced_by": later.instance_id,
            "message": in_languages(lambda: _("Not applied: an edit of this submission (%(id)s) was received before it.") % {"id": later.instance_id}),
        }, deprecated_id=parsed.deprecated_id)
        return
    earlier = Submission.objects.filter(instance_id=parsed.deprecated_id).first() if parsed.deprecated_id else None
    replace = earlier is not None  # an edit carries the whole form: what it leaves out is removed
    found = _Read()
    result_notes = []
    if parsed.deprecated_id and earlier is None:
        result_notes.append(in_languages(lambda: _("This is an edit of %(id)s, which Aimak never received; it was taken as a new submission.") % {"id": parsed.deprecated_id}))
    asked_form = (parsed.answers.get(xlsform.FORM_FIELD) or parsed.form_id)[:80]
    base = {"notes": result_notes, **({"kobo": parsed.extra} if parsed.extra else {})}
    mapping = mappings.partner_mapping(parsed)
    if is_incident_submission(parsed, mapping):
        _process_incident(actor, submission, parsed, earlier=earlier, mapping=mapping, base=base)
        return

    def attempt():
        with transaction.atomic():
            delivery = mappings.delivery_for(submission, parsed, found) or _read(parsed, found)  # a partner's own form
            return deliver(actor, delivery, submit=True, replace=replace)

    try:
        report = attempt()
    except ValidationError as exc:
        _finish(submission, Status.REJECTED, {**base, **_rejected(_errors_in_languages(exc, attempt))},
                form_code=found.form.code if found.form else asked_form, territory=found.territory)
        return
    except PermissionDenied:
        log_security_event("permission_refused", user=actor, detail={
            "action": "create", "object": "exchange.submission", "instance": submission.instance_id,
            "territory": getattr(found.territory, "code", None),
        })
        sender = str(actor)
        _finish(submission, Status.REJECTED, {
            **base, "outcome": "refused",
            "message": in_languages(lambda: _("%(sender)s may not report for %(territory)s.") % {"sender": sender, "territory": found.territory}),
        }, form_code=found.form.code if found.form else asked_form, territory=found.territory)
        return
    if earlier is not None:
        earlier.status = Status.REPLACED
        earlier.result = {**earlier.result, "replaced_by": submission.instance_id}
        earlier.save(update_fields=["status", "result"])
    span = found.span
    _finish(submission, Status.ACCEPTED, {
        **base, "outcome": "accepted", "report": report.pk, "replaces": earlier.instance_id if earlier else "",
        "message": in_languages(lambda: (_("Accepted as an edit: the report of %(territory)s for %(period)s was updated.") if earlier
                                         else _("Accepted: the report of %(territory)s for %(period)s was submitted."))
                                % {"territory": found.territory, "period": span.code}),
    }, form_code=found.form.code, territory=found.territory, report=report)


# --- incident submissions ------------------------------------------------------------------------


def is_incident_submission(parsed: Parsed, mapping=None) -> bool:
    """Aimak's incident form (by its hidden ``aimak_form`` or its form id), or a partner's form
    mapped to incidents."""
    if mapping is not None:
        return mapping.target == FormMapping.Target.INCIDENT
    code = parsed.answers.get(xlsform.FORM_FIELD) or xlsform.form_code_of(parsed.form_id)
    return xlsform.is_incident_form(code)


def read_incident(parsed: Parsed, found) -> dict:
    """The incident of a submission of Aimak's incident form, as ``record_incident`` takes it;
    ValidationError keyed by field for answers that cannot be read."""
    answers = parsed.answers
    errors = {}
    territory_code = answers.get("territory", "")
    found.territory = by_code(territory_code) if territory_code else None
    if found.territory is None:
        errors["territory"] = [_("Unknown territory “%(code)s”: give its 14-digit SOATE code.") % {"code": territory_code}]
    texts = {name: answers[name] for name in incident_fields.FIELDS if name in answers}
    texts["incident_type"] = answers.get("incident_subtype") or answers.get("incident_type", "")
    try:
        data = incident_fields.parse(texts, territory=found.territory)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return data


def _process_incident(actor, submission: Submission, parsed: Parsed, *, earlier, mapping, base: dict) -> None:
    """An incident form's submission: recorded as an incident, or (an edit) the incident of the
    version it replaces corrected. Refusals name the field, in the three languages."""
    found = _Read()
    target = None
    if parsed.deprecated_id:
        target = Incident.objects.filter(origin=Incident.Origin.AIMAK, external_id=parsed.deprecated_id).first()
        if target is None and earlier is not None and earlier.incident_id:
            target = earlier.incident  # recorded before external ids followed edits

    def attempt():
        with transaction.atomic():
            if mapping is not None:
                data = mappings.incident_data(mapping, mappings.payload_of(submission), found)
            else:
                data = read_incident(parsed, found)
            if target is None:
                return incident_services.record_incident(actor, data, external_id=submission.instance_id)
            incident = incident_services.change_incident(actor, target, data, comment=_("Edited on the phone (%(id)s).") % {"id": submission.instance_id})
            incident.external_id = submission.instance_id
            incident.save(update_fields=["external_id"])
            return incident

    form_code = xlsform.INCIDENT_CODE if mapping is None else parsed.form_id[:80]
    try:
        incident = attempt()
    except ValidationError as exc:
        _finish(submission, Status.REJECTED, {**base, **_rejected(_errors_in_languages(exc, attempt))},
                form_code=form_code, territory=found.territory)
        return
    except PermissionDenied:
        log_security_event("permission_refused", user=actor, detail={
            "action": "edit" if target is not None else "create", "object": "exchange.submission", "instance": submission.instance_id,
            "territory": getattr(found.territory, "code", None),
        })
        sender, place = str(actor), found.territory
        _finish(submission, Status.REJECTED, {
            **base, "outcome": "refused",
            "message": in_languages(lambda: (_("%(sender)s may not change the incident %(reference)s.") % {"sender": sender, "reference": target.reference}
                                             if target is not None else
                                             _("%(sender)s may not record incidents in %(territory)s.") % {"sender": sender, "territory": place})),
        }, form_code=form_code, territory=found.territory)
        return
    if earlier is not None:
        earlier.status = Status.REPLACED
        earlier.result = {**earlier.result, "replaced_by": submission.instance_id}
        earlier.save(update_fields=["status", "result"])
    _finish(submission, Status.ACCEPTED, {
        **base, "outcome": "accepted", "incident": incident.pk, "replaces": earlier.instance_id if earlier else "",
        "message": in_languages(lambda: (_("Accepted as an edit: the incident %(reference)s in %(territory)s was corrected.") if target is not None
                                         else _("Accepted: the incident %(reference)s in %(territory)s was recorded."))
                                % {"reference": incident.reference, "territory": incident.territory}),
    }, form_code=form_code, territory=incident.territory, incident=incident)


# --- pulling from a Kobo server ----------------------------------------------------------------


class PullError(Exception):
    pass


@dataclass
class PullSummary:
    received: int = 0
    accepted: int = 0
    rejected: int = 0
    replaced: int = 0
    duplicates: int = 0
    pages: int = 0
    latest: str = ""  # the newest _submission_time seen: the next --since

    def count(self, outcome: Outcome, record: dict) -> None:
        self.received += 1
        if outcome.duplicate:
            self.duplicates += 1
        elif outcome.status == Status.ACCEPTED:
            self.accepted += 1
        elif outcome.status == Status.REPLACED:
            self.replaced += 1
        else:
            self.rejected += 1
        stamp = str(record.get("_submission_time") or "") if isinstance(record, dict) else ""
        self.latest = max(self.latest, stamp)


def data_url(server: str, asset_uid: str, since: str | None = None) -> str:
    parsed = urllib.parse.urlsplit(server)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise PullError(_("The Kobo server address must start with https:// (or http://)."))
    query = {"format": "json"}
    if since:
        query["query"] = json.dumps({"_submission_time": {"$gt": since}}, separators=(",", ":"))
    return f"{server.rstrip('/')}/api/v2/assets/{urllib.parse.quote(asset_uid, safe='')}/data/?{urllib.parse.urlencode(query)}"


MAX_PULL_PAGE = 100_000_000  # one page of Kobo's data API; its pages hold at most 30,000 records


def _fetch(url: str, token: str, timeout: float) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked)
            body = response.read(MAX_PULL_PAGE + 1)
        if len(body) > MAX_PULL_PAGE:
            raise PullError(_("The Kobo server's answer is larger than %(size)s MB (%(url)s); ask for smaller pages.")
                            % {"size": MAX_PULL_PAGE // 1_000_000, "url": url})
    except urllib.error.HTTPError as exc:
        raise PullError(_("The Kobo server answered %(status)s for %(url)s.") % {"status": exc.code, "url": url}) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise PullError(_("The Kobo server could not be reached: %(reason)s") % {"reason": exc}) from None
    try:
        page = json.loads(body)
    except (ValueError, RecursionError):
        raise PullError(_("The Kobo server did not answer with JSON (%(url)s).") % {"url": url}) from None
    if not isinstance(page, dict) or not isinstance(page.get("results"), list):
        raise PullError(_("The Kobo server's answer has no list of results (%(url)s).") % {"url": url})
    return page


def pull(server: str, asset_uid: str, token: str, since: str | None = None, *, actor, timeout: float = 60) -> PullSummary:
    """Fetch the asset's submissions newer than ``since`` page by page (following ``next``)
    and receive each as a webhook delivery would be; repeats change nothing."""
    if actor is None:
        raise PullError(_("Say who the pulled submissions come from (an integration secret)."))
    if since:
        try:
            datetime.fromisoformat(since)
        except ValueError:
            raise PullError(_("“%(since)s” is not a date and time (use ISO 8601, e.g. 2026-04-01T00:00:00).") % {"since": since}) from None
    summary = PullSummary(latest=since or "")
    url = data_url(server, asset_uid, since)
    origin = urllib.parse.urlsplit(server).netloc
    seen = set()
    while url:
        if url in seen:
            raise PullError(_("The Kobo server's pages loop (%(url)s).") % {"url": url})
        seen.add(url)
        page = _fetch(url, token, timeout)
        summary.pages += 1
        for record in page["results"]:
            summary.count(receive_kobo(actor, record, channel=Channel.KOBO_PULL), record)
        url = page.get("next") or None
        if url and urllib.parse.urlsplit(url).netloc != origin:
            raise PullError(_("The Kobo server sent the next page to another host (%(url)s).") % {"url": url})
    return summary


# --- forms for ODK Collect ----------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentForm:
    """The incident report where the form lists show reporting forms (it is no ReportingForm:
    one incident, any day, rather than values for a period)."""

    code: str = xlsform.INCIDENT_CODE
    is_incident: bool = True

    @property
    def name(self) -> str:
        return _("Incident report")

    @property
    def description(self) -> str:
        return _("One incident: where and when, what kind, who was involved, the harm done and the sources.")


INCIDENT_FORM = IncidentForm()


def forms_for(user):
    """Active reporting forms the sender reports for at least one of its territories, then
    the incident form when the sender may record incidents somewhere."""
    found = []
    for form in ReportingForm.objects.filter(is_active=True).order_by("code"):
        if xlsform.territory_choices(form, user).exists():
            found.append(form)
    if xlsform.may_report_incidents(user) and xlsform.incident_form_ready():
        found.append(INCIDENT_FORM)
    return found


def form_by_code(code: str):
    """An active reporting form or the incident form by the code in its address; None if neither
    (nor for the incident form while there are no incident types to choose from)."""
    if xlsform.is_incident_form(code):
        return INCIDENT_FORM if xlsform.incident_form_ready() else None
    return ReportingForm.objects.filter(code=code, is_active=True).first()


def workbook(form, user, *, period_as_text: bool = False) -> xlsform.Workbook:
    if getattr(form, "is_incident", False):
        return xlsform.incident_workbook(user)
    return xlsform.reporting_workbook(form, user, period_as_text=period_as_text)


@dataclass
class XForm:
    form: object  # a ReportingForm or INCIDENT_FORM
    form_id: str
    version: str
    xml: str

    @property
    def md5(self) -> str:
        return hashlib.md5(self.xml.encode()).hexdigest()  # noqa: S324 (OpenRosa asks for md5)


def xform(form, user, *, period_as_text: bool = False) -> XForm:
    """The XForm for ``user``, converted once per content version."""
    book = workbook(form, user, period_as_text=period_as_text)
    key = f"aimak:xform:{book.form_id}:{book.version}"
    xml = cache.get(key)
    if xml is None:
        xml = book.to_xform()
        cache.set(key, xml, 24 * 3600)
    return XForm(form, book.form_id, book.version, xml)


# --- reads for the pages -----------------------------------------------------------------------


def submissions(user):
    return scoping.restrict(Submission.objects.select_related("territory", "report", "user"), user, "view")


def report_visible(user, submission: Submission) -> bool:
    return submission.report_id is not None and scoping.can(user, "view", submission.report)


def incident_visible(user, submission: Submission) -> bool:
    return submission.incident_id is not None and scoping.can(user, "view", submission.incident)


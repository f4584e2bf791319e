"""ODK Collect / KoboCollect: the OpenRosa endpoints a phone talks to, the page that explains
how to set a phone up, and the list of everything that arrived.

Authentication of phones: ODK Collect and KoboCollect ask for a user name and a password. Give
any user name and an Aimak *integration secret* as the password; the phone sends them with HTTP
Basic (over HTTPS). HTTP Digest is not offered: secrets are stored as hashes, which Digest
cannot check. Servers and scripts may send ``Authorization: Token <secret>`` instead. The
secret's role and territory decide what the phone may report, as for a person.

``root_urlpatterns`` must be mounted at the site root: ODK Collect, given the server address
``https://aimak.example/``, asks for ``/formList`` and posts to ``/submission``."""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

import django_filters
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.decorators import method_decorator
from django.utils.http import http_date
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView

from aimak.accounts.tokens import integration_actor
from aimak.core.tables import Column
from aimak.core.views import ObjectListView
from aimak.monitoring.models import ReportingForm
from aimak.territories.filtersets import TerritoryTextFilter

from .. import xlsform
from ..models import Submission
from ..services import odk as services

OPENROSA_NS = "http://openrosa.org/http/response"
Status = Submission.Status


# --- who is sending ------------------------------------------------------------------------------


def sender(request, *, session: bool = True):
    """(actor, refusal): the integration behind the presented secret, or (for reading forms
    only, ``session``) the signed-in person when no secret was presented; refusal is "missing"
    or "wrong" (already logged). Posting never rides on a browser session: the receivers are
    exempt from CSRF checks, so they must not act for whoever happens to be signed in."""
    key = services.secret_from_request(request)
    if key is None:
        user = getattr(request, "user", None)
        return (user, None) if session and user is not None and user.is_authenticated else (None, "missing")
    actor = integration_actor(key)
    return (actor, None) if actor is not None else (None, "wrong")


def openrosa_response(status: int, text: str, nature: str = "") -> HttpResponse:
    attribute = f' nature="{escape(nature)}"' if nature else ""
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<OpenRosaResponse xmlns="{OPENROSA_NS}">'
            f"<message{attribute}>{escape(text)}</message></OpenRosaResponse>")
    response = HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
    return _openrosa_headers(response)


def _openrosa_headers(response):
    response["X-OpenRosa-Version"] = "1.0"
    response["X-OpenRosa-Accept-Content-Length"] = str(services.MAX_SUBMISSION_BYTES)
    response["Date"] = http_date()
    return response


def unauthorized(refusal: str) -> HttpResponse:
    text = (gettext("The integration secret is wrong, revoked or expired.") if refusal == "wrong"
            else gettext("Sign in: give any user name and an Aimak integration secret as the password."))
    response = openrosa_response(401, text)
    response["WWW-Authenticate"] = 'Basic realm="Aimak", charset="UTF-8"'
    return response


def http_status(outcome: services.Outcome, *, repeat: int = 202) -> int:
    """201 accepted; 202 kept but not applied (an older version of an edit) or still being
    processed; ``repeat`` for a delivery already received; 400 unreadable, 403 outside the
    sender's territory, 422 refused by validation (a repeat of a refused delivery gets the
    same refusal)."""
    submission = outcome.submission
    if submission.status == Status.RECEIVED:  # being processed by a simultaneous delivery
        return 202
    if submission.status in (Status.ACCEPTED, Status.REPLACED, Status.REVIEW):
        if outcome.duplicate:
            return repeat
        return 201 if submission.status == Status.ACCEPTED else 202
    return {"malformed": 400, "refused": 403}.get(submission.result.get("outcome"), 422)


def too_large(request) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > services.MAX_SUBMISSION_BYTES
    except ValueError:
        return True


# --- OpenRosa (site root) ------------------------------------------------------------------------


class FormListView(View):
    """``GET /formList``: the forms this phone may fill in (OpenRosa form list API)."""

    def get(self, request):
        actor, refusal = sender(request)
        if actor is None:
            return unauthorized(refusal)
        wanted = request.GET.get("formID")
        lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<xforms xmlns="http://openrosa.org/xforms/xformsList">']
        for form in services.forms_for(actor):
            if wanted and wanted != xlsform.form_id(form):
                continue
            made = services.xform(form, actor)
            url = request.build_absolute_uri(reverse("exchange:odk-xform", args=[form.code]))
            lines += [
                "<xform>", f"<formID>{escape(made.form_id)}</formID>", f"<name>{escape(str(form.name))}</name>",
                f"<version>{escape(made.version)}</version>", f"<hash>md5:{made.md5}</hash>",
                f"<descriptionText>{escape(str(form.description))}</descriptionText>", f"<downloadUrl>{escape(url)}</downloadUrl>",
                "</xform>",
            ]
        lines.append("</xforms>")
        return _openrosa_headers(HttpResponse("\n".join(lines), content_type="text/xml; charset=utf-8"))


@method_decorator(csrf_exempt, name="dispatch")
class SubmissionReceiveView(View):
    """``HEAD/POST /submission``: OpenRosa submissions (multipart, ``xml_submission_file``)."""

    def head(self, request):
        actor, refusal = sender(request, session=False)
        if actor is None:
            return unauthorized(refusal)
        return _openrosa_headers(HttpResponse(status=204))

    def get(self, request):
        return self.head(request)

    def post(self, request):
        actor, refusal = sender(request, session=False)
        if actor is None:
            return unauthorized(refusal)
        if too_large(request):
            return openrosa_response(413, gettext("The submission is larger than %(n)s MB.") % {"n": services.MAX_SUBMISSION_BYTES // (1024 * 1024)})
        upload = request.FILES.get("xml_submission_file")
        if upload is None:
            return openrosa_response(400, gettext("The submission has no xml_submission_file part."))
        if upload.size > services.MAX_SUBMISSION_BYTES:
            return openrosa_response(413, gettext("The submission is larger than %(n)s MB.") % {"n": services.MAX_SUBMISSION_BYTES // (1024 * 1024)})
        attachments = [{"name": f.name, "type": f.content_type or "", "size": f.size}
                       for key, files in request.FILES.lists() if key != "xml_submission_file" for f in files]
        outcome = services.receive_openrosa(actor, upload.read(), attachments=attachments, content_type=upload.content_type or "text/xml")
        status = http_status(outcome)
        text = services.message(outcome.submission.result)
        if outcome.duplicate:
            text = gettext("Already received: %(result)s") % {"result": text}
        return openrosa_response(status, text, "submit_success" if status in (201, 202) else "error")


root_urlpatterns = [
    path("formList", FormListView.as_view(), name="openrosa-formlist"),
    path("submission", SubmissionReceiveView.as_view(), name="openrosa-submission"),
]


# --- pages under /exchange/ ----------------------------------------------------------------------


def _form_or_404(code: str):
    """An active reporting form, or the incident form (``incident``)."""
    form = services.form_by_code(code)
    if form is None:
        raise Http404(gettext("No form in use has this code."))
    return form


class XFormView(View):
    """The XForm of a form for the phone or the person asking (the formList's downloadUrl)."""

    def get(self, request, code):
        actor, refusal = sender(request)
        if actor is None:
            return unauthorized(refusal)
        form = _form_or_404(code)
        made = services.xform(form, actor, period_as_text=request.GET.get("period") == "text")
        response = _openrosa_headers(HttpResponse(made.xml, content_type="text/xml; charset=utf-8"))
        response["Content-Disposition"] = f'attachment; filename="{made.form_id}-{made.version}.xml"'
        return response


class XLSFormView(LoginRequiredMixin, View):
    """The XLSForm workbook, to deploy on a Kobo server or convert oneself."""

    def get(self, request, code):
        form = _form_or_404(code)
        book = services.workbook(form, request.user, period_as_text=request.GET.get("period") == "text")
        response = HttpResponse(book.to_xlsx(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="{book.form_id}-{book.version}.xlsx"'
        return response


class OdkView(LoginRequiredMixin, TemplateView):
    """Forms to download and how to set up KoboCollect / ODK Collect and a Kobo server."""

    template_name = "exchange/odk/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        forms = []
        for form in ReportingForm.objects.filter(is_active=True, is_register=False).order_by("code"):
            forms.append({"form": form, "form_id": xlsform.form_id(form),
                          "territories": xlsform.territory_choices(form, user).count()})
        build = self.request.build_absolute_uri
        context.update(
            forms=forms,
            server_url=build("/"),
            formlist_url=build("/formList"),
            submission_url=build("/submission"),
            webhook_url=build(reverse("exchange-api-kobo-submissions")) if _has_route("exchange-api-kobo-submissions") else build("/api/exchange/kobo/submissions"),
            incident_form=services.form_by_code(xlsform.INCIDENT_CODE),
            incident_form_id=xlsform.form_id_of_code(xlsform.INCIDENT_CODE),
            incident_territories=xlsform.incident_territories(user).count(),
        )
        return context


def _has_route(name: str) -> bool:
    try:
        reverse(name)
    except Exception:  # noqa: BLE001 (not mounted yet)
        return False
    return True


class SubmissionFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices)
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Submission.Channel.choices)
    form = django_filters.CharFilter(label=_("Form"), field_name="form_code")
    territory = TerritoryTextFilter()
    received_from = django_filters.DateFilter(label=_("Received from (YYYY-MM-DD)"), field_name="received_at", lookup_expr="date__gte")
    received_to = django_filters.DateFilter(label=_("Received until (YYYY-MM-DD)"), field_name="received_at", lookup_expr="date__lte")
    instance = django_filters.CharFilter(label=_("Instance id"), field_name="instance_id", lookup_expr="icontains")

    class Meta:
        model = Submission
        fields = ["status", "channel", "form", "territory", "received_from", "received_to", "instance"]


def _when(value):
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else ""


SUBMISSION_COLUMNS = [
    Column(_("Received"), lambda s: _when(s.received_at), link=True),
    Column(_("Channel"), lambda s: s.get_channel_display()),
    Column(_("Instance id"), "instance_id"),
    Column(_("Form"), "form_code"),
    Column(_("Territory"), lambda s: s.territory or ""),
    Column(_("SOATE code"), lambda s: s.territory.code if s.territory_id else ""),
    Column(_("Status"), lambda s: s.get_status_display()),
    Column(_("Result"), lambda s: services.message(s.result)),
    REPORT_COLUMN := Column(_("Report"), lambda s: s.report_id or ""),
    Column(_("Sent by"), lambda s: s.integration or (s.user.get_username() if s.user_id else "")),
]


class SubmissionListView(LoginRequiredMixin, ObjectListView):
    filterset_class = SubmissionFilterSet
    columns = SUBMISSION_COLUMNS
    export_name = "submissions"
    title = _("Field submissions")
    template_name = "exchange/odk/submissions.html"

    def get_base_queryset(self):
        return services.submissions(self.request.user)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "report_column": REPORT_COLUMN}


class SubmissionDetailView(LoginRequiredMixin, TemplateView):
    """One delivery as it came (the raw payload) and what Aimak made of it."""

    template_name = "exchange/odk/submission.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        submission = services.submissions(user).filter(pk=kwargs["pk"]).first()
        if submission is None:
            raise Http404(_("No submission with this number is open to you."))
        payload = submission.payload
        if submission.content_type.startswith("application/json"):
            try:
                payload = json.dumps(json.loads(payload), ensure_ascii=False, indent=2)
            except ValueError:
                pass
        related = services.submissions(user).filter(instance_id__in=[i for i in (
            submission.deprecated_id, submission.result.get("replaced_by", "")) if i])
        context.update(
            submission=submission,
            payload=payload,
            message=services.message(submission.result),
            errors=services.errors(submission.result),
            notes=services.notes(submission.result),
            report_visible=services.report_visible(user, submission),
            incident_visible=services.incident_visible(user, submission),
            related=related,
        )
        return context


urlpatterns = [
    path("odk/", OdkView.as_view(), name="odk"),
    path("odk/forms/<slug:code>.xlsx", XLSFormView.as_view(), name="odk-xlsform"),
    path("odk/forms/<slug:code>.xml", XFormView.as_view(), name="odk-xform"),
    path("submissions/", SubmissionListView.as_view(), name="submissions"),
    path("submissions/<int:pk>/", SubmissionDetailView.as_view(), name="submission"),
]

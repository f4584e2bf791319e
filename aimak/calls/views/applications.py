"""Applying and one application: the applicant's form, attachments, submit and withdraw, and
the page the commission and the organiser read (the program's evidence, aggregates)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from aimak.core import scoping

from .. import subjects
from ..forms import ApplicationForm, AttachmentForm, DeclarationForm, add_errors
from ..models import Application, Call
from ..selectors import calls as selectors
from ..selectors import scores
from ..services import applications as services
from ..services import review
from .calls import error_messages


def subject_choices(user, call: Call, territories):
    """What the person may link, over the municipalities they may apply for."""
    kind = subjects.kind(call.subject_type)
    qs = kind.model.objects.none()
    for territory in territories:
        qs = qs | kind.choices(user, territory)
    return qs


class ApplyView(LoginRequiredMixin, View):
    """Municipal staff of an eligible municipality apply with their program, while the call is
    open: save a draft, or submit at once."""

    def setup_call(self, request, pk):
        call = selectors.call_for(request.user, pk)
        territories = selectors.applicant_territories(request.user, call)
        if not services.accepting(call):
            raise PermissionDenied(_("The call does not take applications now."))
        if not territories.exists():
            raise PermissionDenied(_("You may not apply to this call for any municipality."))
        return call, territories

    def form(self, request, call, territories, data=None, files=None):
        kind = subjects.kind(call.subject_type)
        form = ApplicationForm(data, files, territories=territories, subject_choices=subject_choices(request.user, call, territories),
                               noun=kind.noun, initial={"territory": territories.first() if territories.count() == 1 else None})
        return form

    def get(self, request, pk):
        call, territories = self.setup_call(request, pk)
        return render(request, "calls/apply.html", {"call": call, "form": self.form(request, call, territories)})

    def post(self, request, pk):
        call, territories = self.setup_call(request, pk)
        form = self.form(request, call, territories, request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    application = services.apply(request.user, call, territory=data["territory"], subject=data["subject"],
                                                 title=data["title"], summary=data["summary"])
                    if data.get("file"):
                        services.add_attachment(request.user, application, title=data.get("attachment_title", ""), file=data["file"])
                    if request.POST.get("submit") == "1":
                        services.submit(request.user, application)
                if application.status == Application.Status.SUBMITTED or request.POST.get("submit") == "1":
                    messages.success(request, _("Your application is submitted. You may withdraw it while the call is open."))
                else:
                    messages.success(request, _("Your application is saved as a draft; submit it before %(day)s.") % {"day": call.closes.isoformat()})
                return HttpResponseRedirect(application.get_absolute_url())
            except PermissionDenied as exc:
                form.add_error("territory", str(exc))
            except ValidationError as exc:
                add_errors(form, exc)
        return render(request, "calls/apply.html", {"call": call, "form": form}, status=400)


def application_context(user, application: Application, **extra) -> dict:
    call = application.call
    standing = selectors.standing(user, call)
    member = standing["member"]
    owner = user.is_authenticated and scoping.allowed_within(user, "edit", Application, application.territory)
    kind = subjects.kind(call.subject_type)
    subject = subjects.of(application)
    declaration = member.declarations.filter(application=application).first() if member else None
    sees_aggregates = standing["configures"] or standing["chair"]
    criteria = list(call.criteria.all())
    means = scores.criterion_means(call, application=application) if sees_aggregates else {}
    editable = owner and services.accepting(call) and application.status in (Application.Status.DRAFT, Application.Status.WITHDRAWN)
    context = {
        "application": application, "call": call, "standing": standing, "kind": kind,
        "subject": subject, "subject_label": kind.label(subject) if subject is not None and kind else "",
        "subject_url": kind.url(subject) if subject is not None and kind else None,
        "evidence": list(subjects.evidence_for(application).values()),
        "attachments": application.attachments.all(),
        "owner": owner, "editable": editable,
        "may_submit": owner and editable and scoping.allowed_within(user, "submit", Application, application.territory),
        "may_withdraw": owner and call.status == Call.Status.OPEN and application.status == Application.Status.SUBMITTED,
        "declaration": declaration,
        "may_declare": member is not None and declaration is None and application.status == Application.Status.SUBMITTED
                       and call.status in (Call.Status.OPEN, Call.Status.REVIEW),
        "may_score": member is not None and review.scoring(member) and declaration is not None and not declaration.has_conflict
                     and call.status == Call.Status.REVIEW and application.status == Application.Status.SUBMITTED,
        "my_scores": scores.member_scores(member, application),
        "aggregate": scores.aggregated(Application.objects.filter(pk=application.pk)).first() if sees_aggregates else None,
        "criteria_means": [(c, means.get((application.pk, c.pk))) for c in criteria],
        "criteria": criteria,
        "attachment_form": AttachmentForm(),
        "declaration_form": DeclarationForm(),
    }
    if editable:
        context["edit_form"] = ApplicationForm(
            territories=selectors.applicant_territories(user, call), editing=True, noun=kind.noun,
            subject_choices=kind.choices(user, application.territory),
            initial={"subject": subject, "title": application.title, "summary": application.summary})
    context.update(extra)
    return context


class ApplicationView(View):
    def get(self, request, pk):
        application = selectors.application_for(request.user, pk)
        return render(request, "calls/application.html", application_context(request.user, application))

    def post(self, request, pk):
        """The applicant changes the draft's program, title or summary."""
        if not request.user.is_authenticated:
            raise PermissionDenied
        application = selectors.application_for(request.user, pk)
        call = application.call
        kind = subjects.kind(call.subject_type)
        form = ApplicationForm(request.POST, territories=selectors.applicant_territories(request.user, call), editing=True, noun=kind.noun,
                               subject_choices=kind.choices(request.user, application.territory))
        if form.is_valid():
            try:
                services.change_application(request.user, application, subject=form.cleaned_data["subject"],
                                            title=form.cleaned_data["title"], summary=form.cleaned_data["summary"])
                messages.success(request, _("The application is saved."))
                return HttpResponseRedirect(application.get_absolute_url())
            except ValidationError as exc:
                add_errors(form, exc)
        context = application_context(request.user, application)
        context["edit_form"] = form
        return render(request, "calls/application.html", context, status=400)


class ApplicationStepView(LoginRequiredMixin, View):
    http_method_names = ["post"]
    STEPS = {"submit": services.submit, "withdraw": services.withdraw}

    def post(self, request, pk, step):
        if step not in self.STEPS:
            raise Http404
        application = selectors.application_for(request.user, pk)
        try:
            self.STEPS[step](request.user, application)
        except ValidationError as exc:
            return render(request, "calls/application.html",
                          application_context(request.user, application, step_errors=error_messages(exc)), status=400)
        messages.success(request, _("Your application is submitted. You may withdraw it while the call is open.") if step == "submit"
                         else _("Your application is withdrawn; you may submit it again while the call is open."))
        return HttpResponseRedirect(application.get_absolute_url())


class AttachmentAddView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        application = selectors.application_for(request.user, pk)
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.add_attachment(request.user, application, title=form.cleaned_data["title"], file=form.cleaned_data["file"])
                messages.success(request, _("The file is attached."))
                return HttpResponseRedirect(application.get_absolute_url())
            except ValidationError as exc:
                add_errors(form, exc)
        return render(request, "calls/application.html", application_context(request.user, application, attachment_form=form), status=400)


class AttachmentView(View):
    """A file of an application, for whoever may see the application."""

    def get(self, request, pk):
        attachment = selectors.attachment_for(request.user, pk)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404(_("The file is missing.")) from exc
        name = attachment.file.name.rsplit("/", 1)[-1]
        return FileResponse(handle, as_attachment=True, filename=name, content_type=attachment.content_type or None)


class AttachmentRemoveView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        attachment = selectors.attachment_for(request.user, pk)
        application = attachment.application
        try:
            services.remove_attachment(request.user, attachment)
            messages.success(request, _("The file is removed."))
        except ValidationError as exc:
            for message in error_messages(exc):
                messages.error(request, message)
        return HttpResponseRedirect(application.get_absolute_url())


urlpatterns = [
    path("<int:pk>/apply/", ApplyView.as_view(), name="apply"),
    path("applications/<int:pk>/", ApplicationView.as_view(), name="application"),
    path("applications/<int:pk>/step/<slug:step>/", ApplicationStepView.as_view(), name="application-step"),
    path("applications/<int:pk>/attachments/", AttachmentAddView.as_view(), name="attach"),
    path("attachments/<int:pk>/", AttachmentView.as_view(), name="attachment"),
    path("attachments/<int:pk>/remove/", AttachmentRemoveView.as_view(), name="attachment-remove"),
]

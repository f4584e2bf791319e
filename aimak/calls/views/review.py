"""The scoring page of a commission member: the declaration of conflict of interest first, then
one row per criterion with the program's evidence beside it, saved with one submit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views import View

from .. import subjects
from ..forms import DeclarationForm, ScoreForm, add_errors
from ..models import Application, Call
from ..selectors import calls as selectors
from ..selectors import scores
from ..services import review as services


def _member(request, pk):
    application = selectors.application_for(request.user, pk)
    member = services.seat(request.user, application.call)
    if member is None:
        raise PermissionDenied(_("You are not on the commission of this call."))
    return application, member


def score_context(application: Application, member, *, form=None, declaration_form=None) -> dict:
    call = application.call
    criteria = list(call.criteria.all())
    declaration = member.declarations.filter(application=application).first()
    evidence = subjects.evidence_for(application)
    kind = subjects.kind(call.subject_type)
    subject = subjects.of(application)
    rows_form = form or ScoreForm(call=call, criteria=criteria, existing=scores.member_scores(member, application))
    rows = [(criterion, value, comment, [evidence[c] for c in subjects.codes(criterion.evidence) if c in evidence])
            for criterion, value, comment in rows_form.rows()]
    return {
        "application": application, "call": call, "member": member, "declaration": declaration,
        "declaration_form": declaration_form or DeclarationForm(),
        "form": rows_form, "rows": rows, "has_evidence": bool(evidence),
        "subject_label": kind.label(subject) if subject is not None and kind else "",
        "subject_url": kind.url(subject) if subject is not None and kind else None,
        "from_applicant": services.from_applicant(member, application),
        "scoring_open": call.status == Call.Status.REVIEW and application.status == Application.Status.SUBMITTED,
    }


class ScoreView(LoginRequiredMixin, View):
    def get(self, request, pk):
        application, member = _member(request, pk)
        return render(request, "calls/score.html", score_context(application, member))

    def post(self, request, pk):
        application, member = _member(request, pk)
        form = ScoreForm(request.POST, call=application.call, criteria=application.call.criteria.all(),
                         existing=scores.member_scores(member, application))
        if form.is_valid():
            try:
                saved = services.score(request.user, application, form.entries())
                messages.success(request, _("Your scores are saved (%(n)s criteria).") % {"n": len(saved)})
                return HttpResponseRedirect(reverse("calls:score", args=[application.pk]))
            except ValidationError as exc:
                add_errors(form, exc)
        return render(request, "calls/score.html", score_context(application, member, form=form), status=400)


class DeclareView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        application, member = _member(request, pk)
        form = DeclarationForm(request.POST)
        if form.is_valid():
            try:
                declaration = services.declare(request.user, application, has_conflict=form.cleaned_data["has_conflict"],
                                               note=form.cleaned_data["note"])
                messages.success(request, _("Your declaration is recorded: you do not score this application.") if declaration.has_conflict
                                 else _("Your declaration is recorded; you may score the application."))
                return HttpResponseRedirect(reverse("calls:score", args=[application.pk]))
            except ValidationError as exc:
                add_errors(form, exc)
        return render(request, "calls/score.html", score_context(application, member, declaration_form=form), status=400)


urlpatterns = [
    path("applications/<int:pk>/score/", ScoreView.as_view(), name="score"),
    path("applications/<int:pk>/declare/", DeclareView.as_view(), name="declare"),
]

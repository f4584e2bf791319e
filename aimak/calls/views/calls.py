"""Call pages: the list, one call, preparing it (settings, criteria, commission), its steps,
the commission's ranking with the decision, and the published results. Thin: reads from
``selectors``, writes through ``services.calls``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from aimak.core import scoping
from aimak.core.exports import stream_csv, xlsx_response
from aimak.territories.models import Territory

from .. import subjects
from ..forms import CallForm, CriterionForm, DecisionForm, MemberForm, add_errors
from ..models import Application, Call, CommissionMember, Criterion
from ..selectors import calls as selectors
from ..selectors import scores
from ..services import calls as services
from ..services.common import may_configure


def configurable_call(user, pk: int) -> Call:
    call = selectors.call_for(user, pk)
    if not may_configure(user, call):
        raise PermissionDenied(_("You may not change this call."))
    return call


def error_messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


class CallListView(View):
    """Announced calls for everyone; drafts for whoever prepares them and their commission."""

    def get(self, request):
        calls = selectors.visible_calls(request.user).prefetch_related("eligible")
        may_create = request.user.is_authenticated and scoping.territories_where(
            request.user, "configure", Call, Territory.objects.current()).exists()
        return render(request, "calls/list.html", {"calls": calls, "may_create": may_create})


class CallDetailView(View):
    def get(self, request, pk):
        call = selectors.call_for(request.user, pk)
        standing = selectors.standing(request.user, call)
        applications = selectors.visible_applications(request.user, call).order_by("status", "territory__name")
        context = {
            "call": call, "standing": standing,
            "criteria": call.criteria.all(),
            "eligible": call.eligible.all(),
            "commission": call.commission.select_related("user", "home_territory").order_by("role", "user__last_name") if standing["sees_names"] else None,
            "applications": applications,
            "progress": scores.progress(call) if standing["configures"] or standing["chair"] else None,
            "my_declarations": set(standing["member"].declarations.values_list("application_id", flat=True)) if standing["member"] else set(),
            "my_scored": set(standing["member"].scores.values_list("application_id", flat=True)) if standing["member"] else set(),
            "kind": subjects.kind(call.subject_type),
            "errors": [],
        }
        return render(request, "calls/call.html", context)


class CallFormView(LoginRequiredMixin, View):
    """Prepare a new call (at a level where the person configures) or change one."""

    def levels(self, user):
        from ..forms import LEVEL_KINDS

        return scoping.territories_where(user, "configure", Call, Territory.objects.current().filter(kind__in=LEVEL_KINDS)).order_by("path")

    def get(self, request, pk=None):
        call = configurable_call(request.user, pk) if pk else None
        if call is None and not self.levels(request.user).exists():
            raise PermissionDenied(_("You may not prepare calls."))
        initial = CallForm.initial_from(call) if call else {"kind": Call.Kind.COMPETITION, "subject_type": "programs.program",
                                                              "scale_min": 0, "scale_max": 5, "territory": self.levels(request.user).first()}
        form = CallForm(initial=initial, levels=self.levels(request.user))
        return render(request, "calls/call_form.html", {"form": form, "call": call})

    def post(self, request, pk=None):
        call = configurable_call(request.user, pk) if pk else None
        form = CallForm(request.POST, levels=self.levels(request.user))
        if form.is_valid():
            try:
                if call is None:
                    call = services.create_call(request.user, form.data_for_service(), language=request.LANGUAGE_CODE)
                    messages.success(request, _("The call is prepared with the default criteria; edit them and seat the commission, then open it."))
                else:
                    services.change_call(request.user, call, form.data_for_service())
                    messages.success(request, _("The call is saved."))
                return HttpResponseRedirect(call.get_absolute_url())
            except PermissionDenied as exc:
                form.add_error("territory", str(exc) or _("You may not do this here."))
            except ValidationError as exc:
                add_errors(form, exc)
        return render(request, "calls/call_form.html", {"form": form, "call": call}, status=400)


class CriteriaView(LoginRequiredMixin, View):
    """The criteria with their weights and the evidence shown beside them; editable until the
    first score."""

    def context(self, call, *, add_form=None, forms=None):
        criteria = list(call.criteria.all())
        forms = forms or {}
        rows = [(c, forms.get(c.pk) or CriterionForm(call=call, prefix=f"c{c.pk}", initial={
            "order": c.order, "title": c.title, "description": c.description, "weight": c.weight, "evidence": subjects.codes(c.evidence)}))
            for c in criteria]
        total = sum(c.weight for c in criteria)
        return {"call": call, "rows": rows, "total_weight": total,
                "add_form": add_form or CriterionForm(call=call, prefix="new", initial={"weight": 1, "order": len(criteria) + 1}),
                "locked": scores.criterion_means(call) != {}}

    def get(self, request, pk):
        call = configurable_call(request.user, pk)
        return render(request, "calls/criteria.html", self.context(call))

    def post(self, request, pk):
        call = configurable_call(request.user, pk)
        action = request.POST.get("action", "")
        criterion = get_object_or_404(Criterion, call=call, pk=request.POST["criterion"]) if request.POST.get("criterion") else None
        if action == "remove" and criterion is not None:
            try:
                services.remove_criterion(request.user, criterion)
                messages.success(request, _("The criterion is removed."))
                return HttpResponseRedirect(reverse("calls:criteria", args=[call.pk]))
            except ValidationError as exc:
                for message in error_messages(exc):
                    messages.error(request, message)
                return HttpResponseRedirect(reverse("calls:criteria", args=[call.pk]))
        prefix = f"c{criterion.pk}" if criterion else "new"
        form = CriterionForm(request.POST, call=call, prefix=prefix)
        if form.is_valid():
            try:
                if criterion is None:
                    services.add_criterion(request.user, call, form.data_for_service())
                    messages.success(request, _("The criterion is added."))
                else:
                    services.change_criterion(request.user, criterion, form.data_for_service())
                    messages.success(request, _("The criterion is saved."))
                return HttpResponseRedirect(reverse("calls:criteria", args=[call.pk]))
            except ValidationError as exc:
                add_errors(form, exc)
        context = self.context(call, add_form=form if criterion is None else None, forms={criterion.pk: form} if criterion else None)
        return render(request, "calls/criteria.html", context, status=400)


class CommissionView(LoginRequiredMixin, View):
    def context(self, call, form=None):
        return {"call": call, "form": form or MemberForm(),
                "members": scores.progress(call)}

    def get(self, request, pk):
        call = configurable_call(request.user, pk)
        return render(request, "calls/commission.html", self.context(call))

    def post(self, request, pk):
        call = configurable_call(request.user, pk)
        if request.POST.get("action") == "remove":
            member = get_object_or_404(CommissionMember, call=call, pk=request.POST.get("member"))
            try:
                services.remove_member(request.user, member)
                messages.success(request, _("%(person)s has left the commission.") % {"person": member.user})
            except ValidationError as exc:
                for message in error_messages(exc):
                    messages.error(request, message)
            return HttpResponseRedirect(reverse("calls:commission", args=[call.pk]))
        form = MemberForm(request.POST)
        if form.is_valid():
            try:
                services.add_member(request.user, call, person=form.cleaned_data["user"], role=form.cleaned_data["role"],
                                    home_territory=form.cleaned_data["home_territory"])
                messages.success(request, _("%(person)s is on the commission.") % {"person": form.cleaned_data["user"]})
                return HttpResponseRedirect(reverse("calls:commission", args=[call.pk]))
            except ValidationError as exc:
                add_errors(form, exc)
        return render(request, "calls/commission.html", self.context(call, form), status=400)


STEPS = {
    "open": (services.open_call, gettext_lazy("The call is open: eligible municipalities may apply.")),
    "review": (services.start_review, gettext_lazy("Applications are closed; the commission reviews them.")),
    "publish": (services.publish, gettext_lazy("The results are published.")),
}


class CallStepView(LoginRequiredMixin, View):
    """Open the call, close it for review, publish results; a refusal shows the call's page
    with the reasons."""

    http_method_names = ["post"]

    def post(self, request, pk, step):
        if step not in STEPS:
            raise Http404
        call = configurable_call(request.user, pk)
        run, done = STEPS[step]
        try:
            if step == "review":
                run(request.user, call, early=request.POST.get("early") == "1")
            else:
                run(request.user, call)
        except ValidationError as exc:
            for message in error_messages(exc):
                messages.error(request, message)
            return HttpResponseRedirect(call.get_absolute_url())
        messages.success(request, done)
        return HttpResponseRedirect(call.get_absolute_url())


def ranking_context(call: Call, *, form=None, configures=False) -> dict:
    rows = list(scores.ranking(call))
    criteria = list(call.criteria.all())
    means = scores.criterion_means(call)
    table = [(row, [means.get((row.pk, c.pk)) for c in criteria]) for row in rows]
    decide = configures and call.status in (Call.Status.REVIEW, Call.Status.DECIDED)
    if decide and form is None:
        form = DecisionForm(applications=rows, initial={"note": call.decision_note})
    return {"call": call, "criteria": criteria, "table": table, "disagreement": scores.DISAGREEMENT,
            "progress": scores.progress(call), "submitted": len(rows), "form": form if decide else None}


class RankingView(LoginRequiredMixin, View):
    """The commission's aggregated scores, best first, with the spread between members; the
    organiser records the decision under it."""

    def allowed(self, request, pk):
        call = selectors.call_for(request.user, pk)
        standing = selectors.standing(request.user, call)
        if not standing["sees_ranking"]:
            raise PermissionDenied(_("The ranking is for the organiser and the chair of the commission during the review."))
        return call, standing

    def get(self, request, pk):
        call, standing = self.allowed(request, pk)
        return render(request, "calls/ranking.html", {**ranking_context(call, configures=standing["configures"]), "standing": standing})

    def post(self, request, pk):
        call, standing = self.allowed(request, pk)
        if not standing["configures"]:
            raise PermissionDenied(_("Only the organiser records the decision."))
        form = DecisionForm(request.POST, applications=scores.ranking(call))
        if form.is_valid():
            try:
                services.decide(request.user, call, form.results(), note=form.cleaned_data["note"])
                messages.success(request, _("The decision is recorded. Publish the results when they are final."))
                return HttpResponseRedirect(reverse("calls:ranking", args=[call.pk]))
            except ValidationError as exc:
                add_errors(form, exc)
        return render(request, "calls/ranking.html", {**ranking_context(call, form=form, configures=True), "standing": standing}, status=400)


class ResultsView(View):
    """The published results, for everyone: ranking, winners and prizes, the mean score of each
    criterion; never who scored what. The organiser previews them once decided."""

    def get(self, request, pk):
        call = selectors.call_for(request.user, pk)
        preview = call.status == Call.Status.DECIDED and request.user.is_authenticated and may_configure(request.user, call)
        if call.status != Call.Status.PUBLISHED and not preview:
            raise Http404(_("The results of this call are not published."))
        rows = list(scores.ranking(call))
        criteria = list(call.criteria.all())
        means = scores.criterion_means(call)
        table = [(row, [means.get((row.pk, c.pk)) for c in criteria]) for row in rows]
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            header = [_("Rank"), _("Applicant"), _("SOATE code"), _("Title"), _("Result"), _("Prize"), _("Weighted score"), _("% of the scale"),
                      *[f"{c.order}. {c.title}" for c in criteria]]
            lines = [[row.rank or "", row.territory.name, row.territory.code, row.title, row.get_result_display(), row.prize,
                      round(row.weighted, 2) if row.weighted is not None else "", round(row.percent, 1) if row.percent is not None else "",
                      *[round(m["mean"], 2) if m else "" for m in cells]] for row, cells in table]
            name = f"results-call-{call.pk}"
            if export == "csv":
                return stream_csv(f"{name}.csv", header, ([str(v) for v in line] for line in lines))
            return xlsx_response(f"{name}.xlsx", header, lines, sheet_name=_("Results"))
        winners = [row for row in rows if row.result in (Application.Result.WINNER, Application.Result.PRIZE)]
        return render(request, "calls/results.html", {"call": call, "criteria": criteria, "table": table, "winners": winners, "preview": preview})


urlpatterns = [
    path("", CallListView.as_view(), name="list"),
    path("new/", CallFormView.as_view(), name="new"),
    path("<int:pk>/", CallDetailView.as_view(), name="call"),
    path("<int:pk>/edit/", CallFormView.as_view(), name="edit"),
    path("<int:pk>/criteria/", CriteriaView.as_view(), name="criteria"),
    path("<int:pk>/commission/", CommissionView.as_view(), name="commission"),
    path("<int:pk>/step/<slug:step>/", CallStepView.as_view(), name="step"),
    path("<int:pk>/ranking/", RankingView.as_view(), name="ranking"),
    path("<int:pk>/results/", ResultsView.as_view(), name="results"),
]

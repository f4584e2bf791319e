"""The program list, starting a program, its overview (with the workflow's actions), the
working group, annual reports, versions and their comparison, and annex downloads. Thin:
reads from ``selectors``, writes through ``services``; a refused action shows the page again
with the reason under the field."""

from __future__ import annotations

import os

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView

from aimak.core import scoping
from aimak.core.tables import Column
from aimak.core.views import ObjectListView

from ..filtersets import ProgramFilterSet
from ..forms.process import (
    ApprovalForm,
    DistrictReviewForm,
    FollowingProgramForm,
    MemberForm,
    OrderForm,
    ProgramForm,
    ReportForm,
    ReportStartForm,
    RevisionForm,
    StepForm,
    VersionForm,
    apply_errors,
)
from ..models import AnnualReport, Meeting, Program, Stage, WorkingGroupMember
from ..selectors import hearings as hearing_selectors
from ..selectors import programs as selectors
from ..services import process
from ..services import programs as program_services
from ..services import versions as version_services

PROGRAM_COLUMNS = [
    Column(gettext_lazy("Title"), "title", link=True),
    Column(gettext_lazy("Municipality"), "territory.name"),
    Column(gettext_lazy("SOATE code"), "territory.code"),
    Column(gettext_lazy("Methodology edition"), "edition.name"),
    Column(gettext_lazy("First year"), "start_year"),
    Column(gettext_lazy("Last year"), "end_year"),
    Column(gettext_lazy("Stage"), "get_stage_display"),
    Column(gettext_lazy("Council resolution number"), "resolution_number"),
    Column(gettext_lazy("Council resolution date"), lambda p: p.resolution_date.isoformat() if p.resolution_date else ""),
]


class ProgramListView(ObjectListView):
    """Programs one may see: approved ones are public; drafts where one has a role."""

    filterset_class = ProgramFilterSet
    columns = PROGRAM_COLUMNS
    export_name = "programs"
    title = gettext_lazy("Development programs")
    template_name = "programs/process/list.html"

    def get_base_queryset(self):
        return selectors.visible_programs(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        fields = self.filterset.form.fields
        fields["edition"].label_from_instance = lambda e: e.name
        context["may_create"] = selectors.may_create(self.request.user)
        return context


class ProgramCreateView(LoginRequiredMixin, FormView):
    form_class = ProgramForm
    template_name = "programs/process/new.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not selectors.may_create(request.user):
            raise PermissionDenied(_("You may not start a development program in any municipality."))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        initial = {"language": "ky" if (self.request.LANGUAGE_CODE or "")[:2] == "ky" else "ru"}
        places = selectors.municipalities_for_new(self.request.user)
        if places.count() == 1:
            initial["territory"] = places.first()
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            program = program_services.start_program(
                self.request.user, territory=data["territory"], edition=data["edition"], title=data["title"],
                start_year=data["start_year"], end_year=data["end_year"], language=data["language"])
        except (ValidationError, PermissionDenied) as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The program was started. Next: record the working group."))
        return HttpResponseRedirect(program.get_absolute_url())


def overview_context(request, program: Program, *, bound: dict | None = None) -> dict:
    """Everything the overview shows, and the workflow forms this person may use now."""
    user = request.user
    bound = bound or {}
    can_submit = selectors.may(user, "submit", program)
    can_edit_role = selectors.may(user, "edit", program)
    can_review = selectors.may(user, "approve", program)  # the district review (see process.district_review)
    target = process.next_stage(program)
    today = scoping.today()
    # visitors of a public (approved) program see the figures, never the people: members' names,
    # sex and disability and the village meetings are working material of those who may view it
    is_staff = selectors.may(user, "view", program)
    meetings = hearing_selectors.meetings(program, published_only=not is_staff)
    if not is_staff:
        meetings = meetings.filter(kind=Meeting.Kind.HEARING)
    actions = {
        "advance": can_submit and program.stage not in process.OWN_ACTION and target is not None,
        "district_review": can_review and program.stage == Stage.DISTRICT_REVIEW,
        "approve": can_submit and program.stage == Stage.REVISION,
        "revise": can_submit and program.stage in (Stage.APPROVED, Stage.IMPLEMENTATION),
        "follow": program.stage in process.REPORT_STAGES and selectors.may(user, "create", program),
        "report": can_edit_role and process.may_report(program),
        "version": can_edit_role,
    }
    return {
        "program": program,
        "sections": selectors.sections(program),
        "inclusion": selectors.inclusion(program),
        "documents": selectors.documents(program),
        "history": selectors.history(program),
        "members": selectors.working_group(program) if is_staff else [],
        "balance": selectors.working_group_balance(program),
        "meetings": meetings,
        "participation": hearing_selectors.program_participation(program),
        "reports": selectors.annual_reports(user, program),
        "versions": selectors.versions(user, program),
        "annexes": selectors.annexes(user, program),
        "next_stage": Stage(target).label if target else None,
        "can_edit": can_edit_role and program.is_editable,
        "can_edit_role": can_edit_role,
        "actions": actions,
        "advance_form": bound.get("advance") or StepForm(prefix="advance", initial={"date": today}),
        "review_form": bound.get("review") or DistrictReviewForm(prefix="review", initial={"date": today}),
        "revise_form": bound.get("revise") or RevisionForm(prefix="revise", initial={"date": today}),
        "report_form": bound.get("report") or ReportStartForm(prefix="report", program=program),
        "version_form": bound.get("version") or VersionForm(prefix="version"),
        "is_staff": is_staff,
        "previous": program.previous if program.previous_id and selectors.visible_programs(user).filter(pk=program.previous_id).exists() else None,
        "successors": selectors.visible_programs(user).filter(previous=program),
    }


class ProgramView(View):
    """The overview; public once approved."""

    template_name = "programs/process/program.html"

    def get(self, request, pk):
        program = selectors.program_for(request.user, pk)
        return render(request, self.template_name, overview_context(request, program))


class ProgramActionView(LoginRequiredMixin, View):
    """One workflow action from a form of the overview. A refusal shows the overview again
    with the reasons under the form's fields."""

    http_method_names = ["post"]
    prefix = ""
    form_class = None
    done = ""

    def post(self, request, pk):
        program = selectors.program_for(request.user, pk)
        form = self.make_form(request, program)
        if form.is_valid():
            try:
                result = self.act(request, program, form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, self.done)
                return HttpResponseRedirect(self.success_url(program, result))
        context = overview_context(request, program, bound={self.prefix: form})
        return render(request, ProgramView.template_name, context, status=400)

    def make_form(self, request, program):
        return self.form_class(request.POST, prefix=self.prefix)

    def success_url(self, program, result):
        return program.get_absolute_url() + "#process"

    def act(self, request, program, data):
        raise NotImplementedError


class AdvanceView(ProgramActionView):
    prefix, form_class, done = "advance", StepForm, gettext_lazy("The program moved to its next stage.")

    def act(self, request, program, data):
        return process.advance(request.user, program, day=data["date"], note=data["note"])


class DistrictReviewView(ProgramActionView):
    prefix, form_class, done = "review", DistrictReviewForm, gettext_lazy("The district council's opinion was recorded.")

    def act(self, request, program, data):
        return process.district_review(request.user, program, decision=data["decision"], day=data["date"], note=data["note"])


class ReviseView(ProgramActionView):
    prefix, form_class, done = "revise", RevisionForm, gettext_lazy("The revision started; the approved text stays frozen as it was.")

    def act(self, request, program, data):
        return process.start_revision(request.user, program, day=data["date"], note=data["note"])


class SaveVersionView(ProgramActionView):
    prefix, form_class, done = "version", VersionForm, gettext_lazy("The version was saved.")

    def act(self, request, program, data):
        return version_services.save_version(request.user, program, data["label"])

    def success_url(self, program, result):
        return reverse("programs:versions", args=[program.pk])


class ReportStartView(ProgramActionView):
    prefix, form_class, done = "report", ReportStartForm, gettext_lazy("The annual report was started.")

    def make_form(self, request, program):
        return ReportStartForm(request.POST, prefix=self.prefix, program=program)

    def act(self, request, program, data):
        return process.start_report(request.user, program, year=data["year"])

    def success_url(self, program, result):
        return reverse("programs:report", args=[result.pk])


class ApproveView(LoginRequiredMixin, View):
    """The council's approval: resolution number, date and scan, on a page of its own."""

    template_name = "programs/process/approve.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.program = selectors.program_for(request.user, kwargs["pk"])
            if not selectors.may(request.user, "submit", self.program):
                raise PermissionDenied(_("You may not present this program to the council."))
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, request, form, status=200):
        return render(request, self.template_name, {"program": self.program, "form": form,
                                                    "hearings": hearing_selectors.meetings(self.program).filter(kind="hearing")}, status=status)

    def get(self, request, pk):
        return self.render_form(request, ApprovalForm())

    def post(self, request, pk):
        form = ApprovalForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                process.approve(request.user, self.program, resolution_number=data["resolution_number"],
                                resolution_date=data["resolution_date"], scan=data["scan"], note=data["note"])
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The program is approved; the approved text is kept as a version and is public."))
                return HttpResponseRedirect(self.program.get_absolute_url())
        return self.render_form(request, form, status=400)


class FollowView(LoginRequiredMixin, View):
    """Start the next program of the municipality, after this one."""

    template_name = "programs/process/follow.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.program = selectors.program_for(request.user, kwargs["pk"])
            if not selectors.may(request.user, "create", self.program):
                raise PermissionDenied(_("You may not start a program in %(territory)s.") % {"territory": self.program.territory})
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        years = self.program.end_year - self.program.start_year
        form = FollowingProgramForm(initial={"start_year": self.program.end_year + 1, "end_year": self.program.end_year + 1 + years,
                                             "language": self.program.language, "title": self.program.title})
        return render(request, self.template_name, {"program": self.program, "form": form})

    def post(self, request, pk):
        form = FollowingProgramForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                new = process.start_following(request.user, self.program, title=data["title"], start_year=data["start_year"],
                                              end_year=data["end_year"], edition=data["edition"], language=data["language"])
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The new program was started."))
                return HttpResponseRedirect(new.get_absolute_url())
        return render(request, self.template_name, {"program": self.program, "form": form}, status=400)


# --- the working group -------------------------------------------------------------------------

class WorkingGroupView(LoginRequiredMixin, View):
    """Members of the working group (add, correct, remove) and the order that formed it."""

    template_name = "programs/process/working_group.html"

    def setup_program(self, request, pk):
        self.program = selectors.program_for(request.user, pk)
        if not selectors.may(request.user, "view", self.program):
            raise Http404
        self.can_edit = selectors.may(request.user, "edit", self.program) and self.program.is_editable

    def page(self, request, *, member_form=None, order_form=None, editing=None, status=200):
        program = self.program
        order_initial = {"number": program.working_group_order, "date": program.working_group_order_date}
        return render(request, self.template_name, {
            "program": program, "members": selectors.working_group(program), "balance": selectors.working_group_balance(program),
            "can_edit": self.can_edit, "editing": editing,
            "member_form": member_form or MemberForm(initial=MemberForm.initial_from(editing) if editing else None),
            "order_form": order_form or OrderForm(initial=order_initial, prefix="order"),
        }, status=status)

    def get(self, request, pk, member=None):
        self.setup_program(request, pk)
        editing = get_object_or_404(WorkingGroupMember, pk=member, program=self.program) if member else None
        return self.page(request, editing=editing)

    def post(self, request, pk, member=None):
        self.setup_program(request, pk)
        editing = get_object_or_404(WorkingGroupMember, pk=member, program=self.program) if member else None
        form = MemberForm(request.POST)
        if form.is_valid():
            try:
                process.save_member(request.user, self.program, editing, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The working group was saved."))
                return HttpResponseRedirect(reverse("programs:working-group", args=[self.program.pk]))
        return self.page(request, member_form=form, editing=editing, status=400)


class MemberRemoveView(WorkingGroupView):
    http_method_names = ["post"]

    def post(self, request, pk, member=None):
        self.setup_program(request, pk)
        found = get_object_or_404(WorkingGroupMember, pk=member, program=self.program)
        try:
            process.remove_member(request.user, found)
        except ValidationError as exc:
            messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms) if hasattr(exc, "error_dict") else " ".join(exc.messages))
        else:
            messages.success(request, _("%(name)s was removed from the working group.") % {"name": found.name})
        return HttpResponseRedirect(reverse("programs:working-group", args=[self.program.pk]))


class OrderView(WorkingGroupView):
    http_method_names = ["post"]

    def post(self, request, pk, member=None):
        self.setup_program(request, pk)
        form = OrderForm(request.POST, request.FILES, prefix="order")
        if form.is_valid():
            data = form.cleaned_data
            try:
                process.set_working_group_order(request.user, self.program, number=data["number"], day=data["date"], file=data["file"])
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The order was recorded."))
                return HttpResponseRedirect(reverse("programs:working-group", args=[self.program.pk]))
        return self.page(request, order_form=form, status=400)


# --- annual reports ----------------------------------------------------------------------------

class ReportView(View):
    """One year's monitoring report: staff fill it in while it is a draft; once presented to
    the council it is public."""

    template_name = "programs/process/report.html"

    def page(self, request, report, form=None, submit_form=None, status=200):
        rows = selectors.report_rows(report)
        editable = report.status == AnnualReport.Status.DRAFT and selectors.may(request.user, "edit", report.program)
        return render(request, self.template_name, {
            "report": report, "program": report.program, "rows": rows, "editable": editable,
            "can_submit": report.status == AnnualReport.Status.DRAFT and selectors.may(request.user, "submit", report.program),
            "form": form or ReportForm(rows=rows, initial={"narrative": report.narrative}),
            "submit_form": submit_form or StepForm(prefix="present", initial={"date": scoping.today()}),
        }, status=status)

    def get(self, request, pk):
        return self.page(request, selectors.report_for(request.user, pk))

    def post(self, request, pk):
        if not request.user.is_authenticated:
            raise PermissionDenied
        report = selectors.report_for(request.user, pk)
        form = ReportForm(request.POST, rows=selectors.report_rows(report))
        if form.is_valid():
            try:
                process.save_report(request.user, report, narrative=form.cleaned_data["narrative"],
                                    measures=form.measures_data(), actuals=form.actuals_data())
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The report was saved."))
                return HttpResponseRedirect(reverse("programs:report", args=[report.pk]))
        return self.page(request, report, form=form, status=400)


class ReportPresentView(ReportView):
    http_method_names = ["post"]

    def post(self, request, pk):
        if not request.user.is_authenticated:
            raise PermissionDenied
        report = selectors.report_for(request.user, pk)
        form = StepForm(request.POST, prefix="present")
        if form.is_valid():
            try:
                process.submit_report(request.user, report, day=form.cleaned_data["date"], note=form.cleaned_data["note"])
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The report was presented to the council and is now public."))
                return HttpResponseRedirect(reverse("programs:report", args=[report.pk]))
        return self.page(request, report, submit_form=form, status=400)


# --- versions ----------------------------------------------------------------------------------

class VersionsView(View):
    template_name = "programs/process/versions.html"

    def get(self, request, pk):
        program = selectors.program_with_versions_for(request.user, pk)
        found = list(selectors.versions(request.user, program))
        return render(request, self.template_name, {
            "program": program, "versions": found, "can_save": selectors.may(request.user, "edit", program),
            "version_form": VersionForm(prefix="version"),
            "default_a": found[-2].number if len(found) > 1 else None, "default_b": found[-1].number if found else None,
        })


class CompareView(View):
    """What changed between two versions, part by part."""

    template_name = "programs/process/compare.html"

    def get(self, request, pk):
        program = selectors.program_with_versions_for(request.user, pk)
        a = selectors.version_for(request.user, program, request.GET.get("a"))
        b = selectors.version_for(request.user, program, request.GET.get("b"))
        error, parts = "", []
        try:
            parts = selectors.compare(a.snapshot, b.snapshot, template=program.edition.template)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        return render(request, self.template_name, {
            "program": program, "a": a, "b": b, "parts": parts, "error": error,
            "versions": selectors.versions(request.user, program)}, status=400 if error else 200)


# --- annex files -------------------------------------------------------------------------------

def annex_file(request, pk):
    """An annex file for whoever may see it (everyone once the program is approved)."""
    annex = selectors.annex_for(request.user, pk)
    if not annex.file or not annex.file.storage.exists(annex.file.name):
        raise Http404(_("The file is missing from the storage."))
    inline = annex.content_type in ("application/pdf", "image/png", "image/jpeg")
    response = FileResponse(annex.file.open("rb"), as_attachment=not inline, filename=os.path.basename(annex.file.name),
                            content_type=annex.content_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("", ProgramListView.as_view(), name="list"),
    path("new/", ProgramCreateView.as_view(), name="new"),
    path("<int:pk>/", ProgramView.as_view(), name="program"),
    path("<int:pk>/advance/", AdvanceView.as_view(), name="advance"),
    path("<int:pk>/district-review/", DistrictReviewView.as_view(), name="district-review"),
    path("<int:pk>/approve/", ApproveView.as_view(), name="approve"),
    path("<int:pk>/revise/", ReviseView.as_view(), name="revise"),
    path("<int:pk>/follow/", FollowView.as_view(), name="follow"),
    path("<int:pk>/versions/", VersionsView.as_view(), name="versions"),
    path("<int:pk>/versions/save/", SaveVersionView.as_view(), name="save-version"),
    path("<int:pk>/versions/compare/", CompareView.as_view(), name="compare"),
    path("<int:pk>/working-group/", WorkingGroupView.as_view(), name="working-group"),
    path("<int:pk>/working-group/order/", OrderView.as_view(), name="working-group-order"),
    path("<int:pk>/working-group/<int:member>/", WorkingGroupView.as_view(), name="member"),
    path("<int:pk>/working-group/<int:member>/remove/", MemberRemoveView.as_view(), name="member-remove"),
    path("<int:pk>/reports/new/", ReportStartView.as_view(), name="report-new"),
    path("reports/<int:pk>/", ReportView.as_view(), name="report"),
    path("reports/<int:pk>/present/", ReportPresentView.as_view(), name="report-present"),
    path("annexes/<int:pk>/", annex_file, name="annex"),
]

"""Reporting pages: the list, the to-do list, the data-entry page with autosave, review."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from aimak.core import scoping
from aimak.core.tables import Column
from aimak.core.views import ObjectListView

from .. import disaggregation
from ..filtersets import ReportFilterSet
from ..forms import EntryForm, ReviewForm, StartReportForm
from ..models import Indicator, Report
from ..selectors import reporting as selectors
from ..services import reporting as services

REPORT_COLUMNS = [
    Column(_("Territory"), "territory", link=True),
    Column(_("Code"), "territory.code"),
    Column(_("Form"), "form"),
    Column(_("Period"), lambda r: r.period.code),
    Column(_("Status"), lambda r: r.get_status_display()),
    Column(_("Submitted"), lambda r: formats.date_format(timezone.localtime(r.submitted_at), "SHORT_DATETIME_FORMAT") if r.submitted_at else ""),
]


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [str(m) for msgs in exc.message_dict.values() for m in msgs]
    return [str(m) for m in exc.messages]


def _errors_of(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


def _report_or_404(request, pk: int, action: str = "view") -> Report:
    found = selectors.report(request.user, pk, action)
    if found is None:
        raise Http404(_("No report with this number is open to you."))
    return found


class ReportListView(LoginRequiredMixin, ObjectListView):
    filterset_class = ReportFilterSet
    columns = REPORT_COLUMNS
    export_name = "reports"
    title = _("Reports")
    template_name = "monitoring/reporting/list.html"

    def get_base_queryset(self):
        # people's reports; the incident register's counts are read on the incident and indicator pages
        return selectors.reports(self.request.user).exclude(form__is_register=True).order_by("-period_start", "territory__path", "form__code")


class MyReportsView(LoginRequiredMixin, TemplateView):
    """What the signed-in person still has to report, period by period."""

    template_name = "monitoring/reporting/todo.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = selectors.todo(self.request.user)
        return context


class StartReportView(LoginRequiredMixin, View):
    def post(self, request):
        form = StartReportForm(request.POST)
        back = reverse("monitoring:my-reports")
        if not form.is_valid():
            for field, errors in form.errors.items():
                for error in errors:
                    label = form.fields[field].label if field in form.fields else ""
                    messages.error(request, f"{label}: {error}" if label else error)
            return redirect(back)
        data = form.cleaned_data
        try:
            report = services.start_report(request.user, data["form"], data["territory"], data["period"].start)
        except (ValidationError, PermissionDenied) as exc:
            for message in _messages_of(exc) if isinstance(exc, ValidationError) else [str(exc)]:
                messages.error(request, message)
            return redirect(back)
        return redirect(report.get_absolute_url())


class ReportView(LoginRequiredMixin, TemplateView):
    """The data-entry page while the report can be edited, a read-only page otherwise."""

    template_name = "monitoring/reporting/report.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.report = _report_or_404(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def editable(self) -> bool:
        r = self.report
        return (not r.is_locked and not r.form.is_register and scoping.allowed_within(self.request.user, "edit", Report, r.territory)
                and not services.form_selectors.is_closed(r.form, r.period_start))

    def get_context_data(self, errors=None, entry=None, **kwargs):
        from aimak.incidents.selectors import panels as incident_panels

        context = super().get_context_data(**kwargs)
        r = self.report
        user = self.request.user
        # the incident register is counted by Aimak: nobody submits, returns or approves it
        may = lambda action: not r.form.is_register and scoping.allowed_within(user, action, Report, r.territory)  # noqa: E731
        editable = self.editable()
        layout = selectors.entry_layout(r)
        for _domain, blocks in layout:
            for block in blocks:
                for cell in block.cells:
                    if entry is not None and cell.name in entry:  # show what was typed after a refused save
                        cell.value = entry[cell.name]
                    cell.errors = (errors or {}).get(cell.name, [])
        context.update(
            report=r,
            layout=layout,
            editable=editable,
            can_submit=editable and may("submit") and r.status in (Report.Status.DRAFT, Report.Status.RETURNED),
            can_return=may("review") and r.status in (Report.Status.SUBMITTED, Report.Status.APPROVED_DISTRICT),
            can_approve=may("approve") and r.status in (Report.Status.SUBMITTED, Report.Status.APPROVED_DISTRICT)
            and r.submitted_by_id != user.pk,
            can_reopen=may("approve") and r.is_locked,
            entry_form=EntryForm(initial={"narrative": r.narrative, "sources": r.sources, "revision": r.revision})
            if entry is None else EntryForm(entry),
            events=selectors.events(r),
            errors=errors or {},
            closed=services.form_selectors.is_closed(r.form, r.period_start),
            incident_register=incident_panels.register_panel(user, r),
            updated_ms=int(r.updated_at.timestamp() * 1000),
            js_messages={
                "saving": gettext("Saving…"),
                "saved": gettext("Saved {time}"),
                "unsaved": gettext("Changes not saved yet"),
                "offline": gettext("Offline — kept on this device"),
                "conflict": gettext("Someone else saved this report meanwhile. Reload the page; your entries are kept on this device."),
                "notSaved": gettext("Not saved: correct the marked values. Your entries are kept on this device."),
            },
        )
        return context

    def post(self, request, pk):
        """Save (and submit) without JavaScript; the autosave uses ``ReportSaveView``."""
        entry = EntryForm(request.POST)
        entry.is_valid()
        values = EntryForm.entered_values(request.POST)
        saved = False
        try:
            report, _warnings = services.save_draft(
                request.user, self.report, values, entry.cleaned_data.get("narrative"), entry.cleaned_data.get("sources"),
                entry.cleaned_data.get("revision"),
            )
            saved = True
            if request.POST.get("submit"):
                services.submit(request.user, report)
                messages.success(request, gettext("The report is submitted. Thank you."))
            else:
                messages.success(request, gettext("Draft saved."))
        except PermissionDenied as exc:
            messages.error(request, str(exc) or gettext("You do not have the right to do this for this territory."))
            return redirect(self.report.get_absolute_url())
        except ValidationError as exc:
            errors = _errors_of(exc)
            if saved:
                self.report.refresh_from_db()
                messages.error(request, gettext("The draft is saved, but the report cannot be submitted yet: see the notes by the fields."))
                return self.render_to_response(self.get_context_data(errors=errors), status=400)
            for key in ("status", "period", "revision", "narrative"):
                for message in errors.get(key, []):
                    messages.error(request, message)
            messages.error(request, gettext("Nothing was saved: correct the marked values."))
            return self.render_to_response(self.get_context_data(errors=errors, entry=request.POST), status=400)
        return redirect(self.report.get_absolute_url())


class ReportCheckView(LoginRequiredMixin, View):
    """HTMX: the server's verdict on every typed value, swapped in next to each field."""

    def post(self, request, pk):
        report = _report_or_404(request, pk)
        errors, warnings, _merged = services.validate_values(report, EntryForm.entered_values(request.POST))
        cells = [cell for _d, blocks in selectors.entry_layout(report) for b in blocks for cell in b.cells]
        html = render_to_string("monitoring/reporting/_field_errors.html", {
            "fields": [(cell, errors.get(cell.name, []), warnings.get(cell.name, [])) for cell in cells],
        }, request=request)
        return HttpResponse(html)


class ReportSaveView(LoginRequiredMixin, View):
    """Autosave: JSON {ok, revision, errors, saved_at}; nothing is written when ok is false."""

    def post(self, request, pk):
        report = _report_or_404(request, pk)
        entry = EntryForm(request.POST)
        entry.is_valid()
        try:
            report, warnings = services.save_draft(
                request.user, report, EntryForm.entered_values(request.POST),
                entry.cleaned_data.get("narrative"), entry.cleaned_data.get("sources"), entry.cleaned_data.get("revision"),
            )
        except PermissionDenied as exc:
            return JsonResponse({"ok": False, "revision": report.revision, "errors": {"__all__": [str(exc)]}, "saved_at": None}, status=403)
        except ValidationError as exc:
            errors = _errors_of(exc)
            report.refresh_from_db()
            return JsonResponse({"ok": False, "revision": report.revision, "errors": errors, "saved_at": None},
                                status=409 if "revision" in errors else 400)
        saved = timezone.localtime(report.updated_at)
        return JsonResponse({
            "ok": True, "revision": report.revision, "errors": {}, "warnings": {k: [str(m) for m in v] for k, v in warnings.items()},
            "saved_at": saved.isoformat(), "saved_label": formats.time_format(saved, "H:i"),
        })


class ReportReviewView(LoginRequiredMixin, View):
    """Return with comments, approve, or reopen with a reason."""

    def post(self, request, pk):
        report = _report_or_404(request, pk)
        form = ReviewForm(request.POST)
        if not form.is_valid():
            messages.error(request, gettext("Choose what to do with the report."))
            return redirect(report.get_absolute_url())
        action, comment = form.cleaned_data["action"], form.cleaned_data["comment"]
        done = {
            "return": (services.return_report, gettext("The report is returned to its monitor.")),
            "approve": (services.approve, gettext("The report is approved.")),
            "reopen": (services.reopen, gettext("The report is reopened for corrections.")),
        }
        fn, message = done[action]
        try:
            fn(request.user, report, comment)
        except PermissionDenied as exc:
            messages.error(request, str(exc) or gettext("You do not have the right to do this for this territory."))
        except ValidationError as exc:
            for text in _messages_of(exc):
                messages.error(request, text)
        else:
            messages.success(request, message)
        return redirect(report.get_absolute_url())


class ValueHistoryView(LoginRequiredMixin, TemplateView):
    """Every change of one value: who, when, from what to what."""

    template_name = "monitoring/reporting/value_history.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = _report_or_404(self.request, self.kwargs["pk"])
        indicator = get_object_or_404(Indicator, code=self.kwargs["indicator"])
        category = self.request.GET.get("category")

        changes = []
        for record in selectors.value_history(report, indicator, category):
            before, after = record.before or {}, record.after or {}
            changes.append({
                "record": record, "before": before.get("value"), "after": after.get("value"),
                "part": disaggregation.label(indicator.disaggregation, after.get("category", before.get("category", ""))),
            })
        context.update(
            report=report, indicator=indicator, category=category,
            category_label=disaggregation.label(indicator.disaggregation, category) if category is not None else "",
            changes=changes,
        )
        return context


urlpatterns = [
    path("reports/", ReportListView.as_view(), name="reports"),
    path("reports/to-do/", MyReportsView.as_view(), name="my-reports"),
    path("reports/start/", StartReportView.as_view(), name="report-start"),
    path("reports/<int:pk>/", ReportView.as_view(), name="report"),
    path("reports/<int:pk>/check/", ReportCheckView.as_view(), name="report-check"),
    path("reports/<int:pk>/save/", ReportSaveView.as_view(), name="report-save"),
    path("reports/<int:pk>/review/", ReportReviewView.as_view(), name="report-review"),
    path("reports/<int:pk>/values/<slug:indicator>/history/", ValueHistoryView.as_view(), name="value-history"),
]

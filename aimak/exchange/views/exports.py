"""Exports of any size: ask for one, watch its progress, download it. Small ones may also be
downloaded at once; large ones are written by the background worker."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView

from aimak.core.exports import stream_csv, xlsx_response
from aimak.monitoring.models import ReportingForm

from ..models import ExportJob
from ..selectors import dhis2 as dhis2_selectors
from ..selectors import exports as selectors
from ..services import dhis2 as dhis2_services
from ..services import exports as services


class ExportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("What to export"))
    form = forms.ChoiceField(label=_("Form"), required=False)
    territory = forms.CharField(label=_("Territory (SOATE code)"), required=False, max_length=14,
                                help_text=_("It and every territory under it. Empty: all your territories."),
                                widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    period_from = forms.CharField(label=_("Periods from"), required=False, max_length=10,
                                  widget=forms.TextInput(attrs={"placeholder": "2025-01"}))
    period_to = forms.CharField(label=_("Periods to"), required=False, max_length=10,
                                widget=forms.TextInput(attrs={"placeholder": "2026Q1"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["kind"].choices = selectors.kinds_for(user)
        self.fields["form"].choices = [("", _("all forms"))] + [
            (f.code, f"{f.name} ({f.code})") for f in ReportingForm.objects.order_by("code")
        ]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data["parameters"], data["filters"] = services.clean_parameters(self.user, data["kind"], data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return data


def _jobs_context(request):
    services.fail_stalled(request.user)  # a job whose worker died is shown failed, not waiting for ever
    jobs = selectors.jobs_for(request.user)
    return {"jobs": jobs, "polling": any(j.is_active for j in jobs), "now": timezone.now()}


class ExportsView(LoginRequiredMixin, FormView):
    template_name = "exchange/exports/page.html"
    form_class = ExportRequestForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_jobs_context(self.request), direct_limit=selectors.DIRECT_LIMIT)
        return context

    def form_valid(self, form):
        kind, filters, user = form.cleaned_data["kind"], form.cleaned_data["filters"], self.request.user
        if "now" in self.request.POST:
            if selectors.count(kind, user, filters) <= selectors.DIRECT_LIMIT:
                return _direct(kind, user, filters)
            messages.info(self.request, _("This export has more than %(limit)s rows: it is being prepared in the background "
                                          "and will be listed below when ready.") % {"limit": f"{selectors.DIRECT_LIMIT:,}"})
        job = services.request_export(user, kind, form.cleaned_data["parameters"])
        if job.status == ExportJob.Status.QUEUED:
            messages.success(self.request, _("Your export is being prepared. You may leave this page: it will wait for you here."))
        return HttpResponseRedirect(reverse("exchange:exports"))


def _direct(kind, user, filters):
    """A small export streamed at once, with the same rows as the background file."""
    stamp = timezone.localdate().isoformat()
    if kind == ExportJob.Kind.VALUES_CSV:
        return stream_csv(f"aimak-values-{stamp}.csv", selectors.VALUES_HEADER, selectors.value_text_rows(user, filters))
    if kind == ExportJob.Kind.VALUES_XLSX:
        return xlsx_response(f"aimak-values-{stamp}.xlsx", selectors.VALUES_HEADER, selectors.value_rows(user, filters), sheet_name="values")
    if kind == ExportJob.Kind.DHIS2_CSV:
        return stream_csv("dataValueSets.csv", dhis2_services.CSV_HEADER, dhis2_selectors.export_csv_rows(user, filters.as_dhis2()))
    response = StreamingHttpResponse(dhis2_selectors.export_json_chunks(user, filters.as_dhis2()), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="dataValueSets.json"'
    return response


class ExportJobsView(LoginRequiredMixin, View):
    """The list of one's exports, polled by the page every 2 seconds while one is running."""

    def get(self, request):
        return render(request, "exchange/exports/_jobs.html", _jobs_context(request))


class ExportDownloadView(LoginRequiredMixin, View):
    def get(self, request, pk):
        job = selectors.job_for(request.user, pk)
        path = services.file_of(job)
        if path is None:
            raise Http404
        created = timezone.localtime(job.created_at).strftime("%Y-%m-%d")
        name = {"dhis2_json": "dataValueSets", "dhis2_csv": "dataValueSets"}.get(job.kind, "aimak-values")
        return FileResponse(open(path, "rb"), as_attachment=True, filename=f"{name}-{created}-{job.pk}.{job.extension}")


urlpatterns = [
    path("exports/", ExportsView.as_view(), name="exports"),
    path("exports/list/", ExportJobsView.as_view(), name="export-jobs"),
    path("exports/<int:pk>/download/", ExportDownloadView.as_view(), name="export-download"),
]

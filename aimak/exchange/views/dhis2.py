"""The DHIS2 exchange page: coordinators and analysts check and load a file from the
ministry's DHIS2, and download their territories' values in DHIS2's format."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView

from aimak.core import scoping
from aimak.core.exports import stream_csv
from aimak.monitoring.models import Report, ReportingForm

from ..services import dhis2 as services
from ..selectors import dhis2 as selectors


class ExchangeMixin:
    """Coordinators and analysts: people who review reports somewhere (or a superuser)."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not (user.is_superuser or scoping.grants(user, "review", Report)):
            raise PermissionDenied(_("Only coordinators and analysts exchange data with DHIS2."))
        return super().dispatch(request, *args, **kwargs)


class Dhis2ImportForm(forms.Form):
    file = forms.FileField(label=_("DHIS2 file (JSON or CSV)"),
                           help_text=_("A data value set with codes: indicator codes as dataElement, SOATE codes as orgUnit."))
    dry_run = forms.BooleanField(label=_("Check only (dry run): save nothing"), required=False, initial=True)
    strategy = forms.ChoiceField(label=_("What to do with the values"), initial=services.CREATE_AND_UPDATE, choices=[
        (services.CREATE_AND_UPDATE, _("Add new values and update changed ones")),
        (services.CREATE, _("Only add new values")),
        (services.UPDATE, _("Only update existing values")),
        (services.DELETE, _("Delete the values in the file")),
    ])
    mode = forms.ChoiceField(label=_("When some rows are refused"), initial="ALL", widget=forms.RadioSelect, choices=[
        ("ALL", _("All or nothing: save nothing")),
        ("NONE", _("Valid rows only: save the reports without conflicts")),
    ])

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > services.MAX_BYTES:
            raise forms.ValidationError(services.too_large_message())
        return upload


class Dhis2View(LoginRequiredMixin, ExchangeMixin, FormView):
    template_name = "exchange/dhis2/page.html"
    form_class = Dhis2ImportForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["forms"] = ReportingForm.objects.filter(is_active=True).order_by("code")
        context["query"] = self.request.GET.urlencode()
        context["csv_header"] = ",".join(services.CSV_HEADER)
        return context

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        options = services.ImportOptions(dry_run=form.cleaned_data["dry_run"], strategy=form.cleaned_data["strategy"],
                                         atomic=form.cleaned_data["mode"] == "ALL")
        data = upload.read(services.MAX_BYTES + 1)
        fmt = services.detect_format(getattr(upload, "content_type", ""), upload.name, data)
        try:
            summary = services.import_data_values(self.request.user, data, fmt=fmt, options=options)
        except services.PayloadError as exc:
            form.add_error("file", str(exc))
            return self.form_invalid(form)
        return self.render_to_response(self.get_context_data(form=form, summary=summary))


class Dhis2ExportView(LoginRequiredMixin, ExchangeMixin, View):
    """The same export as the API, for the person's territories, filtered as on the page."""

    fmt = "json"

    def get(self, request):
        try:
            filters = selectors.ExportFilters.from_params(request.GET)
        except services.OptionError as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(reverse("exchange:dhis2") + "?" + request.GET.urlencode())
        if self.fmt == "csv":
            return stream_csv("dataValueSets.csv", services.CSV_HEADER, selectors.export_csv_rows(request.user, filters))
        response = StreamingHttpResponse(selectors.export_json_chunks(request.user, filters), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="dataValueSets.json"'
        return response


urlpatterns = [
    path("dhis2/", Dhis2View.as_view(), name="dhis2"),
    path("dhis2/dataValueSets.json", Dhis2ExportView.as_view(fmt="json"), name="dhis2-export-json"),
    path("dhis2/dataValueSets.csv", Dhis2ExportView.as_view(fmt="csv"), name="dhis2-export-csv"),
]

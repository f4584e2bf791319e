"""ACLED both ways: the page that explains the exchange, loads an ACLED file as the reference
layer (for people who may import it) and links the export; and the export itself, streamed.
Thin: every read and write is in ``services.acled``."""

from __future__ import annotations

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from aimak.audit.services import log_security_event
from aimak.core.exports import stream_csv
from aimak.core.imports import SourceError
from aimak.incidents.filtersets import IncidentFilterSet
from aimak.incidents.selectors.incidents import visible_incidents

from ..services import acled as services


class AcledImportForm(forms.Form):
    file = forms.FileField(label=_("ACLED export (.csv)"),
                           help_text=_("A CSV downloaded from ACLED's data export tool or API, in UTF-8. Rows of other countries are skipped."))
    dataset = forms.CharField(label=_("Dataset name (optional)"), max_length=200, required=False,
                              help_text=_("Kept with each event, e.g. “ACLED Kyrgyzstan 2018–2024, downloaded 2025-01-10”. Default: the file name."))
    dry_run = forms.BooleanField(label=_("Check only (dry run): save nothing"), required=False, initial=True)
    valid_rows_only = forms.BooleanField(label=_("Save the valid rows even when others are rejected"), required=False,
                                         help_text=_("Otherwise any rejected row rejects the whole file (all or nothing)."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > services.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than %(limit)d MB.") % {"limit": services.MAX_BYTES // (1024 * 1024)})
        return upload


class AcledView(LoginRequiredMixin, TemplateView):
    """Explains both directions; the upload form for people who may import."""

    template_name = "exchange/acled/page.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        can_import = services.can_import(self.request.user)
        context.setdefault("form", AcledImportForm() if can_import else None)
        context.update(
            can_import=can_import,
            filterset=IncidentFilterSet(queryset=visible_incidents(self.request.user)),
            columns=", ".join(services.COLUMNS),
        )
        return context

    def post(self, request):
        services.require_import(request.user)  # 403, logged, for people who may not
        form = AcledImportForm(request.POST, request.FILES)
        report = None
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = services.import_acled(data["file"], user=request.user, dry_run=data["dry_run"],
                                               valid_rows_only=data["valid_rows_only"], dataset_name=data["dataset"])
            except SourceError as exc:
                form.add_error("file", str(exc))
        status = 400 if form.errors else 200
        return self.render_to_response(self.get_context_data(form=form, report=report), status=status)


class AcledExportView(LoginRequiredMixin, View):
    """The incidents the person may see, as ACLED's CSV, filtered like the incident list
    (``?period=2026Q1&place=Batken...``); false reports only with ``?verification=false``."""

    def get(self, request):
        try:
            queryset = services.export_queryset(request.user, request.GET)
        except ValidationError as exc:
            lines = [f"{name}: {message}" for name, messages in exc.message_dict.items() for message in messages]
            return HttpResponse("\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8")
        log_security_event("export", user=request.user, detail={"what": "acled_incidents", "format": "csv", "filters": request.GET.dict()})
        return stream_csv(services.export_filename(), services.COLUMNS, services.rows(queryset))


urlpatterns = [
    path("acled/", AcledView.as_view(), name="acled"),
    path("acled/export.csv", AcledExportView.as_view(), name="acled-export"),
]

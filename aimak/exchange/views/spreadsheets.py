"""The spreadsheets page: download a form's Excel template (empty or with the current values)
for a period, upload it filled in, and read what became of every row."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from aimak.core import scoping
from aimak.core.imports import SourceError
from aimak.monitoring import periods
from aimak.monitoring.models import ReportingForm

from ..services import spreadsheets as services


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [str(m) for msgs in exc.message_dict.values() for m in msgs]
    return [str(m) for m in exc.messages]


def _forms_for(user) -> list[ReportingForm]:
    """The forms the person reports, asked once per request."""
    if not hasattr(user, "_exchange_forms"):
        user._exchange_forms = services.forms_for(user)
    return user._exchange_forms


class ChooseForm(forms.Form):
    form = forms.ModelChoiceField(label=_("Reporting form"), queryset=ReportingForm.objects.none(), to_field_name="code")
    period = forms.CharField(label=_("Period (e.g. 2026-03)"), max_length=10)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["form"].queryset = ReportingForm.objects.filter(pk__in=[f.pk for f in _forms_for(user)]).order_by("code")

    def clean(self):
        data = super().clean()
        form = data.get("form")
        if form and data.get("period"):
            try:
                data["span"] = services.parse_period(form, data["period"])
            except ValidationError as exc:
                for message in _messages_of(exc):
                    self.add_error("period", message)
        return data


class UploadForm(ChooseForm):
    MODES = [("all", _("All or nothing: any error rejects the whole file, nothing is saved")),
             ("valid", _("Import the valid rows: rows without errors are saved, the others are listed"))]

    file = forms.FileField(label=_("Filled-in template (.xlsx)"))
    mode = forms.ChoiceField(label=_("When some rows have errors"), choices=MODES, initial="all", widget=forms.RadioSelect)
    submit = forms.BooleanField(label=_("Submit the reports"), required=False, initial=True,
                                help_text=_("Otherwise the values are saved as drafts."))
    clear_empty = forms.BooleanField(label=_("Empty cells clear values"), required=False,
                                     help_text=_("Otherwise an empty cell leaves the stored value as it is."))
    dry_run = forms.BooleanField(label=_("Check only (save nothing)"), required=False)


class SpreadsheetsView(LoginRequiredMixin, TemplateView):
    """Choose a form and a period; download its template; upload it filled in."""

    template_name = "exchange/spreadsheets/page.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if "choose" not in context:
            initial = {}
            available = _forms_for(user)
            chosen = next((f for f in available if f.code == self.request.GET.get("form")), available[0] if available else None)
            if chosen is not None:
                initial = {"form": chosen.code, "period": self.request.GET.get("period")
                           or periods.last_complete(chosen.period_type, scoping.today()).code}
            context["choose"] = ChooseForm(initial=initial, user=user, auto_id="download_%s")
            context["upload"] = UploadForm(initial=initial, user=user)
        context["has_forms"] = context["choose"].fields["form"].queryset.exists()
        return context

    def post(self, request):
        upload = UploadForm(request.POST, request.FILES, user=request.user)
        choose = ChooseForm(request.POST, user=request.user, auto_id="download_%s")
        result = None
        if upload.is_valid():
            data = upload.cleaned_data
            try:
                result = services.import_template(
                    request.user, data["file"], data["form"], data["span"], valid_rows_only=data["mode"] == "valid",
                    submit=data["submit"], clear_empty=data["clear_empty"], dry_run=data["dry_run"])
            except SourceError as exc:
                upload.add_error("file", str(exc))
        status = 400 if upload.errors else 200
        return self.render_to_response(self.get_context_data(choose=choose, upload=upload, result=result), status=status)


class TemplateDownloadView(LoginRequiredMixin, View):
    """The template as a file: ``?form=<code>&period=<code>`` and ``&filled=1`` for the current values."""

    def get(self, request):
        choose = ChooseForm(request.GET, user=request.user)
        back = reverse("exchange:spreadsheets")
        if not choose.is_valid():
            for name, errors in choose.errors.items():
                label = choose.fields[name].label if name in choose.fields else ""
                for error in errors:
                    messages.error(request, f"{label}: {error}" if label else error)
            return redirect(f"{back}?{urlencode({k: request.GET.get(k, '') for k in ('form', 'period')})}")
        form, span = choose.cleaned_data["form"], choose.cleaned_data["span"]
        filled = request.GET.get("filled") in ("1", "true", "on")
        try:
            content = services.build_template(request.user, form, span, filled=filled)
        except ValidationError as exc:
            for message in _messages_of(exc):
                messages.error(request, message)
            return redirect(back)
        response = HttpResponse(content, content_type=services.XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{services.template_filename(form, span, filled=filled)}"'
        return response


urlpatterns = [
    path("spreadsheets/", SpreadsheetsView.as_view(), name="spreadsheets"),
    path("spreadsheets/template/", TemplateDownloadView.as_view(), name="spreadsheet-template"),
]

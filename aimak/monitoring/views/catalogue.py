"""The indicator catalogue and the reporting forms: read by everyone signed in, changed by people
who configure the country. Thin: reads from ``selectors.catalogue``, writes via ``services.catalogue``."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView

from aimak.core import scoping
from aimak.core.imports import SourceError
from aimak.core.tables import Column
from aimak.core.views import ObjectListView

from .. import disaggregation, periods
from ..filtersets import IndicatorFilterSet
from ..models import Domain, Indicator
from ..selectors import catalogue as selectors
from ..services import catalogue as services

INDICATOR_COLUMNS = [
    Column(_("Code"), "code"),
    Column(_("Name"), "name", link=True),
    Column(_("Domain"), "domain.name"),
    Column(_("Value type"), "get_value_type_display"),
    Column(_("Unit"), "unit"),
    Column(_("Period type"), "get_period_type_display"),
    Column(_("Polarity"), "get_polarity_display"),
    Column(_("Disaggregation"), "get_disaggregation_display"),
    Column(_("Aggregation"), "get_aggregation_display"),
    Column(_("Formula"), lambda i: f"{i.numerator.code} / {i.denominator.code} × {services.number_text(i.factor)}" if i.is_formula else ""),
    Column(_("Thresholds"), lambda i: ", ".join(f"{k} {v}" for k, v in services.normal_thresholds(i.thresholds).items())),
    Column(_("Weight in the index"), lambda i: services.number_text(i.index_weight)),
    Column(_("Kyrgyz"), "name_ky"),
    Column(_("Russian"), "name_ru"),
    Column(_("English"), "name_en"),
    Column(_("Version"), "version"),
]


class ConfigureMixin(UserPassesTestMixin):
    """Only people who configure the whole country; others get 403 (anonymous: the sign-in page)."""

    def test_func(self):
        return services.can_configure(self.request.user)


class IndicatorListView(LoginRequiredMixin, ObjectListView):
    queryset = Indicator.objects.select_related("domain", "numerator", "denominator").order_by("domain__order", "code")
    filterset_class = IndicatorFilterSet
    columns = INDICATOR_COLUMNS
    export_name = "indicators"
    title = _("Indicator catalogue")
    template_name = "monitoring/catalogue/indicator_list.html"
    paginate_by = 100

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(domains=selectors.domains(), can_configure=services.can_configure(self.request.user))
        return context


class IndicatorDetailView(LoginRequiredMixin, TemplateView):
    template_name = "monitoring/catalogue/indicator_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        indicator = selectors.indicator_by_code(self.kwargs["code"])
        if indicator is None:
            raise Http404(_("No indicator has this code."))
        context.update(
            indicator=indicator,
            thresholds=services.normal_thresholds(indicator.thresholds),
            categories=indicator.categories(),
            formulas=selectors.formulas_using(indicator),
            forms=selectors.forms_using(indicator),
            history=selectors.version_history(indicator),
            can_configure=services.can_configure(self.request.user),
            factor=services.number_text(indicator.factor),
            min_value=services.number_text(indicator.min_value),
            max_value=services.number_text(indicator.max_value),
            critical_value=services.number_text(indicator.critical_value),
            index_weight=services.number_text(indicator.index_weight),
        )
        return context


class IndicatorForm(forms.Form):
    """Every field of an indicator, with the three languages side by side."""

    domain = forms.ModelChoiceField(label=_("Domain"), queryset=Domain.objects.order_by("order"), to_field_name="code")
    name_ky = forms.CharField(label=_("Name in Kyrgyz"), max_length=300)
    name_ru = forms.CharField(label=_("Name in Russian"), max_length=300)
    name_en = forms.CharField(label=_("Name in English"), max_length=300)
    definition_ky = forms.CharField(label=_("Definition in Kyrgyz"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    definition_ru = forms.CharField(label=_("Definition in Russian"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    definition_en = forms.CharField(label=_("Definition in English"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    unit_ky = forms.CharField(label=_("Unit in Kyrgyz"), max_length=60, required=False)
    unit_ru = forms.CharField(label=_("Unit in Russian"), max_length=60, required=False)
    unit_en = forms.CharField(label=_("Unit in English"), max_length=60, required=False)
    value_type = forms.ChoiceField(label=_("Value type"), choices=Indicator.ValueType.choices)
    polarity = forms.TypedChoiceField(label=_("Polarity"), choices=Indicator.Polarity.choices, coerce=int)
    disaggregation = forms.ChoiceField(label=_("Disaggregation"), choices=disaggregation.PRESET_CHOICES)
    period_type = forms.ChoiceField(label=_("Period type"), choices=periods.PERIOD_TYPES)
    collection_level = forms.TypedChoiceField(label=_("Collection level"), choices=Indicator.CollectionLevel.choices, coerce=int)
    aggregation = forms.ChoiceField(label=_("Aggregation up the tree"), choices=Indicator.Aggregation.choices)
    min_value = forms.DecimalField(label=_("Smallest valid value"), required=False, max_digits=14, decimal_places=4)
    max_value = forms.DecimalField(label=_("Largest valid value"), required=False, max_digits=14, decimal_places=4)
    threshold_green = forms.DecimalField(label=_("Green threshold"), required=False, max_digits=14, decimal_places=4)
    threshold_yellow = forms.DecimalField(label=_("Yellow threshold"), required=False, max_digits=14, decimal_places=4)
    threshold_orange = forms.DecimalField(label=_("Orange threshold"), required=False, max_digits=14, decimal_places=4)
    threshold_red = forms.DecimalField(label=_("Red threshold"), required=False, max_digits=14, decimal_places=4)
    critical_value = forms.DecimalField(label=_("Critical value (one such value raises an alert)"), required=False, max_digits=14, decimal_places=4)
    index_weight = forms.DecimalField(label=_("Weight in the index"), min_value=0, max_digits=6, decimal_places=3)
    numerator = forms.ModelChoiceField(label=_("Numerator (formula indicators only)"), queryset=Indicator.objects.order_by("code"),
                                       to_field_name="code", required=False)
    denominator = forms.ModelChoiceField(label=_("Denominator (formula indicators only)"), queryset=Indicator.objects.order_by("code"),
                                         to_field_name="code", required=False)
    factor = forms.DecimalField(label=_("Factor (e.g. 100 for a percentage)"), max_digits=10, decimal_places=3)
    source_ky = forms.CharField(label=_("Data source in Kyrgyz"), max_length=300, required=False)
    source_ru = forms.CharField(label=_("Data source in Russian"), max_length=300, required=False)
    source_en = forms.CharField(label=_("Data source in English"), max_length=300, required=False)
    is_active = forms.BooleanField(label=_("In use"), required=False)
    note = forms.CharField(label=_("What changed and why"), max_length=300, required=False)

    def __init__(self, *args, indicator=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        for name in ("numerator", "denominator"):
            self.fields[name].queryset = self.fields[name].queryset.exclude(pk=indicator.pk)

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_value"), cleaned.get("max_value")
        if low is not None and high is not None and low > high:
            self.add_error("max_value", _("The largest valid value must not be smaller than the smallest."))
        data = self.indicator_data()
        for message in services.check_consistency({**data, "code": self.indicator.code}):
            self.add_error(None, message)
        return cleaned

    def indicator_data(self) -> dict:
        c = self.cleaned_data
        data = {k: v for k, v in c.items() if not k.startswith("threshold_") and k != "note"}
        data["thresholds"] = {k: c.get(f"threshold_{k}") for k in services.LEVELS if c.get(f"threshold_{k}") is not None}
        return data

    @classmethod
    def initial_for(cls, indicator: Indicator) -> dict:
        d = services.definition_of(indicator)
        initial = {k: v for k, v in d.items() if k != "thresholds"}
        initial.update({f"threshold_{k}": v for k, v in d["thresholds"].items()})
        return initial


class IndicatorEditView(LoginRequiredMixin, ConfigureMixin, FormView):
    template_name = "monitoring/catalogue/indicator_edit.html"
    form_class = IndicatorForm

    def dispatch(self, request, *args, **kwargs):
        self.indicator = selectors.indicator_by_code(kwargs["code"])
        if self.indicator is None:
            raise Http404(_("No indicator has this code."))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["indicator"] = self.indicator
        return kwargs

    def get_initial(self):
        return IndicatorForm.initial_for(self.indicator)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["indicator"] = self.indicator
        return context

    def form_valid(self, form):
        try:
            indicator, changed = services.save_indicator(self.request.user, self.indicator, form.indicator_data(),
                                                         note=form.cleaned_data.get("note") or "")
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            return self.form_invalid(form)
        if changed:
            messages.success(self.request, _("Saved as version %(version)d.") % {"version": indicator.version})
        else:
            messages.info(self.request, _("Nothing changed, so no new version was written."))
        return HttpResponseRedirect(indicator.get_absolute_url())


class CatalogueExportView(LoginRequiredMixin, View):
    def get(self, request):
        fmt = request.GET.get("format", "json")
        if fmt == "xlsx":
            response = HttpResponse(services.export_xlsx(),
                                    content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            response["Content-Disposition"] = 'attachment; filename="aimak-indicator-catalogue.xlsx"'
            return response
        if fmt != "json":
            raise Http404(_("Choose json or xlsx."))
        body = json.dumps(services.export_json(), ensure_ascii=False, indent=1)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="aimak-indicator-catalogue.json"'
        return response


class CatalogueImportForm(forms.Form):
    file = forms.FileField(label=_("Catalogue file"), help_text=_("JSON or XLSX as the download links on the catalogue page give it, up to 10 MB."))
    dry_run = forms.BooleanField(label=_("Check only, do not save"), required=False, initial=True)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".json", ".xlsx")):
            raise ValidationError(_("The catalogue is read from .json or .xlsx files."))
        if upload.size > 10 * 1024 * 1024:
            raise ValidationError(_("The file is larger than 10 MB."))
        return upload


class CatalogueImportView(LoginRequiredMixin, ConfigureMixin, FormView):
    template_name = "monitoring/catalogue/import.html"
    form_class = CatalogueImportForm

    def form_valid(self, form):
        try:
            report = services.import_catalogue(form.cleaned_data["file"], user=self.request.user,
                                               dry_run=form.cleaned_data["dry_run"])
        except SourceError as exc:
            form.add_error("file", str(exc))
            return self.form_invalid(form)
        return self.render_to_response(self.get_context_data(form=form, report=report))


class FormListView(LoginRequiredMixin, TemplateView):
    template_name = "monitoring/catalogue/form_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["forms"] = [{"form": f, "expected": selectors.expected_count(f)} for f in selectors.reporting_forms()]
        return context


class PeriodForm(forms.Form):
    period = forms.CharField(label=_("Period"), max_length=10, help_text=_("As 2026-03 for a month, 2026Q1 for a quarter, 2026 for a year."))
    action = forms.ChoiceField(choices=[("close", _("Close")), ("open", _("Reopen"))], widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, form_obj=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.form_obj = form_obj

    def clean_period(self):
        value = self.cleaned_data["period"]
        try:
            span = periods.parse(value)
        except ValueError:
            raise ValidationError(_("“%(value)s” is not a period; write 2026-03, 2026Q1 or 2026.") % {"value": value}) from None
        if span.type != self.form_obj.period_type:
            raise ValidationError(_("This form is reported %(type)s; give a period of that kind.")
                                  % {"type": dict(periods.PERIOD_TYPES)[self.form_obj.period_type]})
        return span


class FormDetailView(LoginRequiredMixin, TemplateView):
    template_name = "monitoring/catalogue/form_detail.html"

    def get_form_obj(self):
        form = selectors.form_by_code(self.kwargs["code"])
        if form is None:
            raise Http404(_("No reporting form has this code."))
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = kwargs.get("form_obj") or self.get_form_obj()
        current = periods.last_complete(form.period_type, scoping.today())
        context.update(
            form_obj=form,
            items=selectors.form_items(form),
            assignments=selectors.form_assignments(form),
            expected=selectors.expected_count(form),
            closures=[{"closure": c, "period": periods.PeriodSpan(form.period_type, c.period_start)} for c in selectors.closures(form)],
            can_configure=services.can_configure(self.request.user),
            period_form=kwargs.get("period_form") or PeriodForm(form_obj=form, initial={"period": current.code, "action": "close"}),
        )
        return context

    def post(self, request, code):
        if not services.can_configure(request.user):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        form_obj = self.get_form_obj()
        period_form = PeriodForm(request.POST, form_obj=form_obj)
        if period_form.is_valid():
            span, action = period_form.cleaned_data["period"], period_form.cleaned_data["action"]
            try:
                if action == "close":
                    services.close_period(request.user, form_obj, span.start, period_form.cleaned_data["reason"])
                    messages.success(request, _("Period %(period)s is closed for reporting.") % {"period": span.code})
                else:
                    services.open_period(request.user, form_obj, span.start, period_form.cleaned_data["reason"])
                    messages.success(request, _("Period %(period)s is open for reporting again.") % {"period": span.code})
                return HttpResponseRedirect(form_obj.get_absolute_url())
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        period_form.add_error(field if field in period_form.fields else None, error)
        return self.render_to_response(self.get_context_data(form_obj=form_obj, period_form=period_form), status=400)


urlpatterns = [
    path("indicators/", IndicatorListView.as_view(), name="indicators"),
    path("indicators/export/", CatalogueExportView.as_view(), name="catalogue-export"),
    path("indicators/import/", CatalogueImportView.as_view(), name="catalogue-import"),
    path("indicators/<slug:code>/", IndicatorDetailView.as_view(), name="indicator"),
    path("indicators/<slug:code>/edit/", IndicatorEditView.as_view(), name="indicator-edit"),
    path("forms/", FormListView.as_view(), name="forms"),
    path("forms/<slug:code>/", FormDetailView.as_view(), name="form"),
]

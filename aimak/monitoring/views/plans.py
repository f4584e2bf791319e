"""Prevention and response plans: list, new (from a template or an alert), one plan with its
measures edited in place. Thin: reads from ``selectors.plans``, writes through ``services.plans``."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView

from aimak.core.forms import DateInput, TerritoryChoice
from aimak.core.tables import Column
from aimak.core.views import ObjectListView

from .. import plan_templates
from ..filtersets import PlanFilterSet
from ..models import PlanMeasure, ResponsePlan
from ..selectors import alerts as alert_selectors
from ..selectors import plans as selectors
from ..services import plans as services

PLAN_COLUMNS = [
    Column(_("Title"), "title", link=True),
    Column(_("Type of plan"), "get_plan_type_display"),
    Column(_("Territory"), "territory.name"),
    Column(_("SOATE code"), "territory.code"),
    Column(_("Status"), "get_status_display"),
    Column(_("Starts"), "starts_on"),
    Column(_("Ends"), "ends_on"),
    Column(_("Measures"), "n_measures"),
    Column(_("Measures done"), "n_done"),
    Column(_("Alerts it answers"), "n_alerts"),
    Column(_("Created"), lambda p: p.created_at.date().isoformat()),
    Column(_("Synthetic demo data"), lambda p: _("yes") if p.is_synthetic else ""),
]


def _errors_into(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(m for msgs in exc.message_dict.values() for m in msgs)
    return " ".join(exc.messages)


class PlanListView(LoginRequiredMixin, ObjectListView):
    filterset_class = PlanFilterSet
    columns = PLAN_COLUMNS
    export_name = "plans"
    title = _("Prevention and response plans")
    template_name = "monitoring/plans/list.html"

    def get_base_queryset(self):
        return selectors.plans(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = selectors.territories_for_new_plan(self.request.user).exists()
        return context


class PlanForm(forms.Form):
    territory = TerritoryChoice(label=_("Territory"), queryset=None)
    plan_type = forms.ChoiceField(label=_("Type of plan"), choices=ResponsePlan.PlanType.choices)
    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    goal = forms.CharField(label=_("Goal"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    risks = forms.CharField(label=_("Risks it answers"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    starts_on = forms.DateField(label=_("Starts"), required=False, widget=DateInput())
    ends_on = forms.DateField(label=_("Ends"), required=False, widget=DateInput())
    from_template = forms.BooleanField(
        label=_("Copy the suggested measures of this type of plan"), required=False, initial=True,
        help_text=_("An empty title or goal is filled from the template too; change anything afterwards."),
    )

    def __init__(self, *args, user=None, with_template=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = selectors.territories_for_new_plan(user)
        if not with_template:
            del self.fields["from_template"]


class PlanCreateView(LoginRequiredMixin, FormView):
    template_name = "monitoring/plans/new.html"
    form_class = PlanForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.alert = None
            if request.GET.get("alert") or request.POST.get("alert"):
                try:
                    pk = int(request.GET.get("alert") or request.POST.get("alert"))
                except ValueError:
                    pk = 0
                self.alert = alert_selectors.alert_for(request.user, pk)
            if not selectors.territories_for_new_plan(request.user).exists():
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def plan_type(self):
        chosen = self.request.GET.get("type") or ""
        if chosen in ResponsePlan.PlanType.values:
            return chosen
        return ResponsePlan.PlanType.RESPONSE if self.alert else ResponsePlan.PlanType.PREVENT

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        plan_type = self.plan_type()
        suggested = plan_templates.suggested(plan_type, plan_templates.language_of(self.request.user))
        initial = {"plan_type": plan_type, "goal": suggested["goal"], "from_template": True}
        if self.alert is not None:
            initial.update(
                territory=self.alert.territory,
                title=f"{suggested['title']}: {self.alert.summary}"[:300],
                risks=self.alert.summary,
            )
        elif self.request.GET.get("territory"):
            from aimak.territories.selectors import by_code

            found = by_code(self.request.GET["territory"])
            if found is not None:
                initial["territory"] = found
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lang = plan_templates.language_of(self.request.user)
        context.update(
            alert=self.alert,
            plan_type=self.plan_type(),
            templates=[{"code": code, "label": label, **plan_templates.suggested(code, lang)} for code, label in ResponsePlan.PlanType.choices],
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        fields = dict(risks=data["risks"], starts_on=data["starts_on"], ends_on=data["ends_on"], alerts=[self.alert] if self.alert else [])
        try:
            if data.get("from_template"):
                plan = services.plan_from_template(self.request.user, data["territory"], data["plan_type"], title=data["title"], goal=data["goal"], **fields)
            else:
                plan = services.create_plan(self.request.user, data["territory"], data["plan_type"], data["title"], data["goal"], from_template=False, **fields)
        except ValidationError as exc:
            _errors_into(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Plan created."))
        return HttpResponseRedirect(plan.get_absolute_url())


class PlanEditView(LoginRequiredMixin, FormView):
    template_name = "monitoring/plans/edit.html"
    form_class = PlanForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.plan = selectors.plan_for(request.user, kwargs["pk"])
            if not selectors.can_edit(request.user, self.plan):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "with_template": False}

    def get_initial(self):
        p = self.plan
        return {"territory": p.territory, "plan_type": p.plan_type, "title": p.title, "goal": p.goal, "risks": p.risks, "starts_on": p.starts_on, "ends_on": p.ends_on}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "plan": self.plan}

    def form_valid(self, form):
        try:
            services.update_plan(self.request.user, self.plan, **form.cleaned_data)
        except ValidationError as exc:
            _errors_into(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Plan saved."))
        return HttpResponseRedirect(self.plan.get_absolute_url())


class PlanDetailView(LoginRequiredMixin, TemplateView):
    template_name = "monitoring/plans/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        plan = selectors.plan_for(user, self.kwargs["pk"])
        try:
            editing = int(self.request.GET.get("edit") or 0)
        except ValueError:
            editing = 0
        can_edit = selectors.can_edit(user, plan)
        context.update(
            plan=plan,
            territory_url=alert_selectors.territory_url(plan.territory),
            measures=selectors.measures(plan),
            editing=editing if can_edit else 0,
            budget_total=selectors.budget_total(plan),
            updates=selectors.updates(plan),
            alerts=selectors.linked_alerts(user, plan),
            can_edit=can_edit,
            statuses=ResponsePlan.Status.choices,
            measure_statuses=PlanMeasure.Status.choices,
        )
        return context


def _measure_fields(post) -> dict:
    return {name: post.get(name, "") for name in services.MEASURE_FIELDS if name in post}


class MeasureView(LoginRequiredMixin, View):
    """One row of the measures table: shown, opened for editing, or saved (HTMX swaps the row;
    without JavaScript the whole plan page is reloaded)."""

    def row(self, request, measure, *, editing=False, errors=None, values=None, status=200):
        context = {
            "m": measure, "plan": measure.plan, "can_edit": selectors.can_edit(request.user, measure.plan), "editing": measure.pk if editing else 0,
            "errors": errors or {}, "values": values or {}, "measure_statuses": PlanMeasure.Status.choices,
        }
        return render(request, "monitoring/plans/_measure_row.html", context, status=status)

    def get(self, request, pk):
        measure = selectors.measure_for(request.user, pk)
        editing = request.GET.get("edit") == "1"
        if editing and not selectors.can_edit(request.user, measure.plan):
            raise PermissionDenied
        if not request.htmx:
            url = measure.plan.get_absolute_url() + (f"?edit={measure.pk}" if editing else "")
            return HttpResponseRedirect(f"{url}#measure-{measure.pk}")
        return self.row(request, measure, editing=editing)

    def post(self, request, pk):
        measure = selectors.measure_for(request.user, pk)
        try:
            measure = services.update_measure(request.user, measure, **_measure_fields(request.POST))
        except ValidationError as exc:
            if request.htmx:
                return self.row(request, measure, editing=True, errors=exc.message_dict, values=request.POST, )
            messages.error(request, _error_text(exc))
            return HttpResponseRedirect(f"{measure.plan.get_absolute_url()}?edit={measure.pk}#measure-{measure.pk}")
        if request.htmx:
            return self.row(request, measure)
        messages.success(request, _("Measure saved."))
        return HttpResponseRedirect(f"{measure.plan.get_absolute_url()}#measure-{measure.pk}")


class PlanActionView(LoginRequiredMixin, View):
    """Forms on the plan page: add a measure, add a progress note, change the status."""

    http_method_names = ["post"]

    def post(self, request, pk, action):
        plan = selectors.plan_for(request.user, pk)
        post = request.POST
        try:
            if action == "measure":
                services.add_measure(request.user, plan, **{k: post.get(k, "") for k in ("title", "owner", "partners", "deadline", "budget")},
                                     status=post.get("status") or PlanMeasure.Status.PLANNED)
                done = _("Measure added.")
            elif action == "update":
                services.add_update(request.user, plan, post.get("text", ""))
                done = _("Progress note added.")
            elif action == "status":
                services.set_status(request.user, plan, post.get("status", ""), post.get("comment", ""))
                done = _("Status changed.")
            else:
                raise PermissionDenied
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, done)
        return HttpResponseRedirect(plan.get_absolute_url())


urlpatterns = [
    path("plans/", PlanListView.as_view(), name="plans"),
    path("plans/new/", PlanCreateView.as_view(), name="plan-new"),
    path("plans/<int:pk>/", PlanDetailView.as_view(), name="plan"),
    path("plans/<int:pk>/edit/", PlanEditView.as_view(), name="plan-edit"),
    path("plans/<int:pk>/<slug:action>/", PlanActionView.as_view(), name="plan-action"),
    path("plans/measures/<int:pk>/", MeasureView.as_view(), name="plan-measure"),
]

"""One incident: its page with history and verification, and the form that records or corrects
it. Thin: reads from ``selectors.incidents``, writes through ``services.incidents``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView

from aimak.core import scoping
from aimak.monitoring.selectors.alerts import territory_url
from aimak.territories.selectors import by_code

from ..forms import IncidentForm
from ..models import Incident, Precision
from ..selectors import incidents as selectors
from ..services import incidents as services

# What each verification form does: (service, message when done, the statuses it starts from)
ACTIONS = {
    "verify": (services.verify, _("Incident verified."),
               (Incident.Verification.UNVERIFIED,)),
    "false": (services.mark_false, _("Incident marked as a false report."),
              (Incident.Verification.UNVERIFIED,)),
    "reopen": (services.reopen_verification, _("Verification reopened."),
               (Incident.Verification.VERIFIED, Incident.Verification.FALSE)),
}


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


def detail_context(user, incident: Incident, *, errors: dict | None = None, notes: dict | None = None) -> dict:
    own = incident.origin == Incident.Origin.AIMAK
    can_review = own and scoping.can(user, "review", incident)
    return {
        "incident": incident,
        "events": selectors.history(incident),
        "alerts": selectors.alerts_for_incident(user, incident),
        "territory_url": territory_url(incident.territory),
        "can_edit": own and scoping.can(user, "edit", incident),
        "can_review": can_review,
        "actions": [name for name, (_run, _done, starts) in ACTIONS.items() if can_review and incident.verification in starts],
        "action_errors": errors or {},
        "notes": notes or {},
        "approximate_date": incident.date_precision != Precision.EXACT,
    }


class IncidentDetailView(LoginRequiredMixin, View):
    template_name = "incidents/detail.html"

    def get(self, request, pk):
        incident = selectors.incident_for(request.user, pk)
        return render(request, self.template_name, detail_context(request.user, incident))


class IncidentActionView(LoginRequiredMixin, View):
    """Verify, mark as false or reopen, from the forms of the incident's page. A refused step
    shows the page again with the reason under the form and the note kept."""

    http_method_names = ["post"]

    def post(self, request, pk, action):
        if action not in ACTIONS:
            raise Http404
        incident = selectors.incident_for(request.user, pk)
        run, done, _starts = ACTIONS[action]
        note = request.POST.get("note", "")
        try:
            run(request.user, incident, note)
        except ValidationError as exc:
            context = detail_context(request.user, incident, errors={action: _messages_of(exc)}, notes={action: note})
            return render(request, IncidentDetailView.template_name, context, status=400)
        messages.success(request, done)
        return HttpResponseRedirect(incident.get_absolute_url())


class IncidentFormMixin(LoginRequiredMixin):
    form_class = IncidentForm
    template_name = "incidents/form.html"
    incident = None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "incident": self.incident}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "incident": self.incident}

    def refused(self, form, exc):
        if isinstance(exc, PermissionDenied):
            form.add_error("territory", str(exc))
        else:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        return self.form_invalid(form)


class IncidentCreateView(IncidentFormMixin, FormView):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not selectors.may_record(request.user):
            raise PermissionDenied(_("You may not record incidents in any territory."))
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        initial = {"date": scoping.today(), "date_precision": 1, "geo_precision": 1, "sensitivity": Incident.Sensitivity.PUBLIC}
        code = self.request.GET.get("territory")
        if code:
            found = by_code(code)
            if found is not None and selectors.territories_for_recording(self.request.user).filter(pk=found.pk).exists():
                initial["territory"] = found
        day = _day(self.request.GET.get("date"))
        if day is not None and day <= scoping.today():
            initial["date"] = day
        return initial

    def form_valid(self, form):
        try:
            incident = services.record_incident(self.request.user, form.incident_data())
        except (ValidationError, PermissionDenied) as exc:
            return self.refused(form, exc)
        messages.success(self.request, _("Incident %(reference)s recorded.") % {"reference": incident.reference})
        return HttpResponseRedirect(incident.get_absolute_url())


class IncidentEditView(IncidentFormMixin, FormView):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.incident = selectors.incident_for(request.user, kwargs["pk"])
            if self.incident.origin != Incident.Origin.AIMAK or not scoping.can(request.user, "edit", self.incident):
                raise PermissionDenied(_("You may not correct this incident."))
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return IncidentForm.initial_from(self.incident)

    def form_valid(self, form):
        try:
            services.change_incident(self.request.user, self.incident, form.incident_data(), comment=form.cleaned_data.get("comment", ""))
        except (ValidationError, PermissionDenied) as exc:
            return self.refused(form, exc)
        messages.success(self.request, _("Incident saved."))
        return HttpResponseRedirect(self.incident.get_absolute_url())


def _day(value):
    """A date from ``?date=YYYY-MM-DD``; None for anything else (2026-02-30 included)."""
    try:
        return parse_date(value or "")
    except ValueError:
        return None


urlpatterns = [
    path("new/", IncidentCreateView.as_view(), name="new"),
    path("<int:pk>/", IncidentDetailView.as_view(), name="incident"),
    path("<int:pk>/edit/", IncidentEditView.as_view(), name="edit"),
    path("<int:pk>/<slug:action>/", IncidentActionView.as_view(), name="action"),
]

"""The incident list (with its CSV, XLSX and ACLED exports), a territory's incidents and the
incident map with its GeoJSON. All filtered by ``IncidentFilterSet``, so a page, its exports, its
map and the API answer the same question."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from aimak.core import scoping
from aimak.core.tables import Column
from aimak.core.views import ObjectListView
from aimak.territories.selectors import by_code

from ..filtersets import IncidentFilterSet
from ..models import Incident
from ..selectors import incidents as selectors
from ..selectors import maps


def _type_label(incident) -> str:
    kind = incident.incident_type
    return f"{kind.parent.name} › {kind.name}" if kind.parent_id else str(kind.name)


INCIDENT_COLUMNS = [
    Column(_("Reference"), "reference", link=True),
    Column(_("Date"), lambda i: i.date.isoformat()),
    Column(_("Date precision"), "get_date_precision_display"),
    Column(_("Territory"), "territory.name"),
    Column(_("SOATE code"), "territory.code"),
    Column(_("Village or place"), "village"),
    Column(_("Type"), _type_label),
    Column(_("ACLED event type"), "incident_type.get_event_type_display"),
    Column(_("Injured"), "injured"),
    Column(_("Killed"), "killed"),
    Column(_("Verification"), "get_verification_display"),
    Column(_("Sensitivity"), "get_sensitivity_display"),
    Column(_("Recorded by"), "get_origin_display"),
]


def dress_filters(filterset) -> None:
    """Show sub-types under their type in the type filter (a type finds all its sub-types), and
    say "all" rather than "unknown" where the casualties filter is not used."""
    fields = filterset.form.fields
    if "incident_type" in fields:
        fields["incident_type"].queryset = selectors.types_in_tree_order()
        fields["incident_type"].label_from_instance = lambda t: f"\u00a0\u00a0{t.name}" if t.parent_id else str(t.name)
        fields["incident_type"].empty_label = _("All types")
    if "with_casualties" in fields:
        fields["with_casualties"].widget.choices = [("unknown", _("All incidents")), ("true", _("Yes")), ("false", _("No"))]


def filtered(request, base):
    """The filter set over ``base`` and what it finds (nothing while the filters are wrong)."""
    filterset = IncidentFilterSet(request.GET or None, queryset=base, request=request)
    dress_filters(filterset)
    if filterset.is_bound and not filterset.is_valid():
        return filterset, base.none()
    return filterset, filterset.qs


class IncidentListView(LoginRequiredMixin, ObjectListView):
    filterset_class = IncidentFilterSet
    columns = INCIDENT_COLUMNS
    export_name = "incidents"
    title = _("Incidents")
    template_name = "incidents/list.html"
    territory = None

    def get_base_queryset(self):
        qs = selectors.visible_incidents(self.request.user)
        if self.territory is not None:
            qs = qs.filter(territory__path__startswith=self.territory.path)
        return qs

    def get_queryset(self):
        self.filterset, qs = filtered(self.request, self.get_base_queryset())
        return qs

    def get(self, request, *args, **kwargs):
        # an export that can carry restricted incidents goes to the security log
        if request.GET.get("export") in ("csv", "xlsx") and self.get_base_queryset().filter(Incident.restricted_q()).exists():
            self.export_logged_as = "incidents"
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        new_query = {"territory": self.territory.code} if self.territory and self.territory.kind in selectors.RECORDING_KINDS else {}
        context.update(
            territory=self.territory,
            can_record=selectors.may_record(self.request.user),
            new_query=new_query,
            map_query=self.map_query(context["query"]),
            any_acled=any(i.origin == Incident.Origin.ACLED for i in context["object_list"]),
        )
        return context

    def map_query(self, query: str) -> str:
        if self.territory is None or "territory=" in query:
            return query
        return f"territory={self.territory.code}" + (f"&{query}" if query else "")


class TerritoryIncidentsView(IncidentListView):
    """The incidents of one territory and everything under it ("All incidents here")."""

    scope_model, scope_action = Incident, "view"  # read by the permission matrix

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        territory = by_code(kwargs["code"])
        if territory is None or not scoping.allowed_within(request.user, "view", Incident, territory):
            raise Http404(_("No territory has this code, or its incidents are outside your access."))
        self.territory = territory
        self.export_name = f"incidents-{territory.code}"
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Incidents in %(territory)s") % {"territory": self.territory.name}
        return context


class IncidentMapView(LoginRequiredMixin, TemplateView):
    """Points of the filtered incidents; the counts beside the map say the same in words."""

    template_name = "incidents/map.html"

    def get(self, request, *args, **kwargs):
        if request.GET.get("export"):  # the shared filter form's download links: the list exports
            return HttpResponseRedirect(f"{reverse('incidents:list')}?{request.GET.urlencode()}")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset, incidents = filtered(self.request, selectors.visible_incidents(self.request.user))
        query = self.request.GET.copy()
        query.pop("page", None)
        query = query.urlencode()
        placement = maps.placement_counts(incidents)
        context.update(
            filterset=filterset,
            query=query,
            groups=maps.group_counts(incidents),
            placement=placement,
            limit=maps.MAP_LIMIT,
            over_limit=placement["total"] > maps.MAP_LIMIT,
            geojson_url=reverse("incidents:map-data") + (f"?{query}" if query else ""),
            verification=Incident.Verification.choices,
            can_record=selectors.may_record(self.request.user),
        )
        return context


class IncidentMapDataView(LoginRequiredMixin, View):
    """GeoJSON of the filtered incidents: their own coordinates, or their territory's point
    (``approximate``) when they have none."""

    def get(self, request):
        filterset, incidents = filtered(request, selectors.visible_incidents(request.user))
        if filterset.is_bound and not filterset.is_valid():
            return JsonResponse({"errors": filterset.errors.get_json_data()}, status=400)
        features, unplaced = maps.features(incidents)
        total = incidents.count()
        return JsonResponse({
            "type": "FeatureCollection", "features": features,
            "total": total, "shown": len(features), "unplaced": unplaced, "limit": maps.MAP_LIMIT,
        }, content_type="application/geo+json")


urlpatterns = [
    path("", IncidentListView.as_view(), name="list"),
    path("in/<str:code>/", TerritoryIncidentsView.as_view(), name="territory"),
    path("map/", IncidentMapView.as_view(), name="map"),
    path("map.geojson", IncidentMapDataView.as_view(), name="map-data"),
]

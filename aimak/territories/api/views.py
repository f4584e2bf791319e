from datetime import date

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from aimak.core import scoping

from .. import selectors
from ..filtersets import TerritoryFilterSet
from ..models import Territory
from .geojson import feature_collection
from .serializers import SuccessorSerializer, TerritorySerializer, TerritoryStateSerializer, TerritoryWithChainSerializer


def _date_param(request, name: str, required: bool = False) -> date | None:
    value = request.query_params.get(name)
    if not value:
        if required:
            raise ValidationError({name: _("This parameter is required (YYYY-MM-DD).")})
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError({name: _("“%(value)s” is not a date in the form YYYY-MM-DD.") % {"value": value}}) from None


DATE = OpenApiParameter("date", OpenApiTypes.DATE, required=True, description="YYYY-MM-DD")


class TerritoryViewSet(viewsets.ReadOnlyModelViewSet):
    """Territories of the gazetteer, by SOATE code (P-codes are accepted too)."""

    queryset = Territory.objects.select_related("parent").order_by("path")
    serializer_class = TerritorySerializer
    filterset_class = TerritoryFilterSet
    lookup_field = "code"
    lookup_value_regex = r"(417\d{11}|KG\d{11})"

    def get_queryset(self):
        return scoping.restrict(super().get_queryset(), self.request.user, "view")

    def get_object(self):
        territory = selectors.by_code(self.kwargs["code"])
        if territory is None or not scoping.can(self.request.user, "view", territory):
            from django.http import Http404

            raise Http404
        return territory

    def retrieve(self, request, *args, **kwargs):
        territory = self.get_object()
        return Response(TerritoryWithChainSerializer(territory, context={"request": request}).data)

    @extend_schema(responses=TerritorySerializer(many=True), parameters=[OpenApiParameter("as_of", OpenApiTypes.DATE)])
    @action(detail=True)
    def children(self, request, code=None):
        """Units directly under this one (now, or as of a date with ?as_of=)."""
        territory = self.get_object()
        as_of = _date_param(request, "as_of")
        if as_of:
            states = selectors.tree_as_of(as_of).filter(parent=territory).select_related("parent", "territory")
            return Response(TerritoryStateSerializer(states, many=True).data)
        qs = selectors.children(territory).select_related("parent")
        return Response(TerritorySerializer(qs, many=True, context={"request": request}).data)

    @extend_schema(responses=TerritoryWithChainSerializer(many=True), parameters=[OpenApiParameter("q", OpenApiTypes.STR, required=True)])
    @action(detail=False)
    def search(self, request):
        """Find territories by any spelling of their name in ky/ru/en, or by code."""
        q = request.query_params.get("q", "")
        limit = request.query_params.get("limit") or "20"
        if not limit.isdigit():
            raise ValidationError({"limit": _("The limit is a whole number.")})
        results = list(selectors.search(q, limit=max(1, min(int(limit), 100))))
        chains = selectors.ancestors_for(results)
        chains = {k: [a for a in v if a.depth > 0] for k, v in chains.items()}
        return Response(TerritoryWithChainSerializer(results, many=True, context={"request": request, "chains": chains}).data)

    @extend_schema(responses=TerritoryStateSerializer(many=True), parameters=[DATE, OpenApiParameter("parent", OpenApiTypes.STR)])
    @action(detail=False, url_path="as-of")
    def as_of(self, request):
        """The whole tree (or one parent's children) as it was on a date, with the edition used."""
        day = _date_param(request, "date", required=True)
        states = selectors.tree_as_of(day).select_related("parent", "territory").order_by("path")
        parent_code = request.query_params.get("parent")
        if parent_code:
            parent = selectors.by_code(parent_code)
            states = states.filter(parent=parent) if parent else states.none()
        edition = selectors.edition_as_of(day)
        page = self.paginate_queryset(states)
        data = TerritoryStateSerializer(page if page is not None else states, many=True).data
        if page is not None:
            response = self.get_paginated_response(data)
            response.data["edition"] = edition.name if edition else None
            return response
        return Response({"edition": edition.name if edition else None, "results": data})

    @extend_schema(responses=SuccessorSerializer(many=True), parameters=[DATE, OpenApiParameter("since", OpenApiTypes.DATE)])
    @action(detail=True)
    def successors(self, request, code=None):
        """Which units (and shares) this unit's data belongs to on the tree of a date."""
        territory = self.get_object()
        day = _date_param(request, "date", required=True)
        since = _date_param(request, "since")
        rows = selectors.successors([territory.pk], as_of=day, since=since)
        names = {t.pk: t for t in Territory.objects.filter(pk__in=[r.territory_id for r in rows])}
        data = [{"territory": names[r.territory_id].code, "name": names[r.territory_id].name, "share": r.share} for r in rows]
        return Response(SuccessorSerializer(data, many=True).data)

    @extend_schema(
        responses={(200, "application/geo+json"): OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter("level", OpenApiTypes.INT, description="1 oblasts, 2 rayons and cities, 3 aiyl aimaks and towns, 4 villages"),
            OpenApiParameter("parent", OpenApiTypes.STR, description="children of this SOATE code"),
            OpenApiParameter("code", OpenApiTypes.STR, description="one territory"),
            OpenApiParameter("full", OpenApiTypes.BOOL, description="full-precision boundaries instead of simplified"),
        ],
    )
    @action(detail=False)
    def geojson(self, request):
        """A GeoJSON FeatureCollection: boundaries where known, centre points otherwise."""
        qs = Territory.objects.filter(valid_to__isnull=True)
        level, parent, code = request.query_params.get("level"), request.query_params.get("parent"), request.query_params.get("code")
        if level:
            if not level.isdigit() or int(level) not in range(0, 5):
                raise ValidationError({"level": _("The level is a number from 0 to 4.")})
            qs = qs.filter(kind__in=selectors.level_kinds(int(level)))
        if parent:
            p = selectors.by_code(parent)
            qs = qs.filter(parent=p) if p else qs.none()
        if code:
            t = selectors.by_code(code)
            qs = Territory.objects.filter(pk=t.pk) if t else qs.none()
        if not (level or parent or code):
            raise ValidationError({"level": _("Give a level, a parent or a code.")})
        full = request.query_params.get("full") in {"1", "true"}
        if not full:
            qs = qs.defer("geometry")
        return Response(feature_collection(qs.order_by("code"), full=full), content_type="application/geo+json")

"""The incident API: the same scope, filters and services as the pages. Incidents outside the
person's territories, and restricted ones they may not see, do not exist for them (404)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.response import Response

from aimak.monitoring.api.views import MonitoringAPIView

from ..filtersets import IncidentFilterSet
from ..selectors import incidents as selectors
from ..services import incidents as services
from . import serializers as s

WRITE_ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Bad input, by field: {\"territory\": [\"No territory has the code …\"]}."),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="You may not record incidents in that territory, or the token is read-only."),
}


@extend_schema_view(
    list=extend_schema(summary="Incidents", tags=["incidents"],
                       description="Incidents in your territories, newest first. Restricted ones only where you may see them "
                       "(and those you recorded). `incident_type` given a type finds all its sub-types."),
    retrieve=extend_schema(summary="One incident", tags=["incidents"]),
)
class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MonitoringAPIView):
    serializer_class = s.IncidentSerializer
    filterset_class = IncidentFilterSet

    def get_queryset(self):
        return selectors.visible_incidents(self.request.user).select_related("reported_by")

    def filter_queryset(self, queryset):
        # list filters only: one incident is found by its id whatever the query string says
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    @extend_schema(summary="Record an incident", tags=["incidents"], request=s.IncidentCreateSerializer,
                   responses={201: s.IncidentSerializer, **WRITE_ERRORS})
    def create(self, request):
        """Record an incident where you may (`create` on its territory); it is counted in the
        incident indicators at once. Errors come back by field."""
        data = s.IncidentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {field: data.validated_data.get(field) for field in services.FIELDS}
        incident = services.record_incident(request.user, values)  # refusals: 403; rule breaks: 400 by field
        fresh = self.get_queryset().filter(pk=incident.pk).first() or incident
        return Response(s.IncidentSerializer(fresh, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Incident types", tags=["incidents"],
                       description="Types and their sub-types (`parent`), their ACLED mapping and the indicator each is counted in."),
    retrieve=extend_schema(summary="One incident type", tags=["incidents"]),
)
class IncidentTypeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MonitoringAPIView):
    """National configuration, readable by anyone signed in."""

    serializer_class = s.IncidentTypeSerializer
    queryset = selectors.types_in_tree_order().select_related("indicator")
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    filter_backends = []

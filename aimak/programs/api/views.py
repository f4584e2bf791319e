"""The program API: read-only, with the pages' scope and filters. Approved programs are public
(open data), so anyone may read them; drafts only where one may view them."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from aimak.core import scoping
from aimak.monitoring.api.views import MonitoringAPIView
from aimak.territories.selectors import without_boundaries

from ..filtersets import ProgramFilterSet
from ..models import Edition, Program
from ..selectors import content as content_selectors
from . import serializers as s


class PublicReadAPIView(MonitoringAPIView):
    permission_classes = [AllowAny]


@extend_schema_view(
    list=extend_schema(summary="Methodology editions", tags=["programs"],
                       description="The SEDP methodologies (2018, 2024) with their templates: sections, profile tables, inclusion checks."),
    retrieve=extend_schema(summary="One methodology edition", tags=["programs"]),
)
class EditionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PublicReadAPIView):
    serializer_class = s.EditionSerializer
    queryset = Edition.objects.all()
    lookup_field = "code"
    filter_backends = []


@extend_schema_view(
    list=extend_schema(summary="Development programs", tags=["programs"],
                       description="Programs you may see: approved ones are public; drafts where you may view them. Same filters as the list page."),
    retrieve=extend_schema(summary="One development program", tags=["programs"]),
)
class ProgramViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PublicReadAPIView):
    serializer_class = s.ProgramSerializer
    filterset_class = ProgramFilterSet

    def get_queryset(self):
        qs = without_boundaries(Program.objects.select_related("territory", "edition"), "territory")
        return scoping.restrict(qs, self.request.user, "view")

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    @extend_schema(summary="The whole program as structured data", tags=["programs"], responses={200: OpenApiTypes.OBJECT},
                   description="Profile, analysis, vision, goals, action plan with funding lines, monitoring matrix, working group: "
                   "the document that versions freeze and the DOCX/PDF render.")
    @action(detail=True, methods=["get"], filter_backends=[])
    def content(self, request, pk=None):
        return Response(content_selectors.program_content(self.get_object()))

    @extend_schema(summary="Inclusion profile", tags=["programs"], responses={200: s.CheckSerializer(many=True)},
                   description="What the program has and lacks for gender, migration and inclusion, check by check.")
    @action(detail=True, methods=["get"], filter_backends=[])
    def inclusion(self, request, pk=None):
        from ..selectors.inclusion import profile

        return Response(s.CheckSerializer(profile(self.get_object()), many=True).data)

    @extend_schema(summary="Financing by year and source", tags=["programs"], responses={200: s.FinancingLineSerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[])
    def financing(self, request, pk=None):
        summary = content_selectors.financing_summary(self.get_object())
        lines = [{"year": year, "source": source, "amount": amount} for (year, source), amount in sorted(summary["cells"].items())]
        return Response(s.FinancingLineSerializer(lines, many=True).data)

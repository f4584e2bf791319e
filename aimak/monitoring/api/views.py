"""The monitoring API: thin views over the selectors and workflow services.

Everything here needs a signed-in person (session or token): the national configuration is
readable by anyone signed in; monitoring data goes through ``scoping.restrict`` so rows
outside the person's territories do not exist for them (404). Writes call the same services
as the pages, so the API can never do what the pages refuse."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.utils.decorators import method_decorator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings

from aimak.accounts.tokens import TokenScopePermission
from aimak.core import scoping
from aimak.core.answers import kept
from aimak.territories.selectors import without_boundaries

from ..models import (
    AggregateValue,
    Alert,
    DataValue,
    Domain,
    FormIndicator,
    IndexValue,
    Indicator,
    PlanMeasure,
    Report,
    ReportingForm,
    ResponsePlan,
)
from . import serializers as s
from .filters import (
    AggregateValueFilterSet,
    AlertAPIFilterSet,
    DataValueFilterSet,
    IndexValueFilterSet,
    IndicatorAPIFilterSet,
    PlanAPIFilterSet,
    ReportAPIFilterSet,
)
from .renderers import CSVRenderer

CODE = r"[-a-zA-Z0-9_]+"

WRITE_ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Bad input: {field: [messages]}, e.g. {\"value:fights:\": [\"…\"]}."),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="Not allowed (role, read-only token, locked report)."),
    404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such object within your territories."),
}


def _error_dict(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}


class MonitoringAPIView(viewsets.GenericViewSet):
    """Signed-in people only; read-only tokens only read; service refusals become HTTP errors."""

    permission_classes = [IsAuthenticated, TokenScopePermission]

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            exc = ValidationError(_error_dict(exc))
        return super().handle_exception(exc)


class ScopedAPIView(MonitoringAPIView):
    def get_queryset(self):
        return scoping.restrict(super().get_queryset(), self.request.user, "view")


# --- national configuration ---------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Domains of the index", tags=["monitoring: catalogue"]),
    retrieve=extend_schema(summary="One domain", tags=["monitoring: catalogue"]),
)
class DomainViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MonitoringAPIView):
    """The six domains of the brief and their weights in the tension index."""

    queryset = Domain.objects.all()
    serializer_class = s.DomainSerializer
    lookup_field = "code"
    lookup_value_regex = CODE


@extend_schema_view(
    list=extend_schema(summary="Indicator catalogue", tags=["monitoring: catalogue"]),
    retrieve=extend_schema(summary="One indicator", tags=["monitoring: catalogue"]),
)
class IndicatorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MonitoringAPIView):
    """Indicators with names in the three languages, thresholds, formula parts and version."""

    queryset = Indicator.objects.select_related("domain", "numerator", "denominator")
    serializer_class = s.IndicatorSerializer
    filterset_class = IndicatorAPIFilterSet
    lookup_field = "code"
    lookup_value_regex = CODE

    @extend_schema(summary="Version history of an indicator", tags=["monitoring: catalogue"], responses=s.IndicatorVersionSerializer(many=True))
    @action(detail=True, filter_backends=[])
    def versions(self, request, code=None):
        """What the indicator said at each version, newest first."""
        indicator = self.get_object()
        qs = indicator.versions.select_related("changed_by").order_by("-version")
        page = self.paginate_queryset(qs)
        data = s.IndicatorVersionSerializer(page, many=True).data
        return self.get_paginated_response(data)


@extend_schema_view(
    list=extend_schema(summary="Reporting forms", tags=["monitoring: catalogue"]),
    retrieve=extend_schema(summary="One reporting form", tags=["monitoring: catalogue"]),
)
class ReportingFormViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MonitoringAPIView):
    """Forms: their indicators (order, required), who must report them and how many reporters
    that makes on today's map."""

    queryset = ReportingForm.objects.prefetch_related(
        Prefetch("items", queryset=FormIndicator.objects.select_related("indicator").order_by("order", "id")),
        "assignments__area",
        "closures",
    )
    serializer_class = s.ReportingFormSerializer
    lookup_field = "code"
    lookup_value_regex = CODE


# --- reports --------------------------------------------------------------------------------


def _report_queryset():
    values = DataValue.objects.select_related("indicator").order_by("indicator__code", "category")
    return without_boundaries(Report.objects.select_related("form", "territory", "submitted_by"), "territory").prefetch_related(Prefetch("values", queryset=values))


@extend_schema_view(
    list=extend_schema(summary="Reports with their values", tags=["monitoring: reports"]),
    retrieve=extend_schema(summary="One report with its values and log", tags=["monitoring: reports"]),
)
class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedAPIView):
    """Periodic reports of the territories you can see, with their values nested."""

    queryset = _report_queryset()
    serializer_class = s.ReportSerializer
    filterset_class = ReportAPIFilterSet

    def get_serializer_class(self):
        return s.ReportSerializer if self.action == "list" else s.ReportDetailSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action != "list":
            qs = qs.prefetch_related("events__user")
        return qs

    def _respond(self, report, status_code=status.HTTP_200_OK):
        fresh = self.get_queryset().filter(pk=report.pk).first() or report
        return Response(s.ReportDetailSerializer(fresh, context=self.get_serializer_context()).data, status=status_code)

    def _report(self):
        """The report, if the person can see it (404 otherwise); the service decides the rest."""
        return self.get_object()

    def filter_queryset(self, queryset):
        # list filters only: a write on /reports/{id}/ must not depend on the query string
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    @extend_schema(
        summary="Start a report", tags=["monitoring: reports"], request=s.ReportStartSerializer,
        responses={201: s.ReportDetailSerializer, 200: OpenApiResponse(s.ReportDetailSerializer, description="Already started: the existing report."), **WRITE_ERRORS},
    )
    def create(self, request):
        """Open the draft of a form for a territory and period (the existing one if already started)."""
        from ..services import reporting

        data = s.ReportStartSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        v = data.validated_data
        existed = Report.objects.filter(form=v["form"], territory=v["territory"], period_start=v["period"].start).exists()
        report = reporting.start_report(request.user, v["form"], v["territory"], v["period"].start)
        return self._respond(report, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(
        summary="Save the draft's values", tags=["monitoring: reports"], request=s.DraftSerializer,
        responses={200: s.DraftResultSerializer, **WRITE_ERRORS},
        description="Values, narrative and sources of a draft or returned report. `revision` must be the report's "
        "current revision (from GET); otherwise 400 tells you someone saved in between. Values not listed, and an omitted "
        "narrative or sources, stay as they are; an empty value clears one. Invalid values save nothing (400 keyed "
        "`value:<indicator>:<category>`); `warnings` lists what submission will still ask for.",
    )
    @action(detail=True, methods=["put", "patch"])
    def values(self, request, pk=None):
        from ..services import reporting

        report = self._report()
        data = s.DraftSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        report, warnings = reporting.save_draft(request.user, report, v["values"], v.get("narrative"), v.get("sources"), v["revision"])
        warnings = {k: [str(m) for m in (msgs if isinstance(msgs, (list, tuple)) else [msgs])] for k, msgs in (warnings or {}).items()}
        fresh = self.get_queryset().filter(pk=report.pk).first() or report
        return Response({"report": s.ReportDetailSerializer(fresh, context=self.get_serializer_context()).data, "warnings": warnings})

    @extend_schema(summary="Submit the report", tags=["monitoring: reports"], request=None, responses={200: s.ReportDetailSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Send the report for review; it counts in the analysis at once."""
        from ..services import reporting

        report = self._report()
        return self._respond(reporting.submit(request.user, report) or report)

    @extend_schema(
        summary="Return the report with comments", tags=["monitoring: reports"], request=s.RequiredCommentSerializer,
        responses={200: s.ReportDetailSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_report(self, request, pk=None):
        from ..services import reporting

        report = self._report()
        data = s.RequiredCommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._respond(reporting.return_report(request.user, report, data.validated_data["comment"]) or report)

    @extend_schema(
        summary="Approve the report", tags=["monitoring: reports"], request=s.CommentSerializer,
        responses={200: s.ReportDetailSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve at your level (district, then oblast); approved reports are locked."""
        from ..services import reporting

        report = self._report()
        data = s.CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._respond(reporting.approve(request.user, report, data.validated_data["comment"]) or report)

    @extend_schema(
        summary="Reopen an approved report", tags=["monitoring: reports"], request=s.ReasonSerializer,
        responses={200: s.ReportDetailSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        from ..services import reporting

        report = self._report()
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._respond(reporting.reopen(request.user, report, data.validated_data["reason"]) or report)


# --- analysis -------------------------------------------------------------------------------

FLAT_RENDERERS = [*api_settings.DEFAULT_RENDERER_CLASSES, CSVRenderer]


@extend_schema_view(list=extend_schema(
    summary="Entered values, one row each", tags=["monitoring: analysis"],
    description="Flat rows for spreadsheets; add `format=csv` for a CSV file (one page: raise `limit` for more).",
))
class DataValueViewSet(mixins.ListModelMixin, ScopedAPIView):
    queryset = without_boundaries(DataValue.objects.select_related("indicator", "territory", "report__form"), "territory").order_by(
        "period_start", "territory_path", "indicator__code", "category", "id"
    )
    serializer_class = s.DataValueSerializer
    filterset_class = DataValueFilterSet
    renderer_classes = FLAT_RENDERERS


@extend_schema_view(list=extend_schema(
    summary="Rolled-up values", tags=["monitoring: analysis"],
    description="Each indicator rolled up by its rule for territories at every level, from counted reports on the tree "
    "as of the period. `reports` is how many reports a figure stands on. `format=csv` for a CSV file.",
))
class AggregateValueViewSet(mixins.ListModelMixin, ScopedAPIView):
    queryset = without_boundaries(AggregateValue.objects.select_related("indicator", "territory"), "territory").order_by(
        "period_start", "territory__path", "indicator__code", "category"
    )
    serializer_class = s.AggregateValueSerializer
    filterset_class = AggregateValueFilterSet
    renderer_classes = FLAT_RENDERERS


@extend_schema_view(list=extend_schema(
    summary="Tension index", tags=["monitoring: analysis"],
    description="The 0–100 index per territory and period with its level and breakdown (which indicators pushed it, by how much). "
    "`level` filters by tension level (blue…red), `territory_level` by level of the territory.",
))
@method_decorator(kept(page=False), name="dispatch")
class IndexValueViewSet(mixins.ListModelMixin, ScopedAPIView):
    queryset = without_boundaries(IndexValue.objects.select_related("territory"), "territory").order_by("territory__path", "period_type", "period_start")
    serializer_class = s.IndexValueSerializer
    filterset_class = IndexValueFilterSet


# --- alerts and plans ---------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Alerts", tags=["monitoring: alerts"]),
    retrieve=extend_schema(summary="One alert with its evidence and log", tags=["monitoring: alerts"]),
)
@method_decorator(kept(page=False), name="dispatch")
class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedAPIView):
    """Alerts in your territories with the evidence that raised them."""

    queryset = without_boundaries(Alert.objects.select_related("rule", "territory", "acknowledged_by", "escalated_to"), "territory", "escalated_to").prefetch_related("plans")
    serializer_class = s.AlertSerializer
    filterset_class = AlertAPIFilterSet

    def get_serializer_class(self):
        return s.AlertSerializer if self.action == "list" else s.AlertDetailSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        return qs if self.action == "list" else qs.prefetch_related("events__user")

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def _act(self, service_name: str):
        from ..services import alert_workflow

        alert = self.get_object()
        data = s.CommentSerializer(data=self.request.data)
        data.is_valid(raise_exception=True)
        getattr(alert_workflow, service_name)(self.request.user, alert, comment=data.validated_data["comment"])
        fresh = self.get_queryset().filter(pk=alert.pk).first() or alert
        return Response(s.AlertDetailSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(summary="Acknowledge the alert", tags=["monitoring: alerts"], request=s.CommentSerializer,
                   responses={200: s.AlertDetailSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Say that you have seen it and take it on (who and when are kept)."""
        return self._act("acknowledge")

    @extend_schema(summary="Escalate the alert to the next level", tags=["monitoring: alerts"], request=s.CommentSerializer,
                   responses={200: s.AlertDetailSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        return self._act("escalate")

    @extend_schema(summary="Resolve the alert", tags=["monitoring: alerts"], request=s.CommentSerializer,
                   responses={200: s.AlertDetailSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._act("resolve")


@extend_schema_view(
    list=extend_schema(summary="Prevention and response plans", tags=["monitoring: plans"]),
    retrieve=extend_schema(summary="One plan with its measures and progress", tags=["monitoring: plans"]),
)
class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedAPIView):
    """Plans of your territories with their measures, progress updates and the alerts they answer."""

    queryset = without_boundaries(ResponsePlan.objects.select_related("territory", "created_by"), "territory").prefetch_related(
        "alerts", Prefetch("measures", queryset=PlanMeasure.objects.order_by("order", "id")), "updates__user"
    )
    serializer_class = s.PlanSerializer
    filterset_class = PlanAPIFilterSet

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    @extend_schema(summary="Open a plan", tags=["monitoring: plans"], request=s.PlanCreateSerializer,
                   responses={201: s.PlanSerializer, **WRITE_ERRORS})
    def create(self, request):
        """Open a plan for a territory, from its type's template unless `from_template` is false."""
        from ..services import plans

        data = s.PlanCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        v = data.validated_data
        plan = plans.create_plan(
            request.user, territory=v["territory"], plan_type=v["plan_type"], title=v["title"], goal=v["goal"], risks=v["risks"],
            starts_on=v["starts_on"], ends_on=v["ends_on"], alerts=v["alerts"], from_template=v["from_template"],
        )
        fresh = self.get_queryset().filter(pk=plan.pk).first() or plan
        return Response(s.PlanSerializer(fresh, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED)

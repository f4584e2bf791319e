"""The calls API, read-only: calls with their criteria, and applications with their aggregated
scores. Anyone sees announced calls and published results; the rest follows the pages' rules."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from ..selectors import calls as selectors
from ..selectors import scores
from . import serializers as s


@extend_schema_view(
    list=extend_schema(summary="Calls and competitions", tags=["calls"],
                       description="Announced calls (drafts only for those who prepare them and their commission), with their criteria."),
    retrieve=extend_schema(summary="One call", tags=["calls"]),
)
class CallViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.CallSerializer
    filter_backends = []

    def get_queryset(self):
        return selectors.visible_calls(self.request.user).prefetch_related("criteria", "eligible").order_by("-opens", "-id")


@extend_schema_view(
    list=extend_schema(summary="Applications", tags=["calls"],
                       description="Applications you may see, with the commission's aggregated scores where the results are "
                       "published or you organise the call or chair its commission.",
                       parameters=[OpenApiParameter("call", int, description="Only the applications to this call (its id).")]),
    retrieve=extend_schema(summary="One application", tags=["calls"]),
)
class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.ApplicationSerializer
    filter_backends = []

    def get_queryset(self):
        qs = selectors.visible_applications(self.request.user).select_related("subject_type")
        call = self.request.query_params.get("call")
        if self.action == "list" and call and call.isdigit():
            qs = qs.filter(call_id=int(call))
        return scores.aggregated(qs).order_by("call", "rank", "pk")

    def get_serializer(self, *args, **kwargs):
        objects = args[0] if args else None
        if objects is not None:
            items = list(objects) if hasattr(objects, "__iter__") else [objects]
            kwargs.setdefault("context", self.get_serializer_context())
            kwargs["context"]["means"] = scores.criterion_means(applications=[a.pk for a in items])
        return super().get_serializer(*args, **kwargs)

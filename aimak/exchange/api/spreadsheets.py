"""The Excel templates over the API: fetch a form's template for a period, post it back filled.
Thin: the same service as the page, the same report as JSON."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from aimak.accounts.tokens import TokenScopePermission
from aimak.core.imports import SourceError
from aimak.monitoring.models import ReportingForm

from ..services import spreadsheets as services

TRUE = {"1", "true", "yes", "on"}


def _errors(exc: DjangoValidationError) -> dict:
    return exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}


class SpreadsheetTemplateAPIView(APIView):
    """GET: the XLSX template (``?filled=1`` with the current values). POST (multipart ``file``):
    import it; ``mode`` all (default: any error saves nothing) or valid (the valid rows are
    saved); ``submit`` (default true), ``clear_empty``, ``dry_run``."""

    permission_classes = [IsAuthenticated, TokenScopePermission]
    parser_classes = [MultiPartParser, FormParser]

    def _target(self, form_code, period):
        form = ReportingForm.objects.filter(code=form_code, is_active=True).first()
        if form is None:
            raise Http404
        return form, services.parse_period(form, period)

    @extend_schema(
        summary="Excel template of a form for a period",
        parameters=[OpenApiParameter("filled", OpenApiTypes.BOOL, description="prefill with the current values")],
        responses={(200, services.XLSX_TYPE): OpenApiTypes.BINARY, 400: OpenApiResponse(OpenApiTypes.OBJECT)},
    )
    def get(self, request, form_code, period):
        filled = str(request.query_params.get("filled", "")).lower() in TRUE
        try:
            form, span = self._target(form_code, period)
            content = services.build_template(request.user, form, span, filled=filled)
        except DjangoValidationError as exc:
            return Response(_errors(exc), status=status.HTTP_400_BAD_REQUEST)
        response = HttpResponse(content, content_type=services.XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{services.template_filename(form, span, filled=filled)}"'
        return response

    @extend_schema(
        summary="Import a filled Excel template",
        request={"multipart/form-data": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary"}, "mode": {"type": "string", "enum": ["all", "valid"]},
            "submit": {"type": "boolean"}, "clear_empty": {"type": "boolean"}, "dry_run": {"type": "boolean"}}}},
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="The import report, row by row."),
                   400: OpenApiResponse(OpenApiTypes.OBJECT, description="File refused, or rows rejected with nothing saved.")},
    )
    def post(self, request, form_code, period):
        data = request.data
        flag = lambda name, default=False: str(data.get(name, default)).lower() in TRUE  # noqa: E731
        upload = request.FILES.get("file")
        if upload is None:
            return Response({"file": [_("Attach the filled-in template as the multipart field “file”.")]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            form, span = self._target(form_code, period)
            result = services.import_template(
                request.user, upload, form, span, valid_rows_only=data.get("mode") == "valid",
                submit=flag("submit", True), clear_empty=flag("clear_empty"), dry_run=flag("dry_run"))
        except DjangoValidationError as exc:
            return Response(_errors(exc), status=status.HTTP_400_BAD_REQUEST)
        except SourceError as exc:
            return Response({"file": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        ok = result.committed or (result.dry_run and not (result.rejected and not result.valid_rows_only))
        return Response(result.as_dict(), status=status.HTTP_200_OK if ok else status.HTTP_400_BAD_REQUEST)


urlpatterns = [
    path("spreadsheets/<slug:form_code>/<str:period>/", SpreadsheetTemplateAPIView.as_view(), name="spreadsheet"),
]

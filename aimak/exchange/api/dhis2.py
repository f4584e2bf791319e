"""DHIS2's ``dataValueSets`` endpoint, spoken by Aimak: a ministry's DHIS2 (or any script
written for DHIS2) can post and fetch values with ``idScheme=code``. Thin: reading options
and bodies here, everything else in ``services/dhis2.py``."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.http.request import RawPostDataException
from django.utils.translation import gettext as _
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from aimak.accounts.tokens import TokenScopePermission
from aimak.core.exports import stream_csv

from ..services import dhis2 as services
from ..selectors import dhis2 as selectors

SUMMARY_EXAMPLE = {
    "responseType": "ImportSummary",
    "status": "WARNING",
    "description": "The valid values were imported; the conflicts were refused (conflicts: 1).",
    "importOptions": {"dryRun": False, "importStrategy": "CREATE_AND_UPDATE", "atomicMode": "NONE", "idSchemes": {"idScheme": "CODE"}},
    "importCount": {"imported": 5, "updated": 1, "ignored": 1, "deleted": 0},
    "conflicts": [{"object": "202613", "value": "value 7: “202613” is not a period: there is no month 13.", "indexes": [6]}],
}
BODY_EXAMPLE = {
    "dataSet": "monthly-monitoring",
    "period": "202603",
    "orgUnit": "41702210815000",
    "dataValues": [
        {"dataElement": "fights", "categoryOptionCombo": "total", "value": "3"},
        {"dataElement": "fights", "categoryOptionCombo": "f", "value": "1"},
        {"dataElement": "trust", "period": "202603", "orgUnit": "41702210815000", "value": "40", "comment": "survey"},
    ],
}
IMPORT_PARAMETERS = [
    OpenApiParameter("dryRun", OpenApiTypes.BOOL, description="Check and count, write nothing."),
    OpenApiParameter("importStrategy", OpenApiTypes.STR, enum=list(services.STRATEGIES),
                     description="CREATE (new values only), UPDATE (existing only), CREATE_AND_UPDATE (default), DELETE."),
    OpenApiParameter("atomicMode", OpenApiTypes.STR, enum=["ALL", "NONE"],
                     description="ALL (default): any conflict and nothing is written. NONE: the valid reports are written."),
    OpenApiParameter("idScheme", OpenApiTypes.STR, enum=["code"], description="Only code: indicator codes, SOATE codes, category codes."),
]
EXPORT_PARAMETERS = [
    OpenApiParameter("dataSet", OpenApiTypes.STR, many=True, description="Form code(s)."),
    OpenApiParameter("orgUnit", OpenApiTypes.STR, many=True, description="SOATE code(s)."),
    OpenApiParameter("children", OpenApiTypes.BOOL, description="Include every territory under each orgUnit."),
    OpenApiParameter("period", OpenApiTypes.STR, many=True, description="ISO period(s): 202603, 2026Q1, 2026."),
    OpenApiParameter("startDate", OpenApiTypes.DATE, description="Periods starting on or after this day."),
    OpenApiParameter("endDate", OpenApiTypes.DATE, description="Periods starting on or before this day."),
    OpenApiParameter("lastUpdated", OpenApiTypes.DATETIME, description="Reports changed at or after this moment."),
    OpenApiParameter("idScheme", OpenApiTypes.STR, enum=["code"]),
]


def _summary_response(summary: services.ImportSummary, code: int | None = None) -> Response:
    if code is None:
        code = status.HTTP_409_CONFLICT if summary.status == "ERROR" else status.HTTP_200_OK
    return Response(summary.as_dict(), status=code)


def _body(request) -> bytes | None:
    """The raw body, read at most one byte past the limit (None: too large)."""
    raw = request._request
    try:
        declared = int(raw.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > services.MAX_BYTES:
        return None
    if hasattr(raw, "_body"):
        data = raw._body
    else:
        try:
            data = raw.read(services.MAX_BYTES + 1)
        except RawPostDataException:  # a multipart form was parsed already
            raise services.PayloadError(_("Send the data value set as the request body (JSON or CSV), not as a form.")) from None
    return None if len(data) > services.MAX_BYTES else data


class DataValueSetsView(APIView):
    """Import (POST) and export (GET) of data values in DHIS2's format."""

    permission_classes = [IsAuthenticated, TokenScopePermission]

    def perform_content_negotiation(self, request, force=False):
        # a CSV client asking for text/csv gets CSV from get(); errors still answer in JSON
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="dhis2_data_value_sets_export",
        summary="Export data values as a DHIS2 data value set",
        description=("Values of submitted and approved reports within your territories, as DHIS2 JSON "
                     "(`{\"dataValues\": [...]}`) or CSV (columns dataelement, period, orgunit, categoryoptioncombo, "
                     "attributeoptioncombo, value, storedby, lastupdated, comment, followup). Streamed. "
                     "Use the suffix .json or .csv, or Accept: text/csv."),
        parameters=EXPORT_PARAMETERS,
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="The data value set (JSON or CSV)."),
                   400: OpenApiResponse(OpenApiTypes.OBJECT, description="A filter Aimak cannot read: {\"detail\": \"…\"}.")},
    )
    def get(self, request, fmt: str | None = None):
        try:
            filters = selectors.ExportFilters.from_params(request.query_params)
        except services.OptionError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        if fmt is None:
            accept = request.META.get("HTTP_ACCEPT", "")
            fmt = "csv" if ("text/csv" in accept or "application/csv" in accept) else "json"
        if fmt == "csv":
            return stream_csv("dataValueSets.csv", services.CSV_HEADER, selectors.export_csv_rows(request.user, filters))
        response = StreamingHttpResponse(selectors.export_json_chunks(request.user, filters), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="dataValueSets.json"'
        return response

    @extend_schema(
        operation_id="dhis2_data_value_sets_import",
        summary="Import a DHIS2 data value set",
        description=("Body: DHIS2 JSON (application/json) or CSV (text/csv or application/csv; header row optional, "
                     "columns in DHIS2's order). Codes: dataElement = indicator code, orgUnit = SOATE code, "
                     "categoryOptionCombo = category code or \"total\" (empty also means the total), "
                     "period = 202603 / 2026Q1 / 2026; attributeOptionCombo is ignored. The values of one form, "
                     "territory and period become one report, submitted. At most 20 MB and 200,000 values. "
                     "Needs a token with write scope (or a session)."),
        parameters=IMPORT_PARAMETERS,
        request={"application/json": OpenApiTypes.OBJECT, "text/csv": OpenApiTypes.STR, "application/csv": OpenApiTypes.STR},
        examples=[OpenApiExample("Data value set", value=BODY_EXAMPLE, request_only=True),
                  OpenApiExample("Import summary", value=SUMMARY_EXAMPLE, response_only=True)],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="Import summary: SUCCESS, or WARNING with conflicts (atomicMode=NONE)."),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Unreadable payload or unsupported option (import summary with status ERROR)."),
            403: OpenApiResponse(OpenApiTypes.OBJECT, description="Read-only token or not signed in."),
            409: OpenApiResponse(OpenApiTypes.OBJECT, description="Import summary with status ERROR: conflicts, nothing written."),
            413: OpenApiResponse(OpenApiTypes.OBJECT, description="Payload over 20 MB or 200,000 values."),
            415: OpenApiResponse(OpenApiTypes.OBJECT, description="A form upload instead of a JSON or CSV body."),
        },
    )
    def post(self, request, fmt: str | None = None):
        try:
            options = services.ImportOptions.from_params(request.query_params)
        except services.OptionError as exc:
            return _summary_response(services.refused_summary(None, str(exc)), status.HTTP_400_BAD_REQUEST)
        if (request.content_type or "").lower().startswith("multipart/"):
            message = _("Send the data value set as the request body (JSON or CSV), not as a form.")
            return _summary_response(services.refused_summary(options, message), status.HTTP_415_UNSUPPORTED_MEDIA_TYPE)
        try:
            data = _body(request)
        except services.PayloadError as exc:
            return _summary_response(services.refused_summary(options, str(exc)), status.HTTP_400_BAD_REQUEST)
        if data is None:
            return _summary_response(services.refused_summary(options, services.too_large_message()), status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        kind = fmt or services.detect_format(request.content_type, "", data)
        try:
            summary = services.import_data_values(request.user, data, fmt=kind, options=options)
        except services.PayloadTooLarge as exc:
            return _summary_response(services.refused_summary(options, str(exc)), status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        except services.PayloadError as exc:
            return _summary_response(services.refused_summary(options, str(exc)), status.HTTP_400_BAD_REQUEST)
        return _summary_response(summary)


@extend_schema_view(get=extend_schema(operation_id="dhis2_data_value_sets_export_json", summary="Export data values as DHIS2 JSON"))
class DataValueSetsJSONView(DataValueSetsView):
    """``dataValueSets.json``: DHIS2's export address; imports go to ``dataValueSets``."""

    http_method_names = ["get", "head", "options"]


@extend_schema_view(get=extend_schema(operation_id="dhis2_data_value_sets_export_csv", summary="Export data values as DHIS2 CSV"))
class DataValueSetsCSVView(DataValueSetsView):
    http_method_names = ["get", "head", "options"]


urlpatterns = [
    path("dhis2/dataValueSets", DataValueSetsView.as_view(), name="exchange-dhis2-datavaluesets"),
    path("dhis2/dataValueSets.json", DataValueSetsJSONView.as_view(), {"fmt": "json"}, name="exchange-dhis2-datavaluesets-json"),
    path("dhis2/dataValueSets.csv", DataValueSetsCSVView.as_view(), {"fmt": "csv"}, name="exchange-dhis2-datavaluesets-csv"),
]

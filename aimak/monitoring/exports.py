"""XLSX exports of list pages, next to the CSV ones every ``ObjectListView`` already has.

Any monitoring list built on ``ObjectListView`` gets ``?export=xlsx`` by adding
``XlsxExportMixin`` before it; the workbook is written in constant memory (write-only mode)."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse

from aimak.core.tables import rows

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value):
    if value is None or isinstance(value, (int, float, Decimal, bool)):
        return value
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return value
    return str(value)


def xlsx_response(filename: str, header: list, body, *, sheet: str = "data") -> HttpResponse:
    """A one-sheet workbook: a bold header row, then one row per item of ``body``."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=sheet[:31])
    bold = Font(bold=True)
    head = []
    for title in header:
        cell = WriteOnlyCell(worksheet, value=str(title))
        cell.font = bold
        head.append(cell)
    worksheet.append(head)
    for row in body:
        worksheet.append([_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class XlsxExportMixin:
    """``?export=xlsx`` on an ``ObjectListView``: the same filter and columns as the CSV."""

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            qs = self.get_queryset()
            header = [c.header for c in self.columns]
            body = ([value for _column, value in cells] for _obj, cells in rows(qs.iterator(chunk_size=2000), self.columns))
            return xlsx_response(f"{self.export_name}.xlsx", header, body, sheet=str(self.export_name))
        return super().get(request, *args, **kwargs)

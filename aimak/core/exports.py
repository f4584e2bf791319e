"""Exports that stream: memory stays flat whatever the number of rows."""

import csv

from django.http import StreamingHttpResponse


class _Echo:
    def write(self, value):
        return value


def stream_csv(filename: str, header: list, rows_iter) -> StreamingHttpResponse:
    """CSV in UTF-8 with a BOM, so Excel opens Kyrgyz and Russian text correctly."""
    writer = csv.writer(_Echo())

    def generate():
        yield "\ufeff" + writer.writerow([str(h) for h in header])
        for row in rows_iter:
            yield writer.writerow(row)

    response = StreamingHttpResponse(generate(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(filename: str, header: list, rows, *, sheet_name: str = "") -> "HttpResponse":
    """One-sheet XLSX (write-only, so memory grows with the file, not with cell objects).
    Numbers and dates stay numbers and dates; text that starts like a formula stays text."""
    import datetime
    import io
    from decimal import Decimal

    from django.http import HttpResponse
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(sheet_name)[:31] or None)

    def cell(value):
        if value is None or isinstance(value, (bool, int, float, Decimal, datetime.date)):
            if isinstance(value, datetime.datetime) and value.tzinfo is not None:
                value = value.replace(tzinfo=None)  # XLSX has no time zones; the server's local time is written
            return value
        text = str(value)
        if text.startswith(("=", "+", "-", "@")):
            c = WriteOnlyCell(sheet, value=text)
            c.data_type = "s"
            return c
        return text

    bold = Font(bold=True)
    head = []
    for title in header:
        c = WriteOnlyCell(sheet, value=str(title))
        c.font = bold
        head.append(c)
    sheet.append(head)
    for row in rows:
        sheet.append([cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

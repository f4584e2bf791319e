"""Exports that stream: memory stays flat whatever the number of rows.

The same writers serve a download streamed to the browser and a file written by a background
job (``aimak.exchange`` exports): rows come from an iterator and are never collected."""

import csv

from django.http import HttpResponse, StreamingHttpResponse

BOM = "\ufeff"  # so that Excel opens Kyrgyz and Russian text in UTF-8 correctly


class _Echo:
    def write(self, value):
        return value


def csv_lines(header: list, rows_iter):
    """CSV text line by line: a BOM and the header first, then one line per row."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow([str(h) for h in header])
    for row in rows_iter:
        yield writer.writerow(row)


def stream_csv(filename: str, header: list, rows_iter) -> StreamingHttpResponse:
    """CSV in UTF-8 with a BOM, so Excel opens Kyrgyz and Russian text correctly."""
    response = StreamingHttpResponse(csv_lines(header, rows_iter), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def write_csv(path, header: list, rows_iter) -> None:
    """The same CSV as ``stream_csv``, written to a file."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(BOM)
        writer = csv.writer(out)
        writer.writerow([str(h) for h in header])
        for row in rows_iter:
            writer.writerow(row)


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


SHEET_ROWS = 1_048_576  # rows of one worksheet, the header included: Excel opens no more


def xlsx_workbook(header: list, rows, *, sheet_name: str = "", rows_per_sheet: int = SHEET_ROWS):
    """A write-only workbook filled from ``rows``: openpyxl writes each row to a temporary
    file as it is appended, so memory does not grow with the number of rows. A sheet holds
    what Excel can open; more rows continue on "name (2)", "name (3)"…, each with the header.
    Numbers and dates stay numbers and dates; text that starts like a formula stays text."""
    import datetime
    from decimal import Decimal

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    base = str(sheet_name)[:25]
    bold = Font(bold=True)

    def new_sheet(number: int):
        title = (f"{base} ({number})" if base else f"Sheet{number}") if number > 1 else (base or None)
        sheet = workbook.create_sheet(title=title)
        head = []
        for text in header:
            c = WriteOnlyCell(sheet, value=str(text))
            c.font = bold
            head.append(c)
        sheet.append(head)
        return sheet

    def cell(sheet, value):
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

    number, sheet, filled = 1, new_sheet(1), 1
    for row in rows:
        if filled >= rows_per_sheet:
            number += 1
            sheet, filled = new_sheet(number), 1
        sheet.append([cell(sheet, v) for v in row])
        filled += 1
    return workbook


def write_xlsx(path, header: list, rows, *, sheet_name: str = "") -> None:
    xlsx_workbook(header, rows, sheet_name=sheet_name).save(path)


def xlsx_response(filename: str, header: list, rows, *, sheet_name: str = "") -> HttpResponse:
    """One-sheet XLSX (write-only, so memory grows with the file, not with cell objects)."""
    import io

    from django.http import HttpResponse

    buffer = io.BytesIO()
    xlsx_workbook(header, rows, sheet_name=sheet_name).save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

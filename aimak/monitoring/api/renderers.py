"""CSV for the flat lists (values, aggregates), so ``?format=csv`` opens straight in Excel."""

import csv
import io

from rest_framework import renderers


class CSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict):
            rows = data["results"] if "results" in data else [data]
        else:
            rows = list(data or [])
        out = io.StringIO()
        out.write("\ufeff")  # Excel reads Kyrgyz and Russian correctly with a BOM
        if rows:
            header = list(rows[0].keys())
            writer = csv.writer(out)
            writer.writerow(header)
            for row in rows:
                writer.writerow(["" if row.get(h) is None else row.get(h) for h in header])
        response = (renderer_context or {}).get("response")
        view = (renderer_context or {}).get("view")
        if response is not None and response.status_code < 400:
            name = getattr(view, "basename", None) or "export"
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return out.getvalue().encode(self.charset)

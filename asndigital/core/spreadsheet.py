"""Cells for files people open in spreadsheet programs."""

import csv

from django.http import StreamingHttpResponse


def spreadsheet_safe(text: str) -> str:
    """Neutralise cells a spreadsheet would run as a formula (CSV/XLSX injection)."""
    text = "" if text is None else str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(filename: str, header: list[str], rows):
    """A streamed CSV download (UTF-8 with BOM, so that spreadsheet programs read it right),
    every cell neutralised; memory does not grow with the number of rows."""

    class Echo:
        def write(self, value):
            return value

    writer = csv.writer(Echo())

    def stream():
        yield "\ufeff"
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([spreadsheet_safe(v) for v in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

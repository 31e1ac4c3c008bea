"""Cells for files people open in spreadsheet programs."""

import csv
import io

from django.http import StreamingHttpResponse

# What a cell a spreadsheet would run as a formula starts with.
FORMULA_STARTS = frozenset(("=", "+", "-", "@", "\t", "\r"))
# Rows per piece of a streamed CSV: one piece per row made the response's per-piece work
# (encoding, its charset looked up) cost more than writing the rows (docs/performance.md).
CSV_PIECE_ROWS = 500


def spreadsheet_safe(text: str) -> str:
    """Neutralise cells a spreadsheet would run as a formula (CSV/XLSX injection)."""
    if text.__class__ is not str:
        text = "" if text is None else str(text)
    return "'" + text if text[:1] in FORMULA_STARTS else text


def csv_response(filename: str, header: list[str], rows):
    """A streamed CSV download (UTF-8 with BOM, so that spreadsheet programs read it right),
    every cell neutralised, sent in pieces of ``CSV_PIECE_ROWS`` rows; memory does not grow with
    the number of rows."""

    def stream():
        piece = io.StringIO()
        writer = csv.writer(piece)
        piece.write("\ufeff")
        writer.writerow(header)
        for count, row in enumerate(rows, start=1):
            writer.writerow([spreadsheet_safe(v) for v in row])
            if count % CSV_PIECE_ROWS == 0:
                yield piece.getvalue()
                piece.seek(0)
                piece.truncate()
        yield piece.getvalue()

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

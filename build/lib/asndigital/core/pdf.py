"""Plain text PDFs made here (sample documents, destruction records): A4 pages of Helvetica
lines, paginated. Latin-1 text only (other characters become '?')."""

from __future__ import annotations

import io

import pikepdf

LINES_PER_PAGE = 44


def _escape(text: str) -> str:
    text = text.encode("latin-1", "replace").decode("latin-1")
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def text_pdf(title: str, lines: list[str], *, watermark: str = "") -> bytes:
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type1,
            BaseFont=pikepdf.Name.Helvetica,
            Encoding=pikepdf.Name.WinAnsiEncoding,
        )
    )
    pages = [lines[i : i + LINES_PER_PAGE] for i in range(0, max(len(lines), 1), LINES_PER_PAGE)]
    for number, chunk in enumerate(pages, start=1):
        parts = [f"BT /F1 16 Tf 56 790 Td ({_escape(title)}) Tj ET"]
        y = 760
        for line in chunk:
            parts.append(f"BT /F1 10 Tf 56 {y} Td ({_escape(line)}) Tj ET")
            y -= 16
        parts.append(f"BT /F1 8 Tf 56 30 Td ({number} / {len(pages)}) Tj ET")
        if watermark:
            parts.append(f"0.85 g BT /F1 90 Tf 150 300 Td ({_escape(watermark)}) Tj ET")
        content = pdf.make_stream("\n".join(parts).encode("latin-1"))
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, 595, 842],
            Contents=content,
            Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
        )
        pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()

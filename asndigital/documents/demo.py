"""Sample documents for the demo dataset (``seed_demo``): plain one-page PDFs saying what they
are, so that a new installation has a dossier to look at, a verification page to try, and
previews to see. Never used outside the demo."""

from __future__ import annotations

import io

import pikepdf


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def sample_pdf(title: str, lines: list[str]) -> bytes:
    """An A4 page with a heading and lines of text (Latin-1 only), marked CONTOH (sample)."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    parts = ["BT /F1 20 Tf 72 760 Td (" + _escape(title) + ") Tj ET"]
    y = 720
    for line in lines:
        parts.append(f"BT /F1 12 Tf 72 {y} Td ({_escape(line)}) Tj ET")
        y -= 20
    parts.append("0.85 g BT /F1 90 Tf 150 300 Td (CONTOH) Tj ET")
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

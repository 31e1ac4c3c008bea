"""Sample documents for the demo dataset (``seed_demo``): plain one-page PDFs saying what they
are, so that a new installation has a dossier to look at, a verification page to try, and
previews to see. Never used outside the demo."""

from __future__ import annotations

from asndigital.core.pdf import text_pdf


def sample_pdf(title: str, lines: list[str]) -> bytes:
    """An A4 page with a heading and lines of text, marked CONTOH (sample)."""
    return text_pdf(title, lines, watermark="CONTOH")

"""Valid, unique PDFs of a chosen size, made on the fly (qpdf opens them without repair)."""

from __future__ import annotations

import io
import os

import pikepdf


def unique_pdf(size: int) -> bytes:
    """One page, plus an unreferenced-by-content stream of random bytes that makes the file
    about ``size`` bytes and unique (uploads of the same bytes are refused as duplicates)."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    filler = pikepdf.Stream(pdf, os.urandom(max(size - 600, 16)))
    pdf.Root.AsnFaultFiller = pdf.make_indirect(filler)
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()

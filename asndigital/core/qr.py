"""QR codes as inline SVG, made here (nothing goes to another service).

Scalable (a viewBox, no fixed width or height), so the stylesheet decides the size a code is
shown at and the whole code stays visible; with the 4-module quiet zone the standard asks for.
Browser tests screenshot each code at its shown size and decode it with zxing-cpp.
"""

from __future__ import annotations

from functools import lru_cache

import segno


def qr_svg(text: str, *, dark: str = "#000") -> str:
    return segno.make(text, error="m").svg_inline(border=4, omitsize=True, dark=dark)


@lru_cache(maxsize=4096)
def public_qr_svg(text: str) -> str:
    """``qr_svg`` of a public text (a document's verification address), kept in this process
    (a few KB each): the document page shows the same code on every view. Never for a secret
    (an authenticator's key URI): that must not outlive its request."""
    return qr_svg(text)

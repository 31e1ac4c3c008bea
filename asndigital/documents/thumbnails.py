"""First-page previews: a small PNG of page one of a PDF, or of the image itself.

Made in the background after an upload commits (``tasks.make_thumbnail``). The file was already
checked on upload (``inspection``); rendering is still bounded: the preview is never larger than
``BOX`` pixels, whatever the page size claims.
"""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2
from PIL import Image

BOX = (240, 340)  # width, height in pixels: a portrait A4 page fits


def _png(image: Image.Image) -> bytes:
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    image.thumbnail(BOX)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def render(path: Path, media_type: str) -> bytes:
    """The preview of the file at ``path`` as PNG bytes; raises on a file it cannot draw."""
    if media_type == "application/pdf":
        pdf = pypdfium2.PdfDocument(str(path))
        try:
            page = pdf[0]
            try:
                width, height = page.get_size()  # in points
                scale = min(BOX[0] / max(width, 1), BOX[1] / max(height, 1))
                bitmap = page.render(scale=scale)
                return _png(bitmap.to_pil())
            finally:
                page.close()
        finally:
            pdf.close()
    with Image.open(path) as image:
        image.draft("RGB", BOX)  # JPEG: decode at a reduced size straight away
        return _png(image)

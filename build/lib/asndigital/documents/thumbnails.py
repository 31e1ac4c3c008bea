"""First-page previews: a small PNG of page one of a PDF, or of the image itself.

Made in the background after an upload commits (``tasks.make_thumbnail``). The file was already
checked on upload (``inspection``); rendering is still bounded: the preview is never larger than
``BOX`` pixels, whatever the page size claims.

PDFs are drawn by pdfium in a child process with a memory and a time limit. Inspection does not
unpack a PDF's streams, and a 2 MB file can hold gigabytes of page content (deflate reaches
1000:1, and one stream can be drawn many times); pdfium aborts its process when memory runs
out, so that process must not be the worker's. Images need no such care: inspection decoded
them whole, within ``MAX_PIXELS``.
"""

from __future__ import annotations

import io
import resource
import subprocess
import sys
from pathlib import Path

import pypdfium2
from PIL import Image

BOX = (240, 340)  # width, height in pixels: a portrait A4 page fits
PDF_MEMORY = 1024 * 1024 * 1024  # bytes of data the PDF renderer may allocate
PDF_SECONDS = 60
_PROJECT = Path(__file__).resolve().parents[2]  # where ``asndigital`` can be imported from


class RenderFailed(Exception):
    pass


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
        return _render_pdf_in_child(path)
    with Image.open(path) as image:
        image.draft("RGB", BOX)  # JPEG: decode at a reduced size straight away
        return _png(image)


def _render_pdf_in_child(path: Path) -> bytes:
    try:
        result = subprocess.run(  # noqa: S603 (our own interpreter and module; a path we made)
            [sys.executable, "-m", __name__, str(path), str(PDF_MEMORY)],
            cwd=_PROJECT,
            capture_output=True,
            timeout=PDF_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RenderFailed(f"pdfium took more than {PDF_SECONDS} s") from None
    if result.returncode != 0:
        raise RenderFailed(f"pdfium exited with {result.returncode}: {result.stderr[-500:]!r}")
    return result.stdout


def _render_pdf(path: Path) -> bytes:
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


if __name__ == "__main__":  # the child: python -m asndigital.documents.thumbnails FILE BYTES
    # RLIMIT_DATA rather than RLIMIT_AS: pdfium reserves address space it never uses.
    limit = int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    sys.stdout.buffer.write(_render_pdf(Path(sys.argv[1])))

"""The text of a document version: the text layer of a born-digital PDF, OCR of a scan.

Made in the background after an upload commits (``tasks.extract_text``), in a child process
with a memory and a time limit (as ``thumbnails``): pdfium and Tesseract read what a person
uploaded, and a file may be built to exhaust either. The original is only read, never changed.

Per PDF page, the text layer is taken when it holds text; a page without one (a scan inside a
PDF) is rendered at ``DPI`` and read by Tesseract with its Indonesian model (``tesseract-ocr``
and ``tesseract-ocr-ind``, Debian packages). Images are read by Tesseract directly.

What cannot be read gives no text and a reason (``Outcome.reason``), never an exception to the
caller: too many pages, a page too large, a file pdfium or Pillow cannot open, a blank page,
OCR so unsure of itself that the text would mislead (an unknown script reads as noise), a
child that ran out of time or memory.
"""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.utils.translation import gettext_lazy as _

DPI = 300  # what Tesseract needs for body text (10-12 pt) to read well
MAX_PAGES = 200  # a personnel document is a few pages; more is refused, not read for an hour
MAX_PAGE_PIXELS = 40_000_000  # one page at DPI: A4 is 8.7 million, A3 17.4 million
MIN_LAYER_CHARS = 20  # a PDF page whose text layer has fewer letters is read by OCR
MIN_CONFIDENCE = 45.0  # Tesseract's mean word confidence (0-100) below which text is noise
MEMORY = 1024 * 1024 * 1024  # bytes of data the child (and Tesseract under it) may allocate
SECONDS = 900  # the whole file; about four seconds a page at 300 dpi on one core
PAGE_SECONDS = 120  # one Tesseract run
LANGUAGE = "ind"
_PROJECT = Path(__file__).resolve().parents[2]

# Why a version has no text: the stored code, and the words the document page shows.
REASONS = {
    "too_many_pages": _("it has more pages than are read"),
    "page_too_large": _("a page is too large to read"),
    "unreadable": _("the file could not be read"),
    "blank": _("no text was found (blank pages)"),
    "low_confidence": _("the text could not be read reliably (a poor scan or another script)"),
    "timeout": _("reading took too long"),
    "failed": _("reading failed"),
    "no_ocr": _("the text-reading program (OCR) is not installed"),
    # A version stored before encryption at rest has no data key to seal its text with: the
    # text is read and indexed for search, but not kept (the extraction service records such
    # a version as "failed"; checks.for_version tells them apart by the method it recorded).
    "not_encrypted": _(
        "the file was stored before encryption at rest, and a text is kept only encrypted: "
        "it was read for search, not kept"
    ),
}


@dataclass
class Outcome:
    text: str = ""
    method: str = ""  # "layer" (the PDF's own text), "ocr", or "layer+ocr"
    pages: int = 0
    confidence: float | None = None  # mean OCR word confidence, for OCRed pages
    reason: str = ""  # a REASONS code when there is no text
    methods: set = field(default_factory=set)


def available() -> bool:
    return shutil.which("tesseract") is not None


def extract(path: Path, media_type: str) -> Outcome:
    """The text of the file at ``path``, read in a limited child process."""
    if not available():
        return Outcome(reason="no_ocr")
    try:
        result = subprocess.run(  # noqa: S603 (our own interpreter and module; a path we made)
            [sys.executable, "-m", __name__, str(path), media_type, str(MEMORY)],
            cwd=_PROJECT,
            capture_output=True,
            timeout=SECONDS,
            check=False,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        )
    except subprocess.TimeoutExpired:
        return Outcome(reason="timeout")
    if result.returncode != 0:
        return Outcome(reason="failed")
    data = json.loads(result.stdout)
    data.pop("methods", None)
    return Outcome(**data)


# --- The child ---------------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _letters(text: str) -> int:
    return sum(1 for c in text if c.isalnum())


def _is_blank(gray) -> bool:
    low, high = gray.getextrema()
    return high - low < 48


def ocr_image(image, dpi: int = DPI) -> tuple[str, float | None]:
    """Tesseract's text of a Pillow image and its mean word confidence (None: no words)."""
    gray = image.convert("L")
    if gray.width * gray.height > MAX_PAGE_PIXELS:
        raise _Refused("page_too_large")
    if _is_blank(gray):
        return "", None
    png = io.BytesIO()
    gray.save(png, format="PNG")
    try:
        result = subprocess.run(  # noqa: S603
            ["tesseract", "stdin", "stdout", "-l", LANGUAGE, "--dpi", str(dpi), "tsv"],  # noqa: S607
            input=png.getvalue(),
            capture_output=True,
            timeout=PAGE_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise _Refused("timeout") from None
    if result.returncode != 0:
        raise _Refused("failed")
    return _from_tsv(result.stdout.decode("utf-8", "replace"))


def _from_tsv(tsv: str) -> tuple[str, float | None]:
    """Lines of words as Tesseract laid them out, paragraphs apart; the mean confidence."""
    lines: dict[tuple, list[str]] = {}
    confidences = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        word = (row.get("text") or "").strip()
        if row.get("level") != "5" or not word:
            continue
        key = (row["page_num"], row["block_num"], row["par_num"], row["line_num"])
        lines.setdefault(key, []).append(word)
        confidences.append(float(row["conf"]))
    text, previous = [], None
    for key, words in lines.items():
        if previous is not None and key[:3] != previous[:3]:
            text.append("")
        text.append(" ".join(words))
        previous = key
    mean = sum(confidences) / len(confidences) if confidences else None
    return "\n".join(text), mean


def _read_pdf(path: Path, outcome: Outcome) -> list[str]:
    # imported here: heavy: loaded only when text is read from a scanned page
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(str(path))
    except Exception:
        raise _Refused("unreadable") from None
    try:
        if len(pdf) > MAX_PAGES:
            raise _Refused("too_many_pages")
        outcome.pages = len(pdf)
        texts, confidences = [], []
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                textpage = page.get_textpage()
                layer = textpage.get_text_range()
                textpage.close()
                if _letters(layer) >= MIN_LAYER_CHARS:
                    outcome.methods.add("layer")
                    texts.append(layer.replace("\r\n", "\n").replace("\r", "\n"))
                    continue
                width, height = page.get_size()
                if width * height * (DPI / 72) ** 2 > MAX_PAGE_PIXELS:
                    raise _Refused("page_too_large")
                image = page.render(scale=DPI / 72, grayscale=True).to_pil()
            finally:
                page.close()
            text, confidence = ocr_image(image)
            if confidence is not None:
                outcome.methods.add("ocr")
                confidences.append(confidence)
            texts.append(text)
        if confidences:
            outcome.confidence = sum(confidences) / len(confidences)
        return texts
    finally:
        pdf.close()


def _read_image(path: Path, outcome: Outcome) -> list[str]:
    # imported here: heavy: loaded only when text is read from a scanned page
    from PIL import Image

    try:
        with Image.open(path) as image:
            if image.width * image.height > MAX_PAGE_PIXELS:
                raise _Refused("page_too_large")
            image.load()
            dpi = image.info.get("dpi", (DPI, DPI))[0] or DPI
            text, confidence = ocr_image(image, dpi=max(70, min(int(dpi), 1200)))
    except _Refused:
        raise
    except Exception:
        raise _Refused("unreadable") from None
    outcome.pages = 1
    outcome.confidence = confidence
    if confidence is not None:
        outcome.methods.add("ocr")
    return [text]


def read(path: Path, media_type: str) -> Outcome:
    """The text of a file, in this process (the child calls it)."""
    outcome = Outcome()
    try:
        reader = _read_pdf if media_type == "application/pdf" else _read_image
        pages = reader(path, outcome)
    except _Refused as refused:
        return Outcome(reason=refused.reason, pages=outcome.pages)
    text = "\n\f\n".join(page.strip() for page in pages).strip()
    outcome.method = "+".join(sorted(outcome.methods))
    if _letters(text) == 0:
        return Outcome(reason="blank", pages=outcome.pages)
    if "layer" not in outcome.methods and (outcome.confidence or 0) < MIN_CONFIDENCE:
        return Outcome(reason="low_confidence", pages=outcome.pages, confidence=outcome.confidence)
    outcome.text = text
    return outcome


if __name__ == "__main__":  # the child: python -m asndigital.documents.textract FILE TYPE BYTES
    # RLIMIT_DATA rather than RLIMIT_AS: pdfium reserves address space it never uses.
    limit = int(sys.argv[3])
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    done = read(Path(sys.argv[1]), sys.argv[2])
    data = asdict(done)
    data.pop("methods")
    sys.stdout.write(json.dumps(data))

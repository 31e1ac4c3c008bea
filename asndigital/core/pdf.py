"""The PDFs the system makes (the destruction record, the demo's sample documents): PDF/A-2b, so
that they can be read, printed and checked for as long as the records they describe are kept.

- fpdf2 lays the text out on A4 in DejaVu Sans, from Debian's ``fonts-dejavu-core``, embedded as
  subsets with their Unicode maps (what is printed is what a text search or copy finds); HarfBuzz
  (uharfbuzz) shapes it, so that Arabic-script names are joined and run right to left.
- pikepdf makes the file PDF/A-2b (XMP metadata with ``pdfaid:part`` 2 and conformance B, the
  title and dates; the sRGB output intent of the ICC profile pikepdf ships) and validates the
  bytes it writes against the veraPDF rules (``pikepdf.pdfa.save``): a file that does not pass
  is never returned.

Nothing is silently substituted: without the font files ``FontMissing`` says which Debian package
to install, and a character the font cannot draw raises ``UnprintableText`` rather than becoming
'?' or an empty box. Callers that must not fail late (the destruction) ask ``unprintable`` first.
Usable without Django settings (the end-to-end tests build sample PDFs with it).
"""

from __future__ import annotations

import io
import unicodedata
from datetime import datetime
from functools import cache
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

FONT_PACKAGE = "fonts-dejavu-core"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FAMILY = "DejaVuSans"
CREATOR = "ASN Digital"

# A4 in points; 50 pt (17.6 mm) margins leave room for a line "versi N: SHA-256 <64 hex digits>"
# at the body size, so a hash is never broken across lines.
MARGIN = 50
TITLE_SIZE, BODY_SIZE, FOOTER_SIZE, WATERMARK_SIZE = 15, 9.5, 8, 90
LEADING = 14


class FontMissing(ImproperlyConfigured):
    """The font the PDFs are set in is not installed."""


def describe(characters: str) -> str:
    """Characters with their Unicode names, for people whose screen cannot show them either:
    'ꦧ (JAVANESE LETTER BA), ...'."""
    return ", ".join(f"{c} ({unicodedata.name(c, f'U+{ord(c):04X}')})" for c in characters)


class UnprintableText(ValueError):
    """Text with characters the font has no glyph for."""

    def __init__(self, characters: str):
        self.characters = characters
        super().__init__(f"The PDF font has no glyph for: {describe(characters)}")


def font_files() -> dict[str, Path]:
    """The font files by style; FontMissing when one is not installed."""
    paths = {style: FONT_DIR / name for style, name in FONT_FILES.items()}
    for path in paths.values():
        if not path.is_file():
            raise FontMissing(
                f"The font for PDF records, {path}, is missing: install the Debian package "
                f"{FONT_PACKAGE} (apt-get install {FONT_PACKAGE}). No PDF is made with another "
                "font."
            )
    return paths


@cache
def _covered(paths: tuple[Path, ...]) -> frozenset[int]:
    # imported here: heavy: loaded only when the archive writes a PDF
    from fontTools.ttLib import TTFont

    covered = None
    for path in paths:
        with TTFont(path, lazy=True) as font:
            codes = set(font.getBestCmap())
        covered = codes if covered is None else covered & codes
    return frozenset(covered or ())


def _normal(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def unprintable(text: str) -> str:
    """The characters of ``text`` the PDFs cannot draw, each once, in order (empty: all can).
    Spaces and invisible format characters (joiners, direction marks) need no glyph."""
    covered = _covered(tuple(font_files().values()))
    missing = dict.fromkeys(
        c
        for c in _normal(text)
        if ord(c) not in covered and not c.isspace() and unicodedata.category(c) != "Cf"
    )
    return "".join(missing)


def text_pdf(
    title: str, lines: list[str], *, watermark: str = "", created: datetime | None = None
) -> bytes:
    """A4 pages: the title in bold at the top of each, the lines below (a line that starts with
    spaces is indented and kept on the page of the line above it, a long one wraps, an empty one
    is a gap), "page / pages" at the foot, and an optional light watermark under the text.
    ``created`` is the date recorded in the metadata (default now): the same arguments give the
    same bytes."""
    # imported here: heavy: loaded only when the archive writes a PDF
    from fpdf import FPDF

    title, lines, watermark = _normal(title), [_normal(line) for line in lines], _normal(watermark)
    missing = unprintable("".join([title, watermark, *lines]))
    if missing:
        raise UnprintableText(missing)
    created = created or datetime.now()
    if created.tzinfo is None:
        created = created.astimezone()  # the local time zone, stated

    class Document(FPDF):
        def header(self):
            if watermark:  # first, so that the text is drawn over it
                self.set_font(FAMILY, "B", WATERMARK_SIZE)
                self.set_text_color(217)
                width = self.get_string_width(watermark)
                with self.rotation(30, self.w / 2, self.h / 2):
                    self.text((self.w - width) / 2, (self.h + WATERMARK_SIZE / 2) / 2, watermark)
                self.set_text_color(0)
            self.set_font(FAMILY, "B", TITLE_SIZE)
            self.multi_cell(0, TITLE_SIZE + 5, title, align="L", new_x="LMARGIN", new_y="NEXT")
            self.ln(10)
            self.set_font(FAMILY, "", BODY_SIZE)

        def footer(self):
            self.set_y(-MARGIN + 10)
            self.set_font(FAMILY, "", FOOTER_SIZE)
            self.cell(0, FOOTER_SIZE, f"{self.page_no()} / {{nb}}", align="L")

    doc = Document(unit="pt", format="A4")
    for style, path in font_files().items():
        doc.add_font(FAMILY, style, str(path))
    doc.set_text_shaping(True)
    doc.set_margins(MARGIN, MARGIN, MARGIN)
    doc.set_auto_page_break(True, margin=MARGIN + 16)
    doc.set_title(title)
    doc.set_creator(CREATOR)
    doc.set_lang("id")
    doc.set_creation_date(created)
    doc.add_page()
    space = doc.get_string_width(" ")
    for number, line in enumerate(lines):
        text = line.lstrip(" ")
        if not text:
            doc.ln(LEADING)
            continue
        indent = len(line) - len(text)
        following = lines[number + 1] if number + 1 < len(lines) else ""
        if not indent and following.startswith(" ") and doc.will_page_break(2 * LEADING):
            doc.add_page()  # a heading line stays with the indented line under it
        doc.set_x(MARGIN + space * indent)
        doc.multi_cell(0, LEADING, text, align="L", new_x="LMARGIN", new_y="NEXT")
    return _pdfa(bytes(doc.output()), created)


def _pdfa(data: bytes, created: datetime) -> bytes:
    """The file as PDF/A-2b, validated on writing (pikepdf.pdfa.PdfaError when it fails)."""
    # imported here: pikepdf is heavy: loaded only when a PDF is opened
    import pikepdf
    from pikepdf import pdfa

    with pikepdf.open(io.BytesIO(data)) as pdf:
        # fpdf2 always opens the first page at a zoom; the validator's allowlist knows no
        # /OpenAction, and viewers open the first page anyway.
        del pdf.Root.OpenAction
        pdfa.prepare(pdf, "2b", output_intent="sRGB")
        # prepare() stamps the metadata with the current time; the record's own date keeps the
        # file the same for the same content.
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["xmp:ModifyDate"] = created.isoformat()
            meta["xmp:MetadataDate"] = created.isoformat()
        out = io.BytesIO()
        pdfa.save(pdf, out, "2b", repair=False, deterministic_id=True)
    return out.getvalue()

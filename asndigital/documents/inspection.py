"""Judging an uploaded file by its content, never by its name (ADR 0006).

PDFs must parse (qpdf, through pikepdf) and are refused when encrypted or when they carry
JavaScript, launch actions or embedded files: an archive keeps documents, not programs.
JPEG and PNG must decode completely, within a pixel limit (decompression bombs).
The name's extension must agree with the content.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from django.utils.translation import gettext as _
from PIL import Image

from asndigital.core.errors import DomainError

MAX_PAGES = 2000
# Checking an object costs about 10 µs: a crafted file of many tiny objects is refused after a
# few seconds of work instead of holding the upload for minutes. Real documents have far fewer.
MAX_OBJECTS = 500_000
# Actions that run a program or send or fetch data (JavaScript is looked for on its own). A
# tuple, compared with ==: in a hostile file /S may hold a dictionary, which cannot be hashed.
RUNNING_ACTIONS = ("/Launch", "/ImportData", "/SubmitForm")
MAX_PIXELS = 60_000_000  # about an A3 page at 600 dpi, in colour
MEDIA_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}
EXTENSIONS = {"pdf": {"pdf"}, "jpg": {"jpg", "jpeg"}, "png": {"png"}}
_SAFE = re.compile(r"[^A-Za-z0-9._ -]+")
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


@dataclass(frozen=True)
class Inspected:
    kind: str  # pdf, jpg, png
    media_type: str
    page_count: int


def refuse(code: str, message: str):
    raise DomainError(message, code=code)


def sniff(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    return None


def safe_name(name: str) -> str:
    """A display name without paths, control characters or surprises (never a storage key)."""
    base = unicodedata.normalize("NFKC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _SAFE.sub("_", base).strip(" ._") or "dokumen"
    stem, dot, ext = base.rpartition(".")
    if dot and len(ext) <= 5:
        return f"{stem[:100]}.{ext.lower()}"
    return base[:100]


def inspect_file(path: Path, *, original_name: str, allowed: list[str]) -> Inspected:
    """Return what the file is, or raise DomainError with a reason for people."""
    size = path.stat().st_size
    if size == 0:
        refuse("empty", _("The file is empty."))
    with path.open("rb") as handle:
        kind = sniff(handle.read(16))
    if kind is None:
        refuse("unknown_format", _("The file is not a PDF, JPEG or PNG document."))
    _stem, dot, extension = safe_name(original_name).rpartition(".")
    extension = extension.lower() if dot else ""
    if not extension:
        refuse(
            "extension_mismatch",
            _("The file's name has no extension: a %(kind)s file ends in “.%(ext)s”.")
            % {"kind": kind.upper(), "ext": kind},
        )
    if extension not in EXTENSIONS[kind]:
        refuse(
            "extension_mismatch",
            _("The file's name ends in “.%(ext)s” but its content is %(kind)s.")
            % {"ext": extension[:10], "kind": kind.upper()},
        )
    if kind not in allowed:
        refuse(
            "format_not_allowed",
            _("This document type accepts %(formats)s, not %(kind)s.")
            % {"formats": ", ".join(f.upper() for f in allowed), "kind": kind.upper()},
        )
    pages = _inspect_pdf(path) if kind == "pdf" else _inspect_image(path, kind)
    return Inspected(kind=kind, media_type=MEDIA_TYPES[kind], page_count=pages)


# PDF white space (ISO 32000-1, 7.2.2): what may follow the last %%EOF.
PDF_WHITESPACE = b"\x00\t\n\x0c\r "
TAIL = 64 * 1024  # how much of the file's end is read to find the last %%EOF


def _refuse_appended_data(path: Path) -> None:
    """Bytes after the PDF's last ``%%EOF`` are not part of the document: a ZIP or another file
    appended to it would be stored and served as if it were the PDF."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - TAIL))
        tail = handle.read()
    end = tail.rfind(b"%%EOF")
    if (end == -1 and size > TAIL) or (end != -1 and tail[end + 5 :].strip(PDF_WHITESPACE)):
        refuse(
            "pdf_appended_data",
            _("The PDF has something else appended after its end; upload the PDF alone."),
        )


def _inspect_pdf(path: Path) -> int:
    _refuse_appended_data(path)
    try:
        # No silent repair: a PDF that needs it is damaged or truncated, and the archive would
        # keep something other than what was signed.
        with pikepdf.open(path, attempt_recovery=False) as pdf:
            if pdf.is_encrypted:
                refuse(
                    "pdf_encrypted",
                    _(
                        "The PDF is protected with a password or encrypted: "
                        "save it without protection and upload it again."
                    ),
                )
            pages = len(pdf.pages)
            if pages == 0:
                refuse("pdf_no_pages", _("The PDF has no pages."))
            if pages > MAX_PAGES:  # before looking at every object: the cheaper refusal first
                refuse(
                    "pdf_too_many_pages",
                    _("The PDF has more than %(n)d pages.") % {"n": MAX_PAGES},
                )
            _refuse_active_content(pdf)
    except pikepdf.PasswordError:
        refuse(
            "pdf_encrypted",
            _(
                "The PDF is protected with a password or encrypted: save it "
                "without protection and upload it again."
            ),
        )
    # Not only PdfError: qpdf reports some broken structures (a page tree whose /Count lies)
    # as runtime errors, which pikepdf raises as QpdfRuntimeError; all share this base.
    except pikepdf.PikepdfError:
        refuse("pdf_damaged", _("The PDF is damaged or incomplete and cannot be read."))
    return pages


def _refuse_active_content(pdf: pikepdf.Pdf) -> None:
    """Look at every dictionary in the file, wherever it hangs: a viewer reaches scripts from
    pages, links, bookmarks, form fields and chains of actions, so none may be skipped."""
    names = pdf.Root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        if "/JavaScript" in names:
            _refuse_javascript()
        if "/EmbeddedFiles" in names:
            _refuse_embedded_files()
    if len(pdf.objects) > MAX_OBJECTS:
        _refuse_too_complex()
    pending = list(pdf.objects)  # each indirect object once; direct ones through their holder
    budget = MAX_OBJECTS
    while pending:
        item = pending.pop()
        budget -= 1
        if budget < 0:
            _refuse_too_complex()
        if isinstance(item, pikepdf.Array):
            children = list(item)
        elif isinstance(item, pikepdf.Dictionary | pikepdf.Stream):
            _check_dictionary(item)
            children = list(item.values())
        else:
            continue
        pending.extend(
            child
            for child in children
            if isinstance(child, pikepdf.Array | pikepdf.Dictionary) and not child.is_indirect
        )


def _check_dictionary(item) -> None:
    action = item.get("/S")
    if action == "/JavaScript" or "/JS" in item:
        _refuse_javascript()
    if action in RUNNING_ACTIONS:
        refuse(
            "pdf_launch",
            _(
                "The PDF contains actions (scripts or programs to run), which the archive does "
                "not keep."
            ),
        )
    if (
        "/EF" in item
        or "/AF" in item
        or item.get("/Type") == "/EmbeddedFile"
        or item.get("/Subtype") == "/FileAttachment"
    ):
        _refuse_embedded_files()


def _refuse_too_complex():
    refuse(
        "pdf_too_complex",
        _("The PDF has more than %(n)d objects, too many to check.") % {"n": MAX_OBJECTS},
    )


def _refuse_javascript():
    refuse("pdf_javascript", _("The PDF contains JavaScript, which the archive does not keep."))


def _refuse_embedded_files():
    refuse(
        "pdf_embedded_files",
        _("The PDF contains embedded files, which the archive does not keep."),
    )


def _inspect_image(path: Path, kind: str) -> int:
    try:
        with warnings.catch_warnings():
            # Over the limit is a bomb, not a warning.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _decode(path, kind)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        refuse("image_too_large", _("The image has too many pixels."))


def _decode(path: Path, kind: str) -> int:
    try:
        with Image.open(path) as image:
            expected = "JPEG" if kind == "jpg" else "PNG"
            if image.format != expected:
                refuse("extension_mismatch", _("The image is not the format its name says."))
            image.verify()
        with Image.open(path) as image:
            image.load()  # decode every pixel: a truncated file fails here
    except (DomainError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise
    except Exception:  # Pillow raises many kinds for a damaged file
        refuse("image_damaged", _("The image is damaged or incomplete and cannot be read."))
    return 1

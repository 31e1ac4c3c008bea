import pytest

from asndigital.core.errors import DomainError
from asndigital.documents.inspection import inspect_file, safe_name
from tests.documents.files import bomb_png, image_bytes, pdf_bytes

ALL = ["pdf", "jpg", "png"]


def check(tmp_path, content: bytes, name: str, allowed=ALL):
    path = tmp_path / "upload.part"
    path.write_bytes(content)
    return inspect_file(path, original_name=name, allowed=allowed)


def _zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("rahasia.txt", "data yang disembunyikan di belakang PDF")
    return buffer.getvalue()


def test_white_space_after_the_end_of_a_pdf_is_fine(tmp_path):
    assert check(tmp_path, pdf_bytes(1) + b"\r\n \x00\n", "sk.pdf").page_count == 1


def test_good_documents_are_recognised_by_content(tmp_path):
    assert check(tmp_path, pdf_bytes(3), "SK CPNS.pdf").page_count == 3
    assert check(tmp_path, image_bytes("JPEG"), "ijazah.JPEG").media_type == "image/jpeg"
    assert check(tmp_path, image_bytes("PNG"), "scan.png").kind == "png"


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"", "kosong.pdf", "empty"),
        (b"Halo, ini bukan PDF", "palsu.pdf", "unknown_format"),
        (b"MZ\x90\x00 program", "sk.pdf", "unknown_format"),
        (pdf_bytes(), "sk.jpg", "extension_mismatch"),
        (image_bytes("PNG"), "sk.pdf", "extension_mismatch"),
        (pdf_bytes(encrypted=True), "sk.pdf", "pdf_encrypted"),
        (pdf_bytes(javascript=True), "sk.pdf", "pdf_javascript"),
        (pdf_bytes(names_javascript=True), "sk.pdf", "pdf_javascript"),
        (pdf_bytes(annotation_js=True), "sk.pdf", "pdf_javascript"),
        (pdf_bytes(launch=True), "sk.pdf", "pdf_launch"),
        (pdf_bytes(embedded=True), "sk.pdf", "pdf_embedded_files"),
        (pdf_bytes()[:300], "sk.pdf", "pdf_damaged"),
        (b"%PDF-1.7\n" + b"\x00" * 100, "sk.pdf", "pdf_damaged"),
        (image_bytes("PNG")[:60], "scan.png", "image_damaged"),
        (image_bytes("JPEG")[:100], "scan.jpg", "image_damaged"),
        (bomb_png(), "bom.png", "image_too_large"),
        (pdf_bytes() + _zip(), "sk.pdf", "pdf_appended_data"),  # a "polyglot" PDF + ZIP
        (pdf_bytes() + b"\n<script>alert(1)</script>\n", "sk.pdf", "pdf_appended_data"),
    ],
)
def test_hostile_or_broken_files_are_refused_with_their_own_reason(tmp_path, content, name, code):
    with pytest.raises(DomainError) as caught:
        check(tmp_path, content, name)
    assert caught.value.code == code
    assert caught.value.message


def test_a_type_accepts_only_its_formats(tmp_path):
    with pytest.raises(DomainError) as caught:
        check(tmp_path, image_bytes("PNG"), "sk.png", allowed=["pdf"])
    assert caught.value.code == "format_not_allowed"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\budi\\SK CPNS.PDF", "SK CPNS.pdf"),
        ("ijazah\x00.pdf", "ijazah_.pdf"),
        ("<script>.pdf", "script_.pdf"),
        ("...", "dokumen"),
        ("surat ündangan.pdf", "surat _ndangan.pdf"),
    ],
)
def test_names_are_sanitised(raw, clean):
    assert safe_name(raw) == clean

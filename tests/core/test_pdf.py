"""The PDFs the system makes are PDF/A-2b with embedded Unicode fonts: checked with qpdf,
pdffonts and pdftotext (tests/pdfcheck.py), whatever script a name is written in."""

import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from asndigital.core import pdf
from asndigital.demo.samples import sample_pdf
from tests.pdfcheck import NAMES, check_pdf, flat

WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
HASH = "0123456789abcdef" * 4


def test_names_in_any_script_come_back_exactly(tmp_path):
    lines = [f"Saksi: {name}" for name in NAMES] + ["Saksi: " + "; ".join(NAMES)]
    text = flat(check_pdf(pdf.text_pdf("Daftar saksi", lines, created=WHEN), tmp_path))
    for name in NAMES:
        assert f"Saksi: {name}" in text  # the typographic apostrophe too: not "Ma?ruf"
    assert "Saksi: " + "; ".join(NAMES) in text  # wrapped, and read back whole
    assert "?" not in text


def test_decomposed_letters_are_printed_composed(tmp_path):
    decomposed = unicodedata.normalize("NFD", "Đặng Văn Lâm")
    assert decomposed != "Đặng Văn Lâm"
    text = check_pdf(pdf.text_pdf("Saksi", [decomposed], created=WHEN), tmp_path)
    assert "Đặng Văn Lâm" in text


def test_it_is_pdfa_2b_dated_and_titled(tmp_path):
    data = pdf.text_pdf("BERITA ACARA PEMUSNAHAN ARSIP", ["Saksi: H. Ma’ruf"], created=WHEN)
    check_pdf(data, tmp_path)
    path = tmp_path / "record.pdf"
    path.write_bytes(data)
    with pikepdf.open(path) as document:
        meta = document.open_metadata()
        assert meta["dc:title"] == "BERITA ACARA PEMUSNAHAN ARSIP"
        assert meta["xmp:CreateDate"] == "2026-03-02T09:30:00+00:00"
        assert meta["xmp:CreatorTool"] == "ASN Digital"
        assert [str(page.MediaBox[3]) for page in document.pages] == ["841.89"]  # A4
    # pikepdf's own PDF/A validator (the veraPDF rules) approves the bytes.
    from pikepdf import pdfa

    report = pdfa.validate_written(path, "2b")
    assert report.passed, report


def test_the_same_content_gives_the_same_bytes():
    lines = ["Saksi: H. Ma’ruf", f"     versi 1: SHA-256 {HASH}"]
    assert pdf.text_pdf("BA", lines, created=WHEN) == pdf.text_pdf("BA", lines, created=WHEN)


def test_long_lines_wrap_and_a_hash_line_stays_whole(tmp_path):
    long = "Persetujuan ANRI: " + " ".join(["kata"] * 60)
    lines = [long]
    for number in range(1, 61):
        lines += [f"{number}. SK CPNS - NIP 199001012015031001", f"     versi 12: SHA-256 {HASH}"]
    text = check_pdf(pdf.text_pdf("BA", lines, created=WHEN), tmp_path)
    assert text.count(f"versi 12: SHA-256 {HASH}") == 60  # each on one line, none cut
    assert text.count("kata") == 60
    assert "60. SK CPNS" in text
    assert re.search(r"^1 ?/ ?[23]$", text, re.MULTILINE)  # numbered pages


def test_the_demo_sample_documents_are_pdfa_too(tmp_path):
    text = check_pdf(sample_pdf("SK CPNS", ["Ni Luh Putu Ayu Dewi Saraswati - NIP 1"]), tmp_path)
    assert "Ni Luh Putu Ayu Dewi Saraswati" in text


def test_a_character_without_a_glyph_is_refused_not_dropped():
    javanese = "ꦲꦤꦕꦫꦏ"
    assert pdf.unprintable(f"H. Ma’ruf {javanese} محمد") == javanese
    assert pdf.unprintable("Ñoño\u200d Müller\t") == ""  # spaces and joiners need no glyph
    with pytest.raises(pdf.UnprintableText, match=r"ꦲ \(JAVANESE LETTER HA\)"):
        pdf.text_pdf("Saksi", [f"Saksi: {javanese}"])


@pytest.fixture
def no_font(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf, "FONT_DIR", Path(tmp_path / "no-fonts"))


def test_without_the_font_no_pdf_is_made_and_the_error_says_what_to_install(no_font):
    with pytest.raises(pdf.FontMissing, match="apt-get install fonts-dejavu-core"):
        pdf.text_pdf("BA", ["Saksi: Budi"])
    with pytest.raises(pdf.FontMissing):
        pdf.unprintable("Budi")


def test_the_system_check_reports_a_missing_font(no_font):
    with pytest.raises(SystemCheckError, match="fonts-dejavu-core"):
        call_command("check")


def test_the_system_check_passes_with_the_font():
    call_command("check")

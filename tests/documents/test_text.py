"""The text of every version: the PDF's own text layer, OCR (Tesseract, Indonesian) for scans,
stored encrypted with the version's key, destroyed with it; unreadable input gives "tanpa teks"
with a reason, never a crash or a lost upload. Real Tesseract on small images."""

import pytest
from django.db import transaction
from django.utils import timezone

from asndigital.documents import services, storage, textract
from asndigital.documents.models import SearchEntry, VersionText
from tests.documents.files import image_bytes, pdf_bytes, scan_pdf, text_image, text_pdf
from tests.factories import EmployeeFactory
from tests.helpers import require_tesseract
from tests.helpers import upload as upload_only

LINES = ["KEPUTUSAN KEPALA BADAN KEPEGAWAIAN NEGARA", "NIP 198609262010011003"]


@pytest.fixture
def employee(agency, db):
    services.load_catalogue()
    return EmployeeFactory(agency=agency)


def upload(*args, **kwargs):
    """An upload, then its text read as the background worker would after the commit."""
    version = upload_only(*args, **kwargs)
    services.extract_text(version_id=version.pk)
    return version


def test_the_text_is_read_after_the_upload_commits(employee, django_capture_on_commit_callbacks):
    require_tesseract()
    with django_capture_on_commit_callbacks(execute=True):
        version = upload_only(employee.user, employee, text_pdf(LINES))
    assert VersionText.objects.get(version=version).state == "ready"


def text_of(version):
    version.refresh_from_db()
    return services.version_text(version)


def test_a_born_digital_pdf_gives_its_text_layer(employee):
    require_tesseract()
    version = upload(employee.user, employee, text_pdf(LINES))
    row = VersionText.objects.get(version=version)
    assert (row.state, row.method, row.pages) == ("ready", "layer", 1)
    assert "KEPUTUSAN KEPALA BADAN" in text_of(version)


def test_a_scan_is_read_by_ocr_and_its_nip_recovered(employee):
    require_tesseract()
    version = upload(employee.user, employee, scan_pdf(LINES))
    row = VersionText.objects.get(version=version)
    assert (row.state, row.method) == ("ready", "ocr") and row.confidence > 60
    text = text_of(version)
    assert "198609262010011003" in text and "KEPEGAWAIAN" in text


def test_the_text_is_stored_encrypted_with_the_versions_key(employee):
    require_tesseract()
    version = upload(employee.user, employee, text_pdf(LINES))
    sealed = bytes(VersionText.objects.get(version=version).sealed_text)
    assert b"KEPUTUSAN" not in sealed and b"198609262010011003" not in sealed
    # and the index holds no word either
    assert "198609262010011003" not in SearchEntry.objects.get(version=version).terms
    assert "keputusan" not in SearchEntry.objects.get(version=version).terms


def test_the_original_is_never_changed(employee):
    require_tesseract()
    content = scan_pdf(LINES)
    version = upload(employee.user, employee, content)
    with storage.open_version(version.storage_key, data_key=version.data_key()) as handle:
        assert handle.read() == content


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (pdf_bytes(2), "blank"),
        (scan_pdf(["أهلاً وسهلاً بكم في الوزارة"]), "low_confidence"),
    ],
    ids=["blank-pages", "another-script"],
)
def test_unreadable_content_is_tanpa_teks_with_a_reason(employee, content, reason):
    require_tesseract()
    version = upload(employee.user, employee, content)
    row = VersionText.objects.get(version=version)
    assert (row.state, row.reason, row.sealed_text) == ("tanpa_teks", reason, None)
    assert version.document.current_version == version  # the upload itself stands


def test_limits_refuse_before_reading(tmp_path, monkeypatch):
    require_tesseract()
    path = tmp_path / "many.pdf"
    path.write_bytes(pdf_bytes(3))
    monkeypatch.setattr(textract, "MAX_PAGES", 2)
    assert textract.read(path, "application/pdf").reason == "too_many_pages"
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    assert textract.read(broken, "application/pdf").reason == "unreadable"
    tiny = tmp_path / "tiny.png"
    tiny.write_bytes(image_bytes())
    assert textract.read(tiny, "image/png").reason == "blank"
    monkeypatch.setattr(textract, "MAX_PAGE_PIXELS", 1000)
    big = tmp_path / "big.png"
    text_image(LINES).save(big)
    assert textract.read(big, "image/png").reason == "page_too_large"


def test_a_child_that_takes_too_long_is_stopped_and_the_upload_kept(employee, monkeypatch):
    require_tesseract()
    monkeypatch.setattr(textract, "SECONDS", 0.001)
    version = upload(employee.user, employee, scan_pdf(LINES))
    row = VersionText.objects.get(version=version)
    assert (row.state, row.reason) == ("tanpa_teks", "timeout")


def test_without_tesseract_versions_are_tanpa_teks(employee, monkeypatch):
    monkeypatch.setattr(textract.shutil, "which", lambda name: None)
    version = upload(employee.user, employee, text_pdf(LINES))
    assert VersionText.objects.get(version=version).reason == "no_ocr"


def test_destruction_removes_the_text_and_its_index_rows(employee, bkn_admin):
    require_tesseract()
    version = upload(employee.user, employee, text_pdf(LINES))
    assert SearchEntry.objects.filter(version=version).exists()
    with transaction.atomic():
        services.destroy_document(
            actor=bkn_admin, document=version.document, proposal_id=1, now=timezone.now()
        )
    assert not VersionText.objects.filter(version=version).exists()
    assert not SearchEntry.objects.filter(version=version).exists()
    # and reading it again after destruction stores nothing
    assert services.extract_text(version_id=version.pk) == "missing"
    assert not VersionText.objects.filter(version=version).exists()


def test_versions_uploaded_before_are_read_and_a_new_key_rehashes(employee, settings):
    require_tesseract()
    from django.core.management import call_command

    from asndigital.documents import search

    version = upload_only(employee.user, employee, text_pdf(LINES))  # no text read yet
    call_command("index_texts")
    assert VersionText.objects.get(version=version).state == "ready"
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert not SearchEntry.objects.filter(
        version__in=search.matching(search.parse("kepegawaian"))
    ).exists()
    call_command("index_texts", "--rehash")
    assert SearchEntry.objects.filter(
        version__in=search.matching(search.parse("kepegawaian"))
    ).exists()


def test_a_version_stored_before_encryption_at_rest_says_why_it_has_no_text(employee):
    """Its text is read (and indexed for search) but cannot be sealed without a data key: the
    document page must not say that reading failed."""
    require_tesseract()
    from asndigital.documents import checks
    from asndigital.documents.models import DocumentVersion

    version = upload_only(employee.user, employee, text_pdf(LINES))
    with storage.open_version(version.storage_key, data_key=version.data_key()) as handle:
        plain = handle.read()
    storage.write_bytes(version.storage_key, plain)  # as files were stored before encryption
    DocumentVersion.objects.filter(pk=version.pk).update(is_encrypted=False, sealed_key=None)
    version.refresh_from_db()

    services.extract_text(version_id=version.pk)
    row = VersionText.objects.get(version=version)
    assert (row.state, row.sealed_text, row.method) == ("tanpa_teks", None, "layer")
    assert row.reason == "not_encrypted"
    assert SearchEntry.objects.get(version=version).terms  # found by search all the same
    shown = checks.for_version(version)
    assert shown["state"] == "none"
    assert shown["reason"] == str(textract.REASONS["not_encrypted"])
    assert "enkripsi" in shown["reason"] and "gagal" not in shown["reason"]
    # A row made before the service said so reads the same; one whose reading really failed
    # still says that it failed.
    VersionText.objects.filter(version=version).update(reason="failed")
    assert checks.for_version(version)["reason"] == str(textract.REASONS["not_encrypted"])
    VersionText.objects.filter(version=version).update(method="")
    assert checks.for_version(version)["reason"] == str(textract.REASONS["failed"])

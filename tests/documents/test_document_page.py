"""The document page (versions and history), replacing a document, first-page thumbnails, and
uploads written once by the receiving upload handler."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from asndigital.accounts.models import Role
from asndigital.audit.models import AuditEvent
from asndigital.documents import services, storage
from asndigital.documents.models import DocumentVersion
from tests.documents.files import image_bytes, pdf_bytes
from tests.factories import EmployeeFactory
from tests.helpers import upload

META = {"meta_nomor_sk": "813/2015", "meta_tanggal_sk": "02-03-2015", "meta_tmt": "01-03-2015"}


@pytest.fixture
def employee(agency, db):
    services.load_catalogue()
    return EmployeeFactory(agency=agency)


@pytest.fixture
def document(employee, files_in_tmp):
    return upload(employee.user, employee, pdf_bytes(1)).document


def replace(client, employee, document, content):
    url = reverse("personnel:upload_document", args=[employee.pk]) + f"?document={document.pk}"
    data = {"source": "scan", "file": SimpleUploadedFile("baru.pdf", content), **META}
    return client.post(url, data)


def test_replacing_makes_a_new_version_and_keeps_the_old_one_readable(
    client, employee, document, make_staff, agency
):
    client.force_login(employee.user)
    response = replace(client, employee, document, pdf_bytes(2))
    assert response["Location"] == reverse("documents:detail", args=[document.pk])
    versions = list(document.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    document.refresh_from_db()
    assert document.current_version == versions[1]
    first = client.get(reverse("documents:download", args=[document.pk, versions[0].pk]))
    assert b"".join(first.streaming_content) == pdf_bytes(1)
    client.force_login(make_staff(Role.VERIFIER, agency))
    html = client.get(reverse("documents:detail", args=[document.pk])).content.decode()
    assert html.count("/unduh/") == 3  # the current version's button, and one per version
    assert "Diganti dengan versi baru" in html and "Diunggah" in html


def test_one_cannot_replace_another_employees_document(client, employee, document, agency):
    other = EmployeeFactory(agency=agency)
    client.force_login(other.user)
    response = replace(client, other, document, pdf_bytes(2))
    assert response.status_code == 404
    assert document.versions.count() == 1


def test_an_upload_is_written_once_and_a_refused_one_leaves_nothing(client, employee, files_in_tmp):
    client.force_login(employee.user)
    url = reverse("personnel:upload_document", args=[employee.pk])
    data = {"type": "sk-cpns", "source": "scan", **META}
    client.post(url, {**data, "file": SimpleUploadedFile("sk.pdf", b"%PDF-1.7 rusak")})
    assert not [p for p in files_in_tmp.rglob("*") if p.is_file()]
    client.post(url, {**data, "file": SimpleUploadedFile("sk.pdf", pdf_bytes(1))})
    version = DocumentVersion.objects.get()
    assert [p for p in files_in_tmp.rglob("*") if p.is_file()] == [
        files_in_tmp / version.storage_key
    ]


def test_a_file_over_the_types_limit_is_refused_after_streaming(client, employee, files_in_tmp):
    from asndigital.documents.models import DocumentType

    DocumentType.objects.filter(code="sk-cpns").update(max_size_bytes=500)
    DocumentType.objects.filter(code="ijazah").update(max_size_bytes=5000)
    client.force_login(employee.user)
    url = reverse("personnel:upload_document", args=[employee.pk])
    big = pdf_bytes(3)
    assert len(big) > 500
    data = {"type": "sk-cpns", "source": "scan", "file": SimpleUploadedFile("sk.pdf", big)}
    response = client.post(url, {**data, **META})
    assert "lebih besar dari" in response.content.decode()
    assert not DocumentVersion.objects.exists()
    assert not [p for p in files_in_tmp.rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    ("content", "name"), [(pdf_bytes(2), "sk.pdf"), (image_bytes("JPEG", (900, 1200)), "sk.jpg")]
)
def test_a_first_page_thumbnail_is_made_after_commit(
    employee, files_in_tmp, django_capture_on_commit_callbacks, content, name
):
    from asndigital.documents.models import DocumentType

    DocumentType.objects.filter(code="sk-cpns").update(allowed_formats=["pdf", "jpg"])
    with django_capture_on_commit_callbacks(execute=True):
        version = upload(employee.user, employee, content, name=name)
    version.refresh_from_db()
    assert version.thumbnail_state == DocumentVersion.ThumbnailState.READY
    png = storage.open_version(version.thumbnail_key, data_key=version.data_key())
    with png, Image.open(png) as thumb:
        assert thumb.format == "PNG" and thumb.width <= 240 and thumb.height <= 340


def test_a_file_that_cannot_be_drawn_gets_no_preview_and_nothing_breaks(
    employee, document, files_in_tmp
):
    version = document.current_version
    (files_in_tmp / version.storage_key).write_bytes(b"not a pdf any more")
    assert services.make_thumbnail(version_id=version.pk) == "failed"
    version.refresh_from_db()
    assert version.thumbnail_state == DocumentVersion.ThumbnailState.FAILED
    assert not (files_in_tmp / version.thumbnail_key).exists()


def test_thumbnails_are_scoped_and_audited(client, employee, document, make_staff, other_agency):
    version = document.current_version
    services.make_thumbnail(version_id=version.pk)
    url = reverse("documents:thumbnail", args=[document.pk, version.pk])
    client.force_login(make_staff(Role.AGENCY_ADMIN, other_agency))
    assert client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="document.previewed").exists()
    client.force_login(employee.user)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert AuditEvent.objects.filter(action="document.previewed").count() == 1


def test_cleanup_keeps_thumbnails_of_versions_and_removes_orphans(employee, document, files_in_tmp):
    version = document.current_version
    services.make_thumbnail(version_id=version.pk)
    orphan = "thumbnails/00000000-0000-0000-0000-000000000000/x.png"
    storage.write_bytes(orphan, b"png")
    call_command("cleanup_uploads", "--min-age", "0")
    assert (files_in_tmp / version.thumbnail_key).exists()
    assert not (files_in_tmp / orphan).exists()


def test_the_employee_reads_how_long_a_document_is_kept_in_plain_words(
    client, employee, document, make_staff, agency
):
    """The owner sees a sentence, not the records officer's vocabulary (phase, disposition);
    the records staff keep the detailed card with the legal terms."""
    call_command("load_catalogue")
    client.force_login(employee.user)
    html = client.get(reverse("documents:detail", args=[document.pk])).content.decode()
    assert "Berapa lama dokumen ini disimpan" in html
    assert "Siklus hidup" not in html and "Musnah" not in html and "Retensi" not in html
    dossier = client.get(reverse("personnel:employee_detail", args=[employee.pk]))
    assert "Berapa lama berkas Anda disimpan" in dossier.content.decode()
    client.force_login(make_staff(Role.RECORDS_OFFICER, agency))
    html = client.get(reverse("documents:detail", args=[document.pk])).content.decode()
    assert "Berapa lama dokumen ini disimpan" not in html and "Siklus hidup" in html

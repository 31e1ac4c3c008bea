"""Uploading: by content, durable, immutable versions, nothing left half-done."""

import hashlib
import io

import pytest
from django.core.management import call_command

from asndigital.accounts.models import Role
from asndigital.audit.models import AuditEvent
from asndigital.core.errors import DomainError, NotFound
from asndigital.documents import services, storage
from asndigital.documents.models import Document, DocumentType, DocumentVersion
from tests.documents.files import image_bytes, pdf_bytes
from tests.factories import EmployeeFactory

META = {"nomor_sk": "813/KEP-12/2015", "tanggal_sk": "02-03-2015", "tmt": "01-03-2015"}


@pytest.fixture
def catalogue(db):
    services.load_catalogue()


@pytest.fixture
def employee(agency, catalogue):
    return EmployeeFactory(agency=agency)


def upload(
    actor,
    employee,
    content=None,
    name="SK CPNS.pdf",
    code="sk-cpns",
    meta=META,
    document=None,
    **options,
):
    content = pdf_bytes() if content is None else content
    return services.upload_document(
        **options,
        actor=actor,
        employee=employee,
        doc_type=DocumentType.objects.get(code=code),
        chunks=iter([content[i : i + 100] for i in range(0, len(content), 100)]),
        original_name=name,
        metadata=meta,
        source="digital",
        document=document,
    )


def stored_files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_an_employee_uploads_to_their_own_dossier(employee, files_in_tmp):
    content = pdf_bytes(2)
    version = upload(employee.user, employee, content)
    assert version.sha256 == hashlib.sha256(content).hexdigest()
    assert (version.size, version.page_count, version.media_type) == (
        len(content),
        2,
        "application/pdf",
    )
    assert version.metadata == {
        "nomor_sk": "813/KEP-12/2015",
        "tanggal_sk": "2015-03-02",
        "tmt": "2015-03-01",
    }
    assert stored_files(files_in_tmp) == [version.storage_key]
    assert str(employee.pk) in version.storage_key and "SK" not in version.storage_key
    with storage.open_version(version.storage_key, data_key=version.data_key()) as handle:
        assert handle.read() == content
    document = version.document
    assert document.status == Document.Status.WAITING and document.current_version == version
    assert document.events.get().kind == "uploaded"
    assert AuditEvent.objects.filter(
        action="document.uploaded", target_id=str(document.pk)
    ).exists()


@pytest.mark.parametrize("who", ["operator", "agency_admin"])
def test_agency_staff_upload_for_their_agency(employee, make_staff, agency, who):
    staff = make_staff(Role.OPERATOR if who == "operator" else Role.AGENCY_ADMIN, agency)
    assert upload(staff, employee).uploaded_by == staff


@pytest.mark.parametrize("who", ["verifier", "other_operator", "colleague"])
def test_others_cannot_upload_and_nothing_is_written(
    employee, make_staff, agency, other_agency, who, files_in_tmp
):
    actor = {
        "verifier": lambda: make_staff(Role.VERIFIER, agency),
        "other_operator": lambda: make_staff(Role.OPERATOR, other_agency),
        "colleague": lambda: EmployeeFactory(agency=agency).user,
    }[who]()
    with pytest.raises(NotFound):
        upload(actor, employee)
    assert not Document.objects.exists() and stored_files(files_in_tmp) == []


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"content": b""}, "empty"),
        ({"content": b"not a pdf at all"}, "unknown_format"),
        ({"content": image_bytes("PNG"), "name": "sk.png"}, "format_not_allowed"),
        ({"content": pdf_bytes(javascript=True)}, "pdf_javascript"),
        ({"meta": {**META, "nomor_sk": ""}}, "metadata"),
        ({"meta": {**META, "tanggal_sk": "31-02-2015"}}, "metadata"),
        ({"code": "sk-pppk"}, "type_not_applicable"),
    ],
)
def test_every_refusal_leaves_no_row_and_no_file(employee, files_in_tmp, kwargs, code):
    with pytest.raises(DomainError) as caught:
        upload(employee.user, employee, **kwargs)
    assert caught.value.code == code
    assert not Document.objects.exists() and not DocumentVersion.objects.exists()
    assert stored_files(files_in_tmp) == []


def test_over_size_is_refused_while_streaming(employee, files_in_tmp):
    DocumentType.objects.filter(code="sk-cpns").update(max_size_bytes=1000)
    with pytest.raises(DomainError) as caught:
        upload(employee.user, employee, pdf_bytes(20))
    assert caught.value.code == "too_large"
    assert stored_files(files_in_tmp) == []


def test_a_replacement_is_a_new_version_and_the_original_stays(employee, files_in_tmp):
    first = upload(employee.user, employee, pdf_bytes(1))
    second = upload(employee.user, employee, pdf_bytes(2))  # SK CPNS: one per employee
    assert second.document == first.document and second.number == 2
    assert first.document.versions.count() == 2
    first.document.refresh_from_db()
    assert first.document.current_version == second
    assert set(stored_files(files_in_tmp)) == {first.storage_key, second.storage_key}
    assert [e.kind for e in first.document.events.order_by("at", "id")] == ["uploaded", "replaced"]


def test_the_same_file_twice_is_refused(employee):
    content = pdf_bytes(1)
    upload(employee.user, employee, content)
    with pytest.raises(DomainError) as caught:
        upload(employee.user, employee, content)
    assert caught.value.code == "duplicate"


def test_a_crash_while_receiving_leaves_nothing(employee, files_in_tmp):
    def broken():
        yield pdf_bytes()[:200]
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        services.upload_document(
            actor=employee.user,
            employee=employee,
            doc_type=DocumentType.objects.get(code="sk-cpns"),
            chunks=broken(),
            original_name="sk.pdf",
            metadata=META,
            source="scan",
        )
    assert stored_files(files_in_tmp) == []


def test_a_crash_between_the_file_and_the_row_is_cleaned_up(employee, files_in_tmp, monkeypatch):
    real_commit = storage.commit

    def commit_then_die(received, key, **options):
        real_commit(received, key, **options)
        raise SystemExit("power cut")  # after the file is durable, before the row commits

    monkeypatch.setattr(storage, "commit", commit_then_die)
    with pytest.raises(SystemExit):
        upload(employee.user, employee)
    assert not DocumentVersion.objects.exists()
    leftover = stored_files(files_in_tmp)
    assert len(leftover) == 1  # the file of a row that never committed
    out = io.StringIO()
    call_command("cleanup_uploads", "--min-age", "0", stdout=out)
    assert "removed 1" in out.getvalue()
    assert stored_files(files_in_tmp) == []


def test_cleanup_keeps_files_that_have_rows(employee, files_in_tmp):
    version = upload(employee.user, employee)
    call_command("cleanup_uploads", "--min-age", "0", stdout=io.StringIO())
    assert stored_files(files_in_tmp) == [version.storage_key]

"""The dossier as a BagIt (RFC 8493) ZIP, and an import that checks everything first."""

import hashlib
import io
import zipfile

import pytest
from django.urls import reverse

from asndigital.accounts.models import Role
from asndigital.audit.models import AuditEvent
from asndigital.core.errors import DomainError
from asndigital.documents import services as documents
from asndigital.documents.models import DocumentVersion
from asndigital.records.bagit import check_bag, export_dossier, import_dossier
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory
from tests.helpers import upload

pytestmark = pytest.mark.django_db
IJAZAH = {"jenjang": "S1", "institusi": "UI", "tahun": "2010"}


@pytest.fixture
def employee(agency, files_in_tmp):
    documents.load_catalogue()
    employee = EmployeeFactory(agency=agency)
    first = upload(employee.user, employee, pdf_bytes(1))
    upload(employee.user, employee, pdf_bytes(2), document=first.document)  # a second version
    upload(employee.user, employee, pdf_bytes(3), code="ijazah", meta=IJAZAH)
    return employee


def bag_bytes(actor, employee) -> bytes:
    with export_dossier(actor=actor, employee=employee) as package:
        return package.read()


def test_the_bag_holds_every_version_with_a_valid_manifest(employee, tmp_path):
    data = bag_bytes(employee.user, employee)
    archive = zipfile.ZipFile(io.BytesIO(data))
    root = f"dossier-{employee.nip}"
    names = set(archive.namelist())
    for tag in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt"):
        assert f"{root}/{tag}" in names
    manifest = archive.read(f"{root}/manifest-sha256.txt").decode().splitlines()
    assert len(manifest) == 4  # three versions and metadata.json
    for line in manifest:
        digest, path = line.split("  ")
        assert hashlib.sha256(archive.read(f"{root}/{path}")).hexdigest() == digest
    info = archive.read(f"{root}/bag-info.txt").decode()
    assert f"External-Identifier: {employee.nip}" in info and "Payload-Oxum: " in info
    path = tmp_path / "bag.zip"
    path.write_bytes(data)
    assert check_bag(path).metadata["employee"]["nip"] == employee.nip
    assert AuditEvent.objects.filter(action="dossier.exported").count() == 1


def rewrite(data: bytes, change) -> bytes:
    """A copy of the ZIP with ``change(name, content) -> content or None (drop)`` applied."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            content = change(name, source.read(name))
            if content is not None:
                target.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize(
    "change",
    [
        lambda n, c: c + b" " if n.endswith("-v1.pdf") else c,  # a payload file altered
        lambda n, c: None if n.endswith("-v2.pdf") else c,  # a payload file missing
        lambda n, c: c.replace(b"1.0", b"0.97") if n.endswith("bagit.txt") else c,
        lambda n, c: c.replace(b"Payload", b"Payl0ad") if n.endswith("bag-info.txt") else c,
    ],
)
def test_a_damaged_bag_is_refused_and_nothing_is_stored(employee, tmp_path, change):
    data = rewrite(bag_bytes(employee.user, employee), change)
    path = tmp_path / "bag.zip"
    path.write_bytes(data)
    before = DocumentVersion.objects.count()
    with pytest.raises(DomainError):
        import_dossier(actor=employee.user, path=path, employee=employee)
    assert DocumentVersion.objects.count() == before


def test_path_tricks_are_refused(tmp_path):
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("bag/bagit.txt", "BagIt-Version: 1.0\n")
        archive.writestr("bag/../../etc/passwd", "x")
    with pytest.raises(DomainError, match="tidak diizinkan"):
        check_bag(path)


def test_a_bag_moves_a_dossier_to_another_system(employee, tmp_path, make_staff, agency):
    data = bag_bytes(employee.user, employee)
    path = tmp_path / "bag.zip"
    path.write_bytes(data)
    # Elsewhere (here: the same employee after their files were lost from this system).
    officer = make_staff(Role.OPERATOR, agency)
    assert import_dossier(actor=officer, path=path, employee=employee) == {
        "stored": 0,
        "already_there": 3,
    }
    other = EmployeeFactory(agency=agency)
    with pytest.raises(DomainError, match="pegawai lain"):
        import_dossier(actor=officer, path=path, employee=other)


def test_the_employee_and_records_officers_download_it_others_cannot(
    client, employee, make_staff, agency
):
    url = reverse("records:export", args=[employee.pk])
    client.force_login(make_staff(Role.VERIFIER, agency))
    assert client.get(url).status_code == 404
    client.force_login(employee.user)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert b"".join(response.streaming_content)[:2] == b"PK"
    client.force_login(make_staff(Role.RECORDS_OFFICER, agency))
    assert client.get(url).status_code == 200

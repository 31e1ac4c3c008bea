"""A full disk: the upload that does not fit is refused with a clear message (507 in the API),
nothing half-written stays (no row, no partial file), and what is stored stays readable."""

import errno
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from asndigital.accounts import tokens
from asndigital.accounts.models import Role
from asndigital.core.errors import DomainError
from asndigital.documents import storage
from asndigital.documents.models import Document, DocumentVersion
from tests.documents.files import pdf_bytes
from tests.factories import WRITE_SCOPES, EmployeeFactory
from tests.helpers import META, stored_files, upload


@pytest.fixture
def employee(agency, db):
    from asndigital.documents.services import load_catalogue

    load_catalogue()
    return EmployeeFactory(agency=agency)


class FillsUp:
    """A file on a disk with ``room`` bytes left: writes past it fail with ENOSPC."""

    def __init__(self, out, room: int) -> None:
        self.out, self.room, self.written = out, room, 0

    def write(self, data) -> int:
        if self.written + len(data) > self.room:
            self.out.write(data[: self.room - self.written])
            self.out.flush()
            self.written = self.room
            raise OSError(errno.ENOSPC, "No space left on device")
        self.written += len(data)
        return self.out.write(data)

    def close(self) -> None:
        self.out.close()


@pytest.fixture
def disk_full_while_receiving(monkeypatch):
    real_init = storage.Receiver.__init__

    def init(self, **kwargs):
        real_init(self, **kwargs)
        self._out = FillsUp(self._out, room=300)

    monkeypatch.setattr(storage.Receiver, "__init__", init)


@pytest.fixture
def disk_full_while_storing(monkeypatch):
    """The plain copy fits, its encrypted copy does not."""
    real_copy = storage.shutil.copyfileobj

    def copy(source, target, length=0):
        if getattr(target, "name", "").endswith(".part"):
            target.write(source.read(100))
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_copy(source, target, length)

    monkeypatch.setattr(storage.shutil, "copyfileobj", copy)


@pytest.mark.parametrize("where", ["disk_full_while_receiving", "disk_full_while_storing"])
def test_an_upload_that_does_not_fit_is_refused_and_leaves_nothing(
    employee, files_in_tmp, request, where
):
    kept = upload(employee.user, employee, pdf_bytes(1))
    before = set(stored_files(files_in_tmp))
    request.getfixturevalue(where)
    with pytest.raises(DomainError) as caught:
        upload(employee.user, employee, pdf_bytes(2))
    assert caught.value.code == "storage_full"
    assert "Penyimpanan arsip penuh" in caught.value.message
    assert list(DocumentVersion.objects.all()) == [kept]
    assert set(stored_files(files_in_tmp)) == before  # no partial file, in tmp/ or stored
    with storage.open_version(kept.storage_key, data_key=kept.data_key()) as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == kept.sha256


def test_the_upload_page_says_the_storage_is_full(
    client, employee, files_in_tmp, disk_full_while_receiving
):
    client.force_login(employee.user)
    response = client.post(
        reverse("personnel:upload_document", args=[employee.pk]),
        {
            "type": "sk-cpns",
            "source": "scan",
            "file": SimpleUploadedFile("sk.pdf", pdf_bytes(3)),
            **{f"meta_{k}": v for k, v in META.items()},
        },
    )
    assert response.status_code == 200
    assert "Penyimpanan arsip penuh" in response.content.decode()
    assert not Document.objects.exists()
    assert stored_files(files_in_tmp) == []


def test_the_api_answers_507_with_a_stable_code(
    employee, agency, make_staff, files_in_tmp, disk_full_while_receiving
):
    _token, value = tokens.create_token(
        actor=make_staff(Role.AGENCY_ADMIN, agency),
        name="SIMPEG",
        agency=agency,
        scopes=WRITE_SCOPES,
    )
    response = Client(HTTP_AUTHORIZATION=f"Bearer {value}").post(
        f"/api/v1/employees/{employee.nip}/documents",
        {
            "type": "sk-cpns",
            "metadata": '{"nomor_sk": "1", "tanggal_sk": "02-03-2015", "tmt": "01-03-2015"}',
            "file": SimpleUploadedFile("sk.pdf", pdf_bytes(4)),
        },
    )
    assert response.status_code == 507
    assert response.json()["code"] == "storage_full"
    assert not Document.objects.exists()
    assert stored_files(files_in_tmp) == []

"""Documents go through Django's storage API: the same uploads, downloads, previews and cleanup
work on a storage that is not a local folder (Django's in-memory storage stands in for S3 here;
issue 7 runs them against a real S3 server)."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse

from asndigital.core.errors import DomainError
from asndigital.documents import services, storage
from asndigital.documents.models import DocumentVersion
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory
from tests.helpers import upload


@pytest.fixture
def object_store(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    settings.ASN_UPLOAD_TMP = str(tmp_path / "uploads")
    assert not storage.is_local()
    return storage.tmp_dir()


@pytest.fixture
def employee(agency, db):
    services.load_catalogue()
    return EmployeeFactory(agency=agency)


def test_an_upload_lands_in_the_store_and_streams_back(client, employee, object_store):
    content = pdf_bytes(2)
    version = upload(employee.user, employee, content)
    assert default_storage.exists(version.storage_key)
    assert not list(object_store.rglob("*.part"))  # the received temporary file is gone
    client.force_login(employee.user)
    response = client.get(reverse("documents:download", args=[version.document_id, version.pk]))
    assert b"".join(response.streaming_content) == content


def test_previews_are_drawn_from_the_store(employee, object_store):
    version = upload(employee.user, employee, pdf_bytes(1))
    assert services.make_thumbnail(version_id=version.pk) == "ready"
    with storage.open_version(version.thumbnail_key, data_key=version.data_key()) as png:
        assert png.read(8) == b"\x89PNG\r\n\x1a\n"
    assert not list(object_store.rglob("*.copy"))  # the temporary local copy is gone


def test_a_refused_upload_leaves_nothing_in_the_store(employee, object_store):
    with pytest.raises(DomainError):
        upload(employee.user, employee, b"%PDF-1.7 rusak")
    assert not list(storage._stored_keys("documents"))
    assert not list(object_store.rglob("*.part"))
    assert not DocumentVersion.objects.exists()


def test_cleanup_removes_objects_without_rows_from_the_store(employee, object_store):
    version = upload(employee.user, employee, pdf_bytes(1))
    storage.write_bytes(f"documents/{employee.pk}/orphan", b"left by a crash")
    (object_store / "stale.part").write_bytes(b"half an upload")
    call_command("cleanup_uploads", "--min-age", "0", stdout=io.StringIO())
    assert default_storage.exists(version.storage_key)
    assert not default_storage.exists(f"documents/{employee.pk}/orphan")
    assert not (object_store / "stale.part").exists()

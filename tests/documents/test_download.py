import pytest
from django.urls import reverse

from asndigital.accounts.models import Role
from asndigital.audit.models import AuditEvent
from asndigital.documents import services
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory
from tests.helpers import upload


@pytest.fixture
def employee(agency, db):
    services.load_catalogue()
    return EmployeeFactory(agency=agency)


def get(client, version, how="download"):
    return client.get(reverse(f"documents:{how}", args=[version.document_id, version.pk]))


def test_download_streams_the_original_with_safe_headers_and_is_audited(client, employee):
    content = pdf_bytes(2)
    version = upload(employee.user, employee, content)
    client.force_login(employee.user)
    response = get(client, version)
    assert response.streaming and b"".join(response.streaming_content) == content
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    event = AuditEvent.objects.get(action="document.downloaded")
    assert event.actor_id == employee.user.pk and event.data["version"] == str(version.pk)
    inline = get(client, version, "view")
    assert inline["Content-Disposition"].startswith("inline;")
    assert AuditEvent.objects.filter(action="document.viewed").count() == 1


def test_earlier_versions_stay_readable(client, employee):
    first = upload(employee.user, employee, pdf_bytes(1))
    upload(employee.user, employee, pdf_bytes(3))
    client.force_login(employee.user)
    assert b"".join(get(client, first).streaming_content) == pdf_bytes(1)


@pytest.mark.parametrize("who", ["colleague", "other_admin", "anonymous"])
def test_others_cannot_download_and_leave_no_view_event(
    client, employee, make_staff, other_agency, agency, who
):
    version = upload(employee.user, employee, pdf_bytes(1))
    actor = {
        "colleague": lambda: EmployeeFactory(agency=agency).user,
        "other_admin": lambda: make_staff(Role.AGENCY_ADMIN, other_agency),
        "anonymous": lambda: None,
    }[who]()
    if actor is not None:
        client.force_login(actor)
    assert get(client, version).status_code in (302, 404)
    assert not AuditEvent.objects.filter(action="document.downloaded").exists()


def test_a_version_of_another_document_is_not_reachable_through_this_one(client, employee):
    mine = upload(employee.user, employee, pdf_bytes(1))
    other = upload(
        employee.user,
        employee,
        pdf_bytes(2),
        name="i.pdf",
        code="ijazah",
        meta={"jenjang": "S1", "institusi": "UPI", "tahun": "2004"},
    )
    client.force_login(employee.user)
    url = reverse("documents:download", args=[mine.document_id, other.pk])
    assert client.get(url).status_code == 404


# --- A damaged or missing stored copy -----------------------------------------------------------


def _stored_path(files_in_tmp, version):
    return files_in_tmp / version.storage_key


def _events(*actions):
    return [e.action for e in AuditEvent.objects.filter(action__in=actions).order_by("id")]


@pytest.mark.parametrize("damage", ["flipped", "missing"])
def test_a_damaged_file_is_not_sent_but_explained_recorded_and_alerted(
    client, employee, files_in_tmp, damage
):
    version = upload(employee.user, employee, pdf_bytes(2))
    path = _stored_path(files_in_tmp, version)
    if damage == "missing":
        path.unlink()
    else:
        stored = bytearray(path.read_bytes())
        stored[100] ^= 0x01  # one bit, inside the first encrypted block
        path.write_bytes(bytes(stored))
    client.force_login(employee.user)
    response = get(client, version)
    page = response.content.decode()
    assert response.status_code == 500 and not response.streaming
    assert "Berkas tidak dapat dibuka" in page and "dicatat dan dilaporkan" in page
    assert _events("document.downloaded", "document.read_failed", "fixity.failed") == [
        "document.read_failed",
        "fixity.failed",
    ]
    alert = AuditEvent.objects.get(action="fixity.failed")
    outcome = "missing" if damage == "missing" else "mismatch"
    assert alert.data["outcome"] == outcome and alert.data["found_by"] == "document.downloaded"


def test_the_api_answers_a_damaged_file_with_json_and_records_it(employee, files_in_tmp, agency):
    from django.test import Client

    from asndigital.accounts import tokens
    from tests.factories import UserFactory, grant

    version = upload(employee.user, employee, pdf_bytes(2))
    _stored_path(files_in_tmp, version).unlink()
    admin = UserFactory()
    grant(admin, Role.AGENCY_ADMIN, agency)
    _t, value = tokens.create_token(
        actor=admin, name="SIMPEG", agency=agency, scopes=["documents:read"]
    )
    url = f"/api/v1/documents/{version.document_id}/versions/{version.number}/file"
    response = Client(HTTP_AUTHORIZATION=f"Bearer {value}").get(url)
    assert response.status_code == 500 and response.json()["code"] == "damaged"
    assert _events("document.downloaded", "document.read_failed") == ["document.read_failed"]


def test_damage_deep_in_a_file_stops_the_stream_and_is_recorded(employee, files_in_tmp):
    """Found only while streaming (the third of three 1 MiB blocks): the bytes stop, the read
    and the alert are recorded; what was sent is the original's first blocks, never more."""
    import io
    import os

    from asndigital.documents import encryption, reading

    version = upload(employee.user, employee, pdf_bytes(1))
    original = os.urandom(2 * encryption.CHUNK + 1000)
    sealed = encryption.EncryptingReader(io.BytesIO(original), version.data_key()).read()
    damaged = bytearray(sealed)
    damaged[-500] ^= 0x01
    _stored_path(files_in_tmp, version).write_bytes(bytes(damaged))
    stream = reading.open_checked(
        actor=employee.user,
        document=version.document,
        version=version,
        action="document.downloaded",
    )
    sent = stream.read(2 * encryption.CHUNK)
    assert sent == original[: 2 * encryption.CHUNK]
    with pytest.raises(encryption.DecryptionError):
        stream.read(encryption.CHUNK)
    assert _events("document.read_failed", "fixity.failed") == [
        "document.read_failed",
        "fixity.failed",
    ]

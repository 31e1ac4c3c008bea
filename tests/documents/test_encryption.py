"""Encryption at rest: streaming AES-GCM per version, keys sealed by the master keyring,
crypto-shredding, and master-key rotation."""

import base64
import io
import os

import pytest
from django.core.management import call_command
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from asndigital.audit.models import AuditEvent
from asndigital.core import crypto
from asndigital.documents import encryption, services, storage
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory
from tests.helpers import upload

SMALL = 64  # a small chunk size makes multi-chunk files cheap to test


def encrypt(data: bytes, key: bytes) -> bytes:
    return io.BufferedReader(encryption.EncryptingReader(io.BytesIO(data), key)).read()


def decrypt(stored: bytes, key: bytes) -> bytes:
    return io.BufferedReader(encryption.DecryptingReader(io.BytesIO(stored), key)).read()


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(encryption, "CHUNK", SMALL)


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=5 * SMALL))
def test_any_file_round_trips_and_has_the_predicted_size(data):
    encryption_chunk = encryption.CHUNK
    encryption.CHUNK = SMALL
    try:
        key = encryption.new_data_key()
        stored = encrypt(data, key)
        assert len(stored) == encryption.stored_size(len(data))
        assert decrypt(stored, key) == data
    finally:
        encryption.CHUNK = encryption_chunk


@pytest.mark.parametrize(
    "damage",
    [
        lambda s: s[: len(s) - 1],  # cut short
        lambda s: s[: encryption.HEADER + SMALL + 16],  # whole chunks dropped from the end
        lambda s: s[:100] + bytes([s[100] ^ 1]) + s[101:],  # one bit flipped
        lambda s: (
            s[: encryption.HEADER]  # two chunks swapped
            + s[encryption.HEADER + SMALL + 16 : encryption.HEADER + 2 * (SMALL + 16)]
            + s[encryption.HEADER : encryption.HEADER + SMALL + 16]
            + s[encryption.HEADER + 2 * (SMALL + 16) :]
        ),
    ],
)
def test_any_change_to_the_stored_bytes_is_refused(small_chunks, damage):
    key = encryption.new_data_key()
    stored = encrypt(os.urandom(3 * SMALL + 10), key)
    with pytest.raises(encryption.DecryptionError):
        decrypt(damage(stored), key)


def test_another_key_cannot_read_it(small_chunks):
    stored = encrypt(b"rahasia" * 30, encryption.new_data_key())
    with pytest.raises(encryption.DecryptionError):
        decrypt(stored, encryption.new_data_key())


@pytest.fixture
def employee(agency, db):
    services.load_catalogue()
    return EmployeeFactory(agency=agency)


def test_stored_files_hold_no_plaintext_and_download_decrypts(client, employee, files_in_tmp):
    content = pdf_bytes(2)
    version = upload(employee.user, employee, content)
    at_rest = (files_in_tmp / version.storage_key).read_bytes()
    assert version.is_encrypted and b"%PDF" not in at_rest and b"/Type" not in at_rest
    import hashlib

    assert hashlib.sha256(at_rest).hexdigest() == version.stored_sha256
    client.force_login(employee.user)
    response = client.get(reverse("documents:download", args=[version.document_id, version.pk]))
    assert response["Content-Length"] == str(len(content))
    assert b"".join(response.streaming_content) == content


def test_destroying_the_key_makes_every_copy_unreadable(employee, files_in_tmp):
    version = upload(employee.user, employee, pdf_bytes(1))
    backup = (files_in_tmp / version.storage_key).read_bytes()
    version.sealed_key = None  # what destruction does (records.destruction)
    with pytest.raises(encryption.KeyDestroyed):
        version.data_key()
    assert b"%PDF" not in backup  # the backup copy alone reveals nothing


@pytest.fixture
def fresh_keyring(settings):
    def use(value):
        settings.ASN_SECRETS_KEYS = value
        crypto._keyring.cache_clear()

    yield use
    crypto._keyring.cache_clear()


def test_rotating_the_master_key_reseals_data_keys_and_files_stay_readable(
    employee, files_in_tmp, fresh_keyring
):
    old = "1:" + base64.urlsafe_b64encode(os.urandom(32)).decode()
    new = "2:" + base64.urlsafe_b64encode(os.urandom(32)).decode()
    fresh_keyring(old)
    content = pdf_bytes(1)
    version = upload(employee.user, employee, content)
    fresh_keyring(f"{new},{old}")
    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    assert "1 document keys" in out.getvalue()
    resealed = AuditEvent.objects.get(action="keys.resealed")
    assert resealed.data["count"] == 1 and resealed.data["key"] == 2
    fresh_keyring(new)  # the old key is gone
    version.refresh_from_db()
    with storage.open_version(version.storage_key, data_key=version.data_key()) as handle:
        assert handle.read() == content

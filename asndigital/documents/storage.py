"""Where the bytes of document versions live. Keys never come from user input.

Everything goes through Django's storage API (``STORAGES["default"]``): local files under
``var/files`` by default, or S3-compatible object storage (django-storages) by configuration
(``ASN_STORAGE=s3``, see docs/configuration.md).

An upload is streamed once into a local temporary file while its SHA-256 and size are computed,
and checked; then, before its database row commits, it is encrypted into its stored form and
made durable under its key: on local storage written to ``tmp/``, fsynced, renamed into place
and the directory fsynced (``tmp/`` is inside the storage folder, so the rename is atomic), on
object storage by a completed PUT. A crash leaves at
most a temporary file or a stored object without a row; the schedule's ``cleanup_uploads`` job
(or ``manage.py cleanup_uploads``) removes those.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.utils.translation import gettext as _

from asndigital.core.errors import DomainError
from asndigital.documents import encryption

CHUNK = 1024 * 1024


@dataclass
class Received:
    path: Path
    sha256: str
    size: int
    full: bool = False  # the storage ran out of space while receiving: nothing was kept


def is_local() -> bool:
    """Whether the default storage is a folder on this machine (else an object store)."""
    return isinstance(default_storage, FileSystemStorage)  # the lazy object proxies its class


def root() -> Path:
    """The local storage folder (only meaningful when ``is_local()``)."""
    return Path(default_storage.location)


def tmp_dir() -> Path:
    """Where uploads are received: inside the storage folder (an atomic rename away from their
    key) when local, else ``ASN_UPLOAD_TMP`` (default: the system's temporary folder)."""
    folder = root() / "tmp" if is_local() else Path(settings.ASN_UPLOAD_TMP) / "asn-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _is_full(exc: OSError) -> bool:
    return exc.errno in (errno.ENOSPC, errno.EDQUOT)


def storage_full() -> DomainError:
    return DomainError(
        _(
            "The archive's storage is full, so the file was not stored. Try again later, and "
            "tell the administrator if this persists."
        ),
        code="storage_full",
    )


class Receiver:
    """An upload on its way into ``tmp/``: written and hashed in one pass.

    Past ``max_size`` it stops writing but keeps counting, so the caller learns the real size
    and can say so; such a file is never committed. When the storage runs out of space it
    removes what it wrote and keeps counting too (``full``): the caller refuses the upload.
    """

    def __init__(self, *, max_size: int) -> None:
        self.path = tmp_dir() / f"{uuid.uuid4().hex}.part"
        self.max_size = max_size
        self.size = 0
        self.full = False
        self._digest = hashlib.sha256()
        self._out = self.path.open("xb")

    @property
    def overflowed(self) -> bool:
        return self.size > self.max_size

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.overflowed or self.full:
            return
        self._digest.update(chunk)
        try:
            self._out.write(chunk)
        except OSError as exc:
            if not _is_full(exc):
                raise
            self._drop_partial()

    def _drop_partial(self) -> None:
        self.full = True
        try:
            self._out.close()
        except OSError as exc:  # the buffered rest cannot be written either: the same error
            if not _is_full(exc):
                raise
        finally:
            self.path.unlink(missing_ok=True)

    def finish(self) -> Received:
        # No fsync here: this plain copy is only read back (checked, then encrypted into the
        # stored file, which is fsynced before its row commits); a crash before that loses an
        # upload nobody was told was stored, and cleanup_uploads removes the copy.
        if not self.full:
            try:
                self._out.close()
            except OSError as exc:
                if not _is_full(exc):
                    self.path.unlink(missing_ok=True)
                    raise
                self._drop_partial()
        return Received(
            path=self.path, sha256=self._digest.hexdigest(), size=self.size, full=self.full
        )

    def abort(self) -> None:
        try:
            self._out.close()
        except OSError as exc:  # a full disk refuses the buffered rest: remove the file anyway
            if not _is_full(exc):
                raise
        finally:
            self.path.unlink(missing_ok=True)


def too_large(max_size: int) -> DomainError:
    return DomainError(
        _("The file is larger than %(mb).1f MB, the limit for this document type.")
        % {"mb": max_size / 1024 / 1024},
        code="too_large",
    )


def receive(chunks: Iterable[bytes], *, max_size: int) -> Received:
    """Write the upload to a temporary file, hashing it in the same pass; refuse over-size."""
    receiver = Receiver(max_size=max_size)
    try:
        for chunk in chunks:
            receiver.write(chunk)
            if receiver.full:
                raise storage_full()
            if receiver.overflowed:
                raise too_large(max_size)
        return receiver.finish()
    except BaseException:
        receiver.abort()
        raise


class _Hashing(io.RawIOBase):
    """Passes bytes through while hashing them (what is stored, as stored)."""

    def __init__(self, source) -> None:
        self._source = source
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        size = self._source.readinto(buffer)
        self.digest.update(memoryview(buffer)[:size])
        return size


def commit(received: Received, key: str, *, data_key: bytes | None = None) -> str:
    """Make the checked file durable under its key, encrypted with ``data_key`` when given, and
    remove the temporary file. Returns the SHA-256 of the bytes as stored."""
    with received.path.open("rb") as plain:
        source = encryption.EncryptingReader(plain, data_key) if data_key else plain.raw
        hashing = _Hashing(source)
        stream = io.BufferedReader(hashing, CHUNK)
        if is_local():
            target = root() / key
            part = tmp_dir() / f"{uuid.uuid4().hex}.part"
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with part.open("xb") as out:
                    shutil.copyfileobj(stream, out, CHUNK)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(part, target)
            except BaseException as exc:
                part.unlink(missing_ok=True)
                if isinstance(exc, OSError) and _is_full(exc):
                    raise storage_full() from exc
                raise
            _fsync_dir(target.parent)
        else:
            saved = default_storage.save(key, File(stream, name=key))
            if saved != key:  # the store renamed it: a key collision, which UUIDs never produce
                default_storage.delete(saved)
                raise RuntimeError(f"storage saved {key!r} as {saved!r}")
    received.path.unlink(missing_ok=True)
    return hashing.digest.hexdigest()


def write_bytes(key: str, data: bytes, *, data_key: bytes | None = None) -> None:
    """A small derived file (a thumbnail), written durably under its key."""
    part = tmp_dir() / f"{uuid.uuid4().hex}.part"
    try:
        with part.open("xb") as out:
            out.write(data)
        commit(Received(path=part, sha256="", size=len(data)), key, data_key=data_key)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def exists(key: str) -> bool:
    return default_storage.exists(key)


def discard(received: Received) -> None:
    received.path.unlink(missing_ok=True)


@contextmanager
def local_copy(key: str, *, data_key: bytes | None = None) -> Iterator[Path]:
    """A path on this machine's disk holding the (plain) bytes under ``key``, for tools that
    need a file name, like pdfium: a temporary copy, removed afterwards."""
    with tempfile.NamedTemporaryFile(dir=tmp_dir(), suffix=".copy") as copy:
        with open_version(key, data_key=data_key) as source:
            shutil.copyfileobj(source, copy, CHUNK)
        copy.flush()
        yield Path(copy.name)


def _s3():
    """(client, bucket name) when the default storage is django-storages' S3, else None."""
    bucket = getattr(default_storage, "bucket_name", None)
    if is_local() or bucket is None or not hasattr(default_storage, "connection"):
        return None
    return default_storage.connection.meta.client, bucket


def open_stored(key: str):
    """The bytes as stored (encrypted or not), to read. On S3 the object's body is streamed
    as it is read (django-storages' file would first copy it whole to a spooled file)."""
    if is_local():
        return (root() / key).open("rb")
    s3 = _s3()
    if s3 is None:
        return default_storage.open(key, "rb")
    client, bucket = s3
    try:
        return client.get_object(Bucket=bucket, Key=key)["Body"]
    except client.exceptions.NoSuchKey:
        raise FileNotFoundError(key) from None


def open_version(key: str, *, data_key: bytes | None = None):
    """The file's plain bytes to read and stream (decrypted on the fly with ``data_key``)."""
    stored = open_stored(key)
    if data_key is None:
        return stored
    try:
        return io.BufferedReader(encryption.DecryptingReader(stored, data_key), CHUNK)
    except BaseException:
        stored.close()
        raise


def delete(key: str, *, destruction: bool = False) -> None:
    """Remove the bytes under ``key``. On object storage with versions (S3 Object Lock) every
    version goes, not just a delete marker; only the destruction workflow may lift an object's
    legal hold and bypass its governance retention first."""
    s3 = _s3()
    if s3 is None:
        default_storage.delete(key)
        return
    client, bucket = s3
    listing = client.list_object_versions(Bucket=bucket, Prefix=key)
    entries = [(v, False) for v in listing.get("Versions", [])] + [
        (v, True) for v in listing.get("DeleteMarkers", [])
    ]
    for version, is_marker in entries:
        if version["Key"] != key:
            continue
        options = {"Bucket": bucket, "Key": key, "VersionId": version["VersionId"]}
        if destruction and settings.ASN_S3_OBJECT_LOCK and not is_marker:
            client.put_object_legal_hold(**options, LegalHold={"Status": "OFF"})
            options["BypassGovernanceRetention"] = True
        client.delete_object(**options)


def set_legal_hold(keys, on: bool) -> None:
    """Mirror a legal hold onto the stored objects (S3 Object Lock): while it is ON, the
    storage itself refuses to delete them. Nothing to do on local storage."""
    s3 = _s3()
    if s3 is None or not settings.ASN_S3_OBJECT_LOCK:
        return
    # imported here: botocore is heavy: loaded only with S3 storage
    from botocore.exceptions import ClientError

    client, bucket = s3
    for key in keys:
        try:
            client.put_object_legal_hold(
                Bucket=bucket, Key=key, LegalHold={"Status": "ON" if on else "OFF"}
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("NoSuchKey", "404"):
                raise
            # a preview not made (yet): nothing to hold


def _stored_keys(prefix: str) -> Iterator[str]:
    """Every key under ``prefix/<folder>/``, by listing the storage two levels deep."""
    try:
        folders, _files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return
    for folder in folders:
        _sub, files = default_storage.listdir(f"{prefix}/{folder}")
        for name in files:
            yield f"{prefix}/{folder}/{name}"


def leftovers(known: set[str], *, min_age_seconds: float) -> list[str]:
    """Temporary uploads, and stored files without a version row (or files held for a retry
    without theirs), older than ``min_age_seconds``: their names, for ``remove_leftover``."""
    cutoff = time.time() - min_age_seconds
    found = [
        str(path)
        for path in tmp_dir().glob("*.part")
        if path.is_file() and path.stat().st_mtime <= cutoff
    ]
    for prefix in ("documents", "thumbnails", "pending"):
        for key in _stored_keys(prefix):
            if key in known:
                continue
            modified = default_storage.get_modified_time(key)
            if modified.tzinfo is None:
                modified = modified.replace(tzinfo=UTC)
            if modified.timestamp() <= cutoff:
                found.append(key)
    return found


def remove_leftover(name: str) -> None:
    if name.endswith(".part") and Path(name).is_absolute():
        Path(name).unlink(missing_ok=True)
    else:
        default_storage.delete(name)

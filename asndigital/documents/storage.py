"""Where the bytes of document versions live. Keys never come from user input.

Local files under ``var/files`` by default (Django's default storage location). An upload is
streamed once into ``tmp/`` while SHA-256 and size are computed, fsynced, checked, then renamed to
its key and the directory fsynced, all before its database row commits. A crash leaves at most a
temporary file or a file without a row; ``manage.py cleanup_uploads`` removes those.
(S3-compatible storage through django-storages follows in issue 7.)
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from asndigital.core.errors import DomainError

CHUNK = 1024 * 1024


@dataclass
class Received:
    path: Path
    sha256: str
    size: int


def root() -> Path:
    return Path(default_storage.location)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Receiver:
    """An upload on its way into ``tmp/``: written and hashed in one pass, fsynced at the end.

    Past ``max_size`` it stops writing but keeps counting, so the caller learns the real size
    and can say so; such a file is never committed.
    """

    def __init__(self, *, max_size: int) -> None:
        tmp = root() / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        self.path = tmp / f"{uuid.uuid4().hex}.part"
        self.max_size = max_size
        self.size = 0
        self._digest = hashlib.sha256()
        self._out = self.path.open("xb")

    @property
    def overflowed(self) -> bool:
        return self.size > self.max_size

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.overflowed:
            return
        self._digest.update(chunk)
        self._out.write(chunk)

    def finish(self) -> Received:
        try:
            self._out.flush()
            os.fsync(self._out.fileno())
        finally:
            self._out.close()
        return Received(path=self.path, sha256=self._digest.hexdigest(), size=self.size)

    def abort(self) -> None:
        self._out.close()
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
            if receiver.overflowed:
                raise too_large(max_size)
        return receiver.finish()
    except BaseException:
        receiver.abort()
        raise


def commit(received: Received, key: str) -> None:
    """Move the checked file to its key, durably."""
    target = root() / key
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(received.path, target)
    _fsync_dir(target.parent)


def write_bytes(key: str, data: bytes) -> None:
    """A small derived file (a thumbnail), written durably under its key."""
    tmp = root() / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    part = tmp / f"{uuid.uuid4().hex}.part"
    try:
        with part.open("xb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        commit(Received(path=part, sha256="", size=len(data)), key)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def exists(key: str) -> bool:
    return (root() / key).is_file()


def discard(received: Received) -> None:
    received.path.unlink(missing_ok=True)


def local_path(key: str) -> Path:
    """Where the bytes under ``key`` are on this machine's disk."""
    return root() / key


def open_version(key: str):
    return (root() / key).open("rb")


def delete(key: str) -> None:
    (root() / key).unlink(missing_ok=True)


def leftovers(known: set[str], *, min_age_seconds: float) -> list[Path]:
    """Temporary files and files without a version row, older than ``min_age_seconds``."""
    base = root()
    cutoff = time.time() - min_age_seconds
    found = []
    for folder, pattern in (
        (base / "tmp", "*.part"),
        (base / "documents", "*/*"),
        (base / "thumbnails", "*/*.png"),
    ):
        if not folder.exists():
            continue
        for path in folder.glob(pattern):
            key = path.relative_to(base).as_posix()
            if path.is_file() and path.stat().st_mtime <= cutoff and key not in known:
                found.append(path)
    return found

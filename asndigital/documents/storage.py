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


def receive(chunks: Iterable[bytes], *, max_size: int) -> Received:
    """Write the upload to a temporary file, hashing it in the same pass; refuse over-size."""
    tmp = root() / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / f"{uuid.uuid4().hex}.part"
    digest, size = hashlib.sha256(), 0
    try:
        with path.open("xb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > max_size:
                    raise DomainError(
                        _("The file is larger than %(mb).1f MB, the limit for this document type.")
                        % {"mb": max_size / 1024 / 1024},
                        code="too_large",
                    )
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Received(path=path, sha256=digest.hexdigest(), size=size)


def commit(received: Received, key: str) -> None:
    """Move the checked file to its key, durably."""
    target = root() / key
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(received.path, target)
    _fsync_dir(target.parent)


def discard(received: Received) -> None:
    received.path.unlink(missing_ok=True)


def open_version(key: str):
    return (root() / key).open("rb")


def delete(key: str) -> None:
    (root() / key).unlink(missing_ok=True)


def leftovers(known: set[str], *, min_age_seconds: float) -> list[Path]:
    """Temporary files and files without a version row, older than ``min_age_seconds``."""
    base = root()
    cutoff = time.time() - min_age_seconds
    found = []
    for folder, pattern in ((base / "tmp", "*.part"), (base / "documents", "*/*")):
        if not folder.exists():
            continue
        for path in folder.glob(pattern):
            key = path.relative_to(base).as_posix()
            if path.is_file() and path.stat().st_mtime <= cutoff and key not in known:
                found.append(path)
    return found

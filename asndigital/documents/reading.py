"""Reading a stored version's bytes for a person (view, download, API): a missing or damaged
stored copy is never passed off as a download.

Before anything is sent, the first block is read (for encrypted files: decrypted and
authenticated). A copy that is missing or does not decrypt is recorded as a failed read
(``document.read_failed``, not ``document.downloaded``) and raises the fixity alert
(``fixity.failed`` in the audit trail, found by this read, and an error in the log), and the
caller shows a clear message. Damage further into the file is found while streaming: the
download is cut off (the browser reports it as failed), and the same two events are recorded.
"""

from __future__ import annotations

import contextlib
import io
import logging

from django.db import transaction

from asndigital.audit.services import record
from asndigital.documents import encryption, storage

logger = logging.getLogger(__name__)


class Damaged(Exception):
    """The stored copy is missing or damaged; recorded already."""

    def __init__(self, outcome: str):
        super().__init__(outcome)
        self.outcome = outcome


def open_checked(*, actor, document, version, action: str, **data):
    """The version's plain bytes to stream, its first block already checked, and the read
    recorded (``action`` with ``data``, whoever reads: a file that leaves the archive is always
    recorded, the owner's own downloads too); raises Damaged."""
    try:
        stream = storage.open_version(version.storage_key, data_key=version.data_key())
    except FileNotFoundError:
        _damaged(actor, document, version, action, "missing", data)
    except encryption.DecryptionError:
        _damaged(actor, document, version, action, "mismatch", data)
    try:
        if isinstance(stream, io.BufferedReader):
            stream.peek(1)  # reads (decrypts and authenticates) the first block
    except encryption.DecryptionError:
        stream.close()
        _damaged(actor, document, version, action, "mismatch", data)
    record(actor, action, document, version=str(version.pk), **data)
    return _Guarded(stream, lambda: _damaged(actor, document, version, action, "mismatch", data))


def open_preview(*, actor, document, version, **data):
    """The version's first-page thumbnail to stream, the preview recorded."""
    record(actor, "document.previewed", document, version=str(version.pk), **data)
    return storage.open_version(version.thumbnail_key, data_key=version.data_key())


def _damaged(actor, document, version, action: str, outcome: str, data: dict) -> None:
    logger.error("stored copy of version %s is %s (found by %s)", version.pk, outcome, action)
    with transaction.atomic():
        record(
            actor,
            "document.read_failed",
            document,
            version=str(version.pk),
            attempted=action,
            outcome=outcome,
            **data,
        )
        record(
            None,
            "fixity.failed",
            document,
            version=str(version.pk),
            outcome=outcome,
            expected=version.sha256,
            observed="",
            found_by=action,
        )
    raise Damaged(outcome)


class _Guarded(io.RawIOBase):
    """A file object that records damage found while it is read, then stops the stream."""

    def __init__(self, stream, on_damage):
        self._stream = stream
        self._on_damage = on_damage

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        try:
            return self._stream.read(size)
        except encryption.DecryptionError:
            with contextlib.suppress(Damaged):  # recorded; the stream stops below
                self._on_damage()
            raise

    def readinto(self, buffer) -> int:
        block = self.read(len(buffer))
        buffer[: len(block)] = block
        return len(block)

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            super().close()

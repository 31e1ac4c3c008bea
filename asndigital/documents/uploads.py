"""Upload handlers that take a request's file as it arrives, instead of Django's default of
buffering it (in memory, or in a temporary file that the service would then copy again).

``ReceivingUploadHandler`` streams each file straight into storage's ``tmp/`` while hashing it,
so an upload is written once. ``HashingUploadHandler`` only hashes (the public verification
page compares a copy without keeping it). Views install them before the body is read; such
views are ``csrf_exempt`` and check CSRF themselves afterwards (Django's documented pattern).
"""

from __future__ import annotations

import hashlib

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from asndigital.documents import storage


class ReceivedFile(UploadedFile):
    """A file already written to storage's ``tmp/``; ``received`` says where, its hash and size.
    Whoever takes it must commit or discard it (``discard_received`` in the view's finally)."""

    def __init__(self, received: storage.Received, *, name: str, content_type: str):
        super().__init__(file=None, name=name, content_type=content_type, size=received.size)
        self.received = received

    def chunks(self, chunk_size=None):
        with self.received.path.open("rb") as source:
            while block := source.read(storage.CHUNK):
                yield block


class ReceivingUploadHandler(FileUploadHandler):
    # The request body is parsed 1 MiB at a time instead of Django's 64 KiB: sixteen times fewer
    # trips through the multipart parser's Python loop per MB (docs/performance.md, uploads).
    chunk_size = 1024 * 1024

    def __init__(self, request=None, *, max_size: int):
        super().__init__(request)
        self.max_size = max_size
        self.receiver: storage.Receiver | None = None
        self.files: list[ReceivedFile] = []

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.receiver = storage.Receiver(max_size=self.max_size)

    def receive_data_chunk(self, raw_data, start):
        self.receiver.write(raw_data)
        return None

    def file_complete(self, file_size):
        received = self.receiver.finish()
        self.receiver = None
        uploaded = ReceivedFile(received, name=self.file_name, content_type=self.content_type)
        self.files.append(uploaded)
        return uploaded

    def upload_interrupted(self):
        if self.receiver is not None:
            self.receiver.abort()
            self.receiver = None

    def discard_all(self) -> None:
        """Remove every temporary file this request received that nobody committed."""
        for uploaded in self.files:
            storage.discard(uploaded.received)


class HashedFile(UploadedFile):
    def __init__(self, *, name: str, content_type: str, size: int, sha256: str):
        super().__init__(file=None, name=name, content_type=content_type, size=size)
        self.sha256 = sha256


class HashingUploadHandler(FileUploadHandler):
    """Keeps nothing of the file but its SHA-256 and size."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.digest = hashlib.sha256()
        self.size = 0

    def receive_data_chunk(self, raw_data, start):
        self.digest.update(raw_data)
        self.size += len(raw_data)
        return None

    def file_complete(self, file_size):
        return HashedFile(
            name=self.file_name,
            content_type=self.content_type,
            size=self.size,
            sha256=self.digest.hexdigest(),
        )

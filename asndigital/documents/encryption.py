"""Document files are encrypted at rest, streaming, one data key per version.

Each version gets a random 256-bit data key. The file is stored as AES-256-GCM in 1 MiB chunks:

    "ASNENC1\\0" | 8-byte nonce prefix | chunk 0 | chunk 1 | ... | final chunk

Chunk i is encrypted with the nonce (prefix, i) and authenticated with the associated data
"i:final", so chunks cannot be reordered, dropped or cut off without decryption failing. The
final chunk is always present (it may be empty). Memory stays at a chunk or two whatever the file
size. The data key is kept only sealed by the master keyring (``core.crypto``, ASN_SECRETS_KEYS):
destroying a version destroys its sealed key, and every copy of the file, in backups too, is then
unreadable (crypto-shredding). Rotating the master key re-seals data keys, never the files.
"""

from __future__ import annotations

import io
import os
import zlib

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from asndigital.core import crypto

MAGIC = b"ASNENC1\x00"
HEADER = len(MAGIC) + 8
CHUNK = 1024 * 1024
TAG = 16


class KeyDestroyed(Exception):
    """The version was destroyed: its file can no longer be read by anyone."""


class DecryptionError(Exception):
    """The stored bytes are not what was encrypted (changed, cut, or the wrong key)."""


def new_data_key() -> bytes:
    return os.urandom(32)


def _context(version_id) -> str:
    return f"document-data-key:{version_id}"


def seal_key(data_key: bytes, version_id) -> bytes:
    return crypto.seal(data_key, context=_context(version_id))


def open_key(sealed: bytes, version_id) -> bytes:
    return crypto.unseal(sealed, context=_context(version_id))


def _aad(index: int, final: bool) -> bytes:
    return f"{index}:{int(final)}".encode()


class _ChunkReader(io.RawIOBase):
    """Hands out the blocks ``_next_block`` makes, one read at a time."""

    _pending = b""
    _done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending and not self._done:
            self._pending = self._next_block()
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


class EncryptingReader(_ChunkReader):
    """Reads ciphertext from a plaintext file object, chunk by chunk."""

    def __init__(self, source, data_key: bytes) -> None:
        self._source = source
        self._aead = AESGCM(data_key)
        self._prefix = os.urandom(8)
        self._pending = MAGIC + self._prefix
        self._index = 0
        self._next = source.read(CHUNK)
        self._done = False

    def _produce(self) -> bytes:
        current, upcoming = self._next, self._source.read(CHUNK)
        final = not upcoming
        nonce = self._prefix + self._index.to_bytes(4, "big")
        block = self._aead.encrypt(nonce, current, _aad(self._index, final))
        self._index += 1
        self._next = upcoming
        self._done = final
        return block

    _next_block = _produce


class DecryptingReader(_ChunkReader):
    """Reads plaintext from a ciphertext file object; raises DecryptionError on any change."""

    def __init__(self, source, data_key: bytes) -> None:
        self._source = source
        header = source.read(HEADER)
        if len(header) != HEADER or not header.startswith(MAGIC):
            raise DecryptionError("not an encrypted document file")
        self._aead = AESGCM(data_key)
        self._prefix = header[len(MAGIC) :]
        self._index = 0
        self._next = source.read(CHUNK + TAG)
        self._pending = b""
        self._done = False

    def _consume(self) -> bytes:
        current, upcoming = self._next, self._source.read(CHUNK + TAG)
        final = not upcoming
        nonce = self._prefix + self._index.to_bytes(4, "big")
        try:
            block = self._aead.decrypt(nonce, current, _aad(self._index, final))
        except Exception:  # InvalidTag: changed, truncated, reordered or another key
            raise DecryptionError(f"chunk {self._index} does not decrypt") from None
        self._index += 1
        self._next = upcoming
        self._done = final
        return block

    _next_block = _consume

    def close(self) -> None:
        try:
            self._source.close()
        finally:
            super().close()


def stored_size(plain_size: int) -> int:
    """The size at rest of a file of ``plain_size`` bytes."""
    chunks = max(1, -(-plain_size // CHUNK))
    return HEADER + plain_size + TAG * chunks


def _text_aad(version_id) -> bytes:
    return f"document-text:{version_id}".encode()


def seal_text(text: str, data_key: bytes, version_id) -> bytes:
    """A version's extracted text, compressed and encrypted with the version's data key."""
    nonce = os.urandom(12)
    return nonce + AESGCM(data_key).encrypt(
        nonce, zlib.compress(text.encode(), 6), _text_aad(version_id)
    )


def open_text(sealed: bytes, data_key: bytes, version_id) -> str:
    try:
        plain = AESGCM(data_key).decrypt(sealed[:12], sealed[12:], _text_aad(version_id))
    except InvalidTag:
        raise DecryptionError("the stored text is not what was encrypted") from None
    return zlib.decompress(plain).decode()

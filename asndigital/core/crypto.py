"""Small secrets encrypted at rest (AES-256-GCM), with a keyring so keys can be rotated.

Sealed value: one byte key id, 12-byte nonce, ciphertext with tag. ``context`` is bound as
associated data, so a value copied to another row (or purpose) does not open.
Keys come from ASN_SECRETS_KEYS (comma-separated ``id:base64key`` entries, the first one seals);
outside production, when unset, one key is derived from SECRET_KEY.
"""

from __future__ import annotations

import base64
import os
from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SealError(Exception):
    """A sealed value cannot be opened (wrong key, tampered, or another context)."""


@cache
def _keyring() -> tuple[int, dict[int, AESGCM]]:
    raw = settings.ASN_SECRETS_KEYS
    keys: dict[int, AESGCM] = {}
    order: list[int] = []
    if raw:
        for entry in raw.split(","):
            key_id, _, material = entry.strip().partition(":")
            try:
                number = int(key_id)
                key = base64.urlsafe_b64decode(material + "=" * (-len(material) % 4))
            except ValueError:
                raise ImproperlyConfigured("ASN_SECRETS_KEYS entries are id:base64key.") from None
            if not 0 <= number <= 255 or len(key) != 32:
                raise ImproperlyConfigured("ASN_SECRETS_KEYS: ids 0-255, keys of 32 bytes.")
            keys[number] = AESGCM(key)
            order.append(number)
    elif settings.IS_PRODUCTION:
        raise ImproperlyConfigured("Production needs ASN_SECRETS_KEYS (see docs/configuration.md).")
    else:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"asn-digital secrets key"
        ).derive(settings.SECRET_KEY.encode())
        keys[0] = AESGCM(derived)
        order.append(0)
    return order[0], keys


def current_key_id() -> int:
    """The id of the key that seals (the first of the keyring)."""
    return _keyring()[0]


def seal(plaintext: bytes, *, context: str) -> bytes:
    current, keys = _keyring()
    nonce = os.urandom(12)
    return bytes([current]) + nonce + keys[current].encrypt(nonce, plaintext, context.encode())


def unseal(sealed: bytes, *, context: str) -> bytes:
    _current, keys = _keyring()
    sealed = bytes(sealed)
    if len(sealed) < 1 + 12 + 16 or sealed[0] not in keys:
        raise SealError("unknown key or truncated value")
    try:
        return keys[sealed[0]].decrypt(sealed[1:13], sealed[13:], context.encode())
    except Exception:  # InvalidTag: tampered, wrong key or wrong context
        raise SealError("cannot open") from None


def new_key() -> str:
    """A fresh key for ASN_SECRETS_KEYS (``python -c 'from ...crypto import new_key'``)."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


def resealed(rows, context):
    """For each ``(pk, sealed)`` of ``rows`` not sealed with the current key: ``(pk, old, new)``,
    ``new`` the same secret sealed with the current key (``context(pk)`` as at sealing). The
    owners of the rows write them (``rotate_keys``)."""
    current = current_key_id()
    for pk, sealed in rows:
        old = bytes(sealed)
        if old[0] != current:
            yield pk, old, seal(unseal(old, context=context(pk)), context=context(pk))

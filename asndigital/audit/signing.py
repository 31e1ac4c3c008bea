"""The key that signs audit checkpoints (Ed25519, from ``cryptography``).

``ASN_AUDIT_SIGNING_KEY`` holds the 32-byte private seed, base64 (or ``_FILE``); required in
production. Elsewhere a key is derived from SECRET_KEY so that development just works.
The public key is what verifiers need: ``manage.py audit_checkpoint --public-key`` prints it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@cache
def private_key() -> Ed25519PrivateKey:
    raw = settings.ASN_AUDIT_SIGNING_KEY
    if raw:
        try:
            seed = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        except ValueError:
            seed = b""
        if len(seed) != 32:
            raise ImproperlyConfigured("ASN_AUDIT_SIGNING_KEY must be 32 bytes, base64.")
    elif settings.IS_PRODUCTION:
        raise ImproperlyConfigured("Production needs ASN_AUDIT_SIGNING_KEY.")
    else:
        seed = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"asn-digital audit signing"
        ).derive(settings.SECRET_KEY.encode())
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_bytes(key: Ed25519PublicKey | None = None) -> bytes:
    key = key or private_key().public_key()
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_text(key: Ed25519PublicKey | None = None) -> str:
    return base64.b64encode(public_bytes(key)).decode()


def key_id(key: Ed25519PublicKey | None = None) -> str:
    return hashlib.sha256(public_bytes(key)).hexdigest()[:16]


def load_public(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text))


def message(position: int, chain_hash: str, signed_at: str) -> bytes:
    return f"asn-digital audit checkpoint\n{position}\n{chain_hash}\n{signed_at}".encode()


def sign(position: int, chain_hash: str, signed_at: str) -> str:
    return base64.b64encode(private_key().sign(message(position, chain_hash, signed_at))).decode()


def is_valid(
    signature: str, position: int, chain_hash: str, signed_at: str, key: Ed25519PublicKey
) -> bool:
    try:
        key.verify(base64.b64decode(signature), message(position, chain_hash, signed_at))
    except (InvalidSignature, ValueError):
        return False
    return True


# --- MACs: proof that the application wrote an event, and sealed a run of the chain ----------
# The key is derived from the signing key's seed, which lives outside the database, so a
# database insider can neither make an event the sealer accepts nor sign a seal.


@cache
def _mac_key() -> bytes:
    seed = private_key().private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"asn-digital audit mac"
    ).derive(seed)


def event_mac(canonical: str) -> str:
    """HMAC-SHA256 of an event's canonical text, written with the event."""
    return hmac.new(_mac_key(), b"event\n" + canonical.encode(), "sha256").hexdigest()


def seal_mac(first: int, last: int, chain_hash: str) -> str:
    """HMAC-SHA256 of a sealed run of positions and the chain's hash at its end."""
    text = f"seal\n{first}\n{last}\n{chain_hash}".encode()
    return hmac.new(_mac_key(), text, "sha256").hexdigest()


def mac_is_valid(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected, given)

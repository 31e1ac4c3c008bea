"""A software passkey authenticator for tests and bench/login.py.

It answers the server's WebAuthn options the way a browser + authenticator would, as the JSON the
site's JavaScript posts. The structures (authenticator data, attestation object, client data,
COSE key) are built with ``fido2``'s own types, the key pair and signatures with ``cryptography``:
no hand-made CBOR. Options are read from the JSON the server sends (py_webauthn's format).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2 import cbor
from fido2.cose import ES256
from fido2.webauthn import (
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)

FLAG = AuthenticatorData.FLAG


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticator:
    """One credential (made by ``create``), with a signature counter that grows on each use."""

    def __init__(
        self, origin: str = "http://localhost:8000", sign_count: int = 0, counts: bool = True
    ) -> None:
        self.origin = origin
        self.sign_count = sign_count
        self.counts = counts  # False: a counter that stays 0, as most synced passkeys have
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.rp_id = ""

    @classmethod
    def from_seed(cls, seed: str, origin: str, rp_id: str) -> SoftAuthenticator:
        """The same key and credential id for the same seed (bench/login.py prepares the
        passkeys in one process and signs with them in another)."""
        made = cls(origin)
        digest = hashlib.sha256(f"asn-bench-passkey:{seed}".encode()).digest()
        made.key = ec.derive_private_key(int.from_bytes(digest, "big") >> 8, ec.SECP256R1())
        made.credential_id, made.rp_id = hashlib.sha256(digest).digest(), rp_id
        return made

    def public_key_cose(self) -> bytes:
        """The public key as a COSE_Key (what the server keeps), encoded by fido2."""
        return cbor.encode(ES256.from_cryptography_key(self.key.public_key()))

    def clone(self, sign_count: int) -> SoftAuthenticator:
        """A copy of the same key with another counter (a cloned authenticator)."""
        twin = SoftAuthenticator(self.origin, sign_count)
        twin.key, twin.credential_id, twin.rp_id = self.key, self.credential_id, self.rp_id
        return twin

    def create(self, options_json: str, *, origin: str | None = None, rp_id: str | None = None):
        """The JSON answer to navigator.credentials.create() for these options."""
        options = json.loads(options_json)
        self.rp_id = rp_id or options["rp"]["id"]
        client_data = CollectedClientData.create(
            "webauthn.create", unb64(options["challenge"]), origin or self.origin
        )
        public_key = ES256.from_cryptography_key(self.key.public_key())
        attested = AttestedCredentialData.create(b"\0" * 16, self.credential_id, public_key)
        auth_data = AuthenticatorData.create(
            hashlib.sha256(self.rp_id.encode()).digest(),
            FLAG.UP | FLAG.UV | FLAG.AT,
            self.sign_count,
            attested,
        )
        attestation = AttestationObject.create("none", auth_data, {})
        return self._answer(
            {
                "clientDataJSON": b64(client_data),
                "attestationObject": b64(attestation),
                "transports": ["internal"],
            },
            authenticatorAttachment="platform",
        )

    def get(
        self,
        options_json: str,
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        challenge: bytes | None = None,
    ) -> str:
        """The JSON answer to navigator.credentials.get(); the counter goes up by one."""
        options = json.loads(options_json)
        if self.counts:
            self.sign_count += 1
        client_data = CollectedClientData.create(
            "webauthn.get",
            challenge if challenge is not None else unb64(options["challenge"]),
            origin or self.origin,
        )
        auth_data = AuthenticatorData.create(
            hashlib.sha256((rp_id or options.get("rpId") or self.rp_id).encode()).digest(),
            FLAG.UP | FLAG.UV,
            self.sign_count,
        )
        signature = self.key.sign(
            bytes(auth_data) + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return self._answer(
            {
                "clientDataJSON": b64(client_data),
                "authenticatorData": b64(auth_data),
                "signature": b64(signature),
                "userHandle": None,
            }
        )

    def _answer(self, response: dict, **extra) -> str:
        """The PublicKeyCredential as JSON, as passkey.js posts it."""
        return json.dumps(
            {
                "id": b64(self.credential_id),
                "rawId": b64(self.credential_id),
                "type": "public-key",
                "response": response,
                "clientExtensionResults": {},
                **extra,
            }
        )

"""The archive signs its own records (the destruction record, berita acara) with the
organisation's key: PAdES B-B, an incremental update made by pyHanko after the PDF is produced.

Kept apart from how the PDF is made (``destruction_record_pdf``): whatever produces the PDF
(plain text today, PDF/A later), signing is the last step, and a signature over a PDF/A-2b file
keeps it PDF/A (an incremental update, as PDF/A allows).

The key and certificate are PEM files named by ``ASN_RECORDS_SIGNING_KEY`` and
``ASN_RECORDS_SIGNING_CERT``; without them records stay unsigned. ``make run`` generates a
development pair (``make_development_signing_key``), refused in production.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings

from asndigital.documents.signatures import outside_event_loop

FIELD = "ArsipASNDigital"


def is_configured() -> bool:
    return bool(settings.ASN_RECORDS_SIGNING_KEY and settings.ASN_RECORDS_SIGNING_CERT)


def sign_record(data: bytes, *, reason: str = "Berita acara ASN Digital") -> bytes:
    """``data`` (a PDF) signed with the organisation's key, PAdES B-B; unchanged when no key is
    configured. The bytes before the signature are exactly ``data``."""
    if not is_configured():
        return data
    # imported here: pyhanko is heavy: loaded only when a signature is checked or made
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter

    signer = signers.SimpleSigner.load(
        settings.ASN_RECORDS_SIGNING_KEY,
        settings.ASN_RECORDS_SIGNING_CERT,
        ca_chain_files=(settings.ASN_RECORDS_SIGNING_CERT,),
    )
    if signer is None:  # pyHanko logs why (unreadable key or certificate)
        raise ValueError("the records signing key or certificate cannot be read")
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD,
        subfilter=SigSeedSubFilter.PADES,
        reason=reason,
        location=settings.ASN_SITE_NAME,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    return outside_event_loop(signers.sign_pdf, writer, meta, signer=signer).getvalue()


def make_development_key(
    key_path: Path, cert_path: Path, *, organisation: str = "ASN Digital (development)"
) -> bool:
    """A self-signed key and certificate for ``make run`` (RSA 2048, two years) at these paths;
    False (nothing written) when both are already there."""
    if key_path.exists() and cert_path.exists():
        return False
    key_path.parent.mkdir(parents=True, exist_ok=True)
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation} - berita acara"),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=730))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return True

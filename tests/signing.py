"""A test PKI shaped like Indonesia's (a root, a BSrE-like intermediate CA, signers, a TSA, a
CRL) and PDFs signed with it by pyHanko: built offline, in well under a second (EC P-256 keys;
RSA for the TSA, which pyHanko's offline timestamper needs).

Used by the signature tests (one PKI per session) and by ``bench/signatures.py``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from asndigital.documents.signatures import outside_event_loop

DAY = timedelta(days=1)


@dataclass
class Party:
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    cert: x509.Certificate

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def asn1(self):
        return asn1_x509.Certificate.load(self.der)

    def asn1_key(self):
        return asn1_keys.PrivateKeyInfo.load(
            self.key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )


@dataclass
class Pki:
    root: Party
    ca: Party  # the BSrE-like intermediate
    signer: Party
    revoked: Party
    expired: Party
    future: Party
    expiring: Party  # valid for a few more days: re-validation picks it up
    tsa: Party
    stranger_root: Party  # a root nobody configured
    stranger: Party  # a signer under it
    crl: bytes  # the intermediate's CRL, listing ``revoked``
    extra: dict = field(default_factory=dict)

    def write_roots(self, folder: Path) -> Path:
        """The trust store as an operator would configure it: a directory of PEM files."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "root-ca-indonesia.pem").write_bytes(self.root.pem)
        return folder


def _name(common: str, org: str = "Badan Siber dan Sandi Negara (uji)") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _issue(
    common: str,
    issuer: Party | None,
    *,
    start: datetime,
    end: datetime,
    ca: bool = False,
    tsa: bool = False,
    org: str = "Badan Siber dan Sandi Negara (uji)",
) -> Party:
    # pyHanko's offline timestamper signs with RSA only; everything else uses EC (fast).
    key = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if tsa
        else ec.generate_private_key(ec.SECP256R1())
    )
    subject = _name(common, org)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=not ca and not tsa,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    if issuer is not None and not ca:
        # Where the CA publishes its CRL (never fetched in the tests: the checks run offline).
        point = x509.UniformResourceIdentifier(f"http://crl.bsre.test/{issuer_slug(issuer)}.crl")
        builder = builder.add_extension(
            x509.CRLDistributionPoints([x509.DistributionPoint([point], None, None, None)]),
            critical=False,
        )
    if tsa:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    cert = builder.sign(issuer.key if issuer else key, hashes.SHA256())
    return Party(key, cert)


def issuer_slug(issuer: Party) -> str:
    common = issuer.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    return "".join(ch if ch.isalnum() else "-" for ch in common.lower())


def build_pki(now: datetime | None = None) -> Pki:
    now = now or datetime.now(UTC)
    long = dict(start=now - 3650 * DAY, end=now + 3650 * DAY)
    root = _issue("Root CA Indonesia (uji)", None, ca=True, **long)
    ca = _issue("BSrE CA (uji)", root, ca=True, **long)
    year = dict(start=now - 365 * DAY, end=now + 365 * DAY)
    signer = _issue("Budi Santoso", ca, org="Badan Kepegawaian Negara (uji)", **year)
    revoked = _issue("Rina Revoked", ca, **year)
    expired = _issue("Eko Expired", ca, start=now - 3 * 365 * DAY, end=now - 30 * DAY)
    future = _issue("Fajar Future", ca, start=now + 365 * DAY, end=now + 730 * DAY)
    expiring = _issue("Sari Segera", ca, start=now - 365 * DAY, end=now + 10 * DAY)
    tsa = _issue("TSA BSrE (uji)", ca, tsa=True, **long)
    stranger_root = _issue("Unknown Root", None, ca=True, org="Elsewhere", **long)
    stranger = _issue("Stranger Signer", stranger_root, org="Elsewhere", **year)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.cert.subject)
        .last_update(now - DAY)
        .next_update(now + 30 * DAY)
        .add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(revoked.cert.serial_number)
            .revocation_date(now - 2 * DAY)
            .build()
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
        .add_extension(x509.CRLNumber(1), critical=False)
        .sign(ca.key, hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )
    return Pki(
        root, ca, signer, revoked, expired, future, expiring, tsa, stranger_root, stranger, crl
    )


# --- PDFs --------------------------------------------------------------------------------------


def plain_pdf(pages: int = 1, text: str = "SURAT KEPUTUSAN") -> bytes:
    """A small PDF whose pages show ``text`` (so swapping the content is a visible change)."""
    import pikepdf

    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont="/Helvetica"
        )
    )
    for number in range(1, pages + 1):
        page = pdf.add_blank_page(page_size=(595, 842))
        page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        content = f"BT /F1 14 Tf 72 760 Td ({text} - {number}) Tj ET".encode()
        page.obj.Contents = pdf.make_stream(content)
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, compress_streams=False)
    return out.getvalue()


def sign(
    data: bytes,
    party: Party,
    pki: Pki,
    *,
    field: str = "Signature1",
    timestamp: bool = False,
    chain: tuple[Party, ...] | None = None,
) -> bytes:
    """``data`` signed by ``party`` (PAdES, an incremental update), with its chain embedded."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    chain = chain if chain is not None else (pki.ca, pki.root)
    signer = signers.SimpleSigner(
        signing_cert=party.asn1(),
        signing_key=party.asn1_key(),
        cert_registry=SimpleCertificateStore.from_certs([c.asn1() for c in chain]),
    )
    stamper = (
        DummyTimeStamper(
            tsa_cert=pki.tsa.asn1(),
            tsa_key=pki.tsa.asn1_key(),
            certs_to_embed=SimpleCertificateStore.from_certs([pki.ca.asn1(), pki.root.asn1()]),
        )
        if timestamp
        else None
    )
    meta = signers.PdfSignatureMetadata(field_name=field, subfilter=SigSeedSubFilter.PADES)
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    out = outside_event_loop(signers.sign_pdf, writer, meta, signer=signer, timestamper=stamper)
    return out.getvalue()


def add_validation_data(data: bytes, pki: Pki, *, crls=None) -> bytes:
    """``data`` with a DSS (an incremental update) holding the CA chain and the CRL: the
    long-term validation data a BSrE-signed file carries."""
    from asn1crypto import crl as asn1_crl
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    stream = io.BytesIO(data)
    DocumentSecurityStore.add_dss(
        stream,
        None,
        certs=[pki.ca.asn1(), pki.root.asn1()],
        crls=[asn1_crl.CertificateList.load(c) for c in (crls or [pki.crl])],
    )
    return stream.getvalue()


def swap_content(data: bytes, text: str = "SURAT PALSU") -> bytes:
    """An incremental update after signing that replaces page one's content: the signature
    stays intact, but what is shown is no longer what was signed."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    stream = generic.StreamObject(stream_data=f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode())
    page["/Contents"] = writer.add_object(stream)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def garble_signature(data: bytes) -> bytes:
    """The CMS blob in /Contents overwritten with bytes that are not DER (same length)."""
    start = data.index(b"/Contents <") + len(b"/Contents <")
    end = data.index(b">", start)
    return data[:start] + b"30820000DEADBEEF" + b"0" * (end - start - 16) + data[end:]


def flip_signed_byte(data: bytes) -> bytes:
    """One byte of the signed page content changed in place: the digest no longer matches."""
    at = data.index(b"SURAT KEPUTUSAN")
    return data[:at] + b"X" + data[at + 1 :]


def cover_nothing(data: bytes) -> bytes:
    """The signature's /ByteRange rewritten to cover no byte at all (same length)."""
    start = data.index(b"/ByteRange [") + len(b"/ByteRange [")
    end = data.index(b"]", start)
    return data[:start] + b"0 0 0 0".ljust(end - start) + data[end:]


def many_signatures(data: bytes, count: int) -> bytes:
    """A signed file whose form gets ``count - 1`` more signature fields, each pointing at the
    first one's signature (an incremental update: fast, unlike signing ``count`` times)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    form = writer.root["/AcroForm"]
    fields = form["/Fields"]
    first = fields[0].get_object()
    value = first.raw_get("/V")
    for number in range(count - 1):
        field = generic.DictionaryObject(
            {
                generic.NameObject("/FT"): generic.NameObject("/Sig"),
                generic.NameObject("/T"): generic.TextStringObject(f"Copy{number}"),
                generic.NameObject("/V"): value,
            }
        )
        fields.append(writer.add_object(field))
    form_ref = writer.root.raw_get("/AcroForm")
    if isinstance(form_ref, generic.IndirectObject):
        writer.mark_update(form_ref)
    else:
        writer.update_root()
    if isinstance(form.raw_get("/Fields"), generic.IndirectObject):
        writer.mark_update(form.raw_get("/Fields"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def sign_timestamped_at(data: bytes, party: Party, pki: Pki, moment) -> bytes:
    """``data`` signed by ``party`` with a timestamp token dated ``moment`` (a TSA's clock)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    chain = SimpleCertificateStore.from_certs([pki.ca.asn1(), pki.root.asn1()])
    signer = signers.SimpleSigner(
        signing_cert=party.asn1(), signing_key=party.asn1_key(), cert_registry=chain
    )
    stamper = DummyTimeStamper(
        tsa_cert=pki.tsa.asn1(), tsa_key=pki.tsa.asn1_key(), certs_to_embed=chain, fixed_dt=moment
    )
    meta = signers.PdfSignatureMetadata(field_name="Signature1", subfilter=SigSeedSubFilter.PADES)
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    return outside_event_loop(
        signers.sign_pdf, writer, meta, signer=signer, timestamper=stamper
    ).getvalue()


# The metadata of the signed test decrees.
SK_META = {"nomor_sk": "800/1234/BKPSDM/2026", "tanggal_sk": "02-03-2026", "tmt": "01-03-2026"}

"""The archive signs its own destruction record (berita acara) with the organisation's key,
PAdES B-B, after the PDF is produced; checked by tools we did not write: poppler's pdfsig and
pyHanko's validation."""

import hashlib
import shutil
import subprocess

import pytest
from django.core.management import call_command

from asndigital.documents import signatures, storage
from asndigital.records import destruction, signing
from tests.documents.files import pdf_bytes
from tests.helpers import WITNESSES, approved

# The destruction flow's fixtures, asked for by name in _destruction_ready (explicit re-export).

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation_key(settings, tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    assert signing.make_development_key(key, cert, organisation="Pemerintah Kota A")
    settings.ASN_RECORDS_SIGNING_KEY, settings.ASN_RECORDS_SIGNING_CERT = str(key), str(cert)
    return key, cert


def _destruction_ready(request):
    """The destruction flow's own fixtures (tests/records/test_destruction.py): records of an
    employee who left long ago, and the people who decide."""
    request.getfixturevalue("gone")
    return request.getfixturevalue("people")


def executed_record(staff, agency) -> bytes:
    proposal = approved(staff, agency)
    destruction.execute(actor=staff["officer"], proposal=proposal, witnesses=WITNESSES)
    proposal.refresh_from_db()
    with storage.open_version(proposal.record_key) as handle:
        data = handle.read()
    assert hashlib.sha256(data).hexdigest() == proposal.record_sha256
    return data


def test_the_berita_acara_is_signed_and_pyhanko_finds_it_intact_and_whole(
    request, agency, organisation_key, tmp_path
):
    staff = _destruction_ready(request)
    data = executed_record(staff, agency)
    path = tmp_path / "berita-acara.pdf"
    path.write_bytes(data)
    _key, cert = organisation_key
    roots = signatures.load_roots(str(cert))
    report = signatures.check_pdf(path, roots=roots)
    (found,) = report["signatures"]
    assert report["state"] == "valid", found
    assert found["coverage"] == "ENTIRE_FILE" and found["field"] == signing.FIELD
    assert found["signer"] == "Pemerintah Kota A - berita acara"
    assert signatures.check_pdf(path, roots=[])["state"] == "untrusted"  # root not configured


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils (pdfsig) missing")
def test_poppler_pdfsig_finds_the_signature_valid(request, agency, organisation_key, tmp_path):
    staff = _destruction_ready(request)
    path = tmp_path / "berita-acara.pdf"
    path.write_bytes(executed_record(staff, agency))
    result = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False)
    assert "Signature #1" in result.stdout and "Signature #2" not in result.stdout
    assert "Signature is Valid." in result.stdout, result.stdout
    assert "Pemerintah Kota A - berita acara" in result.stdout
    assert "Total document signed" in result.stdout  # the signature covers the whole file
    data = path.read_bytes()
    comment = data.index(b"\n%", 0, 64) + 2  # the header's binary comment: signed, inert
    path.write_bytes(data[:comment] + bytes([data[comment] ^ 1]) + data[comment + 1 :])
    result = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False)
    assert "Digest Mismatch" in result.stdout, result.stdout  # pdfsig can say otherwise


def test_signing_is_a_separate_last_step_that_keeps_the_pdf_it_is_given(organisation_key):
    original = pdf_bytes(2)
    signed = signing.sign_record(original)
    assert signed.startswith(original) and len(signed) > len(original)  # an incremental update


def test_without_a_key_records_stay_unsigned(settings):
    settings.ASN_RECORDS_SIGNING_KEY = settings.ASN_RECORDS_SIGNING_CERT = ""
    original = pdf_bytes(1)
    assert signing.sign_record(original) == original


def test_the_development_key_is_made_once_and_refused_in_production(settings, tmp_path):
    settings.ASN_RECORDS_SIGNING_KEY = str(tmp_path / "k.pem")
    settings.ASN_RECORDS_SIGNING_CERT = str(tmp_path / "c.pem")
    call_command("make_development_signing_key")
    first = (tmp_path / "k.pem").read_bytes()
    call_command("make_development_signing_key")
    assert (tmp_path / "k.pem").read_bytes() == first
    assert oct((tmp_path / "k.pem").stat().st_mode & 0o777) == "0o600"
    settings.IS_PRODUCTION = True
    with pytest.raises(Exception, match="Refused in production"):
        call_command("make_development_signing_key")

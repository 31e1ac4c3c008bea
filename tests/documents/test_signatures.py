"""Electronic signatures (TTE, PAdES): checked in the background after an upload, offline,
against the configured trust roots; shown on the document page, the dossier's checklist, the
public verification page and the API; checked again when certificates near their end; hostile
signatures give a clear answer, never a crash or a hang.

The PKI (a root, a BSrE-like CA, signers, a TSA, a CRL) and the signed PDFs are made once per
session by ``tests/signing.py``; every signing is pyHanko's."""

import hashlib
import json
import socket
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from asndigital.accounts import tokens
from asndigital.accounts.models import Role
from asndigital.audit.models import AuditEvent
from asndigital.documents import selectors, services, signature_checks, signatures, storage
from asndigital.documents.models import SignatureReport
from asndigital.personnel.models import EmploymentType
from tests import signing
from tests.factories import READ_SCOPES, EmployeeFactory
from tests.helpers import upload
from tests.signing import SK_META as META


@pytest.fixture(scope="session")
def pki():
    return signing.build_pki()


@pytest.fixture(scope="session")
def roots_dir(pki, tmp_path_factory):
    return pki.write_roots(tmp_path_factory.mktemp("trust-roots"))


@pytest.fixture(scope="session")
def files(pki):
    """One PDF per case, signed once for the whole session."""
    base = signing.plain_pdf(1)
    signed = signing.sign(base, pki.signer, pki)
    return {
        "valid": signing.sign(base, pki.signer, pki, timestamp=True),
        "valid_ltv": signing.add_validation_data(signed, pki),
        "untrusted": signing.sign(base, pki.stranger, pki, chain=(pki.stranger_root,)),
        "expired": signing.sign(base, pki.expired, pki),
        "future": signing.sign(base, pki.future, pki),
        "revoked": signing.add_validation_data(signing.sign(base, pki.revoked, pki), pki),
        "modified": signing.swap_content(signed),
        "broken": signing.flip_signed_byte(signed),
        "malformed": signing.garble_signature(signed),
        "covers_nothing": signing.cover_nothing(signed),
        "hundred": signing.many_signatures(signed, 100),
        "expiring": signing.sign(base, pki.expiring, pki),
        # The certificate ended 30 days ago; a trusted timestamp from 60 (or 10) days ago.
        "expired_stamped_in_time": signing.sign_timestamped_at(
            base, pki.expired, pki, datetime.now(UTC) - timedelta(days=60)
        ),
        "expired_stamped_late": signing.sign_timestamped_at(
            base, pki.expired, pki, datetime.now(UTC) - timedelta(days=10)
        ),
        "unsigned": base,
    }


@pytest.fixture
def trusted(settings, roots_dir):
    settings.ASN_SIGNATURE_TRUST_ROOTS = str(roots_dir)
    settings.ASN_SIGNATURE_FETCH_REVOCATION = False
    return roots_dir


@pytest.fixture
def employee(agency, db, files_in_tmp):
    services.load_catalogue()
    return EmployeeFactory(agency=agency, name="Dewi Anggraini")


def stored(employee, content, django_capture_on_commit_callbacks, code="sk-cpns"):
    """Upload ``content``; the background check runs as it would after the commit."""
    with django_capture_on_commit_callbacks(execute=True):
        version = upload(employee.user, employee, content, code=code, meta=META)
    version.refresh_from_db()
    return version


# --- The check itself, through the service -----------------------------------------------------

EXPECTED = [
    ("valid", "valid"),
    ("valid_ltv", "valid"),
    ("untrusted", "untrusted"),
    ("expired", "expired"),
    ("future", "expired"),
    ("expired_stamped_in_time", "valid"),  # the timestamp proves it was signed in time
    ("expired_stamped_late", "expired"),
    ("revoked", "revoked"),
    ("modified", "modified"),
    ("broken", "broken"),
    ("malformed", "broken"),
    ("covers_nothing", "broken"),
    ("unsigned", "unsigned"),
]


@pytest.mark.parametrize(("case", "state"), EXPECTED)
def test_an_upload_is_checked_in_the_background_and_its_report_kept(
    case, state, files, trusted, employee, django_capture_on_commit_callbacks
):
    version = stored(employee, files[case], django_capture_on_commit_callbacks)
    report = SignatureReport.objects.get(version=version)
    assert (report.state, version.signature_state) == (state, state)
    assert report.occasion == SignatureReport.Occasion.UPLOAD
    assert report.trust_store == signature_checks.trust_store_fingerprint()
    event = AuditEvent.objects.get(action="document.signatures_checked")
    assert event.data["state"] == state and event.data["report"] == str(report.pk)


def test_a_valid_report_names_signer_certificate_time_timestamp_coverage_and_chain(
    files, trusted, employee, django_capture_on_commit_callbacks, pki
):
    version = stored(employee, files["valid"], django_capture_on_commit_callbacks)
    report = SignatureReport.objects.get(version=version)
    (found,) = report.signatures
    assert found["signer"] == report.signer == "Budi Santoso"
    cert = found["certificate"]
    assert "BSrE CA (uji)" in cert["issuer"] and "Budi Santoso" in cert["subject"]
    assert cert["serial"] == format(pki.signer.cert.serial_number, "X")
    assert cert["not_after"].startswith(str(pki.signer.cert.not_valid_after_utc.year))
    assert found["signed_at"] and found["timestamp"]["authority"] == "TSA BSrE (uji)"
    assert found["timestamp"]["trusted"] is True
    assert (found["coverage"], found["modification_level"]) == ("ENTIRE_FILE", "NONE")
    assert found["chain"] == ["Root CA Indonesia (uji)", "BSrE CA (uji)", "Budi Santoso"]
    assert found["validation_data"]["embedded"] is False and report.lacks_validation_data


def test_validation_data_in_the_file_is_used_and_reported(
    files, trusted, employee, django_capture_on_commit_callbacks
):
    version = stored(employee, files["valid_ltv"], django_capture_on_commit_callbacks)
    report = SignatureReport.objects.get(version=version)
    (found,) = report.signatures
    assert found["validation_data"] == {"embedded": True, "crls": 1, "ocsps": 0}
    assert found["modification_level"] == "LTA_UPDATES"  # the DSS added after signing is fine
    assert not report.lacks_validation_data


def test_the_stored_and_downloaded_bytes_are_exactly_the_uploaded_bytes(
    files, trusted, employee, django_capture_on_commit_callbacks, client
):
    content = files["valid_ltv"]
    version = stored(employee, content, django_capture_on_commit_callbacks)
    expected = hashlib.sha256(content).hexdigest()
    with storage.open_version(version.storage_key, data_key=version.data_key()) as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == expected
    client.force_login(employee.user)
    url = reverse("documents:download", args=[version.document_id, version.pk])
    answer = client.get(url)
    assert hashlib.sha256(b"".join(answer.streaming_content)).hexdigest() == expected
    assert version.sha256 == expected


def test_without_configured_roots_nothing_is_trusted(
    files, settings, employee, django_capture_on_commit_callbacks
):
    settings.ASN_SIGNATURE_TRUST_ROOTS = ""  # never the operating system's TLS roots
    version = stored(employee, files["valid"], django_capture_on_commit_callbacks)
    assert version.signature_state == "untrusted"


def test_the_trust_store_may_be_one_pem_bundle(pki, tmp_path):
    bundle = tmp_path / "roots.pem"
    bundle.write_bytes(pki.root.pem + pki.stranger_root.pem)
    assert signatures.load_roots(str(bundle)) == [pki.root.der, pki.stranger_root.der]
    assert signatures.load_roots("") == []


def test_the_check_fetches_nothing_unless_enabled(files, pki, tmp_path, monkeypatch):
    """The signers' certificates name a CRL address; offline, it is never contacted."""
    tried = []

    def connect(self, address):
        tried.append(address)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: tried.append(a) or [])
    path = tmp_path / "signed.pdf"
    path.write_bytes(files["valid"])
    report = signatures.check_pdf(path, roots=[pki.root.der], fetch=False)
    assert report["state"] == "valid" and tried == []
    signatures.check_pdf(path, roots=[pki.root.der], fetch=True)
    assert tried  # enabled: it does try (and the test shows the check above could fail)


# --- Hostile signatures ------------------------------------------------------------------------


def test_a_hundred_signatures_give_a_clear_answer_quickly(files, tmp_path, roots_dir):
    path = tmp_path / "hundred.pdf"
    path.write_bytes(files["hundred"])
    report = signatures.check_file(path, roots_location=str(roots_dir), fetch=False)
    assert report["state"] == "unchecked" and report["count"] == 100
    assert "100 signatures" in report["detail"]


def test_a_check_that_takes_too_long_is_stopped_and_reported(
    files, tmp_path, roots_dir, monkeypatch
):
    monkeypatch.setattr(signatures, "CHILD_SECONDS", 0.001)
    path = tmp_path / "slow.pdf"
    path.write_bytes(files["valid"])
    report = signatures.check_file(path, roots_location=str(roots_dir), fetch=False)
    assert report["state"] == "unchecked" and "more than" in report["detail"]


def test_a_check_that_runs_out_of_memory_is_reported(files, tmp_path, roots_dir, monkeypatch):
    monkeypatch.setattr(signatures, "CHILD_MEMORY", 20 * 1024 * 1024)
    path = tmp_path / "big.pdf"
    path.write_bytes(files["valid"])
    report = signatures.check_file(path, roots_location=str(roots_dir), fetch=False)
    assert report["state"] == "unchecked" and "stopped" in report["detail"]


def test_a_swapped_page_after_signing_is_named_as_a_change(files, tmp_path, pki):
    path = tmp_path / "swapped.pdf"
    path.write_bytes(files["modified"])
    (found,) = signatures.check_pdf(path, roots=[pki.root.der])["signatures"]
    assert found["intact"] is True  # the signed revision itself is untouched...
    assert (found["coverage"], found["modification_level"]) == ("ENTIRE_REVISION", "OTHER")
    assert found["state"] == "modified"  # ...but what the file shows was changed


def test_an_unreadable_pdf_is_unchecked_not_a_crash(tmp_path):
    path = tmp_path / "junk.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"\x00" * 100)
    report = signatures.check_pdf(path, roots=[])
    assert report["state"] in ("unchecked", "unsigned")


# --- Append-only reports and re-validation -----------------------------------------------------


def test_reports_are_never_changed_or_deleted(
    files, trusted, employee, django_capture_on_commit_callbacks
):
    version = stored(employee, files["valid"], django_capture_on_commit_callbacks)
    report = SignatureReport.objects.get(version=version)
    report.state = "broken"
    with pytest.raises(ValueError, match="append-only"):
        report.save()
    with pytest.raises(ValueError, match="append-only"):
        report.delete()
    assert SignatureReport.objects.get(pk=report.pk).state == "valid"


def test_revalidation_adds_a_report_for_certificates_near_their_end(
    files, trusted, employee, django_capture_on_commit_callbacks, pki
):
    nearly = stored(employee, files["expiring"], django_capture_on_commit_callbacks)
    later = stored(employee, files["valid"], django_capture_on_commit_callbacks, code="sk-pns")
    first = SignatureReport.objects.get(version=nearly)
    # The first check happened before the certificate's last 30 days began.
    SignatureReport.objects.filter(pk=first.pk).update(
        checked_at=first.checked_at - timedelta(days=40)
    )
    assert list(signature_checks.due_for_revalidation(days=30)) == [nearly]
    call_command("revalidate_signatures", "--days", "30")
    reports = list(SignatureReport.objects.filter(version=nearly).order_by("checked_at"))
    assert [r.occasion for r in reports] == ["upload", "revalidation"]
    assert reports[0].pk == first.pk and reports[0].state == "valid"  # the old one stays
    assert SignatureReport.objects.filter(version=later).count() == 1
    assert list(signature_checks.due_for_revalidation(days=30)) == []  # once is enough


def test_revalidation_checks_pdfs_never_checked_and_retries_unfinished_checks(
    files, trusted, employee
):
    version = upload(employee.user, employee, files["valid"], meta=META)  # no commit: no check
    assert not SignatureReport.objects.filter(version=version).exists()
    assert signature_checks.revalidate() == {"valid": 1}
    version.refresh_from_db()
    assert version.signature_state == "valid"


def test_missing_revocation_data_is_checked_again_when_the_trust_store_changes(
    files, trusted, employee, django_capture_on_commit_callbacks, settings, pki, tmp_path
):
    version = stored(employee, files["valid"], django_capture_on_commit_callbacks)
    assert list(signature_checks.due_for_revalidation()) == []  # nothing new to learn
    (tmp_path / "extra.pem").write_bytes(pki.root.pem + pki.stranger_root.pem)
    settings.ASN_SIGNATURE_TRUST_ROOTS = str(tmp_path / "extra.pem")
    assert list(signature_checks.due_for_revalidation()) == [version]


# --- Where it is shown -------------------------------------------------------------------------


def test_the_verifier_sees_the_signature_before_deciding(
    files, trusted, employee, django_capture_on_commit_callbacks, make_staff, agency, client
):
    version = stored(employee, files["modified"], django_capture_on_commit_callbacks)
    client.force_login(make_staff(Role.VERIFIER, agency))
    page = client.get(reverse("documents:detail", args=[version.document_id])).content.decode()
    before = page.split('class="verify"')[0]
    assert "signature-before-deciding" in before and "Diubah setelah ditandatangani" in before
    assert "Budi Santoso" in before
    assert 'data-signature-state="modified"' in page


SIGNERS = {
    "valid": "Budi Santoso",
    "untrusted": "Stranger Signer",
    "expired": "Eko Expired",
    "revoked": "Rina Revoked",
    "modified": "Budi Santoso",
    "broken": "Budi Santoso",  # the signature no longer matches, but names who signed
}


@pytest.mark.parametrize(
    ("case", "state", "indonesian", "english"),
    [
        ("valid", "valid", "Sah dan terpercaya", "Valid and trusted"),
        ("untrusted", "untrusted", "Sah, tetapi akar sertifikat tidak dipercaya", "not trusted"),
        ("modified", "modified", "Diubah setelah ditandatangani", "Changed after signing"),
        ("expired", "expired", "Sertifikat kedaluwarsa atau belum berlaku", "Certificate expired"),
        ("revoked", "revoked", "Sertifikat dicabut", "Certificate revoked"),
        ("broken", "broken", "Tanda tangan rusak", "Signature broken"),
        ("hundred", "unchecked", "Tidak dapat diperiksa", "Could not be checked"),
        ("unsigned", "unsigned", "Tidak ditandatangani", "Not signed"),
    ],
)
def test_every_state_on_the_document_page_the_public_page_and_the_api(
    case,
    state,
    indonesian,
    english,
    files,
    trusted,
    employee,
    django_capture_on_commit_callbacks,
    make_staff,
    agency,
):
    version = stored(employee, files[case], django_capture_on_commit_callbacks)
    signer = SIGNERS.get(case, "")
    # The employee's document page, in Indonesian and in English.
    client = Client()
    client.force_login(employee.user)
    url = reverse("documents:detail", args=[version.document_id])
    page = client.get(url).content.decode()
    assert f'data-signature-state="{state}"' in page and indonesian in page and signer in page
    client.cookies["django_language"] = "en"
    assert english in client.get(url).content.decode()
    # The public page, once accepted.
    verifier = make_staff(Role.VERIFIER, agency)
    services.accept_document(actor=verifier, document=version.document)
    version.refresh_from_db()
    public = Client().get(reverse("verification:check", args=[version.verification_code]))
    text = public.content.decode()
    assert f'data-signature-state="{state}"' in text and indonesian in text and signer in text
    # The API.
    _token, value = tokens.create_token(
        actor=make_staff(Role.AGENCY_ADMIN, agency),
        name="SIMPEG",
        agency=agency,
        scopes=READ_SCOPES,
    )
    api = Client(HTTP_AUTHORIZATION=f"Bearer {value}")
    listing = api.get(f"/api/v1/employees/{employee.nip}/documents").json()
    assert listing[0]["signature_state"] == state
    (report,) = api.get(f"/api/v1/documents/{version.document_id}/versions/1/signatures").json()
    assert report["state"] == state
    assert [s["signer"] for s in report["signatures"]] == ([signer] if signer else [])


def test_the_checklist_says_when_a_required_signature_is_missing(
    files, trusted, agency, django_capture_on_commit_callbacks, client, db, files_in_tmp
):
    services.load_catalogue()
    pppk = EmployeeFactory(agency=agency, employment_type=EmploymentType.PPPK)
    version = stored(pppk, files["unsigned"], django_capture_on_commit_callbacks, code="sk-pppk")
    rows = {r["type"].code: r for r in selectors.checklist(pppk)["rows"]}
    assert rows["sk-pppk"]["signature"] == "unsigned"
    client.force_login(pppk.user)
    page = client.get(reverse("personnel:employee_detail", args=[pppk.pk])).content.decode()
    assert "signature-missing" in page and "Tidak ditandatangani" in page
    signed = stored(pppk, files["valid"], django_capture_on_commit_callbacks, code="sk-pppk")
    assert signed.document_id == version.document_id  # a new version of the same SK
    rows = {r["type"].code: r for r in selectors.checklist(pppk)["rows"]}
    assert rows["sk-pppk"]["signature"] == ""
    page = client.get(reverse("personnel:employee_detail", args=[pppk.pk])).content.decode()
    assert "signature-missing" not in page


def test_the_public_page_shows_the_signer_and_the_state(
    files, trusted, employee, django_capture_on_commit_callbacks, make_staff, agency
):
    version = stored(employee, files["valid"], django_capture_on_commit_callbacks)
    services.accept_document(actor=make_staff(Role.VERIFIER, agency), document=version.document)
    version.refresh_from_db()
    page = Client().get(reverse("verification:check", args=[version.verification_code]))
    text = page.content.decode()
    assert "Sah dan terpercaya" in text and "Budi Santoso" in text
    assert 'data-signature-state="valid"' in text
    assert "BSrE CA (uji)" not in text  # the public sees the answer, not the certificate


def test_the_api_exposes_every_report(
    files, trusted, employee, django_capture_on_commit_callbacks, make_staff, agency
):
    version = stored(employee, files["revoked"], django_capture_on_commit_callbacks)
    signature_checks.check_version(
        version_id=version.pk, occasion=SignatureReport.Occasion.REVALIDATION
    )
    _token, value = tokens.create_token(
        actor=make_staff(Role.AGENCY_ADMIN, agency),
        name="SIMPEG",
        agency=agency,
        scopes=READ_SCOPES,
    )
    api = Client(HTTP_AUTHORIZATION=f"Bearer {value}")
    listing = api.get(f"/api/v1/employees/{employee.nip}/documents").json()
    assert listing[0]["signature_state"] == "revoked"
    answer = api.get(f"/api/v1/documents/{version.document_id}/versions/1/signatures")
    assert answer.status_code == 200
    reports = answer.json()
    assert [r["occasion"] for r in reports] == ["revalidation", "upload"]
    (found,) = reports[0]["signatures"]
    assert found["state"] == "revoked" and found["signer"] == "Rina Revoked"
    assert "BSrE CA (uji)" in found["certificate"]["issuer"]
    assert found["revocation_data_embedded"] is True
    assert (
        api.get(f"/api/v1/documents/{version.document_id}/versions/9/signatures").status_code == 404
    )
    schema = json.loads(Client().get("/api/v1/openapi.json").content)
    assert "SignatureReportOut" in schema["components"]["schemas"]


def test_a_missing_trust_store_gives_an_unchecked_report_not_a_failed_task(
    files, settings, employee, django_capture_on_commit_callbacks, tmp_path
):
    settings.ASN_SIGNATURE_TRUST_ROOTS = str(tmp_path / "gone")
    version = stored(employee, files["valid"], django_capture_on_commit_callbacks)
    report = SignatureReport.objects.get(version=version)
    assert report.state == "unchecked" and "trust store" in report.report["detail"]

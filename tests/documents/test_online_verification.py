"""Online verification: accepted documents get an unguessable code; a public page shows what
the document is (never its content) and compares a copy by its SHA-256."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from asndigital.accounts.models import Role
from asndigital.documents import selectors, services
from asndigital.documents.models import DocumentVersion
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory
from tests.helpers import upload


@pytest.fixture
def employee(agency, db):
    services.load_catalogue()
    return EmployeeFactory(agency=agency, name="Siti Rahayu Lestari")


@pytest.fixture
def verifier(make_staff, agency):
    return make_staff(Role.VERIFIER, agency)


@pytest.fixture
def accepted(employee, verifier, files_in_tmp):
    content = pdf_bytes(2)
    version = upload(employee.user, employee, content)
    services.accept_document(actor=verifier, document=version.document)
    version.refresh_from_db()
    return version, content


def page(client, code):
    return client.get(reverse("verification:check", args=[code]))


def test_accepting_issues_a_random_120_bit_code_and_nothing_before(employee, verifier):
    version = upload(employee.user, employee, pdf_bytes(1))
    assert version.verification_code is None  # waiting: nothing to verify yet
    services.accept_document(actor=verifier, document=version.document)
    version.refresh_from_db()
    code = version.verification_code
    crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # no I, L, O, U to misread
    assert len(code) == 24 and set(code) <= set(crockford) and version.accepted_at is not None
    codes = {services.new_verification_code() for _ in range(500)}
    assert len(codes) == 500
    # 120 bits: every one of the 24 characters carries 5, and the first varies too.
    assert len({c[0] for c in codes}) > 16 and all(set(c) <= set(crockford) for c in codes)


def test_a_rejected_document_gets_no_code(employee, verifier):
    version = upload(employee.user, employee, pdf_bytes(1))
    services.reject_document(actor=verifier, document=version.document, reason="Buram")
    version.refresh_from_db()
    assert version.verification_code is None


def test_the_public_page_shows_what_the_document_is_but_not_who_in_full(client, accepted):
    version, _content = accepted
    response = page(client, version.verification_code)
    assert response.status_code == 200
    html = response.content.decode()
    assert "SK CPNS" in html and "813/KEP-12/2015" in html and "2 Maret 2015" in html
    assert version.sha256 in html
    assert "S*** R***** L******" in html
    assert "Siti" not in html and version.document.employee.nip not in html
    assert "versi berlaku" in html  # accepted, current version


def test_a_code_is_found_as_a_person_reads_it_from_paper(client, accepted):
    """O for 0, I or L for 1, spaces and dashes anywhere, any case."""
    version, _content = accepted
    DocumentVersion.objects.filter(pk=version.pk).update(
        verification_code="0123456789ABCDEFGHJKMNPQ"
    )
    as_read = "oi23 4567-89ab cdef-ghjk mnpq".replace("i", "l", 1)
    assert page(client, as_read).status_code == 200
    start = client.get(reverse("verification:start"), {"kode": "O1-23" + "456789ABCDEFGHJKMNPQ"})
    assert start["Location"] == reverse("verification:check", args=["O123456789ABCDEFGHJKMNPQ"])
    assert client.get(start["Location"]).status_code == 200


def test_codes_made_before_keep_working_even_typed_with_a_zero(client, accepted):
    version, _content = accepted
    legacy = "ABCDEFGHJKLMNOPQRSTUVWXY"  # RFC 4648 base32, as codes were made before
    DocumentVersion.objects.filter(pk=version.pk).update(verification_code=legacy)
    assert page(client, legacy.lower()).status_code == 200
    assert page(client, legacy.replace("O", "0")).status_code == 200


def test_codes_are_read_as_printed_with_dashes_and_any_case(client, accepted):
    version, _content = accepted
    printed = version.verification_code_display.lower()
    assert page(client, printed).status_code == 200
    start = client.get(reverse("verification:start"), {"kode": printed})
    assert start["Location"] == reverse("verification:check", args=[version.verification_code])


def test_a_copy_is_compared_by_its_hash_and_nothing_is_kept(client, accepted, files_in_tmp):
    version, content = accepted
    before = sorted(p for p in files_in_tmp.rglob("*") if p.is_file())
    url = reverse("verification:check", args=[version.verification_code])
    same = client.post(url, {"copy": SimpleUploadedFile("salinan.pdf", content)})
    assert "Identik" in same.content.decode()
    changed = content.replace(b"%%EOF", b"%%EOF ")
    other = client.post(url, {"copy": SimpleUploadedFile("salinan.pdf", changed)})
    html = other.content.decode()
    assert "Berbeda" in html and hashlib.sha256(changed).hexdigest() in html
    assert sorted(p for p in files_in_tmp.rglob("*") if p.is_file()) == before
    assert DocumentVersion.objects.count() == 1


def test_comparing_needs_the_csrf_token(accepted):
    version, content = accepted
    client = Client(enforce_csrf_checks=True)
    url = reverse("verification:check", args=[version.verification_code])
    response = client.post(url, {"copy": SimpleUploadedFile("salinan.pdf", content)})
    assert response.status_code == 403


def test_a_replaced_document_says_so(client, accepted, employee):
    version, _content = accepted
    # SK CPNS is single: a new version (the person confirmed replacing the accepted one)
    upload(employee.user, employee, pdf_bytes(3), replace_accepted=True)
    html = page(client, version.verification_code).content.decode()
    assert "versi yang lebih baru" in html


def test_unknown_codes_are_refused_and_then_slowed_down(client, accepted, settings):
    version, _content = accepted
    settings.ASN_VERIFY_FREE_MISSES = 3
    guesses = [services.new_verification_code() for _ in range(3)]
    assert [page(client, g).status_code for g in guesses] == [404, 404, 404]
    assert page(client, "not-a-code").status_code == 404
    # Now even a real code waits: guessing cannot go on at speed from this address.
    assert page(client, version.verification_code).status_code == 429


def test_the_document_page_shows_the_code_and_qr_to_those_who_may_see_it(
    client, accepted, employee, make_staff, other_agency
):
    version, _content = accepted
    client.force_login(employee.user)
    html = client.get(reverse("documents:detail", args=[version.document_id])).content.decode()
    assert version.verification_code_display in html and "<svg" in html
    assert "Kode keaslian" in html  # plain words, not "kode verifikasi"
    # The fingerprint is there for whoever checks copies, folded away from everyone else.
    technical = html.index("Detail teknis (untuk memeriksa salinan)")
    assert html.rindex("<details", 0, technical) > html.index("<h2>Versi</h2>")
    assert html.index(version.sha256) > technical and '<th scope="col">SHA-256' not in html
    own = client.get(reverse("personnel:employee_detail", args=[employee.pk])).content.decode()
    assert "Unduh semua dokumen (ZIP)" in own and "BagIt" not in own
    client.force_login(make_staff(Role.AGENCY_ADMIN, other_agency))
    response = client.get(reverse("documents:detail", args=[version.document_id]))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Budi Santoso", "B*** S******"),
        ("Dr. Ani Wijaya, S.Kom.", "D*. A** W*****, S.***."),
        ("I", "I"),
        ("", ""),
    ],
)
def test_names_are_masked_letter_by_letter(name, masked):
    assert selectors.mask_name(name) == masked

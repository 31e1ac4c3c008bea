"""Content checks for the verifier: NIPs, the SK number, dates and the type's words read from
the text beside what was entered; shown in plain words, never deciding anything."""

from datetime import date

import pytest
from django.urls import reverse

from asndigital.accounts.models import Role
from asndigital.documents import checks, services
from asndigital.documents.models import Document, DocumentType
from tests.documents.files import text_pdf
from tests.factories import EmployeeFactory
from tests.helpers import require_tesseract, upload

NIP = "198609262010011003"
META = {"nomor_sk": "800/123/BKD/2020", "tanggal_sk": "2020-02-01", "tmt": "2020-03-01"}


@pytest.fixture
def sk_cpns(db):
    services.load_catalogue()
    return DocumentType.objects.get(code="sk-cpns")


def messages(text, doc_type, nip=NIP, metadata=META):
    found = checks.run(text=text, employee_nip=nip, doc_type=doc_type, metadata=metadata)
    return {(f.kind, f.ok): f.message for f in found}


def test_everything_on_the_document_matches(sk_cpns):
    text = (
        "KEPUTUSAN KEPALA BADAN KEPEGAWAIAN NEGARA Nomor 800/123/BKD/2020\n"
        "pengangkatan Calon Pegawai Negeri Sipil, NIP 19860926 201001 1 003\n"
        "terhitung mulai tanggal 1 Maret 2020. Ditetapkan di Jakarta pada tanggal 01-02-2020"
    )
    found = messages(text, sk_cpns)
    assert set(found) == {("nip", True), ("sk_number", True), ("date", True), ("keywords", True)}


def test_a_different_nip_is_said_in_plain_words(sk_cpns):
    found = messages("KEPUTUSAN NIP 19860926 201001 1 004 Nomor 800/123/BKD/2020", sk_cpns)
    assert found[("nip", False)] == (
        "NIP pada dokumen 19860926 201001 1 004 berbeda dengan NIP pegawai 19860926 201001 1 003."
    )


def test_numbers_dates_and_words_not_on_the_document(sk_cpns):
    found = messages("SURAT KETERANGAN Nomor 800/124/BKD/2020 tanggal 2 Februari 2020", sk_cpns)
    assert "800/123/BKD/2020" in found[("sk_number", False)]
    everything = " ".join(
        f.message for f in checks.run(text="x", employee_nip=NIP, doc_type=sk_cpns, metadata=META)
    )
    assert "Tanggal SK yang diisikan (1 Februari 2020) tidak ditemukan" in everything
    assert ("keywords", False) in found
    assert found[("nip", None)] == "Tidak ada NIP yang terbaca pada dokumen."


def test_only_real_nips_are_taken():
    assert checks.nips_in("19861326 201001 1 003 dan 198609262010011003") == [NIP]
    assert checks.date_forms(date(2015, 3, 2))[0] == "2 maret 2015"


def test_the_verifier_sees_the_checks_and_nothing_is_decided(client, agency, make_staff, sk_cpns):
    require_tesseract()
    employee = EmployeeFactory(agency=agency, nip=NIP)
    version = upload(employee.user, employee, text_pdf(["KEPUTUSAN", "NIP 198609262010011004"]))
    services.extract_text(version_id=version.pk)
    client.force_login(make_staff(Role.VERIFIER, agency))
    page = client.get(reverse("documents:detail", args=[version.document_id])).content.decode()
    assert "NIP pada dokumen 19860926 201001 1 004 berbeda dengan NIP pegawai" in page
    assert Document.objects.get().status == Document.Status.WAITING
    client.force_login(employee.user)  # the employee reads their document, not the checks
    page = client.get(reverse("documents:detail", args=[version.document_id])).content.decode()
    assert "berbeda dengan NIP pegawai" not in page


def test_a_version_without_text_says_why(client, agency, make_staff, sk_cpns, monkeypatch):
    from asndigital.documents import textract

    monkeypatch.setattr(textract.shutil, "which", lambda name: None)
    employee = EmployeeFactory(agency=agency)
    version = upload(employee.user, employee)
    services.extract_text(version_id=version.pk)
    client.force_login(make_staff(Role.VERIFIER, agency))
    page = client.get(reverse("documents:detail", args=[version.document_id])).content.decode()
    assert "Tanpa teks: program pembaca teks (OCR) belum terpasang" in page

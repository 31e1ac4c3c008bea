"""The archive's daily work (docs/domain.md §5): an operator uploads, the verifier rejects with a
reason, the operator replaces, the verifier accepts; the accepted document is then verifiable
online by anyone. Bulk upload of <NIP>_<CODE>.pdf files and ZIPs; the missing-documents report
and its exports."""

import csv
import io
import re
import zipfile

from asndigital.core.pdf import text_pdf
from e2e.helpers import PEOPLE, open_employee, shot

REJECTION = "Tanda tangan pejabat penetap tidak terbaca; mohon pindai ulang."


def pdf_file(name: str, title: str, *lines: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": text_pdf(title, list(lines))}


def upload_sk_cpns(page, file: dict) -> None:
    """On the upload page of an SK CPNS: metadata, the file, Unggah."""
    page.fill("[name=meta_nomor_sk]", "813/0977/BKPSDM/2014")
    page.fill("[name=meta_tanggal_sk]", "2014-02-03")  # a date picker: what it holds is ISO
    page.fill("[name=meta_tmt]", "2014-02-01")
    page.fill("[name=meta_pejabat_penetap]", "Wali Kota Bandung")
    page.set_input_files("[name=file]", file)
    page.click("#upload-form button[type=submit]")


def test_upload_reject_replace_accept_then_verify_online(as_user, new_page):
    person = PEOPLE["documents"]
    first = pdf_file("sk-cpns.pdf", "SK CPNS", f"{person.name} - NIP {person.nip}", "(buram)")
    second = pdf_file("sk-cpns-ulang.pdf", "SK CPNS", f"{person.name} - NIP {person.nip}")

    # The operator uploads the SK CPNS.
    operator = as_user("operator.bandung")
    open_employee(operator, person.nip)
    operator.click("main a:has-text('Unggah dokumen')")
    shot(operator, "20-upload-choose-type")
    operator.click("main a[href='?type=sk-cpns']")
    upload_sk_cpns(operator, first)
    operator.wait_for_url("**/pegawai/*/")
    assert "menunggu verifikasi" in operator.inner_text("main .messages")
    shot(operator, "21-employee-after-upload")

    # The verifier rejects it, with the reason.
    verifier = as_user("verifikator.bandung")
    open_employee(verifier, person.nip)
    verifier.click("main table a:has-text('SK CPNS')")
    verifier.wait_for_url("**/dokumen/*/")
    document_url = verifier.url
    verifier.fill("#reason", REJECTION)
    verifier.click("main .verify button:has-text('Tolak')")
    verifier.locator("main .msg.error").wait_for()
    assert REJECTION in verifier.inner_text("main .msg.error")
    shot(verifier, "22-document-rejected")

    # The operator sees the reason and replaces the file with a new version.
    operator.goto(document_url)
    assert REJECTION in operator.inner_text("main")
    operator.click("main a:has-text('Ganti dengan versi baru')")
    assert operator.locator("main .help-box").count() == 1  # "becomes a new version"
    upload_sk_cpns(operator, second)
    operator.wait_for_url(document_url)
    assert "versi 2" in operator.inner_text("main .sub")

    # The verifier accepts version 2; it gets its verification code.
    verifier.goto(document_url)
    verifier.click("main .verify button:has-text('Terima')")
    verifier.locator("main .code-big").wait_for()
    assert "DITERIMA" in verifier.inner_text("main .messages")
    code = verifier.inner_text("main .code-big").strip()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){5}", code), code
    shot(verifier, "23-document-accepted")
    history = verifier.inner_text("main .timeline")
    for step in ("Diunggah", "DITOLAK", "Diganti dengan versi baru", "DITERIMA"):
        assert step in history, history

    # Anyone, signed in or not, checks the code on the public page and compares a copy.
    public = new_page()
    public.goto("/verifikasi/")
    public.fill("#kode", code)
    public.click("main button:has-text('Periksa')")
    public.locator("main .verdict.ok").wait_for()
    assert "SK CPNS" in public.inner_text("main .facts")
    assert person.name not in public.inner_text("main")  # the owner's name is partly hidden
    public.set_input_files("#copy", second)
    public.click("#compare-form button[type=submit]")
    public.locator("#compare-result .verdict.ok").wait_for()
    shot(public, "24-public-verification-identical")
    public.set_input_files("#copy", first)  # the rejected scan is not the accepted file
    public.click("#compare-form button[type=submit]")
    public.locator("#compare-result .verdict.bad").wait_for()


def test_bulk_upload_maps_files_to_employees_and_types(as_user):
    person = PEOPLE["bulk"]
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr(f"{person.nip}_888.pdf", text_pdf("SPMT", [person.name]))  # SIASN code
        archive.writestr("surat-tanpa-nip.pdf", text_pdf("Surat", ["tanpa NIP"]))
    files = [
        pdf_file(f"{person.nip}_sk-cpns.pdf", "SK CPNS", person.name),
        {"name": "berkas.zip", "mimeType": "application/zip", "buffer": bundle.getvalue()},
    ]

    operator = as_user("operator.bandung")
    operator.goto("/pegawai/")
    operator.click("main a:has-text('Unggah massal')")
    operator.wait_for_url("**/pegawai/unggah-massal/")
    operator.set_input_files("#files", files)
    operator.click("#upload-form button[type=submit]")
    results = operator.locator("main table tbody tr")
    results.first.wait_for()
    shot(operator, "25-bulk-upload-result")
    table = operator.inner_text("main table")
    assert results.count() == 3, table
    assert operator.locator("main tbody .badge.bulk-stored").count() == 2, table
    assert operator.locator("main tbody .badge:not(.bulk-stored)").count() == 1, table
    # The misnamed file is held while the worker reads its text (the row polls); nothing of it
    # is stored before the operator confirms (tests/documents/test_bulk_matching.py follows the
    # reading to its proposal).
    assert "sedang dibaca" in table and "Tidak ada yang disimpan" in table, table

    open_employee(operator, person.nip)
    documents = operator.inner_text("main table.table")
    assert "SK CPNS" in documents
    assert "SPMT" in documents


def test_missing_documents_report_and_its_exports(as_user):
    person = PEOPLE["reset"]  # imported without any document: everything mandatory is missing
    admin = as_user("admin.bandung")
    admin.goto("/pegawai/")
    admin.click("main a[href$='/pegawai/laporan-kekurangan-berkas/']")
    admin.wait_for_url("**/laporan-kekurangan-berkas/**")
    if admin.locator("main table").count() == 0:
        admin.click("main .filters button:has-text('Tampilkan')")
    admin.locator("main table").wait_for()
    shot(admin, "26-missing-documents-report")

    with admin.expect_download() as download:
        admin.click("main a:has-text('Ekspor ke CSV')")
    text = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";" if ";" in text.split("\n")[0] else ","))
    nips = {row[0].replace(" ", "") for row in rows[1:]}  # written grouped, 8-6-1-3
    assert person.nip in nips, rows[:3]
    assert PEOPLE["retired"].nip not in nips  # retired employees are not reported

    with admin.expect_download() as download:
        admin.click("main a:has-text('Ekspor ke Excel (XLSX)')")
    assert download.value.suggested_filename.endswith(".xlsx")
    with zipfile.ZipFile(download.value.path()) as workbook:  # an XLSX is a ZIP of XML parts
        assert "xl/workbook.xml" in workbook.namelist()

"""The operator's unfinished work and the employee's correction request, end to end: the demo
ASN flags their SK CPNS as wrong from its page (with a file), the e-mail confirms it; the
operator completes the demo's bulk-uploaded transcript and answers the request; the ASN is
e-mailed the answer and finds it on their own page."""

from asndigital.core.pdf import text_pdf
from e2e.helpers import DEMO_ASN_NIP, shot

NOTE = "Nomor SK di dokumen ini salah ketik: seharusnya 813/0412/BKPSDM/2024."
ANSWER = "Sudah dicek dengan arsip fisik; SK CPNS diunggah ulang oleh operator."


def test_correction_request_and_unfinished_work(as_user, mailbox):
    box, _port = mailbox
    asn = as_user(DEMO_ASN_NIP)
    asn.goto("/beranda/")
    asn.wait_for_url("**/pegawai/*/")
    address = asn.locator("dt:has-text('Email terdaftar') + dd").inner_text().strip()
    asn.click("main table a:has-text('SK CPNS')")
    asn.wait_for_url("**/dokumen/*/")
    asn.click("main a:has-text('Ajukan perbaikan')")
    asn.wait_for_url("**/perbaikan/ajukan/?dokumen=*")
    assert asn.is_checked("input[name=subject][value=dokumen]")
    asn.fill("[name=note]", NOTE)
    asn.set_input_files(
        "[name=file]",
        {"name": "sk-asli.pdf", "mimeType": "application/pdf", "buffer": text_pdf("SK", [NOTE])},
    )
    sent = box.count()
    shot(asn, "60-correction-request")
    asn.click("main button:has-text('Kirim ke instansi saya')")
    asn.wait_for_url("**/perbaikan/*-*/")
    received = box.wait_for(address, after=sent, subject="sudah diterima")
    assert "SK CPNS" in box.text(received)

    operator = as_user("operator.bandung")
    operator.goto("/pekerjaan/")
    shot(operator, "61-unfinished-work")
    operator.click("main a:has-text('Lengkapi keterangan')")
    row = operator.locator("fieldset", has_text="Transkrip")
    row.locator("input[name$='-jenjang']").fill("S1")
    row.locator("input[name$='-institusi']").fill("Universitas Padjadjaran")
    row.locator("input[name$='-tahun']").fill("2018")
    operator.click("main button:has-text('Simpan semua berkas yang diisi')")
    operator.locator("main .msg.success").wait_for()
    assert "1 berkas" in operator.inner_text("main .msg.success")

    operator.goto("/perbaikan/masuk/")
    shot(operator, "62-correction-requests")
    operator.locator("tr", has_text="SK CPNS").locator("a:has-text('Jawab')").click()
    operator.check("input[name=outcome][value=corrected]")
    operator.fill("[name=answer]", ANSWER)
    answered = box.count()
    operator.click("main button:has-text('Kirim jawaban')")
    operator.wait_for_url("**/perbaikan/masuk/")
    message = box.wait_for(address, after=answered, subject="diperbaiki")
    assert ANSWER in box.text(message)

    asn.goto("/perbaikan/")
    assert ANSWER in asn.inner_text("main")
    shot(asn, "63-my-correction-requests")
    # The operator's reading of the request is in the ASN's access history.
    asn.goto("/jejak-audit/akses-dokumen-saya/")
    assert "membuka permintaan perbaikan Anda" in asn.inner_text("main")

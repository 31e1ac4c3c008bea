"""The upload form in chromium, signed in with password and authenticator code: the browser
finds every missing field before sending anything (the chosen file stays chosen), a date can be
pasted as DD-MM-YYYY, and when the server refuses (here: the document was accepted while the
form was open, so it asks for the confirmation) it holds the file and the retry needs none."""

import pytest

from asndigital.accounts.models import Role
from asndigital.documents import services
from asndigital.documents.models import Document, DocumentType, PendingUpload
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory
from tests.helpers import PASSWORD, TOTP, enrol, sign_in_with_password

META = {"nomor_sk": "813/0412/BKPSDM/2024", "tanggal_sk": "01-03-2024", "tmt": "01-03-2024"}


@pytest.fixture
def employee(db, agency, files_in_tmp):
    services.load_catalogue()
    employee = EmployeeFactory(agency=agency, name="Endang Sunarya")
    employee.user.set_password(PASSWORD)
    employee.user.save()
    enrol(employee.user)
    return employee


def sign_in(page, base, employee):
    """NIP and password, then the authenticator's code (MFA is never skipped)."""
    sign_in_with_password(page, base, employee)
    page.fill("#id_code", TOTP.now())
    page.click("main button:has-text('Masuk')")
    page.wait_for_url(f"**/pegawai/{employee.pk}/")


def paste(page, selector, text):
    """What pasting from the clipboard does, without the clipboard (headless has none)."""
    page.eval_on_selector(
        selector,
        """(el, text) => {
            const data = new DataTransfer();
            data.setData("text", text);
            el.focus();
            el.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true}));
        }""",
        text,
    )


@pytest.mark.django_db(transaction=True)
def test_the_browser_checks_first_and_the_server_holds_the_file_for_the_retry(
    page, live_server, employee, agency, make_staff, tmp_path
):
    sk = DocumentType.objects.get(code="sk-cpns")
    services.upload_document(
        actor=employee.user,
        employee=employee,
        doc_type=sk,
        chunks=[pdf_bytes(1)],
        original_name="sk-lama.pdf",
        metadata=META,
        source="scan",
    )
    document = Document.objects.get()
    chosen = tmp_path / "SK CPNS baru.pdf"
    chosen.write_bytes(pdf_bytes(60))
    posts = []
    uploads = f"/pegawai/{employee.pk}/unggah/"
    page.on(
        "request", lambda r: posts.append(r.url) if r.method == "POST" and uploads in r.url else 0
    )

    sign_in(page, live_server.url, employee)
    page.goto(f"{live_server.url}/pegawai/{employee.pk}/unggah/?type=sk-cpns")
    assert "versi 1, Menunggu verifikasi" in page.inner_text("#replaces")
    page.set_input_files("#id_file", str(chosen))
    page.fill("#id_meta_tanggal_sk", "2024-03-01")
    page.click("#upload-form button[type=submit]")

    # Checked in the browser: both missing fields at once, nothing sent, the file still chosen.
    summary = page.locator(".error-summary")
    assert summary.locator("li").all_inner_texts() == ["Nomor SK wajib diisi.", "TMT wajib diisi."]
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert page.inner_text("#id_meta_nomor_sk_error") == "Nomor SK wajib diisi."
    assert page.get_attribute("#id_meta_nomor_sk", "aria-invalid") == "true"
    assert "id_meta_nomor_sk_error" in page.get_attribute("#id_meta_nomor_sk", "aria-describedby")
    assert page.eval_on_selector("#id_file", "el => el.files[0].name") == "SK CPNS baru.pdf"
    assert posts == []

    # The summary's link puts the cursor in the field; fixed fields lose their message.
    summary.locator("a", has_text="Nomor SK").click()
    assert page.evaluate("document.activeElement.id") == "id_meta_nomor_sk"
    page.fill("#id_meta_nomor_sk", META["nomor_sk"])
    page.dispatch_event("#id_meta_nomor_sk", "change")
    assert page.locator("#id_meta_nomor_sk_error").count() == 0
    paste(page, "#id_meta_tmt", "01-03-2024")  # as SIASN writes dates
    assert page.input_value("#id_meta_tmt") == "2024-03-01"
    assert page.inner_text("#id_meta_tmt_words") == "1 Maret 2024"
    assert page.locator(".error-summary").count() == 0

    # While the form was open, the verifier accepted the document: the server asks for the
    # confirmation, and holds the file.
    services.accept_document(actor=make_staff(Role.VERIFIER, agency), document=document)
    page.click("#upload-form button[type=submit]")
    page.locator("#held-file").wait_for()
    assert len(posts) == 1
    assert "Berkas SK CPNS baru.pdf" in page.inner_text("#held-file")
    assert "tidak perlu memilih lagi" in page.inner_text("#held-file")
    assert "Centang konfirmasi" in page.inner_text(".error-summary")
    assert "MENUNGGU verifikasi; versi lama tetap disimpan" in page.inner_text(
        "#id_confirm_replace_helptext"
    )
    assert page.input_value("#id_meta_nomor_sk") == META["nomor_sk"]
    document.refresh_from_db()
    assert document.status == Document.Status.ACCEPTED and document.versions.count() == 1
    assert PendingUpload.objects.filter(owner=employee.user).count() == 1

    # The retry: the confirmation, and no file chosen again.
    assert page.eval_on_selector("#id_file", "el => el.files.length") == 0
    assert page.get_attribute("#id_file", "required") is None
    page.check("#id_confirm_replace")
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(f"**/pegawai/{employee.pk}/")
    assert len(posts) == 2
    assert "SK CPNS" in page.inner_text(".messages")
    document.refresh_from_db()
    assert document.status == Document.Status.WAITING
    assert document.current_version.number == 2 and document.current_version.page_count == 60
    assert not PendingUpload.objects.exists()

"""Resets as docs/domain.md §4 describes them: Reset Password (Lupa Password) with captcha and an
e-mailed code, Reset MFA by the employee (e-mailed code + password), and by the agency admin.
The e-mails go through the local SMTP server; the tests read the codes there."""

from e2e.helpers import (
    DEMO_ASN_NIP,
    PEOPLE,
    activate_mfa,
    log_out,
    open_employee,
    shot,
    sign_in,
    submit_password,
)

# Long, no composition rules: the default policy follows NIST SP 800-63B (configurable).
NEW_PASSWORD = "kuda lumping makan sate"  # noqa: S105 - a test password


def solve_captcha_and_check(page) -> None:
    """The proof-of-work captcha: tick the box, the browser solves it, then press Periksa."""
    page.click("altcha-widget input[type=checkbox]")
    page.locator("altcha-widget").get_by_text("Terverifikasi").wait_for(timeout=60_000)
    page.click("main button:has-text('Periksa')")


def test_reset_password_with_the_emailed_code_then_first_login(page, mailbox, authenticators):
    box, _port = mailbox
    person = PEOPLE["reset"]  # imported from SIASN: no password yet
    page.goto("/akun/masuk/")
    page.click("text=Reset Password (Lupa Password)")
    page.wait_for_url("**/akun/lupa-kata-sandi/")
    page.fill("#id_username", person.nip)
    shot(page, "10-reset-password-start")
    solve_captcha_and_check(page)
    page.wait_for_url("**/lupa-kata-sandi/email/")
    before = box.count()
    page.fill("#id_email", person.email)
    page.click("main button:has-text('Kirim kode')")
    page.wait_for_url("**/lupa-kata-sandi/konfirmasi/")

    code = box.code_in(box.wait_for(person.email, after=before))
    page.fill("#id_code", code)
    page.fill("#id_new_password1", "pendek")
    assert "unmet" in page.get_attribute("[data-rule=length]", "class").split()
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    assert "met" in page.get_attribute("[data-rule=match]", "class").split()
    shot(page, "11-reset-password-confirm")
    page.click("main button:has-text('Reset Password')")
    page.wait_for_url("**/akun/masuk/")
    assert "Kata sandi Anda telah diubah" in page.inner_text("main")
    # The change is announced to the registered e-mail too.
    box.wait_for(person.email, after=before + 1)

    # The new password works; the first sign-in sets up the authenticator app.
    submit_password(page, person.nip, NEW_PASSWORD)
    activate_mfa(page, authenticators, person.nip)
    page.wait_for_url("**/pegawai/*/")
    assert person.name in page.inner_text("h1")


def test_employee_resets_own_mfa_with_the_emailed_code(page, mailbox, authenticators):
    box, _port = mailbox
    person, password = PEOPLE["reset"], NEW_PASSWORD
    if person.nip not in authenticators.secrets:
        test_reset_password_with_the_emailed_code_then_first_login(page, mailbox, authenticators)
        log_out(page)

    # New phone: the old app is gone. Reset MFA from the sign-in page.
    page.goto("/akun/masuk/")
    page.click("main a:has-text('Atur ulang MFA')")
    page.wait_for_url("**/akun/reset-mfa/")
    page.fill("#id_username", person.nip)
    shot(page, "12-reset-mfa-start")
    solve_captcha_and_check(page)
    page.wait_for_url("**/reset-mfa/email/")
    before = box.count()
    page.fill("#id_email", person.email)
    page.click("main button:has-text('Kirim kode')")
    page.wait_for_url("**/reset-mfa/konfirmasi/")
    page.fill("#id_code", box.code_in(box.wait_for(person.email, after=before)))
    page.fill("#id_password", password)
    page.click("main button:has-text('Atur ulang MFA')")
    page.wait_for_url("**/akun/masuk/")
    assert page.locator("main .msg.success").count() == 1
    authenticators.forget(person.nip)

    # The next sign-in sets up the (new) app again.
    submit_password(page, person.nip, password)
    activate_mfa(page, authenticators, person.nip)
    page.wait_for_url("**/pegawai/*/")


def test_agency_admin_resets_an_employees_mfa(new_page, as_user, authenticators):
    asn = new_page()
    sign_in(asn, authenticators, DEMO_ASN_NIP)  # activates MFA if no test did before

    admin = as_user("admin.bandung")
    open_employee(admin, DEMO_ASN_NIP)
    # Scoped to its form: the e-mail correction form on the same page has a field "reason" too.
    admin.fill(
        "form[action$='/reset-mfa/'] [name=reason]",
        "Ganti HP, aplikasi authenticator terhapus (tiket 2026-114)",
    )
    shot(admin, "13-admin-employee-page")
    admin.click("form[action$='/reset-mfa/'] button[type=submit]")
    admin.locator("main .msg.success").wait_for()
    assert "Belum diaktifkan" in admin.inner_text("main")
    authenticators.forget(DEMO_ASN_NIP)

    # The reset ended the employee's sessions; the next sign-in activates MFA again.
    asn.reload()
    assert "/akun/masuk/" in asn.url
    submit_password(asn, DEMO_ASN_NIP)
    activate_mfa(asn, authenticators, DEMO_ASN_NIP)
    asn.wait_for_url("**/pegawai/*/")

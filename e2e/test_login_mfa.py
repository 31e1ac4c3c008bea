"""Sign-in as docs/domain.md §4 describes it: the first login activates MFA, then every login needs
password + code; a code from a phone whose clock is off is refused with the hint. On the way,
the employee's own pages: a document, the access history, account security, the password."""

import time

import pyotp

from e2e.helpers import DEMO_ASN_NIP, STEP, activate_mfa, log_out, shot, submit_password


def test_first_login_activates_mfa_then_login_with_a_code(page, authenticators):
    page.goto("/")
    shot(page, "01-landing")
    page.click("header a:has-text('Masuk')")
    page.wait_for_url("**/akun/masuk/")
    shot(page, "02-login")

    # First login: password, then the activation page with the QR code and the key as text.
    submit_password(page, DEMO_ASN_NIP)
    activate_mfa(page, authenticators, DEMO_ASN_NIP, screenshot="03-activate-mfa")
    page.wait_for_url("**/pegawai/*/")
    assert "Endang Sunarya" in page.inner_text("h1")
    shot(page, "04-asn-own-dossier")

    # The employee's own pages: a document, who read my data, account security, the password.
    page.click("main table a:has-text('SK CPNS')")
    page.wait_for_url("**/dokumen/*/")
    page.click("main .crumbs a")
    page.click("main a:has-text('Siapa yang mengakses data saya')")
    page.wait_for_url("**/jejak-audit/akses-dokumen-saya/")
    page.click("header a:has-text('Keamanan akun')")
    page.wait_for_url("**/akun/keamanan/")
    page.click("main a:has-text('Ubah kata sandi')")
    page.wait_for_url("**/akun/kata-sandi/")
    log_out(page)

    # From now on: password, then the 6-digit code.
    submit_password(page, DEMO_ASN_NIP)
    page.wait_for_url("**/akun/masuk/kode/")
    shot(page, "05-code")
    page.fill("#id_code", authenticators.code(DEMO_ASN_NIP))
    page.click("main button:has-text('Masuk')")
    page.wait_for_url("**/pegawai/*/")
    assert "Endang Sunarya" in page.inner_text("h1")
    log_out(page)


def test_code_from_a_wrong_clock_is_refused_with_the_hint(page, authenticators):
    if DEMO_ASN_NIP not in authenticators.secrets:  # run alone: activate first
        submit_password(page, DEMO_ASN_NIP)
        activate_mfa(page, authenticators, DEMO_ASN_NIP)
        log_out(page)
    submit_password(page, DEMO_ASN_NIP)
    page.wait_for_url("**/akun/masuk/kode/")
    # A phone two minutes behind: its code is four steps old, outside the tolerated ±1 step.
    wrong = pyotp.TOTP(authenticators.secrets[DEMO_ASN_NIP]).at(time.time() - 4 * STEP)
    page.fill("#id_code", wrong)
    page.click("main button:has-text('Masuk')")
    error = page.locator("main .error")
    error.wait_for()
    assert "otomatis" in error.inner_text()  # "set the phone's date and time to automatic"
    assert page.url.endswith("/akun/masuk/kode/")
    shot(page, "06-code-wrong-clock")

    # With the clock put right, the code of now works.
    page.fill("#id_code", authenticators.code(DEMO_ASN_NIP))
    page.click("main button:has-text('Masuk')")
    page.wait_for_url("**/pegawai/*/")

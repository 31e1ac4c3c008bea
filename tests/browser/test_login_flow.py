"""The seed's sign-in steps in a real browser: first login with MFA activation, then codes."""

import time

import pyotp
import pytest

from tests.factories import EmployeeFactory

PASSWORD = "Kata-sandi-uji-123"


@pytest.fixture
def employee(db):
    employee = EmployeeFactory(name="Siti Rahmawati")
    employee.user.set_password(PASSWORD)
    employee.user.save()
    return employee


def sign_in_with_password(page, base, employee):
    page.goto(f"{base}/akun/masuk/")
    page.fill("#id_username", employee.nip_grouped)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def log_out(page):
    page.click("header form button:has-text('Keluar')")
    page.wait_for_url("**/")


@pytest.mark.django_db(transaction=True)
def test_first_login_activation_then_codes_replay_and_clock_hint(page, live_server, employee):
    base = live_server.url
    sign_in_with_password(page, base, employee)

    # Activation: the key shown as text (as for manual entry) gives the codes.
    page.wait_for_url("**/aktivasi-mfa/")
    assert page.locator(".qr svg").count() == 1
    key = page.inner_text("#secret-key").replace(" ", "")
    totp = pyotp.TOTP(key)
    first_code = totp.now()
    page.fill("#id_code", first_code)
    page.fill("#id_name", "HP Android saya")
    page.click("main button:has-text('Kirim')")
    page.wait_for_url("**/kode-pemulihan/")
    assert page.locator("#recovery-codes li").count() == 10
    page.click("main button[type=submit]")
    page.wait_for_url(f"**/pegawai/{employee.pk}/")
    assert "Siti Rahmawati" in page.inner_text("h1")
    log_out(page)

    # Second login: password, then a code.
    sign_in_with_password(page, base, employee)
    page.wait_for_url("**/masuk/kode/")
    code = totp.now()
    if code == first_code:  # activation used this step: take the next one (phone a bit ahead)
        code = totp.at(time.time() + 30)
    page.fill("#id_code", code)
    page.click("main button:has-text('Masuk')")
    page.wait_for_url(f"**/pegawai/{employee.pk}/")
    log_out(page)

    # The same code again is refused, and so is a code from two steps ago (with the clock hint).
    sign_in_with_password(page, base, employee)
    page.wait_for_url("**/masuk/kode/")
    page.fill("#id_code", code)
    page.click("main button:has-text('Masuk')")
    assert "sudah dipakai" in page.inner_text("main")
    page.fill("#id_code", totp.at(time.time() - 60))
    page.click("main button:has-text('Masuk')")
    assert "otomatis" in page.inner_text("main .error")
    assert page.url.endswith("/masuk/kode/")

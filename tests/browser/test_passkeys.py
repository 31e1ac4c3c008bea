"""Passkeys in chromium, with the DevTools virtual authenticator (WebAuthn.addVirtualAuthenticator):
what people do on the pages, the browser's own WebAuthn and the site's passkey.js."""

import base64
import time

import pyotp
import pytest
from cryptography.hazmat.primitives import serialization

from asndigital.accounts.models import Passkey
from asndigital.audit.models import AuditEvent
from tests.factories import EmployeeFactory
from tests.helpers import SECRET, enrol, sign_in_with_password
from tests.helpers import add_passkey as add

PASSWORD = "Kata-sandi-uji-123"
TOTP = pyotp.TOTP(base64.b32encode(SECRET).decode())
AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
}


@pytest.fixture
def employee(db):
    employee = EmployeeFactory(name="Siti Rahmawati")
    employee.user.set_password(PASSWORD)
    employee.user.save()
    return employee


@pytest.fixture
def cdp(page):
    session = page.context.new_cdp_session(page)
    session.send("WebAuthn.enable")
    return session


def add_authenticator(cdp) -> str:
    return cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})[
        "authenticatorId"
    ]


def log_out(page):
    page.click("header form button:has-text('Keluar')")
    page.wait_for_url("**/")


def passkey_button(page):
    return page.locator("main button:has-text('Masuk dengan passkey')")


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("occurred_at", "pk").values_list("action", flat=True))


def known_passkey(cdp, authenticator_id, user, sign_count=0):
    """A passkey registered through the services whose private key the virtual authenticator
    holds (WebAuthn.addCredential): the sign-in is then the browser's own."""
    _passkey, key = add(user)
    der = key.key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    credential = {
        "credentialId": base64.b64encode(key.credential_id).decode(),
        "isResidentCredential": False,
        "rpId": "localhost",
        "privateKey": base64.b64encode(der).decode(),
        "signCount": sign_count,
    }
    cdp.send(
        "WebAuthn.addCredential", {"authenticatorId": authenticator_id, "credential": credential}
    )
    return credential


@pytest.mark.django_db(transaction=True)
def test_add_a_passkey_on_the_security_page_then_sign_in_with_it(page, live_server, employee, cdp):
    base = live_server.url
    assert base.startswith("http://localhost:")
    authenticator = add_authenticator(cdp)
    enrol(employee.user)
    sign_in_with_password(page, base, employee)
    assert passkey_button(page).count() == 0  # no passkey yet: only the code
    page.fill("#id_code", TOTP.now())
    page.click("main button:has-text('Masuk')")
    page.wait_for_url(f"**/pegawai/{employee.pk}/")

    # Account security: confirm it is you (password and the next code), then add a passkey.
    page.goto(f"{base}/akun/keamanan/")
    assert "sidik jari, wajah, atau PIN" in page.inner_text("#passkeys")
    page.fill("#id_password", PASSWORD)
    page.fill("#id_code", TOTP.at(time.time() + 30))
    page.click("main button:has-text('Konfirmasi')")
    page.click("#passkeys a:has-text('Tambah passkey')")
    page.wait_for_url("**/keamanan/passkey/tambah/")
    page.fill("#passkey-name", "Laptop kantor")
    page.click("main button:has-text('Tambah passkey')")
    page.wait_for_url("**/akun/keamanan/")
    assert page.locator("#passkeys input[name=name]").input_value() == "Laptop kantor"
    assert "hanya di perangkat ini" in page.inner_text("#passkeys")
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(stored["credentials"]) == 1
    assert Passkey.objects.get(user=employee.user).name == "Laptop kantor"
    log_out(page)

    # NIP + password + passkey.
    sign_in_with_password(page, base, employee)
    passkey_button(page).click()
    page.wait_for_url(f"**/pegawai/{employee.pk}/")
    assert "Siti Rahmawati" in page.inner_text("h1")
    assert actions()[-1] == "login.succeeded"
    assert Passkey.objects.get().last_used_at is not None


@pytest.mark.django_db(transaction=True)
def test_an_assertion_from_another_origin_is_refused(page, live_server, employee, cdp, settings):
    known_passkey(cdp, add_authenticator(cdp), employee.user)
    # The server expects the production origin; the browser is on http://localhost:<port>.
    settings.ASN_WEBAUTHN_ORIGINS = ["https://asndigital.example.go.id"]
    sign_in_with_password(page, live_server.url, employee)
    passkey_button(page).click()
    page.wait_for_selector(".messages >> text=alamat web lain")
    assert page.url.endswith("/masuk/kode/")
    assert "login.succeeded" not in actions()
    assert actions()[-1] == "login.passkey_failed"


@pytest.mark.django_db(transaction=True)
def test_a_cloned_authenticator_is_refused_and_audited(page, live_server, employee, cdp):
    original = add_authenticator(cdp)
    known_passkey(cdp, original, employee.user)
    for _ in range(2):  # the original signs in twice: its counter reaches 2
        sign_in_with_password(page, live_server.url, employee)
        passkey_button(page).click()
        page.wait_for_url(f"**/pegawai/{employee.pk}/")
        log_out(page)
    copied = cdp.send("WebAuthn.getCredentials", {"authenticatorId": original})["credentials"][0]
    assert copied["signCount"] == 2 == Passkey.objects.get().sign_count

    # A second authenticator holding a copy of the key, with a lower counter.
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": original})
    clone = add_authenticator(cdp)
    cdp.send(
        "WebAuthn.addCredential",
        {"authenticatorId": clone, "credential": {**copied, "signCount": 0}},
    )
    sign_in_with_password(page, live_server.url, employee)
    passkey_button(page).click()
    page.wait_for_selector(".messages >> text=kemungkinan telah disalin")
    assert page.url.endswith("/masuk/kode/")
    assert actions()[-1] == "mfa.passkey_clone_suspected"
    assert actions().count("login.succeeded") == 2


@pytest.mark.django_db(transaction=True)
def test_a_browser_without_passkeys_is_told_so_and_the_code_still_works(
    page, live_server, employee
):
    enrol(employee.user)
    add(employee.user, name="HP lama")
    page.add_init_script("delete window.PublicKeyCredential;")
    sign_in_with_password(page, live_server.url, employee)
    passkey_button(page).click()
    assert "tidak dapat memakai passkey" in page.inner_text("[data-passkey-message]")
    page.fill("#id_code", TOTP.now())
    page.click("main form:not([data-passkey]) button:has-text('Masuk')")
    page.wait_for_url(f"**/pegawai/{employee.pk}/")


@pytest.mark.django_db(transaction=True)
def test_someone_with_only_a_passkey_confirms_it_is_them_with_it(page, live_server, employee, cdp):
    known_passkey(cdp, add_authenticator(cdp), employee.user)
    sign_in_with_password(page, live_server.url, employee)
    passkey_button(page).click()
    page.wait_for_url(f"**/pegawai/{employee.pk}/")
    page.goto(f"{live_server.url}/akun/keamanan/")
    assert page.locator("#passkeys a:has-text('Tambah passkey')").count() == 0
    page.fill("#passkey-password", PASSWORD)
    page.click("main button:has-text('Konfirmasi dengan passkey')")
    page.wait_for_selector("#passkeys a:has-text('Tambah passkey')")
    assert Passkey.objects.get().sign_count == 2

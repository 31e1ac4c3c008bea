"""Single sign-on in chromium: an application sends the person to ASN Digital, they sign in
with password and code on the site's own pages, read the consent page in Indonesian (what
the application will receive), agree, and are sent back with a code; the account security
page then lists the application. Screenshots go to var/screenshots/ for review."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from authlib.integrations.requests_client import OAuth2Session

from asndigital.sso import services
from tests.browser.conftest import SHOTS
from tests.helpers import PASSWORD, TOTP, enrol
from tests.sso.oidc import REDIRECT, request_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_consent_in_indonesian_then_back_to_the_application(page, live_server, employee, bkn_admin):
    enrol(employee.user)
    application, secret = services.register_client(
        actor=bkn_admin,
        name="SIMPEG Kota A",
        redirect_uris=REDIRECT,
        scopes=["openid", "profile", "nip", "agency"],
        confidential=True,
    )
    client = OAuth2Session(
        application.client_id, secret, scope="openid profile nip agency", redirect_uri=REDIRECT
    )
    discovery = {"authorization_endpoint": f"{live_server.url}/oidc/authorize/"}
    request = request_for(client, discovery)
    # The application's callback, answered here (nothing listens on that port).
    page.route("http://localhost:9/**", lambda route: route.fulfill(status=200, body="ok"))

    page.goto(request.url)
    page.fill("#id_username", employee.nip_grouped)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.fill("#id_code", TOTP.now())
    page.click("main button:has-text('Masuk')")

    page.wait_for_selector("text=Setuju dan lanjutkan")
    body = page.inner_text("main")
    assert "SIMPEG Kota A" in body
    for words in ("Nama Anda", "NIP Anda", "Instansi Anda (kode dan nama) dan unit kerja Anda"):
        assert words in body
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "sso-consent.png"), full_page=True)

    page.click("text=Setuju dan lanjutkan")
    page.wait_for_url("http://localhost:9/**")
    query = parse_qs(urlparse(page.url).query)
    assert query["state"] == [request.state] and query["code"]

    page.goto(f"{live_server.url}/akun/keamanan/")
    section = page.inner_text("#applications")
    assert "SIMPEG Kota A" in section and "Cabut akses" in section
    page.locator("#applications").screenshot(path=str(SHOTS / "sso-security.png"))


def test_a_national_admin_registers_an_application_on_its_page(page, live_server, bkn_admin):
    enrol(bkn_admin)
    page.goto(f"{live_server.url}/akun/masuk/?next=/akun/aplikasi-sso/")
    page.fill("#id_username", bkn_admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.fill("#id_code", TOTP.now())
    page.click("main button:has-text('Masuk')")
    page.wait_for_selector("text=Daftarkan aplikasi")
    page.fill("#name", "Aplikasi Diklat")
    page.fill("#redirect_uris", "https://diklat.example.go.id/callback")
    page.check("input[name=scopes][value=nip]")
    page.click("main button:has-text('Daftarkan')")
    page.wait_for_selector("text=Kredensial “Aplikasi Diklat”:")
    secret = page.inner_text(".secret")
    assert len(secret) == 128
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "sso-clients.png"), full_page=True)
    page.reload()
    assert secret not in page.content()  # shown once
    assert "openid nip" in page.inner_text("table")

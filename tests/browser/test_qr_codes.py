"""The authenticator QR code as a phone camera meets it: drawn by chromium at the size the page
shows it (device scale 1), then read by a decoder this project did not write (zxing-cpp).

The decoded ``otpauth://`` URI must be the one the server enrols: the test activates with a code
computed from the decoded key alone, then compares the URI with the saved device's secret.
"""

import io
import time

import pyotp
import pytest
import zxingcpp
from django.conf import settings
from PIL import Image

from asndigital.accounts import mfa
from asndigital.accounts.models import AuthenticatorDevice
from asndigital.core.crypto import unseal
from tests.factories import EmployeeFactory
from tests.helpers import DESKTOP, PHONE

PASSWORD = "Kata-sandi-uji-123"
SHOWN_PX = 220  # the CSS size of the QR code in site.css


@pytest.fixture
def employee(db):
    employee = EmployeeFactory(name="Dewi Lestari")
    employee.user.set_password(PASSWORD)
    employee.user.save()
    return employee


def new_page(browser, viewport, language, base):
    context = browser.new_context(
        viewport=viewport, device_scale_factor=1, locale="id-ID", has_touch=viewport == PHONE
    )
    # The interface is Indonesian until the person presses EN (a cookie), whatever the browser.
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def scan(page) -> str:
    """Screenshot the QR code as drawn and decode it: the text, or the test fails."""
    qr = page.locator(".qr svg")
    box = qr.bounding_box()
    assert box is not None
    assert round(box["width"]) == SHOWN_PX and round(box["height"]) == SHOWN_PX
    image = Image.open(io.BytesIO(qr.screenshot()))
    # A fractional page position can add one pixel of edge to the screenshot.
    assert all(abs(side - SHOWN_PX) <= 1 for side in image.size)
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1, "the QR code as the page draws it cannot be read"
    return found[0].text


def sign_in(page, base, employee):
    page.goto(f"{base}/akun/masuk/")
    page.fill("#id_username", employee.nip)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def saved_uri(user, name) -> str:
    device = AuthenticatorDevice.objects.get(user=user, name=name)
    return mfa.otpauth_uri(user, unseal(device.sealed_key, context=f"totp:{device.pk}"))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("viewport", "language", "submit"),
    [
        (DESKTOP, "id", "Kirim"),
        (PHONE, "id", "Kirim"),
        (DESKTOP, "en", "Submit"),
        (PHONE, "en", "Submit"),
    ],
)
def test_activation_qr_code_decodes_to_the_enrolled_key(
    browser, live_server, employee, viewport, language, submit
):
    context, page = new_page(browser, viewport, language, live_server.url)
    try:
        sign_in(page, live_server.url, employee)
        page.wait_for_url("**/aktivasi-mfa/")
        uri = scan(page)
        assert uri.startswith(f"otpauth://totp/ASN%20Digital:{employee.nip}?")
        assert "issuer=ASN%20Digital" in uri
        page.fill("#id_code", pyotp.parse_uri(uri).now())
        page.fill("#id_name", "HP uji")
        page.click(f"main button:has-text('{submit}')")
        page.wait_for_url("**/kode-pemulihan/")
        assert saved_uri(employee.user, "HP uji") == uri
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE])
def test_add_authenticator_qr_code_decodes_to_the_enrolled_key(
    browser, live_server, employee, viewport
):
    context, page = new_page(browser, viewport, "id", live_server.url)
    try:
        sign_in(page, live_server.url, employee)
        page.wait_for_url("**/aktivasi-mfa/")
        first = pyotp.parse_uri(scan(page))
        first_code = first.now()
        page.fill("#id_code", first_code)
        page.fill("#id_name", "HP lama")
        page.click("main button:has-text('Kirim')")
        page.wait_for_url("**/kode-pemulihan/")
        page.click("main button[type=submit]")

        # Adding a second app: confirm with the password and a fresh code first.
        page.goto(f"{live_server.url}/akun/keamanan/")
        code = first.now()
        if code == first_code:
            code = first.at(time.time() + 30)
        page.fill("#id_password", PASSWORD)
        page.fill("#id_code", code)
        page.click("form[action$='/keamanan/konfirmasi/'] button[type=submit]")
        page.goto(f"{live_server.url}/akun/keamanan/perangkat/tambah/")
        uri = scan(page)
        page.fill("#id_code", pyotp.parse_uri(uri).now())
        page.fill("#id_name", "HP baru")
        page.click("main button:has-text('Kirim')")
        page.wait_for_url("**/akun/keamanan/")
        assert saved_uri(employee.user, "HP baru") == uri
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_app_link_comes_first_and_the_key_can_be_copied(
    browser, live_server, employee
):
    context, page = new_page(browser, PHONE, "id", live_server.url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    try:
        sign_in(page, live_server.url, employee)
        page.wait_for_url("**/aktivasi-mfa/")
        link = page.get_by_role("link", name="Tambahkan ke aplikasi autentikator")
        # The link carries exactly the key the QR code carries, and on a phone it is above the
        # QR code (which that phone cannot scan), within the screen's width.
        assert link.get_attribute("href") == scan(page)
        link_box, qr_box = link.bounding_box(), page.locator(".qr svg").bounding_box()
        assert link_box["y"] < qr_box["y"]
        assert link_box["x"] + link_box["width"] <= PHONE["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        page.get_by_role("button", name="Salin kunci").click()
        page.get_by_role("button", name="Tersalin").wait_for()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == page.inner_text("#secret-key").replace(" ", "")
        assert pyotp.parse_uri(link.get_attribute("href")).secret == copied
    finally:
        context.close()

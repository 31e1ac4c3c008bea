"""The public verification page in a real browser: the copy is hashed on the device (Web Crypto)
and compared without being uploaded."""

import io

import pytest
import zxingcpp
from django.conf import settings
from django.test import Client
from django.urls import reverse
from PIL import Image

from asndigital.documents.models import DocumentVersion
from tests.documents.files import pdf_bytes
from tests.helpers import DESKTOP, PHONE


@pytest.mark.django_db(transaction=True)
def test_a_copy_is_compared_on_the_device(page, live_server, accepted, tmp_path):
    same = tmp_path / "salinan.pdf"
    same.write_bytes(pdf_bytes(2))
    changed = tmp_path / "diubah.pdf"
    changed.write_bytes(pdf_bytes(2).replace(b"%%EOF", b"%%EOF "))
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(f"{live_server.url}/verifikasi/{accepted.verification_code_display.lower()}/")
    assert page.locator(".verdict.ok").first.is_visible()
    assert "S*** R*****" in page.content()
    page.set_input_files("#copy", str(same))
    page.click("#compare-form button[type=submit]")
    page.locator("#compare-result .verdict.ok").wait_for()
    page.set_input_files("#copy", str(changed))
    page.click("#compare-form button[type=submit]")
    page.locator("#compare-result .verdict.bad").wait_for()
    assert posts == []  # nothing left the device
    assert DocumentVersion.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE])
def test_the_document_pages_qr_code_opens_its_verification_page(
    browser, live_server, accepted, viewport
):
    """Screenshot the QR code as the document page draws it (device scale 1), decode it with
    zxing-cpp, and follow it: the public page of this very document."""
    signed_in = Client()
    signed_in.force_login(accepted.document.employee.user)
    context = browser.new_context(viewport=viewport, device_scale_factor=1)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": signed_in.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/dokumen/{accepted.document_id}/")
        qr = page.locator(".qr svg")
        image = Image.open(io.BytesIO(qr.screenshot()))
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        assert len(found) == 1, "the QR code as the page draws it cannot be read"
        path = reverse("verification:check", args=[accepted.verification_code])
        assert found[0].text == f"{live_server.url}{path}"
        page.goto(found[0].text)
        assert page.locator(".verdict.ok").first.is_visible()
    finally:
        context.close()

"""Text contrast where an outside checker (axe-core) found WCAG 2 AA failures: the header's
"Masuk" button (white on gold, 1.8:1) and the "menunggu verifikasi" badge (4.4:1). The colours
are the ones chromium computes for the page as drawn; AA asks 4.5:1 for normal text."""

import pytest
from django.conf import settings
from django.test import Client

from asndigital.documents import services
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory
from tests.helpers import CONTRAST, upload


@pytest.mark.django_db(transaction=True)
def test_the_header_button_and_the_waiting_badge_meet_wcag_aa(page, live_server, agency):
    page.goto(f"{live_server.url}/verifikasi/")
    button = page.locator("header a.button")
    assert button.inner_text().strip() == "Masuk"
    assert button.evaluate(CONTRAST) >= 4.5

    services.load_catalogue()
    employee = EmployeeFactory(agency=agency)
    upload(employee.user, employee, pdf_bytes(1))  # waiting for verification
    signed_in = Client()
    signed_in.force_login(employee.user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": signed_in.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto(f"{live_server.url}/pegawai/{employee.pk}/")
    badge = page.locator(".doc-menunggu").first
    assert badge.is_visible()
    assert badge.evaluate(CONTRAST) >= 4.5

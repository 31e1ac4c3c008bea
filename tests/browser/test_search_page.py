"""The search page and the content checks as chromium draws them (screenshots under
var/screenshots/): the excerpt's marked words, the verifier's plain-word mismatch."""

import pytest
from django.conf import settings
from django.test import Client

from asndigital.accounts.models import Role
from asndigital.documents import services
from tests.browser.conftest import SHOTS
from tests.documents.files import text_pdf
from tests.factories import EmployeeFactory
from tests.helpers import require_tesseract, upload


@pytest.fixture
def signed_in(browser, live_server, transactional_db, agency, make_staff):
    require_tesseract()
    services.load_catalogue()
    employee = EmployeeFactory(agency=agency, nip="198609262010011003", name="Dewi Lestari")
    lines = ["KEPUTUSAN KEPALA BADAN KEPEGAWAIAN NEGARA", "NIP 19860926 201001 1 004"]
    version = upload(employee.user, employee, text_pdf(lines))
    services.extract_text(version_id=version.pk)
    client = Client()
    client.force_login(make_staff(Role.VERIFIER, agency))
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page, version
    context.close()


def test_search_and_the_verifiers_checks_in_chromium(signed_in, live_server):
    page, version = signed_in
    page.goto(f"{live_server.url}/dokumen/cari/?q=kepegawaian")
    mark = page.locator(".excerpt mark").first
    assert mark.inner_text() == "KEPEGAWAIAN" and mark.is_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "search.png"), full_page=True)
    page.goto(f"{live_server.url}/dokumen/{version.document_id}/")
    warning = page.locator(".content-checks .check-differs").first
    assert "berbeda dengan NIP pegawai" in warning.inner_text() and warning.is_visible()
    page.screenshot(path=str(SHOTS / "content-checks.png"), full_page=True)

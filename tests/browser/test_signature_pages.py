"""Signature states as a browser draws them: the verifier's document page and the public page
show the state next to what it is about, readable (WCAG AA contrast) on desktop."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from asndigital.accounts.models import Role
from asndigital.documents import services
from tests import signing
from tests.factories import EmployeeFactory
from tests.helpers import CONTRAST, upload
from tests.signing import SK_META as META


def _shot(page, name: str) -> None:
    """Screenshots for a person to look at, when ASN_SCREENSHOT_DIR names a folder."""
    folder = os.environ.get("ASN_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


@pytest.mark.django_db(transaction=True)
def test_the_verifier_and_the_public_see_the_signature_state(
    page, live_server, agency, make_staff, files_in_tmp, settings, tmp_path
):
    pki = signing.build_pki()
    settings.ASN_SIGNATURE_TRUST_ROOTS = str(pki.write_roots(tmp_path / "roots"))
    services.load_catalogue()
    employee = EmployeeFactory(agency=agency, name="Dewi Anggraini")
    # (pyHanko's own event loop runs beside Playwright's: signatures.outside_event_loop)
    signed = signing.sign(signing.plain_pdf(1), pki.signer, pki, timestamp=True)
    changed = upload(employee.user, employee, signing.swap_content(signed), meta=META)
    valid = upload(employee.user, employee, signed, code="sk-pns", meta=META)
    from asndigital.documents import signature_checks

    for version in (changed, valid):
        signature_checks.check_version(version_id=version.pk)
    verifier = make_staff(Role.VERIFIER, agency)
    _sign_in(page, live_server, verifier)
    page.goto(f"{live_server.url}/dokumen/{changed.document_id}/")
    badge = page.locator(".signature-before-deciding .badge")
    assert badge.inner_text().strip() == "Diubah setelah ditandatangani"
    assert badge.evaluate(CONTRAST) >= 4.5
    assert page.locator("#signatures").get_by_text("Budi Santoso").first.is_visible()
    _shot(page, "document-page-modified")

    services.accept_document(actor=verifier, document=valid.document)
    valid.refresh_from_db()
    page.goto(f"{live_server.url}/verifikasi/{valid.verification_code}/")
    badge = page.locator(".public-signature .badge")
    assert badge.inner_text().strip() == "Sah dan terpercaya"
    assert badge.evaluate(CONTRAST) >= 4.5
    _shot(page, "public-page-valid")

    page.goto(f"{live_server.url}/pegawai/{employee.pk}/")
    assert page.locator(".sig-bad").first.is_visible()
    _shot(page, "dossier")

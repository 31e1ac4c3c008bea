"""The public verification page in a real browser: the copy is hashed on the device (Web Crypto)
and compared without being uploaded."""

import pytest

from asndigital.accounts.models import Role
from asndigital.documents import services
from asndigital.documents.models import DocumentVersion
from tests.documents.files import pdf_bytes
from tests.documents.test_upload import upload
from tests.factories import EmployeeFactory


@pytest.fixture
def accepted(db, agency, make_staff, files_in_tmp):
    services.load_catalogue()
    employee = EmployeeFactory(agency=agency, name="Siti Rahayu")
    version = upload(employee.user, employee, pdf_bytes(2))
    services.accept_document(actor=make_staff(Role.VERIFIER, agency), document=version.document)
    version.refresh_from_db()
    return version


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

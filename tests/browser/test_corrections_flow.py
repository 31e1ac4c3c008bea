"""In a real browser: an employee asks for a correction (with a file) from their page, the
agency's operator finds it in their unfinished work and answers it, the employee reads the
answer; and the operator fills in the details of bulk-uploaded files in one form.

With ASN_SCREENSHOTS=<folder>, each page is also saved there, at desktop width and at 390 px."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from asndigital.accounts.models import Role
from asndigital.documents import services
from asndigital.documents.bulk import upload_many
from asndigital.personnel.models import CorrectionRequest
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory, UnitFactory

SHOTS = os.environ.get("ASN_SCREENSHOTS")


def sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def shot(page, name: str) -> None:
    if not SHOTS:
        return
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.screenshot(path=str(folder / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(folder / f"{name}-390.png"), full_page=True)
    page.set_viewport_size(size)


@pytest.mark.django_db(transaction=True)
def test_a_correction_request_round_trip_in_the_browser(
    page, live_server, agency, make_staff, tmp_path
):
    services.load_catalogue()
    unit = UnitFactory(agency=agency, name="Dinas Pendidikan")
    employee = EmployeeFactory(agency=agency, unit=unit, name="Siti Aminah", email="siti@x.go.id")
    operator = make_staff(Role.OPERATOR, agency, full_name="Rina Operator")
    for n, code in enumerate(("sk-cpns", "spmt")):
        upload_many(
            actor=operator,
            files=[(f"{employee.nip}_{code}.pdf", iter([pdf_bytes(20 + n)]), "")],
            source="scan",
        )

    sign_in(page, live_server, employee.user)
    page.goto(f"{live_server.url}/pegawai/{employee.pk}/")
    page.get_by_role("link", name="Ada yang salah? Ajukan perbaikan").click()
    page.get_by_label("Tanggal lahir").check()
    page.get_by_label("Apa yang salah, dan seharusnya bagaimana?").fill(
        "Tanggal lahir saya 12-03-1985, bukan 21-03-1985."
    )
    attachment = tmp_path / "akta.pdf"
    attachment.write_bytes(pdf_bytes(30))
    page.get_by_label("Berkas pendukung (tidak wajib)").set_input_files(str(attachment))
    shot(page, "correction-create")
    page.get_by_role("button", name="Kirim ke instansi saya").click()
    page.get_by_text("Permintaan Anda sudah dikirim").wait_for()
    assert CorrectionRequest.objects.get().status == "terbuka"

    sign_in(page, live_server, operator)
    page.goto(f"{live_server.url}/pekerjaan/")
    shot(page, "worklist-home")
    page.get_by_role("link", name="Lengkapi keterangan").click()
    shot(page, "worklist-metadata")
    # Fill in the SK CPNS only, with one wrong date: nothing is saved, the error is next to it.
    page.get_by_label("Nomor SK *").fill("813/KEP-12/2015")
    page.get_by_label("Tanggal SK *").fill("31-02-2015")
    page.get_by_label("TMT *").first.fill("01-03-2015")
    page.get_by_role("button", name="Simpan semua berkas yang diisi").click()
    page.locator("p.error").first.wait_for()
    shot(page, "worklist-metadata-errors")
    page.get_by_label("Tanggal SK *").fill("02-03-2015")
    page.get_by_role("button", name="Simpan semua berkas yang diisi").click()
    page.get_by_text("Keterangan 1 berkas disimpan").wait_for()

    page.goto(f"{live_server.url}/pekerjaan/")
    page.get_by_role("link", name="Jawab permintaan").click()
    shot(page, "corrections-agency-list")
    page.get_by_role("link", name="Jawab", exact=True).click()  # the verb; "Jawaban" is the noun
    shot(page, "correction-answer")
    page.get_by_label("Diperbaiki: data atau dokumen sekarang sudah benar").check()
    page.get_by_label("Catatan untuk pegawai").fill("Sudah diperbaiki di SIASN.")
    page.get_by_role("button", name="Kirim jawaban").click()
    page.get_by_text("Jawaban disimpan").wait_for()

    sign_in(page, live_server, employee.user)
    page.goto(f"{live_server.url}/perbaikan/")
    assert page.get_by_text("Sudah diperbaiki di SIASN.").is_visible()
    shot(page, "corrections-own-list")
    assert [m.to for m in mail.outbox] == [["siti@x.go.id"], ["siti@x.go.id"]]

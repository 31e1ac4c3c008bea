"""The verifier's queue (antrean verifikasi): a verifier works through 50 waiting documents
without going back to the list, with the keyboard only (A accept, 1 + Enter a reason from the
agency's list, R + typing + Ctrl+Enter their own reason, N skip), while a second browser (the
agency admin) sees who is checking which document and cannot decide it."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from e2e.helpers import REPO, shot

REASON = "Hasil pindaian buram; mohon pindai ulang dengan 300 dpi."
OWN_REASON = "Nomor SK tidak sesuai dengan data kepegawaian."  # letters a, n, r: typed, not keys
DOCUMENTS = 50
ITEM = re.compile(r".*/antrean/[0-9a-f-]{36}/(\?.*)?$")

# Fifty documents waiting in one new unit of PEMKOT-BDG (so that the queue filtered by it is the
# test's own, whatever else the suite leaves waiting): ten employees with five training
# certificates each, uploaded by the operator through the real upload service.
SETUP = r"""
import json
from asndigital.accounts.models import User
from asndigital.core.pdf import text_pdf
from asndigital.documents import services
from asndigital.documents.models import DocumentType
from asndigital.personnel.models import Agency, Employee, Unit
import datetime

agency = Agency.objects.get(code="PEMKOT-BDG")
unit, _ = Unit.objects.get_or_create(agency=agency, code="E2E-ANTREAN",
                                     defaults={"name": "Bagian Antrean Uji"})
operator = User.objects.get(username="operator.bandung")
diklat = DocumentType.objects.get(code="sertifikat-diklat")
for i in range(10):
    employee, _ = Employee.objects.get_or_create(
        nip=f"198001012008011{i + 1:03d}",
        defaults=dict(name=f"Pegawai Antrean {i + 1}", employment_type="PNS",
                      birth_date=datetime.date(1980, 1, 1), sex="L",
                      appointed_on=datetime.date(2008, 1, 1), agency=agency, unit=unit,
                      status_on=datetime.date(2008, 1, 1), position="Analis"),
    )
    for j in range(5):
        pdf = text_pdf("Sertifikat Diklat", [f"{employee.name}", f"Diklat ke-{j + 1}"])
        services.upload_document(
            actor=operator, employee=employee, doc_type=diklat, chunks=iter([pdf]),
            original_name=f"diklat-{j + 1}.pdf",
            metadata={"nama_kegiatan": f"Diklat {j + 1}", "institusi": "BPSDM Jawa Barat",
                      "tanggal": "01-06-2020"},
            source="digital",
        )
print(json.dumps({"unit": unit.pk}))
"""

CHECK = r"""
import json
from asndigital.documents.models import Document, DocumentEvent
docs = Document.objects.filter(employee__unit__code="E2E-ANTREAN")
events = DocumentEvent.objects.filter(document__in=docs, kind__in=["accepted", "rejected"])
print(json.dumps({
    "waiting": docs.filter(status="menunggu").count(),
    "accepted": docs.filter(status="diterima").count(),
    "rejected": docs.filter(status="ditolak").count(),
    "reasons": sorted(set(events.filter(kind="rejected").values_list("reason", flat=True))),
    "deciders": sorted(set(events.values_list("actor__username", flat=True))),
}))
"""


def _shell(server, script: str) -> dict:
    done = subprocess.run(  # noqa: S603 - our own manage.py, our own script
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=REPO,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _press(page, key: str) -> None:
    """Press a shortcut and wait for the page it leads to."""
    before = page.url
    with page.expect_navigation():
        page.keyboard.press(key)
    assert page.url != before or key == "a", (key, page.url)


def test_a_verifier_works_through_fifty_documents_with_the_keyboard(as_user, server):
    unit = _shell(server, SETUP)["unit"]

    # The agency admin puts a reason in the agency's list.
    admin = as_user("admin.bandung")
    admin.goto("/antrean/alasan/")
    admin.fill("#r-text", REASON)
    admin.click("main button:has-text('Tambah')")
    assert REASON in admin.inner_text("main .reason-list")
    shot(admin, "60-queue-reasons")

    # The verifier's queue, filtered to the unit: 50 waiting, with the counts.
    verifier = as_user("verifikator.bandung")
    verifier.goto(f"/antrean/?unit={unit}")
    assert "50 dokumen menunggu keputusan Anda" in verifier.inner_text("main .sub")
    shot(verifier, "61-queue-list")
    verifier.click("main a:has-text('Mulai memeriksa')")
    verifier.wait_for_url(ITEM)
    first = verifier.url
    assert "Bagian Antrean Uji" in verifier.inner_text("main")
    assert verifier.locator("main .shortcuts").is_visible()
    shot(verifier, "62-queue-item")

    # A second browser: the admin sees who is checking it, and gets no decision buttons.
    admin.goto(f"/antrean/?unit={unit}")
    assert "sedang diperiksa oleh Dadang Suhendar" in admin.inner_text("main .queue-table")
    shot(admin, "63-queue-list-claimed")
    admin.goto(first)
    banner = admin.inner_text("#claim-status")
    assert "Sedang diperiksa oleh Dadang Suhendar" in banner, banner
    assert admin.locator("#accept-form").count() == 0
    shot(admin, "64-queue-item-claimed")

    # The verifier: 50 documents, never back to the list until the queue is empty.
    seen, decided, skipped = [], 0, 0
    step = 0
    while decided < DOCUMENTS:
        assert ITEM.match(verifier.url), verifier.url
        seen.append(verifier.url.split("/antrean/")[1][:36])
        step += 1
        if step == 3 and skipped == 0:
            _press(verifier, "n")  # skip one: it comes back after the others
            skipped += 1
            continue
        if step % 10 == 4:
            verifier.keyboard.press("r")
            verifier.keyboard.type(OWN_REASON)
            with verifier.expect_navigation():
                verifier.keyboard.press("Control+Enter")
        elif step % 10 == 7:
            verifier.keyboard.press("1")
            with verifier.expect_navigation():
                verifier.keyboard.press("Enter")
        else:
            with verifier.expect_navigation():
                verifier.keyboard.press("a")
        decided += 1
        if decided == DOCUMENTS:
            break
        assert "/antrean/alasan" not in verifier.url
    # After the last one the queue says it is done (the list, empty under the filter).
    verifier.wait_for_url(re.compile(r".*/antrean/(\?.*)?$"))
    assert "Tidak ada lagi dokumen" in verifier.inner_text("main .messages")
    shot(verifier, "65-queue-done")
    assert len(set(seen)) == DOCUMENTS  # every one of the fifty was offered, the skipped twice

    outcome = _shell(server, CHECK)
    assert outcome["waiting"] == 0
    assert outcome["accepted"] + outcome["rejected"] == DOCUMENTS
    assert outcome["rejected"] == 10, outcome
    assert outcome["reasons"] == sorted([REASON, OWN_REASON]), outcome
    assert outcome["deciders"] == ["verifikator.bandung"]


def test_the_queue_on_a_phone(as_user, server):
    """390 px wide: the list keeps what matters (waiting, document, employee, the button); the
    document page puts the decision under the file's link."""
    verifier = as_user("verifikator.bandung")
    verifier.set_viewport_size({"width": 390, "height": 844})
    verifier.goto("/antrean/")
    shot(verifier, "66-queue-list-phone")
    wide = verifier.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390, wide
    button = verifier.locator("main .queue-table .queue-action .button").first
    box = button.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390, box  # not cut off
    button.click()
    verifier.wait_for_url(ITEM)
    shot(verifier, "67-queue-item-phone")
    assert verifier.evaluate("document.documentElement.scrollWidth") <= 390
    assert verifier.locator("#accept-form button").is_visible()

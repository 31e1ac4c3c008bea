"""Records management: a transfer between agencies (docs/domain.md §7), and a destruction proposal
through every step to its berita acara (docs/domain.md §6), each step by a different person."""

import re
import shutil
import subprocess

from asndigital.core.pdf import text_pdf
from asndigital.personnel.nip import format_nip
from e2e.helpers import PEOPLE, open_employee, shot


def test_transfer_moves_the_employee_and_the_dossier_to_another_agency(as_user):
    person = PEOPLE["transfer"]
    bkn = as_user("admin.bkn")
    open_employee(bkn, person.nip)
    employee_url = bkn.url
    bkn.click("main a:has-text('Pindahkan ke instansi lain')")
    bkn.wait_for_url("**/arsip/pegawai/*/pindah/")
    bkn.select_option("#id_to_agency", label="Pemerintah Kabupaten Sleman")
    bkn.fill("#id_effective_on", "2026-12-01")
    bkn.fill("#id_nomor_sk", "800/2211/BKPSDM/2026")
    bkn.fill("#id_tanggal_sk", "2026-11-20")
    sk = text_pdf("SK Pindah Instansi", [f"{person.name} - NIP {person.nip}", "ke Kab. Sleman"])
    bkn.set_input_files(
        "#id_sk", {"name": "sk-pindah.pdf", "mimeType": "application/pdf", "buffer": sk}
    )
    shot(bkn, "30-transfer-form")
    bkn.click("main button:has-text('Pindahkan')")
    bkn.wait_for_url(employee_url)
    assert "Pemerintah Kabupaten Sleman" in bkn.inner_text("main .messages")
    shot(bkn, "31-employee-after-transfer")

    # The new agency sees the employee, with the SK pindah instansi in the dossier.
    sleman = as_user("admin.sleman")
    open_employee(sleman, person.nip)
    assert "Pemerintah Kabupaten Sleman" in sleman.inner_text("main .facts")
    assert "Pindah" in sleman.inner_text("main table.table")

    # The old agency lost access at once: not in its list, and the page answers 404.
    bandung = as_user("admin.bandung")
    bandung.goto(f"/pegawai/?q={person.nip}")
    assert bandung.locator("#employee-table a[href*='/pegawai/']").count() == 0
    response = bandung.goto(employee_url)
    assert response.status == 404


def test_destruction_proposal_through_to_its_berita_acara(as_user, new_page):
    person = PEOPLE["retired"]  # retired in 2016: the personal file's retention has run out

    # An operator files a (late) document into the retired employee's dossier.
    operator = as_user("operator.bandung")
    open_employee(operator, person.nip)
    operator.click("main a:has-text('Unggah dokumen')")
    operator.click("main a[href='?type=sk-pns']")
    operator.fill("[name=meta_nomor_sk]", "821.13/0142/BKD/1981")
    operator.fill("[name=meta_tanggal_sk]", "1981-03-02")  # a date picker: it holds ISO
    operator.fill("[name=meta_tmt]", "1981-03-01")
    operator.set_input_files(
        "[name=file]",
        {
            "name": "sk-pns.pdf",
            "mimeType": "application/pdf",
            "buffer": text_pdf("SK PNS", [f"{person.name} - NIP {person.nip}"]),
        },
    )
    operator.click("#upload-form button[type=submit]")
    operator.wait_for_url("**/pegawai/*/")

    # The records officer builds the proposal from what is eligible, and submits it.
    archivist = as_user("arsiparis.bandung")
    archivist.goto("/pegawai/")
    archivist.click("main a:has-text('Pemusnahan arsip')")
    archivist.wait_for_url("**/arsip/pemusnahan/")
    card = archivist.locator("main section.card", has_text="Pemerintah Kota Bandung")
    card.locator("input[name=title]").fill("Daftar Arsip Usul Musnah 2026 (uji e2e)")
    shot(archivist, "40-destruction-list")
    card.locator("button[type=submit]").click()
    archivist.wait_for_url(re.compile(r".*/arsip/pemusnahan/\d+/$"))
    proposal_url = archivist.url
    assert format_nip(person.nip) in archivist.inner_text("main table")  # grouped, 8-6-1-3
    archivist.click("main button:has-text('Ajukan untuk dinilai')")
    archivist.wait_for_url(proposal_url)
    shot(archivist, "41-destruction-submitted")

    # The agency admin appraises every item (someone who did not build the list).
    admin = as_user("admin.bandung")
    admin.goto(proposal_url)
    for radio in admin.locator("main input[type=radio][value=musnah]").all():
        radio.check()
    admin.click("main button:has-text('Berikan penilaian')")
    admin.wait_for_url(proposal_url)
    assert admin.locator("main input[type=radio]").count() == 0

    # A national admin approves.
    bkn = as_user("admin.bkn")
    bkn.goto("/arsip/pemusnahan/")
    bkn.click("main a:has-text('Daftar Arsip Usul Musnah 2026 (uji e2e)')")
    bkn.wait_for_url(proposal_url)
    bkn.click("main button:has-text('Setujui pemusnahan')")
    bkn.wait_for_url(proposal_url)

    # The records officer carries it out before two witnesses; the berita acara is issued.
    archivist.goto(proposal_url)
    archivist.fill("#witnesses", "Drs. Hendra Gunawan\nSiti Nurhaliza, S.Sos.")
    shot(archivist, "42-destruction-execute")
    archivist.click("main button:has-text('Laksanakan pemusnahan')")
    archivist.locator("main .messages .msg.success").wait_for()
    shot(archivist, "43-destruction-done")
    with archivist.expect_download() as download:
        archivist.click("main a:has-text('Unduh berita acara pemusnahan')")
    assert download.value.path().read_bytes().startswith(b"%PDF")
    if shutil.which("pdfsig"):  # signed by the archive's (development) key, as `make run` has it
        checked = subprocess.run(  # noqa: S603 - a fixed tool on the file just downloaded
            ["pdfsig", str(download.value.path())],  # noqa: S607 - found on PATH above
            capture_output=True,
            text=True,
            check=False,
        )
        assert "Signature is Valid." in checked.stdout, checked.stdout
    code = archivist.locator("main section.card .mono").first.inner_text().strip()

    # The destroyed document keeps a tombstone; the berita acara is verifiable online.
    open_employee(archivist, person.nip)
    assert "Dimusnahkan" in archivist.inner_text("main")
    public = new_page()
    public.goto("/verifikasi/")
    public.fill("#kode", code)
    public.click("main button:has-text('Periksa')")
    public.locator("main .verdict.ok").wait_for()
    assert "Pemerintah Kota Bandung" in public.inner_text("main .facts")
    shot(public, "44-public-verification-berita-acara")

"""Destruction is never automatic: proposal → appraisal → approval (different people) → the
national archive's letter when needed → execution with witnesses, resumable, with a verifiable
destruction record."""

import hashlib
import io
from datetime import date

import pypdfium2
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from asndigital.accounts.models import Role
from asndigital.audit.models import AuditEvent
from asndigital.core import pdf
from asndigital.core.errors import DomainError, NotFound
from asndigital.documents import services as documents
from asndigital.documents import storage
from asndigital.documents.models import Document, DocumentVersion
from asndigital.records import destruction, services
from asndigital.records.models import DestructionItem, DestructionProposal, RetentionSchedule
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory
from tests.helpers import WITNESSES, approved, upload
from tests.pdfcheck import NAMES, check_pdf, flat

pytestmark = pytest.mark.django_db
IJAZAH = {"jenjang": "S1", "institusi": "UI", "tahun": "2005"}


@pytest.fixture
def still_working(agency, files_in_tmp):
    documents.load_catalogue()
    employee = EmployeeFactory(agency=agency, status="aktif")
    return upload(employee.user, employee, pdf_bytes(3))


def pdf_text(data: bytes) -> str:
    """The text of a PDF as pdfium reads it."""
    return "".join(page.get_textpage().get_text_bounded() for page in pypdfium2.PdfDocument(data))


def test_only_eligible_records_are_proposed(gone, still_working, agency):
    found = {document.pk for document, _phase in destruction.eligible_documents(agency)}
    assert found == {v.document_id for v in gone[1]}


def test_the_whole_way_destroys_files_keys_and_previews_and_keeps_a_tombstone(
    gone, people, agency, files_in_tmp
):
    _employee, versions = gone
    proposal = approved(people, agency)
    destruction.execute(actor=people["officer"], proposal=proposal, witnesses=WITNESSES)
    proposal.refresh_from_db()
    assert proposal.status == DestructionProposal.Status.EXECUTED
    for version in versions:
        version.refresh_from_db()
        assert version.destroyed_at and version.sealed_key is None
        assert not default_storage.exists(version.storage_key)
        assert not default_storage.exists(version.thumbnail_key)
        assert version.sha256 and version.document.status == Document.Status.DESTROYED
    item = proposal.items.get(document=versions[0].document)
    assert item.hashes == [{"version": 1, "sha256": versions[0].sha256, "size": versions[0].size}]
    with storage.open_version(proposal.record_key) as handle:
        data = handle.read()
    assert hashlib.sha256(data).hexdigest() == proposal.record_sha256
    text = pdf_text(data)
    assert versions[0].sha256 in text and "Siti Aminah" in text and "Rahmat Nasional" in text
    assert AuditEvent.objects.filter(action="document.destroyed").count() == 2


def test_the_berita_acara_is_pdfa_and_prints_every_name_exactly(gone, people, agency, tmp_path):
    _employee, versions = gone
    people["approver"].full_name = "Hj. Ni’matul Đặng"
    people["approver"].save()
    proposal = approved(people, agency)
    destruction.execute(actor=people["officer"], proposal=proposal, witnesses=NAMES)
    proposal.refresh_from_db()
    with storage.open_version(proposal.record_key) as handle:
        data = handle.read()
    text = flat(check_pdf(data, tmp_path))  # qpdf --check, embedded fonts, PDF/A-2b, sRGB
    assert "BERITA ACARA PEMUSNAHAN ARSIP" in text
    for name in NAMES:
        assert name in text  # "H. Ma’ruf" with its apostrophe, not "Ma?ruf"
    assert f"oleh Hj. Ni’matul Đặng ({people['approver'].username})" in text
    assert all(version.sha256 in text for version in versions)
    assert destruction.destruction_record_pdf(proposal) == data  # the same record, byte for byte


def test_a_name_the_record_cannot_print_is_refused_before_anything_is_destroyed(
    gone, people, agency
):
    proposal = approved(people, agency)
    with pytest.raises(DomainError, match=r"mencetak ꦧ \(JAVANESE LETTER BA\), .* pada saksi"):
        destruction.execute(
            actor=people["officer"], proposal=proposal, witnesses=["Siti Aminah", "ꦧꦸꦣꦶ"]
        )
    proposal.refresh_from_db()
    assert proposal.status == DestructionProposal.Status.APPROVED and not proposal.witnesses
    assert not DocumentVersion.objects.exclude(destroyed_at=None).exists()
    with pytest.raises(DomainError, match="pada judul"):
        destruction.create_proposal(actor=people["officer"], agency=agency, title="DAUM ꦧꦸꦣꦶ")


def test_without_the_font_nothing_is_destroyed(gone, people, agency, monkeypatch, tmp_path):
    proposal = approved(people, agency)
    monkeypatch.setattr(pdf, "FONT_DIR", tmp_path / "no-fonts")
    with pytest.raises(DomainError, match="hurufnya") as refused:
        destruction.execute(actor=people["officer"], proposal=proposal, witnesses=WITNESSES)
    assert refused.value.code == "font"
    proposal.refresh_from_db()
    assert proposal.status == DestructionProposal.Status.APPROVED
    assert not DocumentVersion.objects.exclude(destroyed_at=None).exists()


def test_each_step_is_a_different_person(gone, people, agency):
    officer = people["officer"]
    proposal = destruction.create_proposal(actor=officer, agency=agency, title="DAUM")
    destruction.submit(actor=officer, proposal=proposal)
    opinions = {item.pk: ("musnah", "") for item in proposal.items.all()}
    with pytest.raises(DomainError, match="bukan penyusun usulan"):
        destruction.appraise(actor=officer, proposal=proposal, opinions=opinions)
    destruction.appraise(actor=people["appraiser"], proposal=proposal, opinions=opinions)
    with pytest.raises(DomainError, match="bukan penyusun dan bukan penilai"):
        destruction.approve(actor=people["appraiser"], proposal=proposal)


def test_a_submitted_proposal_is_frozen(gone, people, agency):
    proposal = destruction.create_proposal(actor=people["officer"], agency=agency, title="DAUM")
    destruction.submit(actor=people["officer"], proposal=proposal)
    item = proposal.items.first()
    with pytest.raises(DomainError, match="tidak dapat dilakukan sekarang"):
        destruction.remove_item(actor=people["officer"], proposal=proposal, item_id=item.pk)
    assert proposal.items.count() == 2


def test_kept_items_and_held_records_survive(gone, people, agency):
    employee, _versions = gone
    proposal = destruction.create_proposal(actor=people["officer"], agency=agency, title="DAUM")
    destruction.submit(actor=people["officer"], proposal=proposal)
    first, second = proposal.items.order_by("pk")
    destruction.appraise(
        actor=people["appraiser"],
        proposal=proposal,
        opinions={first.pk: ("simpan", "Nilai sejarah"), second.pk: ("musnah", "")},
    )
    destruction.approve(actor=people["approver"], proposal=proposal)
    services.place_hold(
        actor=people["approver"], employee=employee, reason="Gugatan masuk setelah persetujuan"
    )
    destruction.execute(actor=people["officer"], proposal=proposal, witnesses=WITNESSES)
    outcomes = dict(proposal.items.values_list("pk", "outcome"))
    assert outcomes == {first.pk: "disimpan", second.pk: "ditahan"}
    assert not DocumentVersion.objects.exclude(destroyed_at=None).exists()


def test_long_inactive_retention_needs_the_national_archives_letter(gone, people, agency):
    RetentionSchedule.objects.filter(series="berkas-perseorangan").update(inactive_years=10)
    employee = gone[0]
    employee.status_on = date(1990, 1, 1)
    employee.save()
    proposal = approved(people, agency)
    with pytest.raises(DomainError, match="surat persetujuan ANRI"):
        destruction.execute(actor=people["officer"], proposal=proposal, witnesses=WITNESSES)
    assert not DocumentVersion.objects.exclude(destroyed_at=None).exists()
    destruction.attach_anri_letter(
        actor=people["officer"],
        proposal=proposal,
        chunks=[pdf_bytes(5)],
        original_name="surat.pdf",
        number="B-123/ANRI/2026",
    )
    destruction.execute(actor=people["officer"], proposal=proposal, witnesses=WITNESSES)
    proposal.refresh_from_db()
    assert proposal.status == DestructionProposal.Status.EXECUTED


def test_a_run_killed_midway_resumes_and_finishes_exactly_once(gone, people, agency, monkeypatch):
    proposal = approved(people, agency)
    real = destruction._execute_item
    calls = []

    def die_on_the_second(actor, item_id):
        calls.append(item_id)
        if len(calls) == 2:
            raise SystemExit("killed")  # the second item's transaction never commits
        real(actor, item_id)

    monkeypatch.setattr(destruction, "_execute_item", die_on_the_second)
    with pytest.raises(SystemExit):
        destruction.execute(actor=people["officer"], proposal=proposal, witnesses=WITNESSES)
    proposal.refresh_from_db()
    assert proposal.status == DestructionProposal.Status.APPROVED
    assert proposal.items.exclude(outcome="").count() == 1
    monkeypatch.setattr(destruction, "_execute_item", real)
    destruction.execute(actor=people["officer"], proposal=proposal)
    destruction.execute(actor=people["officer"], proposal=proposal)  # a third run does nothing
    proposal.refresh_from_db()
    assert proposal.status == DestructionProposal.Status.EXECUTED
    assert AuditEvent.objects.filter(action="document.destroyed").count() == 2
    assert AuditEvent.objects.filter(action="destruction.executed").count() == 1


def test_witnesses_are_required(gone, people, agency):
    proposal = approved(people, agency)
    with pytest.raises(DomainError, match="dua saksi"):
        destruction.execute(actor=people["officer"], proposal=proposal, witnesses=["Seorang"])


def test_other_agencies_cannot_propose(gone, make_staff, other_agency, agency):
    with pytest.raises(NotFound):
        destruction.create_proposal(
            actor=make_staff(Role.RECORDS_OFFICER, other_agency), agency=agency, title="X"
        )
    assert not DestructionItem.objects.exists()


def test_the_destruction_record_and_destroyed_documents_verify_online(client, gone, people, agency):
    _employee, versions = gone
    documents.accept_document(actor=people["appraiser"], document=versions[0].document)
    versions[0].refresh_from_db()
    proposal = approved(people, agency)
    destruction.execute(actor=people["officer"], proposal=proposal, witnesses=WITNESSES)
    proposal.refresh_from_db()
    page = client.get(reverse("verification:check", args=[proposal.verification_code]))
    assert page.status_code == 200 and proposal.record_sha256 in page.content.decode()
    page = client.get(reverse("verification:check", args=[versions[0].verification_code]))
    assert "telah dimusnahkan" in page.content.decode()


def test_the_pages_take_a_proposal_through_every_step(
    client, gone, people, agency, other_agency, make_staff
):
    officer, appraiser, approver = people["officer"], people["appraiser"], people["approver"]
    client.force_login(officer)
    listing = client.get(reverse("records:destruction_list")).content.decode()
    assert "2 arsip siap dimusnahkan" in listing
    response = client.post(
        reverse("records:destruction_create"), {"agency": agency.pk, "title": "DAUM 2026"}
    )
    proposal = DestructionProposal.objects.get()
    assert response["Location"] == reverse("records:destruction_detail", args=[proposal.pk])
    detail = client.get(response["Location"]).content.decode()
    employee = gone[0]
    assert employee.nip_grouped in detail and employee.nip_grouped != employee.nip  # as elsewhere

    def step(user, name, data=None):
        client.force_login(user)
        client.post(reverse("records:destruction_step", args=[proposal.pk, name]), data or {})
        proposal.refresh_from_db()

    step(officer, "ajukan")
    assert proposal.status == "diajukan"
    step(appraiser, "nilai", {f"opinion-{i.pk}": "musnah" for i in proposal.items.all()})
    assert proposal.status == "dinilai"
    step(approver, "setujui")
    assert proposal.status == "disetujui"
    step(officer, "laksanakan", {"witnesses": "Saksi Satu\nSaksi Dua"})
    assert proposal.status == "dilaksanakan"
    download = client.get(reverse("records:destruction_record", args=[proposal.pk]))
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    client.force_login(make_staff(Role.RECORDS_OFFICER, other_agency))
    assert client.get(reverse("records:destruction_detail", args=[proposal.pk])).status_code == 404


def test_the_command_lists_what_became_eligible(gone, still_working, agency):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("list_eligible", "--details", stdout=out)
    text = out.getvalue()
    assert f"{agency.code}: 2 record(s) eligible" in text and "total: 2" in text
    assert str(still_working.document_id) not in text


KILLER = """
import os, signal
from asndigital.accounts.models import User
from asndigital.records import destruction
from asndigital.records.models import DestructionProposal
real = destruction._execute_item
done = []
def then_die(actor, item_id):
    real(actor, item_id)
    done.append(item_id)
    if len(done) == 1:
        os.kill(os.getpid(), signal.SIGKILL)  # kill -9 after the first item committed
destruction._execute_item = then_die
destruction.execute(actor=User.objects.get(pk="{actor}"),
                    proposal=DestructionProposal.objects.get(pk={proposal}),
                    witnesses=["Saksi Satu", "Saksi Dua"])
"""


@pytest.mark.django_db(transaction=True)
def test_a_run_killed_with_sigkill_resumes_and_finishes_exactly_once(
    gone, people, agency, files_in_tmp, settings
):
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("another process needs the same database: PostgreSQL")
    proposal = approved(people, agency)
    db = connection.settings_dict
    env = dict(
        os.environ,
        ASN_ENV="test",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        SECRET_KEY=settings.SECRET_KEY,
        ASN_VAR_DIR=str(files_in_tmp.parent),
    )
    (files_in_tmp.parent / "files").mkdir(exist_ok=True)
    root = Path(__file__).resolve().parents[2]
    script = KILLER.format(actor=people["officer"].pk, proposal=proposal.pk)
    # The child stores files where this test does: point its storage at the same folder.
    script = (
        "from django.conf import settings as s\n"
        f"s.STORAGES['default']['OPTIONS']['location'] = {str(files_in_tmp)!r}\n" + script
    )
    child = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    proposal.refresh_from_db()
    assert proposal.status == DestructionProposal.Status.APPROVED
    assert proposal.items.exclude(outcome="").count() == 1
    destruction.execute(actor=people["officer"], proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == DestructionProposal.Status.EXECUTED
    assert AuditEvent.objects.filter(action="document.destroyed").count() == 2
    assert not DocumentVersion.objects.filter(destroyed_at=None).exists()

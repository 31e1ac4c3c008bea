"""Bulk files whose name is not <NIP>_<CODE>: read (text layer or real OCR), matched by the NIPs
and type words of their text within the operator's scope, proposed, stored only on
confirmation; another agency's NIP looks exactly like one that does not exist."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from asndigital.accounts.models import Role
from asndigital.audit.models import AuditEvent
from asndigital.core.errors import DomainError
from asndigital.documents import matching, services
from asndigital.documents.bulk import upload_many
from asndigital.documents.models import Document, DocumentVersion, PendingUpload
from asndigital.personnel.nip import format_nip
from tests.documents.files import pdf_bytes, text_image, text_pdf
from tests.factories import EmployeeFactory
from tests.helpers import require_tesseract, stored_files

UNKNOWN_NIP = "199001012015011999"


@pytest.fixture
def world(agency, other_agency, make_staff, db):
    services.load_catalogue()
    mine = EmployeeFactory(agency=agency)
    colleague = EmployeeFactory(agency=agency)
    theirs = EmployeeFactory(agency=other_agency)
    return make_staff(Role.OPERATOR, agency), mine, colleague, theirs


def sk_lines(*nips):
    return [
        "KEPUTUSAN KEPALA BADAN KEPEGAWAIAN DAERAH",
        "NOMOR 800/123/BKD/2020",
        "TENTANG PENGANGKATAN CALON PEGAWAI NEGERI SIPIL",
        *[f"NIP {format_nip(nip)}" for nip in nips],
    ]


def png(lines) -> bytes:
    out = io.BytesIO()
    text_image(lines).save(out, format="PNG", dpi=(300, 300))
    return out.getvalue()


def propose(operator, name, content):
    """A bulk file, then its reading by the worker (the tests' tasks run inline) after the
    commit, and what follows that commit (an unmatched file's removal)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        [outcome] = upload_many(actor=operator, files=[(name, iter([content]), "")], source="scan")
        assert outcome.status == "proposed", outcome
        assert outcome.proposal.state == "reading"
    return PendingUpload.objects.filter(pk=outcome.proposal.pk).first()


def nothing_stored():
    return (
        Document.objects.count(),
        DocumentVersion.objects.count(),
        AuditEvent.objects.filter(action__startswith="document.").count(),
    ) == (0, 0, 0)


def test_a_born_digital_pdf_is_proposed_by_the_nip_in_its_text_and_stored_on_confirmation(world):
    require_tesseract()
    operator, mine, _colleague, _theirs = world
    held = propose(operator, "scan 001.pdf", text_pdf(sk_lines(mine.nip)))
    assert (held.state, held.employee, held.doc_type.code) == ("proposed", mine, "sk-cpns")
    assert nothing_stored()  # a proposal stores nothing

    version = matching.confirm(actor=operator, pending_id=held.pk)
    assert (version.document.employee, version.document.doc_type.code) == (mine, "sk-cpns")
    assert version.original_name == "scan 001.pdf" and version.source == "scan"
    event = AuditEvent.objects.get(action="document.uploaded")  # as for an ordinary upload
    assert event.actor_id == operator.pk and event.data["type"] == "sk-cpns"
    assert not PendingUpload.objects.exists()  # the held file is used up


def test_a_scanned_image_is_read_by_ocr_and_proposed(world, files_in_tmp):
    require_tesseract()
    operator, mine, _colleague, _theirs = world
    held = propose(operator, "IMG_2041.png", png(["IJAZAH", f"NIP {format_nip(mine.nip)}"]))
    assert (held.state, held.employee, held.doc_type.code) == ("proposed", mine, "ijazah")
    assert stored_files(files_in_tmp) == [held.storage_key]  # held encrypted, nothing else
    assert nothing_stored()


def test_another_agencys_nip_is_not_found_exactly_like_a_nip_of_nobody(world, files_in_tmp):
    require_tesseract()
    operator, _mine, _colleague, theirs = world
    answers = []
    for nip in (theirs.nip, UNKNOWN_NIP):
        held = propose(operator, f"berkas {nip[-3:]}.pdf", text_pdf(sk_lines(nip)))
        answers.append((held.state, held.employee, held.doc_type, matching.explain(held)))
    assert answers[0] == answers[1]
    assert answers[0][0] == "unmatched" and "tidak ada pegawai" in answers[0][3].lower()
    assert nothing_stored()
    assert stored_files(files_in_tmp) == []  # the held files went at once
    with pytest.raises(DomainError):
        matching.confirm(actor=operator, pending_id=held.pk)
    assert nothing_stored()


def test_an_out_of_scope_nip_beside_the_employees_is_ignored(world):
    require_tesseract()
    operator, mine, _colleague, theirs = world
    held = propose(operator, "sk.pdf", text_pdf(sk_lines(theirs.nip, mine.nip)))
    assert (held.state, held.employee) == ("proposed", mine)


def test_two_nips_of_the_operators_employees_are_ambiguous(world, files_in_tmp):
    require_tesseract()
    operator, mine, colleague, _theirs = world
    held = propose(operator, "lampiran.pdf", text_pdf(sk_lines(mine.nip, colleague.nip)))
    assert held.state == "unmatched" and held.employee is None
    message = matching.explain(held)
    assert format_nip(mine.nip) in message and format_nip(colleague.nip) in message
    assert nothing_stored() and stored_files(files_in_tmp) == []


def test_a_file_without_an_nip_is_not_matched(world, files_in_tmp):
    require_tesseract()
    operator, *_ = world
    held = propose(operator, "surat.pdf", text_pdf(sk_lines()))
    assert (held.state, held.note) == ("unmatched", "no_nip")
    assert "NIP" in matching.explain(held)
    blank = propose(operator, "kosong.pdf", pdf_bytes(1))
    assert (blank.state, blank.note) == ("unmatched", "no_text:blank")
    assert nothing_stored() and stored_files(files_in_tmp) == []


def test_the_operator_changes_the_employee_and_the_type_before_confirming(world):
    require_tesseract()
    operator, mine, colleague, theirs = world
    held = propose(operator, "sk.pdf", text_pdf(sk_lines(mine.nip)))
    for nip in (theirs.nip, UNKNOWN_NIP):
        with pytest.raises(DomainError) as caught:
            matching.confirm(actor=operator, pending_id=held.pk, nip=nip)
        assert caught.value.code == "unknown_nip"
    with pytest.raises(DomainError) as caught:
        matching.confirm(actor=operator, pending_id=held.pk, type_code="sk-rahasia")
    assert caught.value.code == "unknown_code"
    assert nothing_stored()
    version = matching.confirm(
        actor=operator, pending_id=held.pk, nip=format_nip(colleague.nip), type_code="sk-pns"
    )
    assert (version.document.employee, version.document.doc_type.code) == (colleague, "sk-pns")


def test_skipping_stores_nothing_and_another_person_cannot_touch_the_proposal(
    world, make_staff, agency, files_in_tmp
):
    require_tesseract()
    operator, mine, _colleague, _theirs = world
    held = propose(operator, "sk.pdf", text_pdf(sk_lines(mine.nip)))
    other = make_staff(Role.OPERATOR, agency)  # same agency, not the one who sent it
    assert matching.find(actor=other, pending_id=held.pk) is None
    with pytest.raises(DomainError):
        matching.confirm(actor=other, pending_id=held.pk)
    assert matching.skip(actor=other, pending_id=held.pk) is False
    assert matching.skip(actor=operator, pending_id=held.pk) is True
    assert not PendingUpload.objects.exists() and nothing_stored()


def test_a_bad_file_with_a_free_name_is_refused_before_it_is_held(world, files_in_tmp):
    operator, *_ = world
    [outcome] = upload_many(
        actor=operator, files=[("catatan.pdf", iter([b"not a pdf"]), "")], source="scan"
    )
    assert outcome.status == "invalid_file" and outcome.message
    assert not PendingUpload.objects.exists() and stored_files(files_in_tmp) == []


def test_the_bulk_page_proposes_and_the_row_confirms(
    client, world, django_capture_on_commit_callbacks
):
    require_tesseract()
    operator, mine, _colleague, _theirs = world
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):  # then the worker reads it
        response = client.post(
            reverse("personnel:bulk_upload"),
            {
                "source": "scan",
                "files": [SimpleUploadedFile("scan.pdf", text_pdf(sk_lines(mine.nip)))],
            },
        )
    assert "sedang dibaca" in response.content.decode()
    held = PendingUpload.objects.get()
    url = reverse("personnel:bulk_proposal", args=[held.pk])
    row = client.get(url, HTTP_HX_REQUEST="true").content.decode()  # the page asks again
    assert f"NIP {format_nip(mine.nip)} ({mine.display_name}), jenis SK CPNS" in row
    assert "Konfirmasi" in row and "Ubah" in row and "Lewati" in row
    assert "<html" not in row and "hx-trigger" not in row  # read: no more polling
    assert nothing_stored()
    row = client.post(url, {"action": "confirm"}, HTTP_HX_REQUEST="true").content.decode()
    assert "bulk-stored" in row
    assert Document.objects.get().employee == mine
    assert AuditEvent.objects.filter(action="document.uploaded").count() == 1
    assert client.get(url).status_code == 404  # used up


def test_the_row_polls_while_the_file_is_read(client, world):
    operator, mine, _colleague, _theirs = world
    client.force_login(operator)
    response = client.post(  # no worker ran: the file is still being read
        reverse("personnel:bulk_upload"),
        {"source": "scan", "files": [SimpleUploadedFile("scan.pdf", text_pdf(sk_lines(mine.nip)))]},
    )
    held = PendingUpload.objects.get()
    url = reverse("personnel:bulk_proposal", args=[held.pk])
    assert f'hx-get="{url}"' in response.content.decode()
    row = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in row and "sedang dibaca" in row.lower()


def test_another_persons_proposal_is_missing(client, world, make_staff, agency, other_agency):
    operator, mine, _colleague, _theirs = world
    upload_many(
        actor=operator, files=[("x.pdf", iter([text_pdf(sk_lines(mine.nip))]), "")], source="scan"
    )
    held = PendingUpload.objects.get()
    url = reverse("personnel:bulk_proposal", args=[held.pk])
    for person in (make_staff(Role.OPERATOR, agency), make_staff(Role.OPERATOR, other_agency)):
        client.force_login(person)
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "skip"}).status_code == 404
    assert PendingUpload.objects.filter(pk=held.pk).exists() and nothing_stored()

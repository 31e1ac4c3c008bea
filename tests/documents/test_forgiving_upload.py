"""The upload page forgives: every problem at once next to its field, the chosen file held for
the retry (only for the person who sent it), dates as people type them, required fields marked,
and no accepted document replaced without an explicit confirmation."""

import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from asndigital.accounts.models import Role
from asndigital.audit.models import AuditEvent
from asndigital.core.errors import DomainError
from asndigital.documents import pending, services
from asndigital.documents.models import Document, DocumentType, DocumentVersion, PendingUpload
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory

META = {"meta_nomor_sk": "813/2015", "meta_tanggal_sk": "02-03-2015", "meta_tmt": "01-03-2015"}


@pytest.fixture
def employee(agency, db):
    services.load_catalogue()
    return EmployeeFactory(agency=agency)


def url(employee, **query):
    base = reverse("personnel:upload_document", args=[employee.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def send(client, employee, *, content=None, name="sk.pdf", query=None, **fields):
    data = {"type": "sk-cpns", "source": "scan", **fields}
    if content is not None:
        data["file"] = SimpleUploadedFile(name, content)
    return client.post(url(employee, **(query or {})), data)


def held_token(page: str) -> str:
    match = re.search(r'name="pending" value="([0-9a-f-]+)"', page)
    assert match, "the page does not carry the held file"
    return match[1]


def stored_files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def document_events() -> int:
    return AuditEvent.objects.filter(action__startswith="document.").count()


# --- Every problem at once, next to its field ------------------------------------------------


def test_every_problem_is_reported_at_once_next_to_its_field(client, employee):
    client.force_login(employee.user)
    response = send(
        client, employee, content=pdf_bytes(), meta_tanggal_sk="31-02-2024", meta_tmt="kemarin"
    )
    assert response.status_code == 200
    page = response.content.decode()
    messages = {
        "id_meta_nomor_sk": "Nomor SK wajib diisi.",
        "id_meta_tanggal_sk": "Tanggal SK: 31-02-2024 bukan tanggal yang ada "
        "(Februari 2024 hanya 29 hari).",
        "id_meta_tmt": "TMT harus berupa tanggal (DD-MM-YYYY).",
    }
    summary = page[page.index('class="error-summary"') : page.index("</ul>")]
    for field_id, message in messages.items():
        # In the summary, linking to the field...
        assert f'<a href="#{field_id}">{message}</a>' in summary
        # ...and next to the field, which points to it for screen readers.
        assert f'<p class="error" id="{field_id}_error">{message}</p>' in page
        tag = re.search(rf'<input[^>]*id="{field_id}"[^>]*>', page)[0]
        assert 'aria-invalid="true"' in tag and f"{field_id}_error" in tag
    assert 'id="id_meta_pejabat_penetap_error"' not in page  # optional, and empty
    assert not Document.objects.exists()


def test_a_bad_file_and_missing_fields_are_reported_together_and_nothing_is_kept(
    client, employee, files_in_tmp
):
    client.force_login(employee.user)
    response = send(client, employee, content=b"bukan pdf", meta_tanggal_sk="02-03-2015")
    page = response.content.decode()
    assert "bukan dokumen PDF" in page and "Nomor SK wajib diisi." in page
    assert "TMT wajib diisi." in page
    assert 'name="pending"' not in page
    assert not PendingUpload.objects.exists() and not Document.objects.exists()
    assert stored_files(files_in_tmp) == []


def test_required_fields_are_marked_and_carry_the_required_attribute(client, employee):
    client.force_login(employee.user)
    page = client.get(url(employee, type="sk-cpns")).content.decode()
    assert '<span class="req" aria-hidden="true">*</span> wajib diisi' in page
    for name, required in [
        ("meta_nomor_sk", True),
        ("meta_tanggal_sk", True),
        ("meta_tmt", True),
        ("meta_pejabat_penetap", False),
        ("file", True),
    ]:
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)[0]
        assert ("required" in tag.split()) is required, tag
        label = re.search(rf'<label for="id_{name}">(.*?)</label>', page, re.S)[1]
        assert ('class="req"' in label) is required, label
    # The browser's checks speak the page's language: the same messages as the server's.
    nomor = re.search(r'<input[^>]*name="meta_nomor_sk"[^>]*>', page)[0]
    assert 'data-msg-required="Nomor SK wajib diisi."' in nomor
    assert "data-check" in page and "js/forms.js" in page


# --- Dates --------------------------------------------------------------------------------------


def test_dates_use_the_date_picker(client, employee):
    client.force_login(employee.user)
    page = client.get(url(employee, type="sk-cpns")).content.decode()
    tag = re.search(r'<input[^>]*name="meta_tanggal_sk"[^>]*>', page)[0]
    assert 'type="date"' in tag and 'min="1900-01-01"' in tag and 'max="2100-12-31"' in tag


@pytest.mark.parametrize("typed", ["2015-03-02", "02-03-2015", "02/03/2015"])
def test_a_date_typed_in_any_accepted_way_is_stored_as_the_date(client, employee, typed):
    client.force_login(employee.user)
    response = send(client, employee, content=pdf_bytes(), **{**META, "meta_tanggal_sk": typed})
    assert response.status_code == 302
    assert DocumentVersion.objects.get().metadata["tanggal_sk"] == "2015-03-02"


def test_an_understood_date_comes_back_in_the_pickers_format(client, employee):
    """A form sent back for another reason shows the typed 02-03-2015 as the picker needs it
    (an <input type="date"> shows nothing for any other format)."""
    client.force_login(employee.user)
    response = send(client, employee, content=pdf_bytes(), **{**META, "meta_nomor_sk": ""})
    page = response.content.decode()
    tag = re.search(r'<input[^>]*name="meta_tanggal_sk"[^>]*>', page)[0]
    assert 'value="2015-03-02"' in tag


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("31-02-2024", "31-02-2024 bukan tanggal yang ada (Februari 2024 hanya 29 hari)."),
        ("29/02/2023", "29/02/2023 bukan tanggal yang ada (Februari 2023 hanya 28 hari)."),
        ("2024-04-31", "2024-04-31 bukan tanggal yang ada (April 2024 hanya 30 hari)."),
        ("15-13-2024", "15-13-2024 bukan tanggal yang ada (tidak ada bulan 13)."),
        ("00-01-2024", "00-01-2024 bukan tanggal yang ada (tidak ada tanggal 0)."),
        ("17 Agustus 2024", "harus berupa tanggal (DD-MM-YYYY)."),
        ("01-01-1899", "harus berupa tanggal antara 1900 dan 2100."),
    ],
)
def test_an_impossible_date_says_why(client, employee, typed, message):
    client.force_login(employee.user)
    response = send(client, employee, content=pdf_bytes(), **{**META, "meta_tanggal_sk": typed})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Document.objects.exists()


def test_the_english_page_says_it_in_english(client, employee):
    client.force_login(employee.user)
    client.cookies["django_language"] = "en"
    response = send(
        client, employee, content=pdf_bytes(), **{**META, "meta_tanggal_sk": "31-02-2024"}
    )
    page = response.content.decode()
    assert "Tanggal SK: 31-02-2024 is not a real date (February 2024 has 29 days)." in page
    assert "Please correct the following before sending again:" in page
    assert "was received; there is no need to choose it again." in page


# --- The chosen file is held for the retry ------------------------------------------------


def test_the_file_is_held_when_the_form_comes_back_and_the_retry_uses_it(
    client, employee, files_in_tmp, django_capture_on_commit_callbacks
):
    client.force_login(employee.user)
    content = pdf_bytes(2)
    first = send(client, employee, content=content, name="SK CPNS saya.pdf", meta_tmt="")
    page = first.content.decode()
    assert first.status_code == 200
    held_note = f"Berkas SK CPNS saya.pdf ({len(content)}\xa0bita) sudah diterima"
    assert f"{held_note}; tidak perlu memilih lagi." in page
    token = held_token(page)
    held = PendingUpload.objects.get()
    assert str(held.pk) == token and held.owner == employee.user
    # Held encrypted, outside the documents; nothing of the archive changed.
    (kept,) = stored_files(files_in_tmp)
    assert kept.startswith(f"pending/{employee.user.pk}/")
    assert content not in (files_in_tmp / kept).read_bytes()
    assert not Document.objects.exists() and document_events() == 0
    # The file input is no longer required: the held file stands for it.
    assert "required" not in re.search(r'<input[^>]*name="file"[^>]*>', page)[0].split()
    assert re.search(r'<label for="id_file">Berkas lain \(hanya jika ingin memakai', page)

    with django_capture_on_commit_callbacks(execute=True):
        retry = send(client, employee, pending=token, **META)  # no file this time
    assert retry.status_code == 302
    version = DocumentVersion.objects.get()
    assert version.sha256 == held.sha256 and version.original_name == "SK CPNS saya.pdf"
    assert version.uploaded_by == employee.user and version.page_count == 2
    assert AuditEvent.objects.filter(action="document.uploaded").count() == 1
    # Used up: the row and its file are gone; only the document's file remains.
    assert not PendingUpload.objects.exists()
    assert [p for p in stored_files(files_in_tmp) if not p.startswith("thumbnails/")] == [
        f"documents/{employee.pk}/{DocumentVersion.objects.get().pk}"
    ]


def test_a_new_file_chosen_on_the_retry_replaces_the_held_one(
    client, employee, files_in_tmp, django_capture_on_commit_callbacks
):
    client.force_login(employee.user)
    token = held_token(send(client, employee, content=pdf_bytes(1), meta_tmt="").content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, employee, content=pdf_bytes(3), pending=token, **META)
    assert response.status_code == 302
    assert DocumentVersion.objects.get().page_count == 3
    assert not PendingUpload.objects.exists()
    assert [p for p in stored_files(files_in_tmp) if not p.startswith("thumbnails/")] == [
        f"documents/{employee.pk}/{DocumentVersion.objects.get().pk}"
    ]


def test_another_persons_held_file_cannot_be_used_or_cancelled(
    client, employee, make_staff, agency, files_in_tmp
):
    client.force_login(employee.user)
    token = held_token(send(client, employee, content=pdf_bytes(), meta_tmt="").content.decode())
    operator = make_staff(Role.OPERATOR, agency)  # may upload for this employee, but not this file
    client.force_login(operator)
    response = send(client, employee, pending=token, **META)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Berkas yang Anda pilih tadi sudah tidak disimpan. Pilih berkasnya lagi." in page
    assert 'name="pending"' not in page
    assert not Document.objects.exists()
    send(client, employee, cancel=token)
    assert PendingUpload.objects.filter(pk=token).exists()  # still the employee's
    # Nor through the service.
    with pytest.raises(DomainError) as refused:
        services.upload_document(
            actor=operator,
            employee=employee,
            doc_type=DocumentType.objects.get(code="sk-cpns"),
            pending=PendingUpload.objects.get(),
            metadata={"nomor_sk": "1", "tanggal_sk": "02-03-2015", "tmt": "01-03-2015"},
            source="scan",
        )
    assert refused.value.code == "pending_gone"
    assert not Document.objects.exists() and PendingUpload.objects.count() == 1


def test_a_held_file_is_only_for_the_same_employee_and_type(client, employee, agency):
    client.force_login(employee.user)
    token = held_token(send(client, employee, content=pdf_bytes(), meta_tmt="").content.decode())
    response = send(client, employee, pending=token, type="spmt", meta_nomor="1", **META)
    assert "Berkas yang Anda pilih tadi sudah tidak disimpan" in response.content.decode()
    assert not Document.objects.exists()


def test_cancel_removes_the_held_file(
    client, employee, files_in_tmp, django_capture_on_commit_callbacks
):
    client.force_login(employee.user)
    token = held_token(send(client, employee, content=pdf_bytes(), meta_tmt="").content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, employee, cancel=token)
    assert response.status_code == 302
    assert response["Location"] == reverse("personnel:employee_detail", args=[employee.pk])
    assert not PendingUpload.objects.exists() and stored_files(files_in_tmp) == []
    assert not Document.objects.exists()


def test_an_expired_held_file_is_refused_and_removed_by_the_cleanup(
    client, employee, files_in_tmp, django_capture_on_commit_callbacks
):
    client.force_login(employee.user)
    token = held_token(send(client, employee, content=pdf_bytes(), meta_tmt="").content.decode())
    PendingUpload.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = send(client, employee, pending=token, **META)
    assert "Berkas yang Anda pilih tadi sudah tidak disimpan" in response.content.decode()
    assert not Document.objects.exists()
    out = io.StringIO()
    call_command("cleanup_uploads", "--dry-run", stdout=out)
    assert "would remove 1 expired held upload(s)" in out.getvalue()
    assert PendingUpload.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("cleanup_uploads", stdout=out)
    assert "removed 1 expired held upload(s)" in out.getvalue()
    assert not PendingUpload.objects.exists() and stored_files(files_in_tmp) == []


def test_a_held_file_not_yet_expired_stays_through_the_cleanup(
    client, employee, files_in_tmp, django_capture_on_commit_callbacks
):
    client.force_login(employee.user)
    send(client, employee, content=pdf_bytes(), meta_tmt="")
    call_command("cleanup_uploads", "--min-age", "0", stdout=io.StringIO())
    assert PendingUpload.objects.count() == 1 and len(stored_files(files_in_tmp)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert pending.remove_expired(now=timezone.now() + timedelta(hours=2)) == 1
    assert stored_files(files_in_tmp) == []


def test_a_held_file_whose_row_is_gone_is_a_leftover(client, employee, files_in_tmp):
    """A crash between the held file and its row leaves a file nobody can use."""
    client.force_login(employee.user)
    send(client, employee, content=pdf_bytes(), meta_tmt="")
    PendingUpload.objects.all().delete()
    call_command("cleanup_uploads", "--min-age", "0", stdout=io.StringIO())
    assert stored_files(files_in_tmp) == []


def test_a_person_holds_a_few_files_at_most(client, employee):
    client.force_login(employee.user)
    for pages in range(1, pending.PER_OWNER + 3):
        send(client, employee, content=pdf_bytes(pages), meta_tmt="", type="sertifikat-diklat")
        send(client, employee, content=pdf_bytes(pages), meta_tmt="")
    # One per form (the newest), and never more than PER_OWNER in all.
    assert PendingUpload.objects.filter(owner=employee.user).count() <= pending.PER_OWNER
    assert PendingUpload.objects.filter(doc_type__code="sk-cpns").count() == 1


# --- Replacing an accepted document needs a confirmation -------------------------------------


@pytest.fixture
def accepted(employee, make_staff, agency):
    version = services.upload_document(
        actor=employee.user,
        employee=employee,
        doc_type=DocumentType.objects.get(code="sk-cpns"),
        chunks=[pdf_bytes(1)],
        original_name="sk-lama.pdf",
        metadata={"nomor_sk": "1", "tanggal_sk": "02-03-2015", "tmt": "01-03-2015"},
        source="scan",
    )
    return services.accept_document(
        actor=make_staff(Role.VERIFIER, agency), document=version.document
    )


def test_the_upload_page_says_what_replacing_an_accepted_document_does(client, employee, accepted):
    client.force_login(employee.user)
    page = client.get(url(employee, type="sk-cpns")).content.decode()
    assert (
        "Dokumen SK CPNS yang sudah DITERIMA akan diganti dengan versi baru dan statusnya "
        "menjadi MENUNGGU verifikasi; versi lama tetap disimpan."
    ) in page
    tag = re.search(r'<input[^>]*name="confirm_replace"[^>]*>', page)[0]
    assert 'type="checkbox"' in tag and "required" in tag.split()
    assert "id_confirm_replace_helptext" in tag  # the warning is what the box confirms


def test_replacing_an_accepted_document_without_confirmation_changes_nothing(
    client, employee, accepted
):
    client.force_login(employee.user)
    before = document_events()
    response = send(client, employee, content=pdf_bytes(2), **META)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Centang konfirmasi untuk mengganti dokumen yang sudah DITERIMA, atau batalkan." in page
    accepted.refresh_from_db()
    assert accepted.status == Document.Status.ACCEPTED
    assert accepted.versions.count() == 1 and document_events() == before
    # The file waits for the confirmation; with it, the replacement happens.
    token = held_token(page)
    response = send(client, employee, pending=token, confirm_replace="on", **META)
    assert response.status_code == 302
    accepted.refresh_from_db()
    assert accepted.status == Document.Status.WAITING
    assert accepted.current_version.number == 2 and accepted.versions.count() == 2
    assert accepted.current_version.page_count == 2
    assert AuditEvent.objects.filter(action="document.replaced").count() == 1
    page = client.get(reverse("personnel:employee_detail", args=[employee.pk])).content.decode()
    assert "menunggu verifikasi" in page  # the checklist says so, as the warning did


def test_the_service_refuses_to_replace_an_accepted_document_unless_told(employee, accepted):
    with pytest.raises(DomainError) as refused:
        services.upload_document(
            actor=employee.user,
            employee=employee,
            doc_type=accepted.doc_type,
            chunks=[pdf_bytes(3)],
            original_name="baru.pdf",
            metadata={"nomor_sk": "1", "tanggal_sk": "02-03-2015", "tmt": "01-03-2015"},
            source="scan",
        )
    assert refused.value.code == "confirm_replace"
    accepted.refresh_from_db()
    assert accepted.status == Document.Status.ACCEPTED and accepted.versions.count() == 1


def test_a_document_accepted_while_the_form_was_open_asks_for_the_confirmation(
    client, employee, make_staff, agency
):
    client.force_login(employee.user)
    assert send(client, employee, content=pdf_bytes(1), **META).status_code == 302
    page = client.get(url(employee, type="sk-cpns")).content.decode()
    assert 'name="confirm_replace"' not in page  # waiting: a new version needs no confirmation
    services.accept_document(
        actor=make_staff(Role.VERIFIER, agency), document=Document.objects.get()
    )
    response = send(client, employee, content=pdf_bytes(2), **META)  # the form as it was
    page = response.content.decode()
    assert "Centang konfirmasi" in page and 'name="confirm_replace"' in page
    assert Document.objects.get().status == Document.Status.ACCEPTED
    assert PendingUpload.objects.count() == 1


def test_the_chooser_says_which_single_copy_types_are_already_there(client, employee, accepted):
    client.force_login(employee.user)
    page = client.get(url(employee)).content.decode()
    assert "sudah diunggah (DITERIMA): unggahan baru menggantikannya" in page

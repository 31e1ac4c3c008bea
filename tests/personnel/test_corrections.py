"""“Ajukan perbaikan”: the employee asks, their agency answers, the employee is told by e-mail;
every step audited, the agency's reading recorded in the employee's access history."""

import json

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from asndigital.accounts import tokens
from asndigital.accounts.models import Role
from asndigital.audit import selectors as audit_selectors
from asndigital.audit.models import AuditEvent
from asndigital.core.errors import DomainError, NotFound
from asndigital.documents import services as documents
from asndigital.personnel import corrections
from asndigital.personnel.models import CorrectionRequest
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory
from tests.helpers import upload


@pytest.fixture
def people(agency, other_agency, make_staff, files_in_tmp):
    documents.load_catalogue()
    employee = EmployeeFactory(agency=agency, email="siti@kota-a.go.id")
    return {
        "employee": employee,
        "operator": make_staff(Role.OPERATOR, agency),
        "admin": make_staff(Role.AGENCY_ADMIN, agency),
        "verifier": make_staff(Role.VERIFIER, agency),
        "other_admin": make_staff(Role.AGENCY_ADMIN, other_agency),
        "bkn": make_staff(Role.BKN_ADMIN),
        "other_employee": EmployeeFactory(agency=other_agency),
    }


def ask(employee, **extra):
    values = {"subject": "tanggal_lahir", "note": "Tanggal lahir saya 12-03-1985."} | extra
    return corrections.create_request(actor=employee.user, employee=employee, **values)


def test_the_round_trip_with_emails(client, people, django_capture_on_commit_callbacks):
    employee, admin = people["employee"], people["admin"]
    doc = upload(employee.user, employee, pdf_bytes(1)).document
    client.force_login(employee.user)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("corrections:create"),
            {
                "subject": "dokumen",
                "document": str(doc.pk),
                "note": "Nomor SK salah: seharusnya 813/KEP-12/2015.",
                "file": SimpleUploadedFile("sk.pdf", pdf_bytes(2), "application/pdf"),
            },
        )
    made = CorrectionRequest.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("corrections:detail", args=[made.pk])
    assert (made.status, made.document, made.agency_id) == ("terbuka", doc, employee.agency_id)
    assert made.attachment_key and made.attachment_media_type == "application/pdf"
    assert mail.outbox[-1].to == ["siti@kota-a.go.id"]
    assert "diterima" in mail.outbox[-1].subject.lower()
    assert AuditEvent.objects.filter(action="correction.requested", target_id=str(made.pk)).exists()

    # The agency's admin sees it in the worklist and answers it.
    staff = Client()
    staff.force_login(admin)
    listed = staff.get(reverse("corrections:agency_list"))
    assert employee.nip_grouped.encode() in listed.content
    assert staff.get(reverse("corrections:detail", args=[made.pk])).status_code == 200
    download = staff.get(reverse("corrections:attachment", args=[made.pk]))
    assert b"".join(download.streaming_content) == pdf_bytes(2)
    with django_capture_on_commit_callbacks(execute=True):
        answered = staff.post(
            reverse("corrections:answer", args=[made.pk]),
            {"outcome": "corrected", "answer": "Sudah diperbaiki di SIASN."},
        )
    assert answered.status_code == 302
    made.refresh_from_db()
    assert (made.status, made.answer, made.answered_by) == (
        "diperbaiki",
        "Sudah diperbaiki di SIASN.",
        admin,
    )
    message = mail.outbox[-1]
    assert message.to == ["siti@kota-a.go.id"] and "diperbaiki" in message.subject.lower()
    assert "Sudah diperbaiki di SIASN." in message.body
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert AuditEvent.objects.filter(action="correction.corrected", actor=admin).count() == 1

    # The employee sees the answer on their own page, and who read their request.
    own = client.get(reverse("corrections:own_list"))
    assert b"Sudah diperbaiki di SIASN." in own.content
    history = list(audit_selectors.access_history(employee))
    actions = {e.action for e in history if e.actor_id == admin.pk}
    assert {"corrections.listed", "correction.viewed", "correction.attachment_viewed"} <= actions
    assert b"membuka permintaan perbaikan Anda" in client.get(reverse("audit:my_access")).content


def test_a_refusal_needs_a_reason_and_is_emailed_in_english_when_chosen(
    people, django_capture_on_commit_callbacks
):
    employee, operator = people["employee"], people["operator"]
    employee.user.language = "en"
    employee.user.save()
    made = ask(employee)
    with pytest.raises(DomainError):
        corrections.answer_request(actor=operator, request=made, outcome="refused", answer="  ")
    with django_capture_on_commit_callbacks(execute=True):
        corrections.answer_request(
            actor=operator, request=made, outcome="refused", answer="Sesuai akta kelahiran."
        )
    assert mail.outbox[-1].subject == "Your correction request: refused"
    assert "Sesuai akta kelahiran." in mail.outbox[-1].body
    with pytest.raises(DomainError) as again:
        corrections.answer_request(actor=operator, request=made, outcome="corrected", answer="x")
    assert again.value.code == "answered"


def test_another_agencys_admin_gets_404_and_nothing_changes(client, people):
    made = ask(people["employee"])
    before = AuditEvent.objects.count()
    for outsider in (people["other_admin"], people["bkn"], people["verifier"]):
        client.force_login(outsider)
        assert client.get(reverse("corrections:detail", args=[made.pk])).status_code == 404
        post = client.post(
            reverse("corrections:answer", args=[made.pk]),
            {"outcome": "refused", "answer": "Bukan urusan kami"},
        )
        assert post.status_code == 404
        with pytest.raises(NotFound):
            corrections.answer_request(
                actor=outsider, request=made, outcome="refused", answer="Tidak"
            )
    made.refresh_from_db()
    assert made.status == "terbuka" and AuditEvent.objects.count() == before


def test_lists_stay_in_the_agency(people):
    mine = ask(people["employee"])
    theirs = ask(people["other_employee"])
    assert list(corrections.agency_requests(people["operator"])) == [mine]
    assert list(corrections.agency_requests(people["other_admin"])) == [theirs]
    assert not corrections.agency_requests(people["bkn"]).exists()
    assert list(corrections.own_requests(people["employee"].user)) == [mine]


def test_only_the_employee_asks_and_never_answers_their_own(people, agency, make_staff):
    employee = people["employee"]
    with pytest.raises(NotFound):
        corrections.create_request(
            actor=people["admin"], employee=employee, subject="nama", note="Salah"
        )
    # An operator who is also an employee of the agency: their own request is not theirs to
    # answer, and it is not in their worklist.
    clerk = EmployeeFactory(agency=agency)
    from tests.factories import grant

    grant(clerk.user, Role.OPERATOR, agency)
    own = ask(clerk)
    assert own not in corrections.agency_requests(clerk.user)
    with pytest.raises(DomainError) as refused:
        corrections.answer_request(actor=clerk.user, request=own, outcome="corrected", answer="x")
    assert refused.value.code == "own"


def test_bad_requests_are_refused_with_a_message_and_store_nothing(people, files_in_tmp):
    employee = people["employee"]
    other_doc = upload(
        people["other_employee"].user, people["other_employee"], pdf_bytes(3)
    ).document
    cases = [
        {"subject": "gaji"},
        {"note": "   "},
        {"note": "x" * 1001},
        {"note": "Nama\u202esalah"},
        {"subject": "dokumen"},
        {"subject": "dokumen", "document": other_doc},
        {"chunks": iter([b"MZ not a pdf"]), "original_name": "akta.pdf"},
        {"chunks": iter([pdf_bytes(4)]), "original_name": "akta.exe"},
        {"chunks": iter([b"%PDF-" + b"0" * (3 * 1024 * 1024)]), "original_name": "besar.pdf"},
    ]
    for extra in cases:
        with pytest.raises(DomainError):
            ask(employee, **extra)
    assert not CorrectionRequest.objects.exists()
    assert not AuditEvent.objects.filter(action="correction.requested").exists()
    stored = [p for p in files_in_tmp.rglob("*") if p.is_file() and "corrections" in p.parts]
    assert not stored
    assert not [p for p in (files_in_tmp / "tmp").glob("*") if p.is_file()]


def test_at_most_ten_open_requests(people):
    for n in range(corrections.MAX_OPEN):
        ask(people["employee"], note=f"Kesalahan {n}")
    with pytest.raises(DomainError) as caught:
        ask(people["employee"])
    assert caught.value.code == "too_many"


def test_the_database_refuses_an_inconsistent_request(people):
    made = ask(people["employee"])
    for bad in (
        {"status": "diperbaiki"},  # closed without an answer
        {"status": "gagal"},
        {"note": ""},
        {"subject": "dokumen"},  # about a document, naming none
        {"answer": "jawaban", "answered_at": timezone.now()},  # answered while open
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            CorrectionRequest.objects.filter(pk=made.pk).update(**bad)


def test_open_figures_per_agency(client, people, agency, other_agency):
    first = ask(people["employee"])
    CorrectionRequest.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - timezone.timedelta(days=9)
    )
    ask(people["employee"], note="Jabatan salah")
    closed = ask(people["other_employee"])
    corrections.answer_request(
        actor=people["other_admin"], request=closed, outcome="refused", answer="Sudah benar"
    )
    figures = corrections.open_figures([agency.pk, other_agency.pk])
    assert figures[agency.pk]["open"] == 2 and figures[agency.pk]["oldest_days"] == 9
    assert figures[other_agency.pk] == {"open": 0, "oldest_at": None, "oldest_days": None}
    client.force_login(people["admin"])
    page = client.get(reverse("dashboards:agency", args=[agency.pk]))
    assert page.context["corrections"]["open"] == 2
    assert b"9 hari" in page.content


def test_the_api_round_trip(people, agency, django_capture_on_commit_callbacks):
    from tests.helpers import enrol

    employee = people["employee"]
    person = Client()
    person.force_login(employee.user)
    enrol(employee.user)
    made = person.post(
        "/api/v1/me/corrections",
        {"subject": "jabatan", "note": "Jabatan saya Analis SDM Aparatur."},
    )
    assert made.status_code == 201, made.content
    request_id = made.json()["id"]
    assert [r["id"] for r in person.get("/api/v1/me/corrections").json()["results"]] == [request_id]
    _token, value = tokens.create_token(
        actor=people["admin"],
        name="SIMPEG",
        agency=agency,
        scopes=["corrections:read", "corrections:write"],
    )
    system = Client(HTTP_AUTHORIZATION=f"Bearer {value}")
    listed = system.get("/api/v1/corrections").json()["results"]
    assert [r["nip"] for r in listed] == [employee.nip]
    with django_capture_on_commit_callbacks(execute=True):
        answered = system.post(
            f"/api/v1/corrections/{request_id}/answer",
            json.dumps({"outcome": "corrected", "answer": "Sudah diperbaiki"}),
            content_type="application/json",
        )
    assert answered.status_code == 200 and answered.json()["status"] == "diperbaiki"
    assert mail.outbox[-1].to == [employee.email]
    # Another agency's token finds nothing to answer.
    _t, theirs = tokens.create_token(
        actor=people["other_admin"],
        name="Lain",
        agency=people["other_admin"].role_assignments.get().agency,
        scopes=["corrections:write"],
    )
    refused = Client(HTTP_AUTHORIZATION=f"Bearer {theirs}").post(
        f"/api/v1/corrections/{request_id}/answer",
        json.dumps({"outcome": "refused", "answer": "x"}),
        content_type="application/json",
    )
    assert refused.status_code == 404


def test_the_agency_list_query_count_does_not_grow_with_requests(
    client, people, agency, django_assert_max_num_queries
):
    for _n in range(3):
        ask(EmployeeFactory(agency=agency))
    client.force_login(people["operator"])
    client.get(reverse("corrections:agency_list"))  # warm the session
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("corrections:agency_list"))
    for _n in range(6):
        ask(EmployeeFactory(agency=agency))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(reverse("corrections:agency_list")).context["page"]) == 9

"""DITERIMA / DITOLAK: who decides (four eyes), reasons, history, e-mail."""

import pytest
from django.core import mail
from django.urls import reverse

from asndigital.accounts.models import Role
from asndigital.audit.models import AuditEvent
from asndigital.documents.models import Document
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory
from tests.helpers import upload


@pytest.fixture
def employee(agency, db):
    from asndigital.documents.services import load_catalogue

    load_catalogue()
    return EmployeeFactory(agency=agency, email="siti@kota-a.go.id")


@pytest.fixture
def document(employee, files_in_tmp):
    return upload(employee.user, employee, pdf_bytes(1)).document


def accept(client, document):
    return client.post(reverse("documents:accept", args=[document.pk]))


def reject(client, document, reason="Tanggal SK tidak terbaca"):
    return client.post(reverse("documents:reject", args=[document.pk]), {"reason": reason})


def test_the_agency_verifier_accepts_and_the_employee_is_told(
    client, document, make_staff, agency, django_capture_on_commit_callbacks
):
    client.force_login(make_staff(Role.VERIFIER, agency))
    with django_capture_on_commit_callbacks(execute=True):
        accept(client, document)
    document.refresh_from_db()
    assert document.status == Document.Status.ACCEPTED
    assert mail.outbox[0].to == ["siti@kota-a.go.id"] and "diterima" in mail.outbox[0].subject
    assert AuditEvent.objects.filter(action="document.accepted").count() == 1


def test_a_rejection_needs_a_reason_and_a_replacement_goes_back_to_waiting(
    client, document, employee, make_staff, agency, django_capture_on_commit_callbacks
):
    verifier = make_staff(Role.VERIFIER, agency)
    client.force_login(verifier)
    reject(client, document, reason="   ")
    document.refresh_from_db()
    assert document.status == Document.Status.WAITING
    with django_capture_on_commit_callbacks(execute=True):
        reject(client, document)
    document.refresh_from_db()
    assert document.status == Document.Status.REJECTED
    assert "Tanggal SK tidak terbaca" in mail.outbox[-1].body
    client.force_login(employee.user)
    page = client.get(reverse("personnel:employee_detail", args=[employee.pk])).content.decode()
    assert "Tanggal SK tidak terbaca" in page  # the employee sees why
    upload(employee.user, employee, pdf_bytes(2))
    document.refresh_from_db()
    assert document.status == Document.Status.WAITING
    kinds = list(document.events.order_by("at", "id").values_list("kind", flat=True))
    assert kinds == ["uploaded", "rejected", "replaced"]


@pytest.mark.parametrize("who", ["operator", "other_verifier", "the_employee", "bkn_admin"])
def test_only_the_agency_verifiers_decide(
    client, document, employee, make_staff, agency, other_agency, who
):
    actor = {
        "operator": lambda: make_staff(Role.OPERATOR, agency),
        "other_verifier": lambda: make_staff(Role.VERIFIER, other_agency),
        "the_employee": lambda: employee.user,
        "bkn_admin": lambda: make_staff(Role.BKN_ADMIN),
    }[who]()
    client.force_login(actor)
    response = accept(client, document)
    assert response.status_code in (302, 404)
    document.refresh_from_db()
    assert document.status == Document.Status.WAITING
    assert not AuditEvent.objects.filter(action="document.accepted").exists()


def test_four_eyes_nobody_verifies_their_own_upload(
    client, employee, make_staff, agency, files_in_tmp
):
    admin = make_staff(Role.AGENCY_ADMIN, agency)  # may upload and verify, but not both
    document = upload(admin, employee, pdf_bytes(1)).document
    client.force_login(admin)
    accept(client, document)
    document.refresh_from_db()
    assert document.status == Document.Status.WAITING
    client.force_login(make_staff(Role.VERIFIER, agency))
    accept(client, document)
    document.refresh_from_db()
    assert document.status == Document.Status.ACCEPTED


def test_a_decided_document_is_not_decided_again(client, document, make_staff, agency):
    client.force_login(make_staff(Role.VERIFIER, agency))
    accept(client, document)
    reject(client, document)
    document.refresh_from_db()
    assert document.status == Document.Status.ACCEPTED

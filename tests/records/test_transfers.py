"""Transfers between agencies: the dossier follows the employee, access moves at once."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from asndigital.accounts.models import Role
from asndigital.audit.models import AuditEvent
from asndigital.core.errors import DomainError, NotFound
from asndigital.documents import services as documents
from asndigital.documents.models import Document
from asndigital.personnel.models import EmployeeChange
from asndigital.records.models import Transfer
from asndigital.records.transfers import transfer_employee
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory
from tests.helpers import upload

pytestmark = pytest.mark.django_db
SK = {"nomor_sk": "821/45/BKN/2026", "tanggal_sk": "2026-10-01"}


@pytest.fixture
def employee(agency, files_in_tmp):
    documents.load_catalogue()
    employee = EmployeeFactory(agency=agency)
    upload(employee.user, employee, pdf_bytes(1))
    return employee


def move(actor, employee, to_agency, content=None):
    return transfer_employee(
        actor=actor,
        employee=employee,
        to_agency=to_agency,
        effective_on=date(2026, 11, 1),
        chunks=[content or pdf_bytes(4)],
        original_name="sk-pindah.pdf",
        metadata=SK,
    )


def test_the_dossier_follows_and_access_moves_at_once(
    client, employee, bkn_admin, agency, other_agency, make_staff
):
    old_admin = make_staff(Role.AGENCY_ADMIN, agency)
    new_admin = make_staff(Role.AGENCY_ADMIN, other_agency)
    url = reverse("personnel:employee_detail", args=[employee.pk])
    client.force_login(new_admin)
    assert client.get(url).status_code == 404
    move(bkn_admin, employee, other_agency)
    assert client.get(url).status_code == 200
    client.force_login(old_admin)
    assert client.get(url).status_code == 404
    employee.refresh_from_db()
    assert employee.agency == other_agency and employee.unit is None
    sk = Document.objects.get(employee=employee, doc_type__code="sk-pindah-instansi")
    assert sk.doc_type.group == "kondisional"
    assert sk.current_version.metadata["instansi_tujuan"] == other_agency.name
    assert Document.objects.filter(employee=employee).count() == 2
    transfer = Transfer.objects.get()
    assert (transfer.from_agency, transfer.to_agency, transfer.sk_document) == (
        agency,
        other_agency,
        sk,
    )
    change = EmployeeChange.objects.get(employee=employee, source="transfer")
    assert change.changes["agency"] == [agency.code, other_agency.code]
    assert AuditEvent.objects.filter(action="employee.transferred").count() == 1


def test_agency_admins_cannot_transfer(employee, make_staff, agency, other_agency):
    with pytest.raises((DomainError, NotFound)):
        move(make_staff(Role.AGENCY_ADMIN, agency), employee, other_agency)
    employee.refresh_from_db()
    assert employee.agency == agency and not Transfer.objects.exists()


def test_a_bad_sk_changes_nothing(employee, bkn_admin, agency, other_agency, files_in_tmp):
    before = sorted(p for p in files_in_tmp.rglob("*") if p.is_file())
    with pytest.raises(DomainError):
        move(bkn_admin, employee, other_agency, content=b"bukan pdf")
    employee.refresh_from_db()
    assert employee.agency == agency and not Transfer.objects.exists()
    assert sorted(p for p in files_in_tmp.rglob("*") if p.is_file()) == before


def test_the_transfer_page(client, employee, bkn_admin, other_agency, make_staff, agency):
    url = reverse("records:transfer", args=[employee.pk])
    client.force_login(make_staff(Role.AGENCY_ADMIN, agency))
    assert client.get(url).status_code == 404
    client.force_login(bkn_admin)
    response = client.post(
        url,
        {
            "to_agency": other_agency.pk,
            "effective_on": "2026-11-01",
            "nomor_sk": "821/45/BKN/2026",
            "tanggal_sk": "2026-10-01",
            "sk": SimpleUploadedFile("sk.pdf", pdf_bytes(6)),
        },
    )
    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.agency == other_agency
    page = client.get(reverse("personnel:employee_detail", args=[employee.pk])).content.decode()
    assert other_agency.name in page and "→" in page


def test_the_transfer_page_takes_dates_as_typed_and_says_what_is_wrong_all_at_once(
    client, employee, bkn_admin, other_agency
):
    import re

    from asndigital.documents.models import PendingUpload

    url = reverse("records:transfer", args=[employee.pk])
    client.force_login(bkn_admin)
    page = client.get(url).content.decode()
    assert 'type="date"' in page and "wajib diisi" in page
    response = client.post(
        url,
        {
            "to_agency": other_agency.pk,
            "effective_on": "31-11-2026",
            "nomor_sk": "",
            "tanggal_sk": "01/10/2026",
            "sk": SimpleUploadedFile("sk-pindah.pdf", pdf_bytes(6)),
        },
    )
    page = response.content.decode()
    assert "31-11-2026 bukan tanggal yang ada (November 2026 hanya 30 hari)." in page
    assert "Nomor SK pindah instansi wajib diisi." in page
    # The date understood comes back as the picker needs it; the SK is held for the retry.
    assert re.search(r'<input[^>]*name="tanggal_sk"[^>]*value="2026-10-01"', page)
    assert "Berkas sk-pindah.pdf" in page and "tidak perlu memilih lagi" in page
    token = re.search(r'name="pending" value="([0-9a-f-]+)"', page)[1]
    employee.refresh_from_db()
    assert employee.agency != other_agency and not Transfer.objects.exists()

    response = client.post(
        url,
        {
            "to_agency": other_agency.pk,
            "effective_on": "01-11-2026",
            "nomor_sk": "821/45/BKN/2026",
            "tanggal_sk": "01/10/2026",
            "pending": token,
        },
    )
    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.agency == other_agency
    sk = Transfer.objects.get().sk_document.current_version
    assert sk.page_count == 6 and sk.original_name == "sk-pindah.pdf"
    assert sk.metadata["tanggal_sk"] == "2026-10-01" and sk.metadata["tmt"] == "2026-11-01"
    assert not PendingUpload.objects.exists()


def test_a_transfer_refused_by_the_service_keeps_the_sk(client, employee, bkn_admin, other_agency):
    from asndigital.documents.models import PendingUpload

    url = reverse("records:transfer", args=[employee.pk])
    client.force_login(bkn_admin)
    response = client.post(
        url,
        {
            "to_agency": other_agency.pk,
            "effective_on": "01-01-2099",  # too far ahead: only the service knows
            "nomor_sk": "821/45/BKN/2026",
            "tanggal_sk": "2026-10-01",
            "sk": SimpleUploadedFile("sk.pdf", pdf_bytes(6)),
        },
    )
    page = response.content.decode()
    assert "terlalu jauh" in page and 'id="id_effective_on_error"' in page
    assert PendingUpload.objects.filter(owner=bkn_admin).count() == 1
    assert not Transfer.objects.exists()

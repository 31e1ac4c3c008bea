"""A destroyed document stays in the dossier as a tombstone: the checklist, the employee page and
the missing-documents report count it as missing (found by the e2e suite: the employee page of
a dossier after a destruction answered 500)."""

from datetime import date

import pytest
from django.urls import reverse

from asndigital.accounts.models import Role
from asndigital.documents import services
from asndigital.documents.models import Document
from asndigital.documents.report import gaps
from asndigital.documents.selectors import checklist
from asndigital.personnel.models import Employee
from asndigital.records import destruction
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory
from tests.helpers import personal_file_schedule, upload

pytestmark = pytest.mark.django_db


def states(result):
    return {row["type"].code: row["state"] for row in result["rows"]}


def test_a_destroyed_document_counts_as_missing(agency, files_in_tmp):
    services.load_catalogue()
    employee = EmployeeFactory(agency=agency)
    document = upload(employee.user, employee, pdf_bytes(1)).document
    # A type with its own schedule can be destroyed while its owner still works.
    Document.objects.filter(pk=document.pk).update(status=Document.Status.DESTROYED)
    assert states(checklist(employee))["sk-cpns"] == "missing"
    (gap,) = gaps(Employee.objects.filter(pk=employee.pk))
    assert "SK CPNS" in gap.missing


def test_the_employee_page_after_a_destruction(client, agency, make_staff, files_in_tmp):
    services.load_catalogue()
    personal_file_schedule()
    employee = EmployeeFactory(agency=agency, status="pensiun", status_on=date(2015, 1, 1))
    upload(employee.user, employee, pdf_bytes(2))
    officer = make_staff(Role.RECORDS_OFFICER, agency)
    admin = make_staff(Role.AGENCY_ADMIN, agency)
    proposal = destruction.create_proposal(actor=officer, agency=agency, title="DAUM 2026")
    destruction.submit(actor=officer, proposal=proposal)
    opinions = {item.pk: ("musnah", "") for item in proposal.items.all()}
    destruction.appraise(actor=admin, proposal=proposal, opinions=opinions)
    destruction.approve(actor=make_staff(Role.BKN_ADMIN), proposal=proposal)
    destruction.execute(actor=officer, proposal=proposal, witnesses=["Siti", "Budi"])

    client.force_login(admin)
    response = client.get(reverse("personnel:employee_detail", args=[employee.pk]))
    assert response.status_code == 200
    assert "Dimusnahkan" in response.content.decode()

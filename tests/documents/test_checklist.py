import pytest
from django.urls import reverse

from asndigital.accounts.models import Role
from asndigital.documents import services
from asndigital.documents.selectors import checklist
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory
from tests.helpers import upload


@pytest.fixture
def employee(agency, db):
    services.load_catalogue()
    return EmployeeFactory(agency=agency)


def states(result):
    return {row["type"].code: (row["state"], row["reason"]) for row in result["rows"]}


def test_checklist_counts_accepted_mandatory_documents(employee, make_staff, agency):
    verifier = make_staff(Role.VERIFIER, agency)
    sk = upload(employee.user, employee, pdf_bytes(1)).document
    services.accept_document(actor=verifier, document=sk)
    ijazah = upload(
        employee.user,
        employee,
        pdf_bytes(2),
        name="ijazah.pdf",
        code="ijazah",
        meta={"jenjang": "S1", "institusi": "UPI", "tahun": "2004"},
    ).document
    services.reject_document(actor=verifier, document=ijazah, reason="Tidak dilegalisir")
    result = checklist(employee)
    got = states(result)
    assert set(got) == {"drh", "sk-cpns", "spmt", "sk-pns", "ijazah", "transkrip"}  # a PNS
    assert got["sk-cpns"] == ("diterima", "")
    assert got["ijazah"] == ("ditolak", "Tidak dilegalisir")
    assert got["drh"] == ("missing", "")
    assert (result["accepted"], result["total"], result["percent"]) == (1, 6, 17)


def test_pppk_have_their_own_mandatory_documents(agency, db):
    services.load_catalogue()
    pppk = EmployeeFactory(agency=agency, employment_type="PPPK")
    assert {"sk-pppk", "perjanjian-kerja"} <= set(states(checklist(pppk)))
    assert "sk-cpns" not in states(checklist(pppk))


def test_the_employee_page_shows_the_checklist(client, employee):
    client.force_login(employee.user)
    page = client.get(reverse("personnel:employee_detail", args=[employee.pk])).content.decode()
    assert "0 dari 6 diterima" in page


def test_the_checklist_says_waiting_as_the_documents_table_does(client, employee):
    upload(employee.user, employee, pdf_bytes(1))
    client.force_login(employee.user)
    page = client.get(reverse("personnel:employee_detail", args=[employee.pk])).content.decode()
    checklist_part = page.split('class="plain checklist"')[1].split("</ul>")[0]
    assert "menunggu verifikasi" in checklist_part and "belum ada" in checklist_part

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from asndigital.accounts.models import Role
from asndigital.documents.models import Document
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory


@pytest.fixture
def employee(agency, db):
    from asndigital.documents.services import load_catalogue

    load_catalogue()
    return EmployeeFactory(agency=agency)


def url(employee):
    return reverse("personnel:upload_document", args=[employee.pk])


def post(client, employee, content, name="sk.pdf"):
    return client.post(
        url(employee),
        {
            "type": "sk-cpns",
            "source": "scan",
            "file": SimpleUploadedFile(name, content),
            "meta_nomor_sk": "813/2015",
            "meta_tanggal_sk": "02-03-2015",
            "meta_tmt": "01-03-2015",
        },
    )


def test_the_employee_chooses_a_type_and_uploads(client, employee, files_in_tmp):
    client.force_login(employee.user)
    choose = client.get(url(employee)).content.decode()
    assert "SK CPNS" in choose and "SK PPPK" not in choose  # only types for a PNS
    form = client.get(url(employee), {"type": "sk-cpns"}).content.decode()
    assert 'name="meta_nomor_sk"' in form and 'accept=".pdf"' in form
    response = post(client, employee, pdf_bytes())
    assert response.status_code == 302
    assert Document.objects.get().employee == employee
    page = client.get(response["Location"]).content.decode()
    assert "Menunggu verifikasi" in page  # the new document, waiting for verification


def test_the_chooser_lists_arsip_utama_first_with_plain_descriptions(client, employee):
    import re

    client.force_login(employee.user)
    page = client.get(url(employee)).content.decode()
    headings = re.findall(r"<h2>([^<]+)</h2>", page)
    assert headings == ["Arsip Utama", "Arsip Kondisional", "Arsip Pendukung"]
    assert "Inti perjalanan karier Anda" in page
    utama = page.index("Arsip Utama")
    assert utama < page.index("SK CPNS") < page.index("Arsip Kondisional")
    assert page.index("Arsip Pendukung") < page.index("Realisasi SKP")


def test_a_refused_file_shows_its_reason_and_stores_nothing(client, employee, files_in_tmp):
    client.force_login(employee.user)
    response = post(client, employee, b"bukan pdf")
    assert response.status_code == 200
    assert "bukan dokumen PDF" in response.content.decode()
    assert not Document.objects.exists()
    assert not any(p.is_file() for p in files_in_tmp.rglob("*"))


@pytest.mark.parametrize("who", ["verifier", "other_operator"])
def test_upload_page_is_missing_for_those_who_may_not_upload(
    client, employee, make_staff, agency, other_agency, who
):
    actor = (
        make_staff(Role.VERIFIER, agency)
        if who == "verifier"
        else make_staff(Role.OPERATOR, other_agency)
    )
    client.force_login(actor)
    assert client.get(url(employee)).status_code == 404
    assert post(client, employee, pdf_bytes()).status_code == 404
    assert not Document.objects.exists()


def test_the_progress_script_gets_where_to_go_next(client, employee, files_in_tmp):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(employee.user)
    response = client.post(
        url(employee),
        {
            "type": "sk-cpns",
            "source": "digital",
            "file": SimpleUploadedFile("sk.pdf", pdf_bytes()),
            "meta_nomor_sk": "1",
            "meta_tanggal_sk": "02-03-2015",
            "meta_tmt": "01-03-2015",
        },
        headers={"X-Upload-Progress": "1"},
    )
    assert response.json() == {"redirect": reverse("personnel:employee_detail", args=[employee.pk])}

import csv
import io
import random
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from asndigital.accounts.models import Role
from asndigital.documents import services
from asndigital.documents.models import Document, DocumentEvent, DocumentType
from asndigital.documents.report import Gap, gaps
from asndigital.personnel.models import (
    DEPARTED_STATUSES,
    Employee,
    EmployeeStatus,
    EmploymentType,
)
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory, UnitFactory
from tests.helpers import upload

URL = reverse("personnel:missing_report")


@pytest.fixture
def world(agency, other_agency, make_staff, db):
    services.load_catalogue()
    school = UnitFactory(agency=agency, name="SD Negeri 1")
    complete = EmployeeFactory(agency=agency, unit=school, name="Lengkap Sekali")
    verifier = make_staff(Role.VERIFIER, agency)
    for code in ("drh", "sk-cpns", "spmt", "sk-pns", "ijazah", "transkrip"):
        meta = {
            "nomor_sk": "1",
            "tanggal_sk": "02-03-2015",
            "tmt": "01-03-2015",
            "nomor": "1",
            "tanggal": "02-03-2015",
            "jenjang": "S1",
            "institusi": "UPI",
            "tahun": "2004",
        }
        doc = upload(
            complete.user,
            complete,
            pdf_bytes(1 + len(code)),
            name=f"{code}.pdf",
            code=code,
            meta=meta,
        ).document
        services.accept_document(actor=verifier, document=doc)
    gap = EmployeeFactory(agency=agency, name="Belum Lengkap", email="=cmd@x.id")
    doc = upload(gap.user, gap, pdf_bytes(1)).document
    services.reject_document(actor=verifier, document=doc, reason="=HYPERLINK(1)")
    EmployeeFactory(agency=agency, name="Sudah Pensiun", status=EmployeeStatus.RETIRED)
    EmployeeFactory(agency=other_agency, name="Instansi Lain")
    return make_staff(Role.OPERATOR, agency), gap


def test_report_lists_missing_and_rejected_for_the_agency_only(client, world):
    operator, _ = world
    client.force_login(operator)
    page = client.get(URL).content.decode()
    assert "Belum Lengkap" in page and "=HYPERLINK(1)" in page and "DRH" in page
    for hidden in ("Lengkap Sekali", "Sudah Pensiun", "Instansi Lain"):
        assert hidden not in page


def test_a_monitor_sees_who_has_gaps_but_opens_no_personal_page(client, world, agency, make_staff):
    _, gap = world
    client.force_login(make_staff(Role.MONITOR, agency))
    page = client.get(URL).content.decode()
    assert "Belum Lengkap" in page and gap.nip_grouped in page
    detail = reverse("personnel:employee_detail", args=[gap.pk])
    assert detail not in page  # no link to a page they may not open
    assert client.get(detail).status_code == 404
    assert gap.email not in page  # names, NIPs and gaps; no e-mail, no birth date
    rows = b"".join(client.get(URL, {"export": "csv"}).streaming_content).decode("utf-8-sig")
    assert "Belum Lengkap" in rows


def test_exports_csv_and_xlsx_neutralise_formulas(client, world):
    operator, _ = world
    client.force_login(operator)
    response = client.get(URL, {"export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "NIP" and len(rows) == 2 and rows[1][1] == "Belum Lengkap"
    assert "'" not in rows[1][5][:1] and "(=HYPERLINK(1))" in rows[1][5]
    workbook = load_workbook(io.BytesIO(b"".join(client.get(URL, {"export": "xlsx"}))))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[2]][1] == "Belum Lengkap"


def test_other_people_get_nothing(client, world, other_agency, make_staff):
    client.force_login(make_staff(Role.OPERATOR, other_agency))
    assert "Belum Lengkap" not in client.get(URL, {"agency": world[1].agency_id}).content.decode()
    _, gap = world
    client.force_login(gap.user)
    assert client.get(URL).status_code == 404


def test_query_count_does_not_grow_with_employees(world, agency):
    EmployeeFactory.create_batch(30, agency=agency)
    with CaptureQueriesContext(connection) as queries:
        result = list(gaps(Employee.objects.filter(agency=agency)))
    assert len(result) == 31
    # types, the gaps, the reasons (one chunk); on PostgreSQL also JIT off and back on
    assert len(queries) <= 5


def _recount(employees) -> list[Gap]:
    """The report counted the plain way: every employee, every type, every document."""
    types = list(DocumentType.objects.filter(is_active=True, requirement="wajib"))
    found = []
    for employee in employees.exclude(status__in=DEPARTED_STATUSES).order_by("name", "nip"):
        gap = Gap(
            employee_id=str(employee.pk),
            nip=employee.nip_grouped,
            name=employee.display_name,
            employment_type=employee.employment_type,
            unit=employee.unit.name if employee.unit else "",
        )
        for doc_type in types:
            if not doc_type.applies_to_type(employee.employment_type):
                continue
            states = {
                d.status for d in Document.objects.filter(employee=employee, doc_type=doc_type)
            }
            if states & {Document.Status.ACCEPTED, Document.Status.WAITING}:
                continue
            if Document.Status.REJECTED not in states:
                gap.missing.append(doc_type.name)
                continue
            latest = (
                DocumentEvent.objects.filter(
                    document__employee=employee,
                    document__doc_type=doc_type,
                    document__status=Document.Status.REJECTED,
                    kind=DocumentEvent.Kind.REJECTED,
                )
                .order_by("-at", "-id")
                .first()
            )
            gap.rejected.append((doc_type.name, latest.reason if latest else ""))
        if gap.missing or gap.rejected:
            found.append(gap)
    return found


def test_the_report_is_a_plain_recount_of_a_generated_agency(agency, other_agency, db):
    services.load_catalogue()
    DocumentType.objects.filter(code="transkrip").update(is_active=False)  # no longer asked for
    rng = random.Random(7)
    units = [UnitFactory(agency=agency, name=f"Dinas {i}") for i in range(3)]
    statuses = [*Document.Status.values, "diterima", "diterima", "menunggu"]
    types = list(DocumentType.objects.all())
    verifier = EmployeeFactory(agency=other_agency).user
    start = timezone.now()
    for n in range(80):
        employee = EmployeeFactory(
            agency=rng.choice([agency, agency, agency, other_agency]),
            unit=rng.choice([None, *units]),
            employment_type=rng.choice(EmploymentType.values),
            status=rng.choice([EmployeeStatus.ACTIVE] * 6 + list(DEPARTED_STATUSES)),
            name=rng.choice(["Ani", "Budi", "Citra", "Dewi"]),  # ties: NIP decides
            front_title=rng.choice(["", "Dr."]),
            back_title=rng.choice(["", "S.Pd."]),
        )
        for doc_type in types:
            for copy in range(rng.choice([0, 0, 1, 1, 1, 2])):  # several documents of a type too
                status = rng.choice(statuses)
                document = Document.objects.create(
                    employee=employee, doc_type=doc_type, status=status
                )
                for k in range(rng.choice([0, 1, 2]) if status == "ditolak" else 0):
                    DocumentEvent.objects.create(
                        document=document,
                        kind=DocumentEvent.Kind.REJECTED,
                        reason=f"alasan {n}-{doc_type.pk}-{copy}-{k}",
                        actor=verifier,
                        at=start + timedelta(minutes=rng.randrange(1000)),
                    )
    employees = Employee.objects.filter(agency=agency)
    expected = _recount(employees)
    assert len(expected) > 20 and any(g.rejected for g in expected)  # the data has both kinds
    assert list(gaps(employees)) == expected
    assert list(gaps(employees, offset=5, limit=7)) == expected[5:12]  # a page of the report
    assert list(gaps(employees.filter(unit=units[0]))) == _recount(employees.filter(unit=units[0]))

"""Fixtures of the records tests: the people of a destruction, and an employee whose personal
file's retention has run out."""

from datetime import date

import pytest

from asndigital.accounts.models import Role
from asndigital.documents import services as documents
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory
from tests.helpers import personal_file_schedule, upload

IJAZAH = {"jenjang": "S1", "institusi": "UI", "tahun": "2005"}


@pytest.fixture
def people(make_staff, agency):
    return {
        "officer": make_staff(Role.RECORDS_OFFICER, agency, full_name="Neng Arsiparis"),
        "appraiser": make_staff(Role.AGENCY_ADMIN, agency, full_name="Asep Penilai"),
        "approver": make_staff(Role.BKN_ADMIN, full_name="Rahmat Nasional"),
    }


@pytest.fixture
def gone(agency, files_in_tmp):
    """An employee who left in 2010: the personal file's 1 + 2 years have long run out."""
    documents.load_catalogue()
    personal_file_schedule()
    employee = EmployeeFactory(agency=agency, status="berhenti", status_on=date(2010, 1, 1))
    versions = [
        upload(employee.user, employee, pdf_bytes(1)),
        upload(employee.user, employee, pdf_bytes(2), code="ijazah", meta=IJAZAH),
    ]
    for version in versions:
        documents.make_thumbnail(version_id=version.pk)
    return employee, versions

"""Dashboards read stored figures; the stored figures equal a full recount."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from asndigital.accounts.models import Role
from asndigital.dashboards import figures
from asndigital.dashboards.models import AgencyFigures
from asndigital.documents import services as documents
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory
from tests.helpers import enrol, upload

pytestmark = pytest.mark.django_db
IJAZAH = {"jenjang": "S1", "institusi": "UI", "tahun": "2010"}


@pytest.fixture
def archive(agency, other_agency, make_staff, files_in_tmp):
    documents.load_catalogue()
    verifier = make_staff(Role.VERIFIER, agency)
    people = [EmployeeFactory(agency=agency) for _ in range(4)]
    EmployeeFactory(agency=agency, status="pensiun")  # departed: not counted
    EmployeeFactory(agency=other_agency)
    enrol(people[0].user)
    enrol(people[1].user)
    first = upload(people[0].user, people[0], pdf_bytes(1))
    documents.accept_document(actor=verifier, document=first.document)
    upload(people[0].user, people[0], pdf_bytes(2), code="ijazah", meta=IJAZAH)
    second = upload(people[0].user, people[0], pdf_bytes(3), code="ijazah", meta=IJAZAH)
    documents.accept_document(actor=verifier, document=second.document)  # two ijazah: one counts
    upload(people[1].user, people[1], pdf_bytes(4))  # waiting
    return people


def test_stored_figures_equal_a_full_recount(archive, agency, other_agency):
    assert figures.refresh() == 2
    for each in (agency, other_agency):
        stored = AgencyFigures.objects.get(agency=each)
        recount = figures.recount(each)
        assert {key: getattr(stored, key) for key in recount} == recount
    stored = AgencyFigures.objects.get(agency=agency)
    assert (stored.employees, stored.mfa_active, stored.mandatory_accepted) == (4, 2, 2)
    assert stored.waiting == 2 and sum(stored.uploads_by_day.values()) == 4


def test_who_sees_which_dashboard(client, archive, agency, other_agency, make_staff):
    call_command("refresh_dashboards", stdout=None)
    client.force_login(make_staff(Role.MONITOR))
    page = client.get(reverse("dashboards:national")).content.decode()
    assert agency.name in page and other_agency.name in page
    client.force_login(make_staff(Role.AGENCY_ADMIN, agency))
    page = client.get(reverse("dashboards:national")).content.decode()
    assert agency.name in page and other_agency.name not in page
    url = reverse("dashboards:agency", args=[other_agency.pk])
    assert client.get(url).status_code == 404
    client.force_login(make_staff(Role.OPERATOR, agency))
    assert client.get(reverse("dashboards:national")).status_code == 404


@pytest.mark.parametrize("national", [True, False])
def test_a_monitor_starts_on_the_dashboard(client, make_staff, agency, national):
    """A monitor's work is figures: home leads to their dashboard, not to an employee list."""
    client.force_login(make_staff(Role.MONITOR, None if national else agency))
    expected = (
        reverse("dashboards:national")
        if national
        else reverse("dashboards:agency", kwargs={"agency_id": agency.pk})
    )
    assert client.get(reverse("core:home"))["Location"] == expected
    assert client.get(reverse("personnel:employee_list")).status_code == 404

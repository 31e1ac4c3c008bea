import pytest
from django.urls import reverse

from asndigital.accounts.models import Role
from asndigital.personnel.models import EmployeeStatus
from tests.factories import EmployeeFactory, UnitFactory

URL = reverse("personnel:employee_list")


@pytest.fixture
def operator(make_staff, agency):
    return make_staff(Role.OPERATOR, agency)


@pytest.fixture
def staffed(agency, other_agency):
    school = UnitFactory(agency=agency, name="SD Negeri 1")
    office = UnitFactory(agency=agency, name="BKPSDM")
    people = [
        EmployeeFactory(agency=agency, unit=school, name="Siti Rahmawati"),
        EmployeeFactory(agency=agency, unit=office, name="Budi Santoso"),
        EmployeeFactory(
            agency=agency, unit=office, name="Bambang Pamungkas", status=EmployeeStatus.RETIRED
        ),
        EmployeeFactory(agency=other_agency, name="Siti Orang Lain"),
    ]
    return school, office, people


def names(response):
    return [e.name for e in response.context["page"].object_list]


def test_list_shows_only_own_agency_sorted_by_name(client, operator, staffed):
    client.force_login(operator)
    response = client.get(URL)
    assert response.status_code == 200
    assert names(response) == ["Bambang Pamungkas", "Budi Santoso", "Siti Rahmawati"]


def test_search_by_grouped_nip_prefix_and_by_name(client, operator, staffed):
    _, _, people = staffed
    client.force_login(operator)
    grouped = people[1].nip_grouped
    assert names(client.get(URL, {"q": grouped})) == ["Budi Santoso"]
    assert names(client.get(URL, {"q": people[1].nip[:12]}))[:1] != []
    assert names(client.get(URL, {"q": "siti"})) == [
        "Siti Rahmawati"
    ]  # not the other agency's Siti
    assert names(client.get(URL, {"q": "tidak ada"})) == []


def test_filter_by_unit_and_status(client, operator, staffed):
    school, office, _ = staffed
    client.force_login(operator)
    assert names(client.get(URL, {"unit": school.pk})) == ["Siti Rahmawati"]
    assert names(client.get(URL, {"unit": office.pk, "status": "aktif"})) == ["Budi Santoso"]
    assert names(client.get(URL, {"status": "pensiun"})) == ["Bambang Pamungkas"]


def test_unit_of_another_agency_cannot_be_used_to_peek(client, operator, staffed, other_agency):
    foreign_unit = UnitFactory(agency=other_agency)
    EmployeeFactory(agency=other_agency, unit=foreign_unit, name="Rahasia")
    client.force_login(operator)
    response = client.get(URL, {"unit": foreign_unit.pk})
    assert response.status_code == 200
    assert "Rahasia" not in names(response)


def test_pagination_and_htmx_partial(client, operator, agency):
    EmployeeFactory.create_batch(30, agency=agency)
    client.force_login(operator)
    first = client.get(URL)
    assert len(first.context["page"].object_list) == 25
    second = client.get(URL, {"page": 2})
    assert len(second.context["page"].object_list) == 5
    partial = client.get(URL, headers={"HX-Request": "true"})
    assert b"<html" not in partial.content and b"<table" in partial.content


@pytest.mark.parametrize("count", [5, 40])
def test_list_query_count_does_not_grow_with_rows(
    client, operator, agency, django_assert_num_queries, count
):
    unit = UnitFactory(agency=agency)
    EmployeeFactory.create_batch(count, agency=agency, unit=unit)
    client.force_login(operator)
    client.get(URL)  # the first request of a session records its start; measure a later one
    # session, user, roles, agencies, units, count, page of employees (agency and unit joined),
    # and the signed-in user's own employee record for the header's name
    with django_assert_num_queries(8):
        response = client.get(URL)
    assert response.status_code == 200


def test_employee_page_shows_history_and_grouped_nip(client, operator, staffed):
    _, _, people = staffed
    client.force_login(operator)
    response = client.get(reverse("personnel:employee_detail", args=[people[0].pk]))
    body = response.content.decode()
    assert people[0].nip_grouped in body
    assert "Siti Rahmawati" in body
    assert "SD Negeri 1" in body


def test_civil_servant_lands_on_own_page(client, staffed):
    _, _, people = staffed
    client.force_login(people[0].user)
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("personnel:employee_detail", args=[people[0].pk])


def test_the_status_history_and_changes_say_their_source_in_words(client, operator, agency):
    from datetime import date

    from asndigital.personnel.models import EmployeeChange, EmployeeStatusEvent

    employee = EmployeeFactory(agency=agency)
    EmployeeStatusEvent.objects.create(
        employee=employee,
        status=EmployeeStatus.ACTIVE,
        effective_on=date(2015, 3, 1),
        source="seed_demo",
    )
    EmployeeChange.objects.create(employee=employee, source="import", changes={"name": ["A", "B"]})
    client.force_login(operator)
    page = client.get(reverse("personnel:employee_detail", args=[employee.pk])).content.decode()
    assert "Data contoh (demo)" in page and "Impor data pegawai" in page
    assert "seed_demo" not in page

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from asndigital.accounts.models import Role, RoleAssignment, User
from asndigital.audit.models import AuditEvent
from asndigital.demo.generator import DEMO_AGENCIES
from asndigital.demo.management.commands.seed_demo import DEMO_PASSWORD, DEMO_STAFF
from asndigital.personnel.models import (
    Agency,
    Employee,
    EmployeeChange,
    EmployeeStatus,
    EmployeeStatusEvent,
    Unit,
)

pytestmark = pytest.mark.django_db


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "agencies": list(Agency.objects.values_list("code", "name", "kind", "region_office")),
        "units": list(
            Unit.objects.order_by("id").values_list("agency_id", "code", "name", "parent_id")
        ),
        "employees": list(Employee.objects.order_by("nip").values_list("nip", "updated_at")),
        "status_events": EmployeeStatusEvent.objects.count(),
        "employee_changes": EmployeeChange.objects.count(),
        "users": list(
            User.objects.order_by("username").values_list("username", "password", "is_active")
        ),
        "roles": list(
            RoleAssignment.objects.order_by("id").values_list("user_id", "role", "agency_id")
        ),
        "audit_events": AuditEvent.objects.count(),
    }


def test_seed_demo_creates_one_account_for_each_staff_role():
    seed(employees=2)
    for username, _full_name, role, agency_code in DEMO_STAFF:
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        assignments = RoleAssignment.objects.filter(user=user)
        assert [(a.role, a.agency.code if a.agency else None) for a in assignments] == [
            (role, agency_code)
        ]
    # Every role a person can hold (SERVICE belongs to API tokens' own accounts).
    held = set(Role.values) - {Role.SERVICE}
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == held


def test_seed_demo_creates_the_demo_agencies_units_and_employees():
    output = seed()
    assert sorted(Agency.objects.values_list("code", flat=True)) == sorted(
        spec.code for spec in DEMO_AGENCIES
    )
    for spec in DEMO_AGENCIES:
        assert Unit.objects.filter(agency__code=spec.code).count() == len(spec.units)
        assert Employee.objects.filter(agency__code=spec.code).count() == 40
    bagian_umum = Unit.objects.get(agency__code="PEMKOT-BDG", name="Bagian Umum")
    assert bagian_umum.parent.name == "Sekretariat Daerah"
    assert "imported 200" in output
    assert set(Employee.objects.values_list("employment_type", flat=True)) >= {"PNS", "PPPK"}


def test_the_demo_civil_servant_gets_the_demo_password_and_an_audit_event():
    output = seed()
    with_password = [
        employee
        for employee in Employee.objects.select_related("user", "agency")
        if employee.user.has_usable_password()
    ]
    assert len(with_password) == 1
    employee = with_password[0]
    assert employee.user.check_password(DEMO_PASSWORD)
    assert employee.agency.code == "PEMKOT-BDG"
    assert (employee.employment_type, employee.status) == ("PNS", EmployeeStatus.ACTIVE)
    assert employee.user.is_active
    assert employee.nip in output
    assert (
        AuditEvent.objects.filter(
            action="account.demo_password_set", target_id=str(employee.user.pk)
        ).count()
        == 1
    )


def test_seed_demo_prints_the_accounts_and_where_the_data_lives():
    output = seed(employees=2)
    for username, *_rest in DEMO_STAFF:
        assert username in output
    assert DEMO_PASSWORD in output
    assert "mail" in output


def test_running_seed_demo_twice_changes_nothing():
    seed(employees=10)
    before = snapshot()
    output = seed(employees=10)
    assert snapshot() == before
    assert "imported 0, updated 0, unchanged 50, rejected 0" in output


def test_a_bigger_second_run_only_adds_employees():
    seed(employees=4)
    nips = set(Employee.objects.values_list("nip", flat=True))
    changes = EmployeeChange.objects.count()
    seed(employees=6)
    assert nips < set(Employee.objects.values_list("nip", flat=True))
    assert Employee.objects.count() == 30
    assert EmployeeChange.objects.count() == changes


def test_seed_demo_never_overwrites_a_password_a_person_set():
    seed(employees=2)
    user = User.objects.get(username="admin.bandung")
    user.set_password("Sudah-diganti-2026")
    user.save()
    events = AuditEvent.objects.order_by("id").last().pk

    table = seed(employees=2)

    user.refresh_from_db()
    assert user.check_password("Sudah-diganti-2026")
    assert not AuditEvent.objects.filter(
        action="account.demo_password_set", target_id=str(user.pk), id__gt=events
    ).exists()
    line = next(row for row in table.splitlines() if row.startswith("admin.bandung"))
    assert "(changed by its owner)" in line and DEMO_PASSWORD not in line


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.IS_PRODUCTION = True
    with pytest.raises(CommandError):
        seed(employees=2)
    assert not User.objects.exists()
    assert not Agency.objects.exists()
    assert not AuditEvent.objects.exists()


def test_with_the_catalogue_the_demo_asn_gets_sample_documents_once(files_in_tmp):
    from asndigital.documents.models import Document, DocumentVersion
    from asndigital.documents.services import load_catalogue
    from asndigital.personnel.models import CorrectionRequest

    load_catalogue()
    seed(employees=3)
    states = dict(Document.objects.values_list("doc_type__code", "status"))
    assert states == {
        "sk-cpns": "diterima",
        "ijazah": "ditolak",
        "spmt": "menunggu",
        "transkrip": "menunggu",  # uploaded in bulk: its details wait in the operator's work
    }
    assert CorrectionRequest.objects.get().status == "terbuka"
    accepted = DocumentVersion.objects.get(document__doc_type__code="sk-cpns")
    assert accepted.verification_code and accepted.thumbnail_state == "ready"
    assert (files_in_tmp / accepted.storage_key).is_file()
    seed(employees=3)
    assert DocumentVersion.objects.count() == 4 and CorrectionRequest.objects.count() == 1

"""Authorization matrix for employee reads: the scoping method and the pages built on it."""

import pytest
from django.urls import reverse

from asndigital.accounts.models import Role
from asndigital.audit.models import AuditEvent
from asndigital.personnel.models import Employee
from tests.factories import EmployeeFactory

# (who, sees own agency's employee, sees other agency's employee, may open the list)
MATRIX = [
    ("anonymous", False, False, False),
    ("the_employee", True, False, False),
    ("colleague", False, False, False),  # another civil servant of the same agency
    ("operator_same", True, False, True),
    ("verifier_same", True, False, True),
    ("agency_admin_same", True, False, True),
    ("records_officer_same", True, False, True),
    ("monitor_same", False, False, False),  # figures and the report only (UU PDP)
    ("agency_admin_other", False, True, True),
    ("auditor_national", False, False, False),
    ("monitor_national", False, False, False),
    ("bkn_admin", True, True, True),
]


@pytest.fixture
def world(db, agency, other_agency, make_staff):
    target = EmployeeFactory(agency=agency)
    foreign = EmployeeFactory(agency=other_agency)
    people = {
        "anonymous": None,
        "the_employee": target.user,
        "colleague": EmployeeFactory(agency=agency).user,
        "operator_same": make_staff(Role.OPERATOR, agency),
        "verifier_same": make_staff(Role.VERIFIER, agency),
        "agency_admin_same": make_staff(Role.AGENCY_ADMIN, agency),
        "records_officer_same": make_staff(Role.RECORDS_OFFICER, agency),
        "monitor_same": make_staff(Role.MONITOR, agency),
        "agency_admin_other": make_staff(Role.AGENCY_ADMIN, other_agency),
        "auditor_national": make_staff(Role.AUDITOR),
        "monitor_national": make_staff(Role.MONITOR),
        "bkn_admin": make_staff(Role.BKN_ADMIN),
    }
    return target, foreign, people


@pytest.mark.parametrize(("who", "sees_target", "sees_foreign", "lists"), MATRIX)
def test_visible_to_matrix(world, who, sees_target, sees_foreign, lists):
    from django.contrib.auth.models import AnonymousUser

    target, foreign, people = world
    user = people[who] or AnonymousUser()
    visible = set(Employee.objects.visible_to(user).values_list("pk", flat=True))
    assert (target.pk in visible) is sees_target
    assert (foreign.pk in visible) is sees_foreign


@pytest.mark.parametrize(("who", "sees_target", "sees_foreign", "lists"), MATRIX)
def test_pages_follow_the_matrix_and_forbidden_looks_missing(
    client, world, who, sees_target, sees_foreign, lists
):
    target, foreign, people = world
    if people[who] is not None:
        client.force_login(people[who])
    missing = client.get(
        reverse("personnel:employee_detail", args=["00000000-0000-0000-0000-000000000000"])
    )
    for employee, allowed in ((target, sees_target), (foreign, sees_foreign)):
        response = client.get(reverse("personnel:employee_detail", args=[employee.pk]))
        if people[who] is None:
            assert response.status_code == 302 and "/akun/masuk/" in response["Location"]
        elif allowed:
            assert response.status_code == 200
            assert employee.name.encode() in response.content
        else:
            assert response.status_code == missing.status_code == 404
            assert employee.name.encode() not in response.content
    listing = client.get(reverse("personnel:employee_list"))
    expected = 302 if people[who] is None else (200 if lists else 404)
    assert listing.status_code == expected


# Who finds the employees in the missing-documents report (NIP, name, unit and gaps only):
# everyone who reads employee records, and monitors.
REPORT = {
    "operator_same": (True, False),
    "agency_admin_other": (False, True),
    "monitor_same": (True, False),
    "monitor_national": (True, True),
    "auditor_national": (False, False),
    "the_employee": (False, False),
}


@pytest.mark.parametrize("who", sorted(REPORT))
def test_the_report_scope_adds_monitors_and_nobody_else(client, world, who):
    target, foreign, people = world
    visible = set(Employee.objects.visible_to(people[who], "report").values_list("pk", flat=True))
    sees_target, sees_foreign = REPORT[who]
    if who == "the_employee":  # one's own record is always one's own to read
        sees_target = True
    assert ((target.pk in visible), (foreign.pk in visible)) == (sees_target, sees_foreign)
    client.force_login(people[who])
    page = client.get(reverse("personnel:missing_report"), {"agency": target.agency_id})
    assert page.status_code == (200 if any(REPORT[who]) else 404)


def test_disabled_account_sees_nothing(world):
    _, _, people = world
    user = people["bkn_admin"]
    user.is_active = False
    user.save()
    assert not Employee.objects.visible_to(user).exists()


@pytest.mark.parametrize(
    "who", ["the_employee", "operator_same", "agency_admin_other", "anonymous"]
)
def test_email_correction_is_refused_to_all_but_the_agency_admin(client, world, who):
    target, _, people = world
    if people[who] is not None:
        client.force_login(people[who])
    audit_before = AuditEvent.objects.count()
    response = client.post(
        reverse("personnel:correct_email", args=[target.pk]),
        {"email": "baru@kota-a.go.id", "reason": "salah ketik"},
    )
    assert response.status_code in (302, 404)
    target.refresh_from_db()
    assert target.email != "baru@kota-a.go.id"
    assert AuditEvent.objects.count() == audit_before


@pytest.mark.parametrize("who", ["agency_admin_same", "bkn_admin"])
def test_agency_admin_corrects_the_registered_email_with_a_trace(client, world, who):
    target, _, people = world
    client.force_login(people[who])
    response = client.post(
        reverse("personnel:correct_email", args=[target.pk]),
        {"email": "Baru@Kota-A.go.id", "reason": "salah ketik di SIASN"},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.email == "baru@kota-a.go.id"
    event = AuditEvent.objects.get(action="employee.email_corrected")
    assert event.actor_id == people[who].pk and event.target_id == str(target.pk)
    assert "baru@" not in str(event.data)  # addresses stay in the change row, not the audit data
    assert target.changes.get().changes["email"][1] == "baru@kota-a.go.id"


def test_email_correction_needs_a_reason_and_a_valid_address(client, world):
    target, _, people = world
    client.force_login(people["agency_admin_same"])
    before = target.email
    client.post(
        reverse("personnel:correct_email", args=[target.pk]), {"email": "x@y.id", "reason": ""}
    )
    client.post(
        reverse("personnel:correct_email", args=[target.pk]), {"email": "nope", "reason": "r"}
    )
    target.refresh_from_db()
    assert target.email == before
    assert not AuditEvent.objects.filter(action="employee.email_corrected").exists()

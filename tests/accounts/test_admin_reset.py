"""BKPSDM resets an employee's MFA: who may, and what happens."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from asndigital.accounts import mfa
from asndigital.accounts.models import AuthenticatorDevice, RecoveryCode, Role
from asndigital.audit.models import AuditEvent
from tests.factories import EmployeeFactory, grant
from tests.helpers import enrol


@pytest.fixture
def target(agency):
    employee = EmployeeFactory(agency=agency, email="siti@kota-a.go.id")
    enrol(employee.user)
    mfa.regenerate_recovery_codes(user=employee.user)
    return employee


def reset(client, employee, reason="HP baru, aplikasi terhapus"):
    return client.post(reverse("personnel:reset_mfa", args=[employee.pk]), {"reason": reason})


def test_agency_admin_resets_mfa_ends_sessions_and_mails_the_employee(
    client, agency_admin, target, django_capture_on_commit_callbacks
):
    their_session = Client()
    their_session.force_login(target.user)
    assert their_session.get(reverse("accounts:security")).status_code == 200
    client.force_login(agency_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = reset(client, target)
    assert response.status_code == 302
    assert not AuthenticatorDevice.objects.filter(user=target.user).exists()
    assert not RecoveryCode.objects.filter(user=target.user).exists()
    assert their_session.get(reverse("accounts:security")).status_code == 302  # signed out
    event = AuditEvent.objects.get(action="mfa.reset")
    assert (
        event.actor_id == agency_admin.pk and event.data["reason"] == "HP baru, aplikasi terhapus"
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["siti@kota-a.go.id"]
    assert "MFA" in message.subject and "diatur ulang" in message.subject  # Indonesian
    assert message.alternatives and "<html" in message.alternatives[0][0]


def test_the_reset_form_is_shown_only_to_those_who_may_use_it(
    client, agency_admin, target, make_staff, agency
):
    client.force_login(agency_admin)
    assert (
        reverse("personnel:reset_mfa", args=[target.pk])
        in client.get(reverse("personnel:employee_detail", args=[target.pk])).content.decode()
    )
    operator = make_staff(Role.OPERATOR, agency)
    client.force_login(operator)
    assert (
        reverse("personnel:reset_mfa", args=[target.pk])
        not in client.get(reverse("personnel:employee_detail", args=[target.pk])).content.decode()
    )


def test_a_reason_is_required(client, agency_admin, target):
    client.force_login(agency_admin)
    reset(client, target, reason="   ")
    assert AuthenticatorDevice.objects.filter(user=target.user).exists()
    assert not AuditEvent.objects.filter(action="mfa.reset").exists()


@pytest.mark.parametrize("who", ["operator", "other_admin", "self", "anonymous"])
def test_refused_resets_change_nothing_and_leave_no_trace(
    client, target, make_staff, agency, other_agency, who
):
    actor = {
        "operator": lambda: make_staff(Role.OPERATOR, agency),
        "other_admin": lambda: make_staff(Role.AGENCY_ADMIN, other_agency),
        "self": lambda: target.user,
        "anonymous": lambda: None,
    }[who]()
    if actor is not None:
        client.force_login(actor)
    response = reset(client, target)
    assert response.status_code in (302, 404)
    assert AuthenticatorDevice.objects.filter(user=target.user).count() == 1
    assert RecoveryCode.objects.filter(user=target.user).count() == 10
    assert not AuditEvent.objects.filter(action="mfa.reset").exists()
    assert mail.outbox == []


def test_agency_admin_cannot_reset_a_national_account_but_bkn_can(
    client, agency_admin, target, bkn_admin
):
    grant(target.user, Role.MONITOR)  # the employee also holds a national role
    client.force_login(agency_admin)
    reset(client, target)
    assert AuthenticatorDevice.objects.filter(user=target.user).exists()
    client.force_login(bkn_admin)
    reset(client, target)
    assert not AuthenticatorDevice.objects.filter(user=target.user).exists()


def test_after_a_reset_the_next_sign_in_goes_to_activation(client, agency_admin, target):
    target.user.set_password("Kata-sandi-uji-123")
    target.user.save()
    admin = Client()
    admin.force_login(agency_admin)
    reset(admin, target)
    response = client.post(
        reverse("accounts:login"), {"username": target.nip, "password": "Kata-sandi-uji-123"}
    )
    assert response["Location"] == reverse("accounts:activate")

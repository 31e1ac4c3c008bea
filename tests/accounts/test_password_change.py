"""Changing a password: by choice, and the forced upgrade of a weak one after sign-in."""

import pytest
from django.test import Client
from django.urls import reverse

from asndigital.audit.models import AuditEvent
from tests.factories import EmployeeFactory
from tests.helpers import TOTP, enrol

NEW = "kuda lumping makan sate"
STRONG = "Tujuh-Kata-Acak-Di-Pagi"


@pytest.fixture
def person(agency):
    employee = EmployeeFactory(agency=agency)
    employee.user.set_password(STRONG)
    employee.user.save()
    enrol(employee.user)
    return employee.user


def sign_in(client, user, password):
    client.post(reverse("accounts:login"), {"username": user.username, "password": password})
    return client.post(reverse("accounts:code"), {"code": TOTP.now()})


def test_change_needs_current_password_and_code_and_ends_other_sessions(client, person):
    other = Client()
    other.force_login(person)
    client.force_login(person)
    url = reverse("accounts:password_change")
    client.post(
        url,
        {
            "password": "salah-salah-123",
            "code": TOTP.now(),
            "new_password1": NEW,
            "new_password2": NEW,
        },
    )
    person.refresh_from_db()
    assert person.check_password(STRONG)
    response = client.post(
        url,
        {
            "password": STRONG,
            "code": TOTP.now(),
            "new_password1": NEW,
            "new_password2": NEW,
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password(NEW)
    assert client.get(reverse("accounts:security")).status_code == 200  # this session stays
    assert other.get(reverse("accounts:security")).status_code == 302  # the other ended
    assert [e.data["reason"] for e in AuditEvent.objects.filter(action="password.changed")] == [
        "change"
    ]


def test_a_weak_password_must_be_replaced_right_after_sign_in(client, person):
    person.set_password("password1234")  # from an older system, below today's policy
    person.save()
    response = sign_in(client, person, "password1234")
    assert "_auth_user_id" in client.session
    assert client.get(reverse("personnel:employee_list"))["Location"] == reverse(
        "accounts:password_upgrade"
    )
    assert client.get(response["Location"])["Location"] == reverse("accounts:password_upgrade")
    refused = client.post(
        reverse("accounts:password_upgrade"),
        {"new_password1": "indonesia123", "new_password2": "indonesia123"},
    )
    assert refused.status_code == 200
    client.post(reverse("accounts:password_upgrade"), {"new_password1": NEW, "new_password2": NEW})
    person.refresh_from_db()
    assert person.check_password(NEW)
    assert client.get(reverse("accounts:security")).status_code == 200  # free to go on


def test_a_good_password_is_not_asked_to_change(client, person):
    sign_in(client, person, STRONG)
    assert client.get(reverse("accounts:security")).status_code == 200

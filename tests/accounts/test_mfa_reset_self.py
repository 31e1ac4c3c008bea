"""Self-service Reset MFA: NIP + captcha, registered e-mail, e-mailed code + password."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from asndigital.accounts import challenges
from asndigital.accounts.models import AuthenticatorDevice, EmailChallenge
from asndigital.audit.models import AuditEvent
from tests.factories import EmployeeFactory
from tests.helpers import enrol, solved_captcha

START = reverse("accounts:mfa_reset")
EMAIL = reverse("accounts:mfa_reset_email")
CONFIRM = reverse("accounts:mfa_reset_confirm")
PASSWORD = "Kata-sandi-uji-123"


@pytest.fixture
def employee(agency):
    employee = EmployeeFactory(agency=agency, email="budi@kota-a.go.id")
    employee.user.set_password(PASSWORD)
    employee.user.save()
    enrol(employee.user)
    return employee


def start(client, username):
    page = client.get(START).content.decode()
    return client.post(START, {"username": username, "captcha": solved_captcha(page)})


def request_code(client, username, email, capture):
    start(client, username)
    with capture(execute=True):
        return client.post(EMAIL, {"email": email})


def sent_code() -> str:
    body = mail.outbox[-1].body
    return re.search(r"\b([A-HJ-NP-Z2-9]{8})\b", body).group(1)


def test_start_page_carries_a_local_captcha_its_css_and_a_policy_for_its_worker(client, db):
    response = client.get(START)
    page = response.content.decode()
    assert "<altcha-widget" in page and "challengejson=" in page
    assert 'id="__altcha-css"' in page  # so the widget injects no inline style
    assert "worker-src 'self' blob:" in response["Content-Security-Policy"]
    assert "https://" not in page.split("<main")[1]


def test_without_a_solved_captcha_nothing_happens(client, employee):
    response = client.post(START, {"username": employee.nip, "captcha": "bogus"})
    assert response.status_code == 200
    assert client.get(EMAIL)["Location"] == START


def test_a_captcha_solution_works_once(client, employee):
    page = client.get(START).content.decode()
    payload = solved_captcha(page)
    assert client.post(START, {"username": employee.nip, "captcha": payload}).status_code == 302
    assert client.post(START, {"username": employee.nip, "captcha": payload}).status_code == 200


def test_the_whole_flow_clears_mfa_and_ends_sessions(
    client, employee, django_capture_on_commit_callbacks
):
    request_code(
        client, employee.nip_grouped, "BUDI@kota-a.go.id", django_capture_on_commit_callbacks
    )
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["budi@kota-a.go.id"]
    code = sent_code()
    assert EmailChallenge.objects.get().code_hash != code  # only an HMAC is stored
    epoch = employee.user.session_epoch
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CONFIRM, {"code": code.lower(), "password": PASSWORD})
    assert response["Location"] == reverse("accounts:login")
    assert not AuthenticatorDevice.objects.filter(user=employee.user).exists()
    employee.user.refresh_from_db()
    assert employee.user.session_epoch == epoch + 1
    assert any(
        e.data["reason"] == "self-service" for e in AuditEvent.objects.filter(action="mfa.reset")
    )
    assert len(mail.outbox) == 2  # the notice that it happened
    # The code works once.
    request_code(client, employee.nip, "budi@kota-a.go.id", django_capture_on_commit_callbacks)
    client.post(CONFIRM, {"code": code, "password": PASSWORD})
    assert AuditEvent.objects.filter(action="mfa.reset").count() == 1


def _responses(client, username, email, capture):
    start(client, username)
    with capture(execute=True):
        second = client.post(EMAIL, {"email": email})
    third = client.get(CONFIRM)
    fourth = client.post(CONFIRM, {"code": "ABCDEFGH", "password": "bukan-ini-123"})
    # CSRF tokens are random in every response; everything else must be identical.
    strip = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"')
    return [
        (r.status_code, r.get("Location", ""), strip.sub(b"", r.content))
        for r in (second, third, fourth)
    ]


def test_answers_are_identical_for_unknown_nip_and_wrong_email(
    employee, client, django_capture_on_commit_callbacks
):
    from django.test import Client

    real = _responses(
        Client(), employee.nip, "budi@kota-a.go.id", django_capture_on_commit_callbacks
    )
    wrong_email = _responses(
        Client(), employee.nip, "orang@lain.id", django_capture_on_commit_callbacks
    )
    unknown = _responses(
        Client(), "199001012015011999", "budi@kota-a.go.id", django_capture_on_commit_callbacks
    )
    assert real == wrong_email == unknown
    assert len(mail.outbox) == 1  # only the real, matching request got a code


def test_three_wrong_entries_void_the_code(client, employee, django_capture_on_commit_callbacks):
    request_code(client, employee.nip, "budi@kota-a.go.id", django_capture_on_commit_callbacks)
    code = sent_code()
    client.post(CONFIRM, {"code": "AAAAAAAA", "password": PASSWORD})
    client.post(CONFIRM, {"code": code, "password": "salah-sekali-123"})  # wrong password counts
    client.post(CONFIRM, {"code": "BBBBBBBB", "password": PASSWORD})
    client.post(CONFIRM, {"code": code, "password": PASSWORD})
    assert AuthenticatorDevice.objects.filter(user=employee.user).exists()
    assert AuditEvent.objects.filter(action="reset.code_exhausted").count() == 1


def test_a_new_request_voids_the_old_code_and_keeps_the_wrong_count(
    client, employee, django_capture_on_commit_callbacks
):
    request_code(client, employee.nip, "budi@kota-a.go.id", django_capture_on_commit_callbacks)
    old = sent_code()
    client.post(CONFIRM, {"code": "AAAAAAAA", "password": PASSWORD})
    client.post(CONFIRM, {"code": "BBBBBBBB", "password": PASSWORD})
    request_code(client, employee.nip, "budi@kota-a.go.id", django_capture_on_commit_callbacks)
    new = sent_code()
    assert EmailChallenge.objects.filter(closed_at__isnull=True).get().attempts == 2
    assert not challenges.redeem(user=employee.user, purpose="mfa_reset", code=old)
    # that was the third wrong entry: the new code is void too
    assert not challenges.redeem(user=employee.user, purpose="mfa_reset", code=new)


def test_a_reset_that_fails_halfway_clears_nothing_and_leaves_the_code_usable(
    client, employee, django_capture_on_commit_callbacks, monkeypatch
):
    """The code, the devices, the passkeys and the sessions change together or not at all: a
    failure after the authenticators were deleted puts them back and keeps the code open."""
    from asndigital.accounts import passkeys

    request_code(client, employee.nip, "budi@kota-a.go.id", django_capture_on_commit_callbacks)
    code = sent_code()
    epoch = employee.user.session_epoch

    def broken(user):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(passkeys, "remove_all", broken)
    client.raise_request_exception = False
    response = client.post(CONFIRM, {"code": code, "password": PASSWORD})
    assert response.status_code == 500
    assert AuthenticatorDevice.objects.filter(user=employee.user).exists()
    employee.user.refresh_from_db()
    assert employee.user.session_epoch == epoch
    assert not AuditEvent.objects.filter(action="mfa.reset").exists()
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CONFIRM, {"code": code, "password": PASSWORD})
    assert not AuthenticatorDevice.objects.filter(user=employee.user).exists()

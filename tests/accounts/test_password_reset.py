"""Reset Password (Lupa Password): NIP + captcha, registered e-mail, e-mailed code, new password."""

import re
import time

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from asndigital.accounts.models import AuthenticatorDevice
from asndigital.audit.models import AuditEvent
from tests.factories import EmployeeFactory
from tests.helpers import enrol, solved_captcha

START = reverse("accounts:password_reset")
EMAIL = reverse("accounts:password_reset_email")
CONFIRM = reverse("accounts:password_reset_confirm")
NEW = "kuda lumping makan sate"


@pytest.fixture
def employee(agency):
    employee = EmployeeFactory(agency=agency, email="siti@kota-a.go.id", name="Siti Rahmawati")
    employee.user.set_unusable_password()  # imported: no password yet
    employee.user.save()
    enrol(employee.user)
    return employee


def ask(client, username, email, capture):
    page = client.get(START).content.decode()
    client.post(START, {"username": username, "captcha": solved_captcha(page)})
    with capture(execute=True):
        return client.post(EMAIL, {"email": email})


def code_from(message) -> str:
    return re.search(r"\b([A-HJ-NP-Z2-9]{8})\b", message.body).group(1)


def test_first_password_through_the_reset_then_sign_in_still_needs_the_code(
    client, employee, django_capture_on_commit_callbacks
):
    ask(client, employee.nip, "siti@kota-a.go.id", django_capture_on_commit_callbacks)
    code = code_from(mail.outbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CONFIRM, {"code": code, "new_password1": NEW, "new_password2": NEW})
    assert response["Location"] == reverse("accounts:login")
    employee.user.refresh_from_db()
    assert employee.user.check_password(NEW)
    assert [e.data["reason"] for e in AuditEvent.objects.filter(action="password.changed")] == [
        "reset"
    ]
    assert "diubah" in mail.outbox[-1].subject  # "your password was changed", in Indonesian
    assert NEW not in mail.outbox[-1].body
    login = client.post(reverse("accounts:login"), {"username": employee.nip, "password": NEW})
    assert login["Location"] == reverse("accounts:code")  # a reset never bypasses MFA
    assert "_auth_user_id" not in client.session
    assert AuthenticatorDevice.objects.filter(user=employee.user).exists()


def test_a_reset_ends_every_session(employee, django_capture_on_commit_callbacks):
    elsewhere = Client()
    elsewhere.force_login(employee.user)
    assert elsewhere.get(reverse("accounts:security")).status_code == 200
    client = Client()
    ask(client, employee.nip, "siti@kota-a.go.id", django_capture_on_commit_callbacks)
    client.post(
        CONFIRM, {"code": code_from(mail.outbox[0]), "new_password1": NEW, "new_password2": NEW}
    )
    assert elsewhere.get(reverse("accounts:security")).status_code == 302


def test_personal_rules_are_told_only_after_the_right_code(
    client, employee, django_capture_on_commit_callbacks
):
    ask(client, employee.nip, "siti@kota-a.go.id", django_capture_on_commit_callbacks)
    code = code_from(mail.outbox[0])
    with_name = "rahmawati suka kopi pagi"
    wrong = client.post(
        CONFIRM, {"code": "ABCDEFGH", "new_password1": with_name, "new_password2": with_name}
    )
    assert "nama" not in wrong.context["form"].errors.as_text()  # nothing about the account
    right = client.post(
        CONFIRM, {"code": code, "new_password1": with_name, "new_password2": with_name}
    )
    assert "nama" in right.context["form"].errors.as_text()  # "must not contain your name"
    # The code stays usable for a better password.
    client.post(CONFIRM, {"code": code, "new_password1": NEW, "new_password2": NEW})
    employee.user.refresh_from_db()
    assert employee.user.check_password(NEW)


def test_generic_rules_and_mismatch_are_told_at_once(
    client, employee, django_capture_on_commit_callbacks
):
    ask(client, employee.nip, "siti@kota-a.go.id", django_capture_on_commit_callbacks)
    short = client.post(
        CONFIRM, {"code": "ABCDEFGH", "new_password1": "pendek", "new_password2": "pendek"}
    )
    assert "12" in short.context["form"].errors.as_text()
    mismatch = client.post(
        CONFIRM, {"code": "ABCDEFGH", "new_password1": NEW, "new_password2": NEW + "x"}
    )
    assert "new_password2" in mismatch.context["form"].errors


def test_answers_are_identical_whether_the_nip_exists_and_the_email_matches(
    employee, django_capture_on_commit_callbacks
):
    strip = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"')

    def walk(username, email):
        client = Client()
        second = ask(client, username, email, django_capture_on_commit_callbacks)
        third = client.get(CONFIRM)
        fourth = client.post(
            CONFIRM, {"code": "ABCDEFGH", "new_password1": NEW, "new_password2": NEW}
        )
        return [
            (r.status_code, r.get("Location", ""), strip.sub(b"", r.content))
            for r in (second, third, fourth)
        ]

    real = walk(employee.nip, "siti@kota-a.go.id")
    assert walk(employee.nip, "bukan@kota-a.go.id") == real
    assert walk("199001012015011999", "siti@kota-a.go.id") == real
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_real_smtp_round_trip(employee):
    """A local SMTP server (aiosmtpd) receives the code; the reset completes with it."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Keep(Message):
        def handle_message(self, message):
            received.append(message)

    import socket

    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
        ):
            client = Client()
            page = client.get(START).content.decode()
            client.post(START, {"username": employee.nip, "captcha": solved_captcha(page)})
            client.post(EMAIL, {"email": "siti@kota-a.go.id"})  # commits: the task runs
            for _ in range(50):
                if received:
                    break
                time.sleep(0.1)
            assert received, "no message reached the SMTP server"
            message = received[0]
            assert message["To"] == "siti@kota-a.go.id"
            text = next(
                part for part in message.walk() if part.get_content_type() == "text/plain"
            ).get_payload(decode=True)
            code = re.search(rb"\b([A-HJ-NP-Z2-9]{8})\b", text).group(1).decode()
            client.post(CONFIRM, {"code": code, "new_password1": NEW, "new_password2": NEW})
    finally:
        controller.stop()
    employee.user.refresh_from_db()
    assert employee.user.check_password(NEW)
    assert AuthenticatorDevice.objects.filter(user=employee.user).exists()  # MFA untouched

from email import message_from_bytes

import pytest
from django.core import mail
from django.test import override_settings

from asndigital.core.mail import send_templated_email


def test_development_mail_lands_as_one_eml_file_per_message(tmp_path):
    with override_settings(
        EMAIL_BACKEND="asndigital.core.mail_backend.EmlFileBackend", EMAIL_FILE_PATH=tmp_path
    ):
        for to in ("a@example.go.id", "b@example.go.id"):
            mail.send_mail("Kode", "Kode Anda: ABCD2345", "no-reply@asn.invalid", [to])
    files = sorted(tmp_path.glob("*.eml"))
    assert len(files) == 2
    parsed = message_from_bytes(files[0].read_bytes())
    assert parsed["Subject"] == "Kode" and "ABCD2345" in parsed.get_payload()


def test_templated_mail_has_text_and_html_in_the_recipients_language():
    send_templated_email.call(
        to=["x@example.go.id"],
        template="accounts/email/mfa_reset",
        context={"name": "Budi", "username": "1986", "site_name": "ASN"},
        language="en",
    )
    send_templated_email.call(
        to=["x@example.go.id"],
        template="accounts/email/mfa_reset",
        context={"name": "Budi", "username": "1986", "site_name": "ASN"},
        language="id",
    )
    english, indonesian = mail.outbox
    assert english.subject == "Your ASN Digital MFA was reset"
    assert indonesian.subject == "MFA ASN Digital Anda telah diatur ulang"
    assert english.alternatives[0][1] == "text/html"


@pytest.mark.django_db
def test_a_queue_out_of_reach_after_the_commit_is_logged_not_raised(
    monkeypatch, django_capture_on_commit_callbacks, caplog
):
    """The change is committed by then: the person gets the page, the error goes to the log."""
    from asndigital.accounts import challenges
    from asndigital.core import mail as mail_module

    class Unreachable:
        @staticmethod
        def enqueue(**kwargs):
            raise ConnectionError("the task queue is unreachable")

    monkeypatch.setattr(mail_module, "send_templated_email", Unreachable)
    monkeypatch.setattr(challenges, "process_request", Unreachable)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        mail_module.queue_email(to="x@example.go.id", template="t", context={})
        challenges.request_code(
            username="1986", email_given="x@example.go.id", purpose="p", template="t"
        )
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(callbacks) == 2 and len(errors) == 2


def test_mail_headers_say_when_who_and_that_a_machine_wrote_it(settings):
    settings.DEFAULT_FROM_EMAIL = "ASN Digital <no-reply@arsip.example.go.id>"
    send_templated_email.call(
        to=["x@example.go.id"],
        template="accounts/email/mfa_reset",
        context={"name": "Budi", "username": "1986", "site_name": "ASN"},
        language="id",
    )
    message = mail.outbox[0].message()
    assert message["Date"].endswith("+0700")  # the site's zone (Asia/Jakarta), not -0000
    assert message["Message-ID"].endswith("@arsip.example.go.id>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == "id"
    html = mail.outbox[0].alternatives[0][0]
    assert '<html lang="id">' in html

from email import message_from_bytes

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

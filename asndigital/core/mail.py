"""E-mail, sent after commit by a background worker (django-tasks with the database backend).

Every message has a plain-text and an HTML part, rendered in the recipient's language from
``<template>.txt`` and ``<template>.html``. Never put a password in a message.
"""

from __future__ import annotations

from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks import task


@task()
def send_templated_email(*, to: list[str], template: str, context: dict, language: str) -> None:
    with translation.override(language):
        subject = render_to_string(f"{template}.subject.txt", context).strip()
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    headers = {
        # A machine wrote it: out-of-office replies and auto-forwarding stay away (RFC 3834).
        "Auto-Submitted": "auto-generated",
        "Content-Language": language,
        # At the site's own domain, not the sending host's name (often "localhost").
        "Message-ID": make_msgid(domain=_sender_domain()),
    }
    message = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, to, headers=headers
    )
    message.attach_alternative(html, "text/html")
    message.send()


def _sender_domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "asndigital.invalid"


def queue_email(*, to: str, template: str, context: dict, language: str = "") -> None:
    """Send once the current transaction commits (nothing is sent for a rolled-back change).
    Queueing after the commit cannot undo the change: if the queue is out of reach at that
    moment, the error is logged and the person asks again, rather than seeing an error page
    for a change that was made."""
    if not to:
        return
    language = language or settings.LANGUAGE_CODE
    transaction.on_commit(
        lambda: send_templated_email.enqueue(
            to=[to],
            template=template,
            context={"site_name": settings.ASN_SITE_NAME, **context},
            language=language,
        ),
        robust=True,
    )

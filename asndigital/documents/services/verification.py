"""Verification: a waiting document accepted (DITERIMA, with its verification code) or rejected
(DITOLAK, with a reason the employee reads), by the employee's agency, four eyes."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from asndigital.accounts import policies
from asndigital.audit.services import record
from asndigital.core.errors import DomainError
from asndigital.core.mail import queue_email
from asndigital.documents import queue_services
from asndigital.documents.models import Document, DocumentEvent
from asndigital.documents.selectors import CROCKFORD
from asndigital.records.services import refuse_if_held


def new_verification_code() -> str:
    """120 random bits as 24 Crockford base32 characters (digits and letters without I, L, O,
    U, which are read for 1, 1, 0 and V): printed on copies, never guessable, typed back as
    read."""
    number = int.from_bytes(secrets.token_bytes(15), "big")
    return "".join(CROCKFORD[(number >> (5 * i)) & 31] for i in reversed(range(24)))


def _decide(*, actor, document, status: str, kind: str, reason: str = ""):
    with transaction.atomic():
        document = (
            Document.objects.select_for_update(of=("self",))
            .select_related("employee", "current_version", "doc_type")
            .get(pk=document.pk)
        )
        policies.require(policies.can_view_employee(actor, document.employee))
        if not policies.can_verify(actor, document):
            raise DomainError(
                _(
                    "You cannot verify this document (four eyes: not your own "
                    "upload, and only the employee's agency verifies)."
                ),
                code="forbidden",
            )
        if document.status != Document.Status.WAITING:
            raise DomainError(_("This document was already decided."), code="decided")
        refuse_if_held(document)
        # Someone else checking it in the queue keeps it; the decision ends any claim.
        queue_services.refuse_if_claimed(actor=actor, document=document)
        document.status = status
        document.updated_at = timezone.now()
        document.save(update_fields=["status", "updated_at"])
        if status == Document.Status.ACCEPTED:
            version = document.current_version
            version.verification_code = new_verification_code()
            version.accepted_at = document.updated_at
            version.save(update_fields=["verification_code", "accepted_at"])
        document.events.create(
            version=document.current_version, kind=kind, reason=reason, actor=actor
        )
        record(
            actor,
            f"document.{kind}",
            document,
            version=str(document.current_version_id),
            reason=reason,
        )
        employee = document.employee
        queue_email(
            to=employee.email,
            template="documents/email/decision",
            context={
                "name": employee.display_name,
                "type": document.doc_type.name,
                "accepted": status == Document.Status.ACCEPTED,
                "reason": reason,
            },
            language=employee.user.language if employee.user_id else "",
        )
    return document


def accept_document(*, actor, document):
    """DITERIMA: the current version is accepted."""
    return _decide(
        actor=actor,
        document=document,
        status=Document.Status.ACCEPTED,
        kind=DocumentEvent.Kind.ACCEPTED,
    )


def reject_document(*, actor, document, reason: str):
    """DITOLAK, with a reason the employee sees; a replacement goes back to waiting."""
    reason = queue_services.clean_reason(reason)
    if not reason:
        raise DomainError(_("A rejection needs a reason."), code="reason")
    return _decide(
        actor=actor,
        document=document,
        status=Document.Status.REJECTED,
        kind=DocumentEvent.Kind.REJECTED,
        reason=reason,
    )

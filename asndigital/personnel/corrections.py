"""“Ajukan perbaikan”: correction requests, from the employee to their agency and back.

The employee says that a document or a field of their record is wrong (a note, optionally a
file checked like any upload); the request lands in the worklist of their agency's operators
and admins, who answer once: corrected (with a note) or refused (with a reason). The employee
is told by e-mail at both ends. Every step is one transaction with its audit event; staff
opening a request is a recorded read of the employee's data (audit.reads).

The only writer of ``CorrectionRequest``; reads start from ``CorrectionRequest.objects
.visible_to``.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from asndigital.accounts import policies
from asndigital.audit.services import record
from asndigital.core.errors import DomainError, NotFound
from asndigital.core.mail import queue_email
from asndigital.documents import encryption, storage
from asndigital.documents.inspection import inspect_file, safe_name
from asndigital.documents.models import Document
from asndigital.personnel.models import CorrectionRequest, Employee

ATTACHMENT_FORMATS = ["pdf", "jpg", "png"]
ATTACHMENT_MAX = 2 * 1024 * 1024  # as a document type's default limit
MAX_OPEN = 10  # open requests per employee: enough for real errors, not a flood
NOTE_MAX = 1000
# Control characters but the line breaks and tabs a note may hold, and the bidirectional
# overrides that make text show in another order than it is stored.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
OUTCOMES = {
    "corrected": CorrectionRequest.Status.CORRECTED,
    "refused": CorrectionRequest.Status.REFUSED,
}


def _clean_text(text: str, *, empty: str, too_long: str) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise DomainError(empty, code="note")
    if _CONTROL.search(text):
        raise DomainError(_("The text contains characters that are not allowed."), code="note")
    if len(text) > NOTE_MAX:
        raise DomainError(too_long, code="note")
    return text


def _tell_employee(request: CorrectionRequest, template: str, **context) -> None:
    """E-mail the employee about their request, in their language, once the change commits."""
    employee = request.employee
    queue_email(
        to=employee.email,
        template=f"personnel/email/{template}",
        context={
            "name": employee.display_name,
            "subject": request.get_subject_display(),
            "document": request.document.doc_type.name if request.document_id else "",
            **context,
        },
        language=employee.user.language if employee.user_id else "",
    )


def _receive(*, chunks, received):
    """The attachment's bytes in storage's ``tmp/``, within the size limit."""
    if received is None:
        return storage.receive(chunks, max_size=ATTACHMENT_MAX)
    if received.full:
        raise storage.storage_full()
    if received.size > ATTACHMENT_MAX:
        raise storage.too_large(ATTACHMENT_MAX)
    return received


def _store_attachment(request: CorrectionRequest, received, inspected, original_name: str):
    """Store the checked file encrypted with its own key, durable before the row commits."""
    data_key = encryption.new_data_key()
    request.attachment_key = f"corrections/{request.employee_id}/{request.pk}"
    request.attachment_name = safe_name(original_name)
    request.attachment_media_type = inspected.media_type
    request.attachment_size = received.size
    request.attachment_sha256 = received.sha256
    request.attachment_sealed_key = encryption.seal_key(data_key, request.pk)
    storage.commit(received, request.attachment_key, data_key=data_key)


def create_request(
    *,
    actor,
    employee: Employee,
    subject: str,
    note: str,
    document=None,
    chunks=None,
    received=None,
    original_name: str = "",
) -> CorrectionRequest:
    """The employee's request about their own record or one of their documents; it waits for
    their agency. The file (``chunks`` or already ``received``) is optional; it is stored or
    removed, never left behind."""
    try:
        policies.require(policies.can_request_correction(actor, employee))
        if subject not in CorrectionRequest.Subject.values:
            raise DomainError(_("Choose what is wrong."), code="subject")
        if subject == CorrectionRequest.Subject.DOCUMENT:
            if document is None or document.employee_id != employee.pk:
                raise DomainError(_("Choose the document that is wrong."), code="document")
            if document.status == Document.Status.DESTROYED:
                raise DomainError(_("This document was destroyed."), code="document")
        else:
            document = None
        note = _clean_text(
            note,
            empty=_("Write what is wrong and what it should be."),
            too_long=_("The note can have at most %(n)d characters.") % {"n": NOTE_MAX},
        )
        inspected = None
        if chunks is not None or received is not None:
            received = _receive(chunks=chunks, received=received)
            inspected = inspect_file(
                received.path, original_name=original_name, allowed=ATTACHMENT_FORMATS
            )
        with transaction.atomic():
            # One at a time per employee, so that the limit below holds under double clicks.
            employee = Employee.objects.select_for_update().get(pk=employee.pk)
            still_open = CorrectionRequest.objects.filter(
                employee=employee, status=CorrectionRequest.Status.OPEN
            ).count()
            if still_open >= MAX_OPEN:
                raise DomainError(
                    _(
                        "You already have %(n)d requests waiting for your agency; wait for "
                        "their answers first."
                    )
                    % {"n": still_open},
                    code="too_many",
                )
            request = CorrectionRequest(
                employee=employee,
                agency_id=employee.agency_id,
                subject=subject,
                document=document,
                note=note,
                created_by=actor,
            )
            if inspected is not None:
                _store_attachment(request, received, inspected, original_name)
                received = None  # committed: nothing left to discard
            request.save()
            record(
                actor,
                "correction.requested",
                request,
                subject=subject,
                document=str(document.pk) if document is not None else "",
                attachment_sha256=request.attachment_sha256,
            )
            _tell_employee(request, "correction_received")
    except BaseException:
        if received is not None:
            storage.discard(received)
        raise
    return request


def answer_request(
    *, actor, request: CorrectionRequest, outcome: str, answer: str
) -> CorrectionRequest:
    """The agency's one answer: ``corrected`` (with a note) or ``refused`` (with a reason); the
    employee is told by e-mail. A request of another agency is not found."""
    with transaction.atomic():
        locked = (
            CorrectionRequest.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("employee", "document__doc_type")
            .filter(pk=request.pk)
            .first()
        )
        if locked is None:
            raise NotFound()
        if not policies.can_answer_correction(actor, locked):
            if locked.employee.user_id == getattr(actor, "pk", None):
                raise DomainError(
                    _("Your own request is answered by your agency, not by you."), code="own"
                )
            raise NotFound()
        if outcome not in OUTCOMES:
            raise DomainError(_("Choose corrected or refused."), code="outcome")
        if not locked.is_open:
            raise DomainError(_("This request was already answered."), code="answered")
        answer = _clean_text(
            answer,
            empty=_("Write what was corrected.")
            if outcome == "corrected"
            else _("Give the reason for refusing."),
            too_long=_("The answer can have at most %(n)d characters.") % {"n": NOTE_MAX},
        )
        locked.status = OUTCOMES[outcome]
        locked.answer = answer
        locked.answered_by = actor
        locked.answered_at = timezone.now()
        locked.save(update_fields=["status", "answer", "answered_by", "answered_at"])
        record(actor, f"correction.{outcome}", locked, subject=locked.subject)
        _tell_employee(
            locked, "correction_answered", corrected=outcome == "corrected", answer=answer
        )
    return locked


# --- Reads -----------------------------------------------------------------------------------


def agency_requests(user, *, status: str = CorrectionRequest.Status.OPEN) -> QuerySet:
    """The requests ``user`` answers (their agencies'), oldest first; never their own."""
    qs = (
        CorrectionRequest.objects.visible_to(user)
        .exclude(employee__user_id=user.pk)
        .select_related("employee", "employee__unit", "agency", "document__doc_type")
    )
    if status in CorrectionRequest.Status.values:
        qs = qs.filter(status=status)
    if status == CorrectionRequest.Status.OPEN:
        return qs.order_by("created_at", "id")
    return qs.order_by("-created_at", "-id")


def own_requests(user) -> QuerySet:
    """The signed-in employee's own requests, newest first."""
    return (
        CorrectionRequest.objects.visible_to(user)
        .filter(employee__user_id=user.pk)
        .select_related("document__doc_type", "answered_by")
        .order_by("-created_at", "-id")
    )


def get_request(*, user, pk) -> CorrectionRequest:
    """One request the user may see (their own, or their agency's), or NotFound."""
    try:
        key = uuid.UUID(str(pk))
    except ValueError:
        raise NotFound() from None
    found = (
        CorrectionRequest.objects.visible_to(user)
        .select_related("employee", "employee__unit", "agency", "document__doc_type", "answered_by")
        .filter(pk=key)
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def open_figures(agency_ids) -> dict[int, dict]:
    """{agency id: {"open": n, "oldest_at": when, "oldest_days": days}} of open requests (the
    caller has scoped ``agency_ids``); agencies without open requests have open 0."""
    now = timezone.now()
    result: dict[int, dict] = {
        pk: {"open": 0, "oldest_at": None, "oldest_days": None} for pk in agency_ids
    }
    rows = (
        CorrectionRequest.objects.filter(  # scoping: the caller passes its scoped agencies
            agency_id__in=list(result), status=CorrectionRequest.Status.OPEN
        )
        .values("agency_id")
        .annotate(n=Count("id"), oldest=Min("created_at"))
    )
    for row in rows:
        oldest: datetime = row["oldest"]
        result[row["agency_id"]] = {
            "open": row["n"],
            "oldest_at": oldest,
            "oldest_days": (now - oldest).days,
        }
    return result

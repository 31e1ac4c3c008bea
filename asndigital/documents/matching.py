"""Bulk files whose name is not ``<NIP>_<CODE>``: matched by what their text says, proposed,
stored only when the operator confirms.

The file is checked by content (size, format) and held encrypted (``pending``, purpose
"proposal"), then its text is read in the background (``tasks.read_proposal``) exactly as a
stored version's is (``textract``: the PDF's text layer, else OCR, in a child process limited
in time and memory). The NIPs printed on it (``checks.nips_in``) are looked up among the
employees the operator may upload for, through the scoping door (``Employee.objects
.visible_to``): an NIP of another agency is treated exactly like one that does not exist, so a
file cannot be used to find out who works elsewhere. The type is the one whose key words
(``checks.keywords_for``) are found, the longest phrase deciding; none, or a tie, leaves the
type for the operator to choose.

Exactly one employee in scope gives a proposal ("NIP ... (name), type ..."): the operator
confirms it as it is, changes the employee or the type, or skips it. Confirming goes through
``services.upload_document`` (its checks again, the same ``document.uploaded`` audit event as
any upload, the held file used up in its transaction). No NIP, none in scope, or several: not
matched, with the reason, and the held file is removed at once; nothing is stored.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from asndigital.accounts import policies
from asndigital.core.errors import DomainError
from asndigital.documents import checks, search, services, storage, tasks, textract
from asndigital.documents import pending as pending_uploads
from asndigital.documents.inspection import inspect_file
from asndigital.documents.models import DocumentType, PendingUpload
from asndigital.personnel.models import Employee
from asndigital.personnel.nip import format_nip, normalize_nip


def _active_types():
    return DocumentType.objects.filter(is_active=True)


def propose(*, actor, name: str, chunks, source: str) -> PendingUpload:
    """Check a bulk file by content and hold it while its text is read and matched (after
    the commit, in the background). DomainError when the file fails the checks: nothing held."""
    policies.require(policies.can_bulk_upload(actor))
    types = list(_active_types())
    max_size = max((t.max_size_bytes for t in types), default=2 * 1024 * 1024)
    formats = sorted({f for t in types for f in t.allowed_formats})
    received = storage.receive(chunks, max_size=max_size)
    try:
        if received.full:
            raise storage.storage_full()
        inspected = inspect_file(received.path, original_name=name, allowed=formats)
        pending = pending_uploads.hold_for_proposal(
            actor=actor,
            received=received,
            original_name=name,
            media_type=inspected.media_type,
            source=source,
        )
    finally:
        storage.discard(received)  # moved into the held file, or refused: no temporary left
    pending_id = pending.pk
    transaction.on_commit(lambda: _enqueue_reading(pending_id), robust=True)
    return pending


def _enqueue_reading(pending_id) -> None:
    tasks.read_proposal.enqueue(str(pending_id))


def read(*, pending_id) -> str:
    """Read a held bulk file's text and match it (the background task). Its state."""
    pending = (
        PendingUpload.objects.select_related("owner")
        .filter(pk=pending_id, purpose=PendingUpload.Purpose.PROPOSAL)
        .first()
    )
    if pending is None or pending.state != PendingUpload.State.READING:
        return "missing"
    try:
        received = pending_uploads.restore(pending)
    except DomainError:
        pending_uploads.settle_proposal(pending, note="gone")
        return str(pending.state)
    try:
        outcome = textract.extract(received.path, pending.media_type)
    finally:
        storage.discard(received)
    if not outcome.text:
        pending_uploads.settle_proposal(pending, note=f"no_text:{outcome.reason or 'failed'}")
        return str(pending.state)
    employee, doc_type, note = match(actor=pending.owner, text=outcome.text)
    pending_uploads.settle_proposal(pending, employee=employee, doc_type=doc_type, note=note)
    return str(pending.state)


def match(*, actor, text: str) -> tuple[Any, DocumentType | None, str]:
    """(employee, type or None, "") when exactly one employee the actor may upload for has an
    NIP printed in ``text``; otherwise (None, None, why): "no_nip", "not_found" (whether the
    NIP exists elsewhere or nowhere), "ambiguous:<nip>,<nip>" (only NIPs in scope)."""
    nips = checks.nips_in(text)
    if not nips:
        return None, None, "no_nip"
    found = Employee.objects.visible_to(actor).filter(nip__in=nips).order_by("nip")
    candidates = [e for e in found if policies.can_upload_for(actor, e)]
    if not candidates:
        return None, None, "not_found"
    if len(candidates) > 1:
        return None, None, "ambiguous:" + ",".join(e.nip for e in candidates)
    employee = candidates[0]
    return employee, guess_type(text, employee), ""


def guess_type(text: str, employee) -> DocumentType | None:
    """The type (applying to the employee) whose longest key phrase is in the text; None when
    no type's words are found or two types tie."""
    words = search.words(text)
    best, best_length, tie = None, 0, False
    for doc_type in _active_types().order_by("code"):
        if not doc_type.applies_to_type(employee.employment_type):
            continue
        found = [k for k in checks.keywords_for(doc_type) if checks.contains(words, k)]
        length = max((len(search.words(k)) for k in found), default=0)
        if length > best_length:
            best, best_length, tie = doc_type, length, False
        elif length and length == best_length:
            tie = True
    return None if tie else best


def find(*, actor, pending_id) -> PendingUpload | None:
    """The actor's own held bulk file with this id, not expired; None otherwise (another
    person's id finds nothing, exactly like one that never existed)."""
    try:
        key = uuid.UUID(str(pending_id))
    except ValueError:
        return None
    if actor is None or not actor.is_authenticated:
        return None
    return (
        PendingUpload.objects.select_related("employee", "doc_type")
        .filter(
            pk=key,
            owner=actor,
            purpose=PendingUpload.Purpose.PROPOSAL,
            expires_at__gt=timezone.now(),
        )
        .first()
    )


def unknown_nip() -> DomainError:
    # Missing, another agency's, or one the actor may not upload for: one answer for all.
    return DomainError(_("No employee you may upload for has this NIP."), code="unknown_nip")


def confirm(*, actor, pending_id, nip: str = "", type_code: str = ""):
    """Store a proposed bulk file, for the proposed employee and type or those the operator
    chose instead (``nip``, ``type_code``), through the upload service. The version."""
    pending = find(actor=actor, pending_id=pending_id)
    if pending is None or pending.state == PendingUpload.State.UNMATCHED:
        raise pending_uploads.gone()
    if pending.state == PendingUpload.State.READING and not nip:
        raise DomainError(_("The file is still being read."), code="reading")
    employee = pending.employee
    if nip:
        chosen = normalize_nip(nip)
        employee = Employee.objects.visible_to(actor).filter(nip=chosen).first()
        if employee is None or not policies.can_upload_for(actor, employee):
            raise unknown_nip()
    doc_type = pending.doc_type
    if type_code:
        doc_type = _active_types().filter(code=type_code).first()
        if doc_type is None:
            raise DomainError(
                _("Unknown document code “%(code)s”.") % {"code": type_code}, code="unknown_code"
            )
    if doc_type is None:
        raise DomainError(_("Choose the document type."), code="type_missing")
    pending_uploads.change_proposal(pending, employee=employee, doc_type=doc_type)
    return services.upload_document(
        actor=actor,
        employee=employee,
        doc_type=doc_type,
        pending=pending,
        metadata={},
        source=pending.source,
        require_metadata=False,
        replace_accepted=True,  # as a named bulk file does
    )


def skip(*, actor, pending_id) -> bool:
    """The operator leaves the file out: the held file goes, nothing is stored."""
    pending = find(actor=actor, pending_id=pending_id)
    if pending is None:
        return False
    pending_uploads.remove(pending)
    return True


def explain(pending: PendingUpload) -> str:
    """Why a held bulk file was not matched, in the reader's language."""
    code, _sep, detail = pending.note.partition(":")
    if code == "no_text":
        reason = textract.REASONS.get(detail, textract.REASONS["failed"])
        return _("No text could be read from the file (%(reason)s): nothing was stored.") % {
            "reason": reason
        }
    if code == "no_nip":
        return _("No NIP could be read in the file: nothing was stored. Name it <NIP>_<CODE>.pdf.")
    if code == "not_found":
        return _("No employee you may upload for has an NIP read in the file: nothing was stored.")
    if code == "ambiguous":
        nips = ", ".join(format_nip(n) for n in detail.split(","))
        return _(
            "The file carries the NIPs of several of your employees (%(nips)s): nothing was "
            "stored. Name it <NIP>_<CODE>.pdf."
        ) % {"nips": nips}
    return _("The file you chose earlier is no longer kept. Choose it again.")

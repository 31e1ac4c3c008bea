"""Files held for a retry: the only writer of ``PendingUpload``.

When the upload page has to send its form back (a required field empty, an impossible date, a
confirmation not given), the file that came with it is not thrown away: after the checks every
upload gets (``services.check_file``: size, format by content, the PDF checks, not already in
the dossier) it is held, encrypted with a key of its own, under ``pending/<owner>/<id>``, and
the form carries its id so the retry need not send the file again.

A held file belongs to the person who sent it: only they can use it (another person's id finds
nothing, exactly like an id that never existed), only for the same employee and document type,
and only until it expires (``ASN_PENDING_UPLOAD_MINUTES``). It becomes a document only through
``services.upload_document`` (its checks again, its audit event), which removes it in the same
transaction. "Cancel" removes it; ``remove_expired`` (run by ``manage.py cleanup_uploads``)
removes the expired ones, and ``cleanup_uploads`` also removes a held file whose row is gone.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from asndigital.accounts import policies
from asndigital.core import crypto
from asndigital.core.errors import DomainError
from asndigital.documents import encryption, storage
from asndigital.documents.inspection import safe_name
from asndigital.documents.models import DocumentType, PendingUpload

PREFIX = "pending"
# A person holds at most this many files at once (each form sent back holds one); the oldest
# go first. Enough for a few tabs, not a way to park files in the archive's storage.
PER_OWNER = 5


def _context(pending_id) -> str:
    return f"pending-upload-key:{pending_id}"


def gone() -> DomainError:
    return DomainError(
        _("The file you chose earlier is no longer kept. Choose it again."),
        code="pending_gone",
        fields={"file": _("The file you chose earlier is no longer kept. Choose it again.")},
    )


def hold(*, actor, employee, doc_type: DocumentType, received, original_name: str) -> PendingUpload:
    """Hold a received file for a retry, after the checks an upload gets (DomainError when it
    fails them: nothing is held). The file moves out of ``received`` into the pending area;
    the person's earlier held file for the same form is removed."""
    # imported here: cycle: documents/services.py imports this module (until its split)
    from asndigital.documents import services

    policies.require(policies.can_upload_for(actor, employee))
    if not received.full and not received.path.exists():  # used up by a service that failed later
        raise gone()
    services.check_file(
        employee=employee, doc_type=doc_type, received=received, original_name=original_name
    )
    pending = PendingUpload(
        owner=actor,
        employee=employee,
        doc_type=doc_type,
        sha256=received.sha256,
        size=received.size,
        original_name=safe_name(original_name),
        expires_at=timezone.now() + timedelta(minutes=settings.ASN_PENDING_UPLOAD_MINUTES),
    )
    _store(pending, received)
    with transaction.atomic():
        pending.save()
        # Bulk files held for confirmation (documents/matching.py) have their own limit.
        earlier = PendingUpload.objects.filter(
            owner=actor, purpose=PendingUpload.Purpose.RETRY
        ).exclude(pk=pending.pk)
        same_form = earlier.filter(employee=employee, doc_type=doc_type)
        beyond = earlier.order_by("-created_at")[PER_OWNER - 1 :]
        for old in {*same_form, *beyond}:
            _remove(old)
    return pending


def _store(pending: PendingUpload, received) -> None:
    pending.storage_key = f"{PREFIX}/{pending.owner_id}/{pending.pk}"
    data_key = encryption.new_data_key()
    pending.sealed_key = crypto.seal(data_key, context=_context(pending.pk))
    # Durable before the row, like a version: a crash between the two leaves a file without a
    # row, which cleanup_uploads removes.
    storage.commit(received, pending.storage_key, data_key=data_key)


# At most this many bulk files wait for their confirmation per person; the oldest go first.
PROPOSALS_PER_OWNER = 200


def hold_for_proposal(
    *, actor, received, original_name: str, media_type: str, source: str
) -> PendingUpload:
    """Hold a bulk file whose name names neither employee nor type, checked by content
    (``documents.matching``), while its text is read and matched; nothing of the archive."""
    pending = PendingUpload(
        owner=actor,
        purpose=PendingUpload.Purpose.PROPOSAL,
        state=PendingUpload.State.READING,
        media_type=media_type,
        source=source,
        sha256=received.sha256,
        size=received.size,
        original_name=safe_name(original_name),
        expires_at=timezone.now() + timedelta(minutes=settings.ASN_PENDING_UPLOAD_MINUTES),
    )
    _store(pending, received)
    with transaction.atomic():
        pending.save()
        earlier = PendingUpload.objects.filter(owner=actor, purpose=PendingUpload.Purpose.PROPOSAL)
        for old in earlier.order_by("-created_at")[PROPOSALS_PER_OWNER:]:
            _remove(old)
    return pending


def settle_proposal(pending: PendingUpload, *, employee=None, doc_type=None, note="") -> None:
    """What the text said: an employee (and a type, when its words were found), or why not
    (then the held file goes at once: nothing is kept of a file that matched nobody; the row
    stays, with the reason, until it expires)."""
    with transaction.atomic():
        row = PendingUpload.objects.select_for_update().filter(pk=pending.pk).first()
        if row is None:  # skipped meanwhile
            return
        row.employee, row.doc_type, row.note = employee, doc_type, note[:300]
        row.state = PendingUpload.State.PROPOSED if employee else PendingUpload.State.UNMATCHED
        row.save(update_fields=["employee", "doc_type", "note", "state"])
        if employee is None:
            key = row.storage_key
            transaction.on_commit(lambda: _delete_file(key), robust=True)
    pending.employee, pending.doc_type, pending.note, pending.state = (
        row.employee,
        row.doc_type,
        row.note,
        row.state,
    )


def change_proposal(pending: PendingUpload, *, employee, doc_type) -> None:
    """The operator's choice of employee and type for a held bulk file, before the upload
    service takes it (which then checks them again)."""
    pending.employee, pending.doc_type = employee, doc_type
    pending.save(update_fields=["employee", "doc_type"])


def find(*, actor, token: str, employee, doc_type: DocumentType) -> PendingUpload | None:
    """The caller's own held file with this id for this employee and type, if it has not
    expired; None otherwise (whoever else holds that id)."""
    try:
        key = uuid.UUID(str(token))
    except ValueError:
        return None
    if actor is None or not actor.is_authenticated:
        return None
    return PendingUpload.objects.filter(
        pk=key,
        purpose=PendingUpload.Purpose.RETRY,
        owner=actor,
        employee=employee,
        doc_type=doc_type,
        expires_at__gt=timezone.now(),
    ).first()


def require_usable(pending: PendingUpload, *, actor, employee, doc_type: DocumentType) -> None:
    """Refuse a held file that is not this person's, not for this form, or expired."""
    if (
        pending.owner_id != actor.pk
        or pending.employee_id != employee.pk
        or pending.doc_type_id != doc_type.pk
        or pending.expires_at <= timezone.now()
    ):
        raise gone()


def restore(pending: PendingUpload) -> storage.Received:
    """The held file's plain bytes back in a temporary file (for the upload service), checked
    against the hash it had when it was held."""
    try:
        data_key = crypto.unseal(bytes(pending.sealed_key), context=_context(pending.pk))
        with storage.open_version(pending.storage_key, data_key=data_key) as source:
            received = storage.receive(
                iter(lambda: source.read(storage.CHUNK), b""), max_size=pending.size
            )
    except (OSError, crypto.SealError, encryption.DecryptionError):
        raise gone() from None
    if received.sha256 != pending.sha256:
        storage.discard(received)
        raise gone()
    return received


def take(pending: PendingUpload) -> None:
    """Inside the upload's transaction: the held file is used up (its row goes with the
    commit, its file after it). Refuses if another request took it first."""
    row = PendingUpload.objects.select_for_update().filter(pk=pending.pk).first()
    if row is None:
        raise gone()
    _remove(row)


def cancel(*, actor, token: str) -> bool:
    """The person gives up the form: their held file with this id is removed (True), or there
    is none of theirs (False)."""
    try:
        key = uuid.UUID(str(token))
    except ValueError:
        return False
    with transaction.atomic():
        pending = PendingUpload.objects.filter(pk=key, owner=actor).first()
        if pending is None:
            return False
        _remove(pending)
    return True


def remove_expired(*, now=None, dry_run: bool = False) -> int:
    """Remove every held file whose time is up; how many there were. For the periodic cleanup
    (``manage.py cleanup_uploads``)."""
    expired = PendingUpload.objects.filter(expires_at__lte=now or timezone.now())
    if dry_run:
        return expired.count()
    count = 0
    for pending in expired.iterator():
        with transaction.atomic():
            _remove(pending)
        count += 1
    return count


def known_keys() -> set[str]:
    """The storage keys of the held files that still have a row (the rest are leftovers)."""
    return set(PendingUpload.objects.values_list("storage_key", flat=True))


def remove(pending: PendingUpload) -> None:
    """The row goes, its file after the commit."""
    with transaction.atomic():
        _remove(pending)


def _remove(pending: PendingUpload) -> None:
    PendingUpload.objects.filter(pk=pending.pk).delete()
    key = pending.storage_key
    # After the commit: a rolled-back removal must still find its file.
    transaction.on_commit(lambda: _delete_file(key), robust=True)


def _delete_file(key: str) -> None:
    storage.delete(key)

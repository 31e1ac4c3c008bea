"""Storing a new document or a new version: checked by content, encrypted, durable before its
row commits; the clean-up of what a crash leaves behind."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from asndigital.accounts import policies
from asndigital.audit.services import record
from asndigital.core.errors import DomainError
from asndigital.documents import encryption, storage, tasks
from asndigital.documents import pending as pending_uploads
from asndigital.documents.inspection import inspect_file, safe_name
from asndigital.documents.models import Document, DocumentEvent, DocumentType, DocumentVersion
from asndigital.documents.services.metadata import clean_metadata
from asndigital.records.lifecycle import is_held
from asndigital.records.services import refuse_if_held

# Refusals about the rest of an upload form, not the file: once they are fixed, the same file
# can be used again (the upload page holds it for a retry, documents/pending.py).
RETRYABLE = frozenset({"metadata", "confirm_replace", "source"})
# Refusals about the document or the employee: no file and no field would change them.
NOT_ABOUT_THE_FILE = frozenset({"type_not_applicable", "mismatch", "held", "destroyed"})


def replacing_accepted_message(doc_type: DocumentType) -> str:
    """What replacing an accepted document does, in the words the confirmation uses."""
    return _(
        "The accepted (DITERIMA) %(type)s will be replaced by the new version and its status "
        "becomes waiting for verification (MENUNGGU); the old version is kept."
    ) % {"type": doc_type.name}


def require_applicable(*, employee, doc_type: DocumentType) -> None:
    """Refuse a type that is retired or does not apply to the employee's kind of employment."""
    if not doc_type.is_active or not doc_type.applies_to_type(employee.employment_type):
        raise DomainError(
            _("This document type does not apply to this employee."),
            code="type_not_applicable",
        )


def check_file(
    *, employee, doc_type: DocumentType, received, original_name: str, duplicates: bool = True
):
    """The checks every received file gets before it is stored, or held for a retry: the type
    applies to the employee, the size, the format by content (PDF checks included), and not
    the exact same file again (unless ``duplicates`` is False: the caller checks that itself,
    under its lock). Returns the inspection (format, pages)."""
    require_applicable(employee=employee, doc_type=doc_type)
    if received.full:
        raise storage.storage_full()
    if received.size > doc_type.max_size_bytes:
        raise storage.too_large(doc_type.max_size_bytes)
    inspected = inspect_file(
        received.path, original_name=original_name, allowed=doc_type.allowed_formats
    )
    if duplicates:
        refuse_duplicate(employee=employee, doc_type=doc_type, sha256=received.sha256)
    return inspected


def refuse_duplicate(*, employee, doc_type: DocumentType, sha256: str) -> None:
    """Refuse the exact same file again in the employee's documents of this type."""
    if DocumentVersion.objects.filter(
        document__employee=employee, document__doc_type=doc_type, sha256=sha256
    ).exists():
        raise DomainError(_("This exact file is already in the dossier."), code="duplicate")


def upload_document(
    *,
    actor,
    employee,
    doc_type: DocumentType,
    chunks=None,
    received=None,
    pending=None,
    original_name: str = "",
    metadata: dict[str, Any],
    source: str,
    document=None,
    require_metadata: bool = True,
    replace_accepted: bool = False,
    keep_refused: bool = False,
):
    """Store a new document (or a new version of ``document``): checked by content, hashed in
    the same pass that writes it, durable before its row commits. Returns the version.

    The bytes come as ``chunks``, or already ``received`` into storage's ``tmp/`` by an upload
    handler, or from a file ``pending`` for a retry (documents/pending.py: only its owner's,
    for the same employee and type, removed with this commit). This service commits them or
    removes them, never leaves them; with ``keep_refused`` a refused ``received`` file is left
    to the caller, who holds it for a retry or removes it.

    An ACCEPTED document is replaced only with ``replace_accepted`` (the person confirmed it);
    otherwise the upload is refused (``confirm_replace``) and nothing changes."""
    taken_from_pending = False
    try:
        policies.require(policies.can_upload_for(actor, employee))
        require_applicable(employee=employee, doc_type=doc_type)
        if source not in DocumentVersion.Source.values:
            raise DomainError(
                _("Say whether the document is a scan or born digital."), code="source"
            )
        # Bulk uploads map files only; their metadata is completed later.
        cleaned = clean_metadata(doc_type, metadata, require=require_metadata)
        if pending is not None:
            pending_uploads.require_usable(
                pending, actor=actor, employee=employee, doc_type=doc_type
            )
            original_name = pending.original_name
            received = pending_uploads.restore(pending)
            taken_from_pending = True
        elif received is None:
            received = storage.receive(chunks, max_size=doc_type.max_size_bytes)
        inspected = check_file(
            employee=employee,
            doc_type=doc_type,
            received=received,
            original_name=original_name,
            duplicates=False,  # checked once, below, in the transaction
        )
        with transaction.atomic():
            refuse_duplicate(employee=employee, doc_type=doc_type, sha256=received.sha256)
            if document is None and doc_type.multiplicity == DocumentType.Multiplicity.SINGLE:
                document = Document.objects.filter(employee=employee, doc_type=doc_type).first()
            if document is not None:
                document = Document.objects.select_for_update().get(pk=document.pk)
                if document.employee_id != employee.pk or document.doc_type_id != doc_type.pk:
                    raise DomainError(_("That document belongs elsewhere."), code="mismatch")
                refuse_if_held(document)
                if document.status == Document.Status.DESTROYED:
                    raise DomainError(_("This document was destroyed."), code="destroyed")
                if document.status == Document.Status.ACCEPTED and not replace_accepted:
                    raise DomainError(replacing_accepted_message(doc_type), code="confirm_replace")
            if pending is not None:
                pending_uploads.take(pending)  # gone with this commit, or still there
            now = timezone.now()
            if document is None:
                # One INSERT, already pointing at its first version (the foreign key is
                # checked at commit, when the version's row exists).
                document = Document(
                    employee=employee,
                    doc_type=doc_type,
                    status=Document.Status.WAITING,
                    created_at=now,
                    updated_at=now,
                )
                number, kind = 1, DocumentEvent.Kind.UPLOADED
            else:
                number, kind = document.versions.count() + 1, DocumentEvent.Kind.REPLACED
            version = DocumentVersion(
                document=document,
                number=number,
                sha256=received.sha256,
                size=received.size,
                media_type=inspected.media_type,
                page_count=inspected.page_count,
                original_name=safe_name(original_name),
                source=source,
                metadata=cleaned,
                uploaded_by=actor,
            )
            version.storage_key = f"documents/{employee.pk}/{version.pk}"
            # Encrypted with its own key and durable before the row commits; if the commit
            # fails, the file is a leftover (cleanup_uploads).
            data_key = encryption.new_data_key()
            version.is_encrypted = True
            version.sealed_key = encryption.seal_key(data_key, version.pk)
            version.stored_sha256 = storage.commit(received, version.storage_key, data_key=data_key)
            document.current_version = version
            if kind == DocumentEvent.Kind.UPLOADED:
                document.save(force_insert=True)
            else:
                document.status = Document.Status.WAITING
                document.updated_at = now
                document.save(update_fields=["current_version", "status", "updated_at"])
            version.save(force_insert=True)
            document.events.create(version=version, kind=kind, actor=actor)
            record(
                actor,
                f"document.{kind}",
                document,
                version=str(version.pk),
                sha256=received.sha256,
                # The fingerprint of the bytes as stored, in the chained trail too: fixity then
                # need not trust the version's column alone (records/fixity.py).
                stored_sha256=version.stored_sha256,
                type=doc_type.code,
            )
            # The upload is stored once this commits: failing to queue what follows it (its
            # preview, signature check and text, one task; the database gone a moment later)
            # is logged, never turned into an error for a caller who would then think it was
            # not stored. (Not a partial: Django names the failed callback by its __qualname__.)
            version_id = version.pk
            transaction.on_commit(lambda: _enqueue_after_upload(version_id), robust=True)
            # A new document in a held dossier is held too.
            if settings.ASN_S3_OBJECT_LOCK and is_held(document):
                transaction.on_commit(partial(storage.set_legal_hold, [version.storage_key], True))
    except BaseException:
        if received is not None and (taken_from_pending or not keep_refused):
            storage.discard(received)
        raise
    return version


def remove_leftovers(*, min_age_minutes: float, dry_run: bool = False) -> list[str]:
    """Remove what a crash can leave behind, older than ``min_age_minutes``: temporary upload
    files, and stored files (or thumbnails) without a version row; their names. An upload in
    progress is younger than that, and its row commits before its file is that old."""
    known = pending_uploads.known_keys()  # files held for a retry are not leftovers
    for key in DocumentVersion.objects.values_list("storage_key", flat=True).iterator():
        # documents/<employee>/<version> and its preview thumbnails/<employee>/<version>.png
        known.add(key)
        known.add(f"thumbnails/{key.removeprefix('documents/')}.png")
    found = storage.leftovers(known, min_age_seconds=min_age_minutes * 60)
    if not dry_run:
        for name in found:
            storage.remove_leftover(name)
    return found


def _enqueue_after_upload(version_id) -> None:
    tasks.after_upload.enqueue(str(version_id))

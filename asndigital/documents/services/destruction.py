"""Destroying a document whose destruction was approved (records/destruction.py decides): bytes,
previews, text and keys gone; the hashes kept for the berita acara."""

from __future__ import annotations

from asndigital.audit.services import record
from asndigital.documents import storage
from asndigital.documents.models import (
    Document,
    DocumentEvent,
    DocumentVersion,
    SearchEntry,
    VersionText,
)


def destroy_document(*, actor, document, proposal_id, now) -> list[dict]:
    """Destroy a document whose destruction was approved (records/destruction.py decides and
    holds its row lock): every version's bytes and thumbnail deleted and its key shredded, the
    document marked destroyed, with its event and audit event. The versions' hashes, for the
    berita acara. Safe to run again after a crash: deleting twice is harmless."""
    hashes = []
    for version in DocumentVersion.objects.select_for_update().filter(document=document):
        hashes.append({"version": version.number, "sha256": version.sha256, "size": version.size})
        if version.destroyed_at is None:
            storage.delete(version.storage_key, destruction=True)
            storage.delete(version.thumbnail_key, destruction=True)
            VersionText.objects.filter(version=version).delete()
            SearchEntry.objects.filter(version=version).delete()
            version.sealed_key = None
            version.destroyed_at = now
            version.save(update_fields=["sealed_key", "destroyed_at"])
    document.status = Document.Status.DESTROYED
    document.updated_at = now
    document.save(update_fields=["status", "updated_at"])
    document.events.create(kind=DocumentEvent.Kind.DESTROYED, actor=actor, reason=str(proposal_id))
    record(actor, "document.destroyed", document, proposal=proposal_id, versions=len(hashes))
    return hashes

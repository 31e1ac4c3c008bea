"""The text of every version (read in the background: text layer or OCR), stored encrypted with the
version's key, its search-index row, and the audit record of every search."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from asndigital.audit.services import record
from asndigital.documents import encryption, search, storage, textract
from asndigital.documents.models import DocumentVersion, SearchEntry, VersionText

logger = logging.getLogger(__name__)


def extract_text(*, version_id) -> str:
    """Read a version's text (``textract``), store it encrypted with the version's data key
    and index it for search; a file without readable text is marked "tanpa teks" with the
    reason. The original is only read. Its state."""
    version = (
        DocumentVersion.objects.select_related("document__employee").filter(pk=version_id).first()
    )
    if version is None or version.destroyed_at is not None:
        return "missing"
    try:
        data_key = version.data_key()
        with storage.local_copy(version.storage_key, data_key=data_key) as path:
            outcome = textract.extract(path, version.media_type)
    except Exception:  # a file that cannot be fetched or read has no text; logged, not hidden
        logger.warning("no text for document version %s", version.pk, exc_info=True)
        outcome = textract.Outcome(reason="failed")
    row: dict[str, Any] = {
        "method": outcome.method,
        "reason": outcome.reason,
        "pages": outcome.pages,
        "confidence": outcome.confidence,
        "made_at": timezone.now(),
    }
    if outcome.text and data_key is not None:
        row["state"] = VersionText.State.READY
        row["sealed_text"] = encryption.seal_text(outcome.text, data_key, version.pk)
    else:
        row["state"] = VersionText.State.NONE
        row["sealed_text"] = None
        # A version from before encryption at rest has no key to keep its text with.
        row["reason"] = outcome.reason or (
            "not_encrypted" if data_key is None and outcome.text else "failed"
        )
    with transaction.atomic():
        # Destroyed meanwhile (its key gone): nothing of its text may be kept.
        current = DocumentVersion.objects.select_for_update().filter(pk=version.pk).first()
        if current is None or current.destroyed_at is not None:
            return "missing"
        VersionText.objects.update_or_create(version=version, defaults=row)
        _index(version, outcome.text)
    return str(row["state"])


def _index(version, text: str) -> None:
    """The version's search-index row: its text's words, the employee's NIP and the metadata,
    as keyed hashes (documents/search.py)."""
    employee = version.document.employee
    extra = [employee.nip, *[str(v) for v in (version.metadata or {}).values()]]
    SearchEntry.objects.update_or_create(
        version=version,
        defaults={"document_id": version.document_id, "terms": search.terms_for(text, extra)},
    )


def index_texts(*, rehash: bool = False) -> dict[str, int]:
    """Read the text of every version that has none yet (uploaded before text was read, or
    while the worker was down); with ``rehash``, also make every index row again from the
    stored texts (after SECRET_KEY changed). Destroyed versions are left alone. Counts."""
    counts = {"read": 0, "rehashed": 0}
    living = DocumentVersion.objects.filter(destroyed_at=None)
    for pk in living.filter(text=None).values_list("pk", flat=True).iterator():
        extract_text(version_id=pk)
        counts["read"] += 1
    if rehash:
        done = living.exclude(text=None).exclude(text__state=VersionText.State.PENDING)
        for version in done.select_related("document__employee").iterator(chunk_size=200):
            with transaction.atomic():
                _index(version, version_text(version) or "")
            counts["rehashed"] += 1
    return counts


def version_text(version) -> str | None:
    """The decrypted text of a version, or None (not read, tanpa teks, or destroyed)."""
    row = VersionText.objects.filter(version=version, state=VersionText.State.READY).first()
    if row is None or row.sealed_text is None or version.destroyed_at is not None:
        return None
    return encryption.open_text(bytes(row.sealed_text), version.data_key(), version.pk)


def record_search(
    *, actor, q: str, filters: dict, found: int, api: bool = False, more: bool = False
) -> None:
    """Every search goes into the audit trail: who searched what, with which filters, and how
    many documents were found (counted up to search.COUNT_CAP; ``more`` past it)."""
    extra = {"more": True} if more else {}
    with transaction.atomic():
        record(
            actor, "document.searched", None, q=q[:200], found=found, api=api, **filters, **extra
        )

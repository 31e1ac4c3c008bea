"""Fixity: stored files are re-hashed and compared with the SHA-256 taken when they arrived.

What is checked is the bytes as stored (for encrypted files: the ciphertext, against the hash
taken when it was written, so no key is needed); ``deep`` also decrypts and checks the original's
SHA-256. The expected hashes come from the audit trail's upload event (chained, so changing it
breaks the chain), not from the version's columns alone: a file and its hash column altered
together are found (``record_changed``). A version whose upload event holds no stored hash
(uploaded before it was recorded) is checked deep, against the original's hash in the event.
Files are read in 1 MB blocks by two threads (hashing releases the GIL, so reading one file
overlaps hashing another); every result is kept (``FixityCheck``), and mismatched or missing
files are recorded in the audit trail and reported loudly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial

from django.db import transaction
from django.utils import timezone

from asndigital.audit.models import AuditEvent
from asndigital.audit.services import record
from asndigital.documents import encryption, storage
from asndigital.documents.models import DocumentVersion
from asndigital.records.models import FixityCheck, FixityRun

BATCH = 500
UPLOAD_ACTIONS = ("document.uploaded", "document.replaced")


@dataclass
class Outcome:
    version_id: object
    outcome: str
    observed: str
    size: int


@dataclass
class Summary:
    run: FixityRun
    failures: list[tuple[DocumentVersion, str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Anchor:
    """What the chained upload event recorded of a version."""

    sha256: str
    stored_sha256: str  # "" when the event predates it


def anchors(versions: Iterable[DocumentVersion]) -> dict[str, Anchor]:
    """{version id: Anchor} from the upload events of these versions' documents (one query)."""
    documents = {str(v.document_id) for v in versions}
    found = {}
    events = AuditEvent.objects.filter(
        target_type="documents.document",
        target_id__in=documents,
        action__in=UPLOAD_ACTIONS,
    ).only("canonical")
    for event in events:
        data = event.data
        if data.get("version") and data.get("sha256"):
            found[data["version"]] = Anchor(data["sha256"], data.get("stored_sha256") or "")
    return found


def _hash(version: DocumentVersion, anchor: Anchor | None = None, deep: bool = False) -> Outcome:
    """The stored bytes against the hash recorded when they were stored (no key needed); with
    ``deep``, the decrypted bytes against the original's SHA-256 as well. With an ``anchor``
    the recorded hashes are the trail's, and a column that differs from them is reported."""
    original, stored = version.sha256, version.stored_sha256
    changed_record = False
    if anchor is not None:  # judged against what the trail says, not the columns
        changed_record = anchor.sha256 != original or (
            bool(anchor.stored_sha256) and anchor.stored_sha256 != stored
        )
        original, stored = anchor.sha256, anchor.stored_sha256 or stored
        if not anchor.stored_sha256 and version.is_encrypted:
            deep = True  # no stored hash in the trail: the original's hash decides
    outcome = _rehash(version, deep, original=original, stored=stored)
    if changed_record and outcome.outcome == FixityCheck.Outcome.OK:
        changed = FixityCheck.Outcome.RECORD_CHANGED
        return Outcome(version.pk, changed, outcome.observed, outcome.size)
    return outcome


def _rehash(version: DocumentVersion, deep: bool, *, original: str, stored: str) -> Outcome:
    expected = stored if version.is_encrypted else original
    digest, size = hashlib.sha256(), 0
    try:
        with storage.open_stored(version.storage_key) as source:
            while block := source.read(storage.CHUNK):
                digest.update(block)
                size += len(block)
        observed = digest.hexdigest()
        if observed == expected and deep and version.is_encrypted:
            digest = hashlib.sha256()
            with storage.open_version(version.storage_key, data_key=version.data_key()) as plain:
                while block := plain.read(storage.CHUNK):
                    digest.update(block)
            if digest.hexdigest() != original:
                observed, expected = digest.hexdigest(), original
    except FileNotFoundError:
        return Outcome(version.pk, FixityCheck.Outcome.MISSING, "", 0)
    except encryption.DecryptionError:
        return Outcome(version.pk, FixityCheck.Outcome.MISMATCH, "undecryptable", size)
    outcome = FixityCheck.Outcome.OK if observed == expected else FixityCheck.Outcome.MISMATCH
    return Outcome(version.pk, outcome, observed, size)


def _chunks(versions: Iterable[DocumentVersion], size: int):
    batch = []
    for version in versions:
        batch.append(version)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def check(*, sample: int | None = None, threads: int = 2, deep: bool = False) -> Summary:
    """Re-hash every stored version (or a random ``sample`` of them); keep each result."""
    versions = DocumentVersion.objects.only(
        "id", "storage_key", "sha256", "stored_sha256", "is_encrypted", "sealed_key", "document_id"
    )
    if sample:
        versions = versions.order_by("?")[:sample]
    else:
        versions = versions.order_by("id").iterator(chunk_size=BATCH)
    run = FixityRun.objects.create(scope=f"sample:{sample}" if sample else "all")
    summary = Summary(run=run)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for batch in _chunks(versions, BATCH):
            recorded = anchors(batch)
            results = list(
                pool.map(
                    partial(_hash, deep=deep),
                    batch,
                    [recorded.get(str(v.pk)) for v in batch],
                )
            )
            by_id = {v.pk: v for v in batch}
            with transaction.atomic():
                FixityCheck.objects.bulk_create(
                    FixityCheck(
                        run=run,
                        version_id=r.version_id,
                        outcome=r.outcome,
                        observed_sha256=r.observed,
                    )
                    for r in results
                )
                for r in results:
                    if r.outcome != FixityCheck.Outcome.OK:
                        version = by_id[r.version_id]
                        summary.failures.append((version, r.outcome, r.observed))
                        record(
                            None,
                            "fixity.failed",
                            version.document,
                            version=str(version.pk),
                            outcome=r.outcome,
                            expected=version.sha256,
                            observed=r.observed,
                        )
            run.checked += len(results)
            run.failed += sum(1 for r in results if r.outcome != FixityCheck.Outcome.OK)
            run.bytes_read += sum(r.size for r in results)
    run.finished_at = timezone.now()
    with transaction.atomic():
        run.save()
        record(
            None,
            "fixity.checked",
            run,
            scope=run.scope,
            checked=run.checked,
            failed=run.failed,
        )
    return summary

"""Signed checkpoints kept outside the database, where the database's administrator cannot
rewrite them: appended as JSON lines to ``ASN_AUDIT_CHECKPOINT_FILE`` (by default
``var/audit/checkpoints.jsonl``; in production a write-once mount, or a file made append-only
with ``chattr +a``) and, where documents are stored on S3 with Object Lock, as objects locked in
compliance mode under ``audit-checkpoints/``. ``verify_audit`` reads them by default, so a
rewritten or truncated trail is reported without anyone having to export checkpoints by hand
(docs/integrity.md).

Checkpoints are signed after a seal when the last one is older than
``ASN_AUDIT_CHECKPOINT_SECONDS`` (5 minutes): while the trail grows, it is never more than that
behind; while nothing happens, nothing needs signing.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import timedelta
from pathlib import Path

from django.conf import settings

from asndigital.audit import signing
from asndigital.documents import storage

logger = logging.getLogger(__name__)


def entry(checkpoint) -> dict:
    """A checkpoint as a line of the file (the format of export_audit_checkpoints)."""
    return {
        "type": "checkpoint",
        "position": checkpoint.position,
        "hash": checkpoint.hash,
        "signed_at": checkpoint.signed_at.isoformat(),
        "key_id": checkpoint.key_id,
        "signature": checkpoint.signature,
        "public_key": signing.public_text(),
    }


PREFIX = "audit-checkpoints/"
BUCKET_NEWEST = 20  # checkpoint objects verify_audit reads


def keep(checkpoint) -> None:
    """Keep the checkpoint outside the database: appended to the file (flushed to disk) and,
    where documents are stored on S3 with Object Lock, as an object locked in compliance mode
    (nobody, not even the bucket's owner, deletes it before its retention ends). A failure is
    logged: the checkpoint stays in the database and the next one is kept again."""
    _keep_in_bucket(checkpoint)
    path = settings.ASN_AUDIT_CHECKPOINT_FILE
    if not path:
        return
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, (json.dumps(entry(checkpoint)) + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        logger.exception("the audit checkpoint could not be kept outside the database")


def _keep_in_bucket(checkpoint) -> None:
    s3 = storage._s3()
    if s3 is None or not settings.ASN_S3_OBJECT_LOCK:
        return
    client, bucket = s3
    until = checkpoint.signed_at + timedelta(days=settings.ASN_AUDIT_CHECKPOINT_RETENTION_DAYS)
    try:
        client.put_object(
            Bucket=bucket,
            Key=f"{PREFIX}{checkpoint.position:015d}-{checkpoint.pk}.json",
            Body=json.dumps(entry(checkpoint)).encode(),
            ContentType="application/json",
            ObjectLockMode="COMPLIANCE",
            ObjectLockRetainUntilDate=until,
        )
    except Exception:  # the storage out of reach: see keep()
        logger.exception("the audit checkpoint could not be kept in the bucket")


def _read_bucket() -> list[dict]:
    s3 = storage._s3()
    if s3 is None or not settings.ASN_S3_OBJECT_LOCK:
        return []
    client, bucket = s3
    keys = [
        item["Key"]
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=PREFIX)
        for item in page.get("Contents", [])
    ]
    found = []
    # The newest ones suffice (a checkpoint signs the head's hash, which commits to every event
    # before it); keys sort by position, zero-padded.
    for key in sorted(keys)[-BUCKET_NEWEST:]:
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        try:
            found.append(json.loads(body))
        except ValueError:
            logger.warning("skipped an unreadable checkpoint object %s", key)
    return [f for f in found if isinstance(f, dict) and f.get("type") == "checkpoint"]


def read() -> list[dict]:
    """The checkpoints kept outside the database: the file's and the bucket's."""
    found = _read_bucket()
    path = settings.ASN_AUDIT_CHECKPOINT_FILE
    if not path or not Path(path).exists():
        return found
    with open(path, encoding="utf-8") as source:
        for line in source:
            try:
                entry_ = json.loads(line)
            except ValueError:  # a line cut short by a crash while writing: not a checkpoint
                logger.warning("skipped an unreadable line in %s", path)
                continue
            if isinstance(entry_, dict) and entry_.get("type") == "checkpoint":
                found.append(entry_)
    return found


def kept() -> list[dict]:
    """The checkpoints kept outside the database, marked as such for ``chain.verify``."""
    return [{**found, "origin": "kept outside"} for found in read()]

"""Checking the electronic signatures of stored versions: the only writer of SignatureReport.

A version is checked in the background right after its upload commits (``tasks``), and again
by ``revalidate_signatures`` (``revalidate``): when a signer's certificate nears the end of its
validity, when a file carried no revocation data, when the check could not finish, or when it
was never checked (versions stored before signatures were checked). Every check adds a report;
none is changed. The file is read from storage (decrypted into a private temporary copy) and
never written: what is stored stays exactly what was uploaded.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from asndigital.audit.services import record
from asndigital.documents import signatures, storage
from asndigital.documents.models import DocumentVersion, SignatureReport

logger = logging.getLogger(__name__)


def trust_store_fingerprint(location: str | None = None) -> str:
    """SHA-256 over the configured roots (sorted): says which trust store a report used."""
    location = settings.ASN_SIGNATURE_TRUST_ROOTS if location is None else location
    digest = hashlib.sha256()
    for der in sorted(signatures.load_roots(location)):
        digest.update(hashlib.sha256(der).digest())
    return digest.hexdigest()


def _report_for(version: DocumentVersion) -> dict:
    if version.media_type != "application/pdf":
        return {
            "state": signatures.UNSIGNED,
            "checked_at": timezone.now().isoformat(timespec="seconds"),
            "signatures": [],
            "detail": "an image holds no electronic signature",
        }
    with storage.local_copy(version.storage_key, data_key=version.data_key()) as path:
        return signatures.check_file(
            Path(path),
            roots_location=settings.ASN_SIGNATURE_TRUST_ROOTS,
            fetch=settings.ASN_SIGNATURE_FETCH_REVOCATION,
        )


def _expiry(report: dict) -> datetime | None:
    ends = [
        datetime.fromisoformat(s["certificate"]["not_after"])
        for s in report.get("signatures", [])
        if s.get("certificate", {}).get("not_after")
    ]
    return min(ends, default=None)


def check_version(*, version_id, occasion: str = SignatureReport.Occasion.UPLOAD) -> str:
    """Check a version's signatures and keep the report; returns its state. A version that is
    gone or destroyed is not checked (``missing``)."""
    version = DocumentVersion.objects.select_related("document").filter(pk=version_id).first()
    if version is None or version.destroyed_at is not None:
        return "missing"
    try:
        report = _report_for(version)
    except Exception as exc:  # storage or key trouble: recorded as "could not be checked"
        logger.warning("signatures of version %s not checked", version.pk, exc_info=True)
        report = signatures.unchecked(f"the file could not be read ({type(exc).__name__})")
    found = report.get("signatures") or []
    try:
        trust_store = trust_store_fingerprint()
    except OSError:  # the configured trust store is gone: the check in the child said so too
        trust_store = ""
    with transaction.atomic():
        saved = SignatureReport.objects.create(
            version=version,
            state=report["state"],
            occasion=occasion,
            signature_count=len(found) or int(report.get("count") or 0),
            signer=str(found[0].get("signer", ""))[:200] if found else "",
            certificate_expires_at=_expiry(report),
            lacks_validation_data=any(
                not (s.get("validation_data") or {}).get("embedded") for s in found
            ),
            trust_store=trust_store,
            report=report,
        )
        DocumentVersion.objects.filter(pk=version.pk).update(signature_state=saved.state)
        record(
            None,
            "document.signatures_checked",
            version.document,
            version=str(version.pk),
            report=str(saved.pk),
            state=saved.state,
            occasion=occasion,
            signatures=saved.signature_count,
        )
    return saved.state


def due_for_revalidation(*, days: int | None = None, now=None):
    """Stored versions whose newest report says they should be checked again, each only when
    something can have changed: a signer's certificate entered its last ``days`` (or ended)
    since the last check; revocation data was missing and the trust store changed or fetching
    is on; the last check could not finish (a day ago or more); and PDFs never checked.
    Destroyed versions are left alone."""
    days = settings.ASN_SIGNATURE_REVALIDATE_DAYS if days is None else days
    now = now or timezone.now()
    window = timedelta(days=days)
    newest = SignatureReport.objects.filter(version=OuterRef("version")).order_by("-checked_at")
    missing_data = Q(lacks_validation_data=True)
    if not settings.ASN_SIGNATURE_FETCH_REVOCATION:
        missing_data &= ~Q(trust_store=trust_store_fingerprint())
    reports = (
        SignatureReport.objects.annotate(
            is_latest=Exists(
                SignatureReport.objects.filter(pk=OuterRef("pk"), pk__in=newest.values("pk")[:1])
            )
        )
        .filter(is_latest=True)
        .filter(
            Q(
                certificate_expires_at__lte=now + window,
                checked_at__lt=F("certificate_expires_at") - window,
            )
            | Q(certificate_expires_at__lte=now, checked_at__lt=F("certificate_expires_at"))
            | missing_data
            | Q(state=SignatureReport.State.UNCHECKED, checked_at__lte=now - timedelta(days=1))
        )
    )
    checked = SignatureReport.objects.filter(version=OuterRef("pk"))
    return (
        DocumentVersion.objects.annotate(was_checked=Exists(checked))
        .filter(
            Q(pk__in=reports.values("version_id"))
            | Q(media_type="application/pdf", was_checked=False)
        )
        .filter(destroyed_at__isnull=True)
        .order_by("uploaded_at")
    )


def revalidate(*, days: int | None = None, limit: int | None = None) -> dict[str, int]:
    """Check again every version ``due_for_revalidation``; {state: count} of the new reports."""
    counts: dict[str, int] = {}
    versions = due_for_revalidation(days=days).values_list("id", flat=True)
    if limit:
        versions = versions[:limit]
    for version_id in list(versions):
        state = check_version(version_id=version_id, occasion=SignatureReport.Occasion.REVALIDATION)
        counts[state] = counts.get(state, 0) + 1
    return counts

"""Waiting documents made as rows (no file): the queue reads rows only, and a test of filters
and counts needs many of them quickly."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone

from asndigital.documents.models import Document, DocumentType, DocumentVersion


def waiting_document(employee, *, code="sk-cpns", uploader=None, days=0, minutes=0):
    """A document of ``employee`` waiting since ``days`` days (and minutes) ago, uploaded by
    ``uploader`` (the employee when None)."""
    since = timezone.now() - timedelta(days=days, minutes=minutes)
    uploader = uploader or employee.user
    document = Document.objects.create(
        employee=employee,
        doc_type=DocumentType.objects.get(code=code),
        created_at=since,
        updated_at=since,
    )
    version = DocumentVersion.objects.create(
        document=document,
        number=1,
        storage_key=f"documents/{employee.pk}/{uuid.uuid4()}",
        sha256="0" * 64,
        size=1000,
        media_type="application/pdf",
        page_count=1,
        original_name="x.pdf",
        source="scan",
        metadata={},
        uploaded_by=uploader,
        uploaded_at=since,
    )
    document.current_version = version
    document.save(update_fields=["current_version"])
    return document

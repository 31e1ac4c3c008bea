"""Reads of documents; every one starts from the employees the user may see."""

from __future__ import annotations

import uuid

from django.db.models import Prefetch

from asndigital.core.errors import NotFound
from asndigital.documents.models import Document, DocumentEvent
from asndigital.personnel.models import Employee


def visible_documents(user):
    return Document.objects.filter(employee__in=Employee.objects.visible_to(user))


def get_document(*, user, pk) -> Document:
    try:
        key = uuid.UUID(str(pk))
    except ValueError:
        raise NotFound() from None
    document = (
        visible_documents(user)
        .select_related("employee", "current_version", "doc_type")
        .filter(pk=key)
        .first()
    )
    if document is None:
        raise NotFound()
    return document


def dossier(employee: Employee):
    """An employee's documents with their current version and last rejection (the caller has
    already checked that the user may see the employee)."""
    rejections = DocumentEvent.objects.filter(kind="rejected").order_by("-at", "-id")
    return (
        Document.objects.filter(employee=employee)
        .select_related("doc_type", "current_version", "current_version__uploaded_by")
        .prefetch_related(Prefetch("events", queryset=rejections, to_attr="rejections"))
        .order_by("doc_type__group", "doc_type__sort_order", "created_at")
    )

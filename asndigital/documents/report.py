"""Laporan Kekurangan Berkas: per employee, the mandatory documents missing or rejected.

Streams over the agency's employees in chunks: one query for a chunk's employees, one for their
mandatory documents, one for the reasons of the rejected ones, so memory and query count do not
grow with the agency's size.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from asndigital.documents.models import Document, DocumentEvent, DocumentType
from asndigital.personnel.models import DEPARTED_STATUSES
from asndigital.personnel.nip import format_nip

CHUNK = 2000
_RANK = {Document.Status.REJECTED: 1, Document.Status.WAITING: 2, Document.Status.ACCEPTED: 3}


@dataclass
class Gap:
    employee_id: str
    nip: str
    name: str
    employment_type: str
    unit: str
    missing: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)


def _mandatory() -> dict[str, list[DocumentType]]:
    types = list(
        DocumentType.objects.filter(is_active=True, requirement=DocumentType.Requirement.MANDATORY)
    )
    return {kind: [t for t in types if t.applies_to_type(kind)] for kind in ("CPNS", "PNS", "PPPK")}


def gaps(employees) -> Iterator[Gap]:
    """``employees``: an Employee queryset already scoped to the user (and filtered)."""
    by_kind = _mandatory()
    type_ids = {t.pk for types in by_kind.values() for t in types}
    rows = (
        employees.exclude(status__in=DEPARTED_STATUSES)
        .order_by("name", "nip")
        .values_list(
            "id", "nip", "front_title", "name", "back_title", "employment_type", "unit__name"
        )
    )
    chunk: list[tuple] = []
    for row in rows.iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield from _chunk_gaps(chunk, by_kind, type_ids)
            chunk = []
    if chunk:
        yield from _chunk_gaps(chunk, by_kind, type_ids)


def _chunk_gaps(chunk, by_kind, type_ids) -> Iterator[Gap]:
    ids = [row[0] for row in chunk]
    best: dict[tuple, tuple[str, object]] = {}
    rejected_docs = []
    for employee_id, type_id, status, doc_id in (
        Document.objects.filter(employee__id__any=ids, doc_type_id__in=type_ids)
        .exclude(status=Document.Status.DESTROYED)  # a tombstone: the type is missing again
        .values_list("employee_id", "doc_type_id", "status", "id")
    ):
        key = (employee_id, type_id)
        if key not in best or _RANK[status] > _RANK[best[key][0]]:
            best[key] = (status, doc_id)
    for status, doc_id in best.values():
        if status == Document.Status.REJECTED:
            rejected_docs.append(doc_id)
    reasons: dict = {}
    for doc_id, reason in (
        DocumentEvent.objects.filter(
            document_id__in=rejected_docs, kind=DocumentEvent.Kind.REJECTED
        )
        .order_by("document_id", "-at", "-id")
        .values_list("document_id", "reason")
    ):
        reasons.setdefault(doc_id, reason)
    for employee_id, nip, front, name, back, kind, unit in chunk:
        gap = Gap(
            employee_id=str(employee_id),
            nip=format_nip(nip),
            name=" ".join(p for p in (front, name) if p) + (f", {back}" if back else ""),
            employment_type=kind,
            unit=unit or "",
        )
        for doc_type in by_kind.get(kind, []):
            state = best.get((employee_id, doc_type.pk))
            if state is None:
                gap.missing.append(doc_type.name)
            elif state[0] == Document.Status.REJECTED:
                gap.rejected.append((doc_type.name, reasons.get(state[1], "")))
        if gap.missing or gap.rejected:
            yield gap

"""“Pekerjaan yang belum selesai”: the operator's unfinished work, read in their scope.

Three lists, each of the agencies where the user holds a worklist role (policies.ACCESS
``("personnel.agency", "worklist")``), starting from ``visible_to``:
- documents waiting for verification whose current version lacks a required metadata field
  (bulk uploads map files only; their metadata is completed later, many at once);
- rejected documents waiting for a new upload;
- employees missing mandatory documents (the missing-documents report's own reader, ``gaps``).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import reduce
from itertools import islice
from operator import or_

from django.db.models import Prefetch, Q, QuerySet

from asndigital.documents.models import Document, DocumentEvent, DocumentType
from asndigital.documents.report import Gap, gaps
from asndigital.personnel.models import Agency, Employee


def agencies(user) -> QuerySet[Agency]:
    """The agencies whose unfinished work ``user`` sees."""
    return Agency.objects.visible_to(user, "worklist")


def _documents(user, agency_ids) -> QuerySet[Document]:
    return (
        Document.objects.visible_to(user)
        .filter(employee__agency_id__in=list(agency_ids))
        .select_related(
            "employee", "employee__unit", "employee__agency", "doc_type", "current_version"
        )
    )


def _lacks_required_metadata() -> Q:
    """Documents whose current version lacks one of its type's required fields."""
    condition = Q(pk__in=[])  # matches nothing: no type has required fields
    for doc_type in DocumentType.objects.all():
        required = [s["name"] for s in doc_type.metadata_fields if s.get("required")]
        if required:
            lacks = reduce(or_, (~Q(current_version__metadata__has_key=n) for n in required))
            condition |= Q(doc_type_id=doc_type.pk) & lacks
    return condition


def missing_metadata(user, agency_ids) -> QuerySet[Document]:
    """Waiting documents whose metadata is still to be completed, oldest upload first."""
    return (
        _documents(user, agency_ids)
        .filter(_lacks_required_metadata(), status=Document.Status.WAITING)
        .order_by("current_version__uploaded_at", "pk")
    )


def rejected(user, agency_ids) -> QuerySet[Document]:
    """Rejected documents waiting for a new upload, longest waiting first, with the reason."""
    reasons = DocumentEvent.objects.filter(kind=DocumentEvent.Kind.REJECTED).order_by("-at", "-id")
    return (
        _documents(user, agency_ids)
        .filter(status=Document.Status.REJECTED)
        .prefetch_related(Prefetch("events", queryset=reasons, to_attr="rejections"))
        .order_by("updated_at", "pk")
    )


def _missing_gaps(user, agency_ids) -> Iterator[Gap]:
    employees = Employee.objects.visible_to(user).filter(agency_id__in=list(agency_ids))
    return (gap for gap in gaps(employees) if gap.missing)


def missing_documents_page(user, agency_ids, *, page: int, size: int) -> tuple[list[Gap], bool]:
    """One page of the employees with a mandatory document missing, and whether more follow."""
    start = (page - 1) * size
    rows = list(islice(_missing_gaps(user, agency_ids), start, start + size + 1))
    return rows[:size], len(rows) > size


def missing_documents_count(user, agency_ids) -> int:
    """How many employees miss a mandatory document (the report read to its end)."""
    return sum(1 for _gap in _missing_gaps(user, agency_ids))

"""Reads of documents; every one starts from the employees the user may see."""

from __future__ import annotations

import uuid

from django.db.models import Prefetch

from asndigital.core.errors import NotFound
from asndigital.documents.models import Document, DocumentEvent
from asndigital.personnel.models import Employee


def visible_documents(user):
    return Document.objects.visible_to(user)


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
        .select_related(
            "employee", "doc_type", "current_version", "current_version__uploaded_by__employee"
        )
        .prefetch_related(Prefetch("events", queryset=rejections, to_attr="rejections"))
        .order_by("doc_type__group", "doc_type__sort_order", "created_at")
    )


def mandatory_types(employment_type: str):
    from asndigital.documents.models import DocumentType

    return [
        t
        for t in DocumentType.objects.filter(
            is_active=True, requirement=DocumentType.Requirement.MANDATORY
        )
        if t.applies_to_type(employment_type)
    ]


Status = Document.Status
STATE_ORDER = {"missing": 0, Status.REJECTED: 1, Status.WAITING: 2, Status.ACCEPTED: 3}


def checklist(employee: Employee) -> dict:
    """The mandatory types for the employee's employment type, each present / missing / accepted
    / rejected (with the reason), and the completeness (share of them accepted)."""
    documents = list(dossier(employee))
    rows = []
    for doc_type in mandatory_types(employee.employment_type):
        # A destroyed document (a tombstone) no longer counts: the type is missing again.
        mine = [d for d in documents if d.doc_type_id == doc_type.pk and d.status in STATE_ORDER]
        # The best state among this type's documents counts (one accepted ijazah is enough).
        best = max(mine, key=lambda d: STATE_ORDER[d.status], default=None)
        state = best.status if best is not None else "missing"
        reason = best.rejections[0].reason if best is not None and best.rejections else ""
        rows.append({"type": doc_type, "state": state, "reason": reason})
    accepted = sum(1 for row in rows if row["state"] == Status.ACCEPTED)
    return {
        "rows": rows,
        "accepted": accepted,
        "total": len(rows),
        "percent": round(100 * accepted / len(rows)) if rows else 100,
    }


def history(document: Document) -> dict:
    """A document's versions (newest first) and every event, with who did it."""
    from asndigital.documents.models import DocumentVersion

    versions = list(
        DocumentVersion.objects.filter(document=document)
        .select_related("uploaded_by__employee")
        .order_by("-number")
    )
    events = list(
        DocumentEvent.objects.filter(document=document)
        .select_related("actor__employee", "version")
        .order_by("-at", "-id")
    )
    return {"versions": versions, "events": events}


# Codes are Crockford base32 (no I, L, O, U): what is read from paper can be typed back. Codes
# made before are RFC 4648 base32 (A-Z, 2-7) and keep working.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})  # Crockford's decoding rules
_LEGACY = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def normalise_code(code: str) -> str | None:
    """A verification code as typed or scanned (any case, spaces and dashes anywhere), or None
    when it cannot be one (24 letters and digits)."""
    cleaned = "".join((code or "").split()).replace("-", "").upper()
    if len(cleaned) != 24 or not cleaned.isascii() or not cleaned.isalnum():
        return None
    return cleaned


def code_candidates(code: str) -> list[str]:
    """The stored codes a typed code can mean: read with Crockford's rules (O is 0, I and L
    are 1), and, for codes made before, with 0 read as the letter O."""
    cleaned = normalise_code(code)
    if cleaned is None:
        return []
    found = []
    crockford = cleaned.translate(_READ_AS)
    if set(crockford) <= set(CROCKFORD):
        found.append(crockford)
    legacy = cleaned.replace("0", "O")
    if set(legacy) <= _LEGACY and legacy not in found:
        found.append(legacy)
    return found


def public_verification(code: str):
    """The accepted version with this verification code, for the public page; or None.
    Deliberately unscoped: the code itself is the capability (120 random bits)."""
    from asndigital.documents.models import DocumentVersion

    candidates = code_candidates(code)
    if not candidates:
        return None
    return (
        DocumentVersion.objects.select_related(
            "document", "document__doc_type", "document__employee"
        )
        .filter(verification_code__in=candidates)
        .first()
    )


def mask_name(name: str) -> str:
    """“Budi Santoso, S.Kom.” → “B*** S******, S.***.”: enough to recognise, not to identify."""
    words = []
    for word in (name or "").split():
        letters = [i for i, ch in enumerate(word) if ch.isalpha()]
        masked = list(word)
        for i in letters[1:]:
            masked[i] = "*"
        words.append("".join(masked))
    return " ".join(words)


def public_facts(version) -> dict:
    """What the public verification page may show of a version: never its content."""
    from datetime import date

    from asndigital.documents.models import Document

    document = version.document
    metadata = version.metadata or {}
    number = next((metadata[k] for k in ("nomor_sk", "nomor") if metadata.get(k)), "")
    raw_date = next((metadata[k] for k in ("tanggal_sk", "tanggal") if metadata.get(k)), "")
    try:
        issued_on = date.fromisoformat(raw_date) if raw_date else None
    except ValueError:
        issued_on = None
    is_current = (
        document.current_version_id == version.pk and document.status == Document.Status.ACCEPTED
    )
    return {
        "type": document.doc_type.name,
        "number": number,
        "issued_on": issued_on,
        "year": metadata.get("tahun", ""),
        "owner": mask_name(document.employee.display_name),
        "state": "destroyed"
        if document.status == Document.Status.DESTROYED
        else "valid"
        if is_current
        else "superseded",
        "sha256": version.sha256,
        "size": version.size,
        "pages": version.page_count,
        "accepted_at": version.accepted_at,
        "version": version.number,
        "code": version.verification_code_display,
    }


# --- Full-text search (documents/search.py) ------------------------------------------------------

SEARCH_PAGE = 20


def can_search(user) -> bool:
    """Staff who read documents somewhere; an employee's own dossier is not searched."""
    from asndigital.accounts import policies

    if user is None or not user.is_authenticated:
        return False
    everywhere, agencies = policies.scope(user, Document, "search")
    return everywhere or bool(agencies)


def search_documents(*, user, query, agency_id=None, type_code="", status=""):
    """The documents ``user`` may read whose current version matches ``query`` (every word,
    every phrase), newest first; filtered by agency, type code and status."""
    from asndigital.documents import search

    if query.empty or not can_search(user):
        return Document.objects.none()
    found = (
        Document.objects.visible_to(user, "search")
        .filter(current_version__in=search.matching(query))
        .exclude(status=Document.Status.DESTROYED)
        .select_related("employee__agency", "doc_type", "current_version")
        .order_by("-updated_at", "pk")
    )
    if agency_id:
        found = found.filter(employee__agency_id=agency_id)
    if type_code:
        found = found.filter(doc_type__code=type_code)
    if status:
        found = found.filter(status=status)
    return found


def search_excerpt(document, query) -> str:
    """A short highlighted piece of the document's text around what was searched ("" when the
    match was in its NIP or metadata only)."""
    from asndigital.documents import search, services

    version = document.current_version
    try:
        text = services.version_text(version) if version is not None else None
    except Exception:  # a key or text that cannot be opened gives no excerpt, not an error
        return ""
    return search.excerpt(text, query) if text else ""

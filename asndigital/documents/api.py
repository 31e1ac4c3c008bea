"""API: upload by NIP and type code (like SIASN's upload), download, accept and reject."""

from __future__ import annotations

import json
import re
from uuid import UUID

from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from asndigital.api.core import error, errors, needs_scope
from asndigital.audit import reads
from asndigital.core.errors import DomainError, NotFound
from asndigital.documents import reading, search, selectors, services, storage
from asndigital.documents.models import DocumentType
from asndigital.documents.report import gaps
from asndigital.documents.search_views import clean_filters
from asndigital.personnel import selectors as people
from asndigital.personnel.api import employee_by_nip

router = Router(tags=["documents"])
_TYPE_CODE = re.compile(r"[a-z0-9-]{1,40}")


class StoredOut(Schema):
    document: UUID
    version: int
    sha256: str
    size: int
    status: str


class DecisionOut(Schema):
    document: UUID
    status: str


class RejectIn(Schema):
    reason: str


# The download's answer: the stored bytes as the type inspection found, one of
# inspection.MEDIA_TYPES (not imported here: that module loads pikepdf and Pillow).
DOWNLOADED = {
    "description": "The version's bytes.",
    "content": {
        media_type: {"schema": {"type": "string", "format": "binary"}}
        for media_type in ("application/pdf", "image/jpeg", "image/png")
    },
    "headers": {
        "X-Checksum-SHA256": {
            "description": "The SHA-256 of the bytes, as stored when they were uploaded.",
            "required": True,
            "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        }
    },
}


class DocumentOut(Schema):
    id: UUID
    type: str
    type_name: str
    group: str
    status: str
    version: int | None
    sha256: str | None
    size: int | None
    media_type: str | None
    pages: int | None
    metadata: dict
    uploaded_at: str | None
    verification_code: str | None
    # The newest check of the current version's electronic signatures ("" while it runs):
    # valid, untrusted, expired, revoked, modified, broken, unsigned or unchecked.
    signature_state: str


class CertificateOut(Schema):
    subject: str
    issuer: str
    serial: str
    not_before: str | None
    not_after: str | None
    sha256: str


class TimestampOut(Schema):
    time: str | None
    authority: str
    intact: bool
    trusted: bool


class SignatureOut(Schema):
    field: str
    state: str
    reason: str
    signer: str | None = None
    certificate: CertificateOut | None = None
    signed_at: str | None = None
    timestamp: TimestampOut | None = None
    coverage: str | None = None
    modification_level: str | None = None
    intact: bool | None = None
    trusted: bool | None = None
    revoked: bool | None = None
    chain: list[str] = []
    revocation_data_embedded: bool = False


class SignatureReportOut(Schema):
    id: UUID
    state: str
    occasion: str
    checked_at: str
    signature_count: int
    engine: str
    detail: str
    signatures: list[SignatureOut]


@router.post(
    "/employees/{nip}/documents",
    response={201: StoredOut, **errors(403, 404, 422, 507)},
    summary="Upload",
)
@needs_scope("documents:write")
def upload(
    request,
    nip: str,
    type: Form[str],
    file: File[UploadedFile],
    metadata: Form[str] = "{}",
    source: Form[str] = "digital",
):
    """A document for the employee: the type's code (or SIASN code), its metadata as a JSON
    object, and the file; checked and stored exactly as on the upload page."""
    employee = employee_by_nip(request.auth, nip)
    doc_type = None
    # Only what a code can be reaches the database: no NUL (PostgreSQL refuses it), no "²" (a
    # digit to isdigit(), not to int()).
    if _TYPE_CODE.fullmatch(type):
        doc_type = DocumentType.objects.filter(code=type).first()
        if doc_type is None and type.isdigit():
            doc_type = DocumentType.objects.filter(siasn_code=int(type)).first()
    if doc_type is None:
        raise DomainError(_("Unknown document type."), code="unknown_type")
    try:
        values = json.loads(metadata or "{}")
    except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        raise DomainError(_("metadata must be a JSON object."), code="metadata") from None
    if not isinstance(values, dict):
        raise DomainError(_("metadata must be a JSON object."), code="metadata")
    version = services.upload_document(
        actor=request.auth,
        employee=employee,
        doc_type=doc_type,
        chunks=file.chunks(),
        original_name=file.name,
        metadata=values,
        source=source,
        # A client (SIASN's sync) sends a new version on purpose; people on the upload page
        # are asked to confirm replacing an accepted document.
        replace_accepted=True,
    )
    return Status(
        201,
        {
            "document": version.document_id,
            "version": version.number,
            "sha256": version.sha256,
            "size": version.size,
            "status": version.document.status,
        },
    )


@router.get(
    "/employees/{nip}/documents",
    response={200: list[DocumentOut], **errors(404)},
    summary="An employee's dossier",
)
@needs_scope("documents:read")
def list_documents(request, nip: str):
    employee = employee_by_nip(request.auth, nip)
    reads.one(request.auth, "dossier.read", employee, api=True)
    result = []
    for document in selectors.dossier(employee):
        version = document.current_version
        result.append(
            {
                "id": document.pk,
                "type": document.doc_type.code,
                "type_name": document.doc_type.name,
                "group": document.doc_type.group,
                "status": document.status,
                "version": version.number if version else None,
                "sha256": version.sha256 if version else None,
                "size": version.size if version else None,
                "media_type": version.media_type if version else None,
                "pages": version.page_count if version else None,
                "metadata": version.metadata if version else {},
                "uploaded_at": version.uploaded_at.isoformat() if version else None,
                "verification_code": version.verification_code if version else None,
                "signature_state": version.signature_state if version else "",
            }
        )
    return result


@router.get(
    "/documents/{document_id}/versions/{number}/file",
    response=errors(404, 422, 500),
    summary="Download",
    openapi_extra={"responses": {200: DOWNLOADED}},
)
@needs_scope("documents:read")
def download(request, document_id: UUID, number: int):
    """The version's bytes, streamed; recorded in the audit trail like any download."""
    document = selectors.get_document(user=request.auth, pk=document_id)
    version = document.versions.filter(number=number, destroyed_at=None).first()
    if version is None:
        raise NotFound()
    try:
        stream = reading.open_checked(
            actor=request.auth,
            document=document,
            version=version,
            action="document.downloaded",
            api=True,
        )
    except reading.Damaged:
        message = _(
            "The stored copy of this file is damaged or missing. This was recorded and "
            "reported to the archive's administrators; the file was not sent."
        )
        return error(request, 500, "damaged", message)
    response = FileResponse(
        stream,
        content_type=version.media_type,
        as_attachment=True,
        filename=f"{document.doc_type.code}-{document.employee.nip}-v{version.number}",
    )
    response["Content-Length"] = str(version.size)
    response.block_size = storage.CHUNK  # decrypted on the fly: 1 MiB reads, not 4 KiB
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Checksum-SHA256"] = version.sha256
    return response


@router.get(
    "/documents/{document_id}/versions/{number}/signatures",
    response={200: list[SignatureReportOut], **errors(404, 422)},
    summary="Signature reports",
)
@needs_scope("documents:read")
def signature_reports(request, document_id: UUID, number: int):
    """Every check of the version's electronic signatures, newest first: the signers, their
    certificates, signing times and timestamps, what each signature covers, and the state."""
    document = selectors.get_document(user=request.auth, pk=document_id)
    version = document.versions.filter(number=number).first()
    if version is None:
        raise NotFound()
    reads.one(request.auth, "document.signatures_read", document, version=str(version.pk), api=True)
    return [_report_out(r) for r in selectors.signature_reports(version)]


def _report_out(report) -> dict:
    signatures = []
    for found in report.signatures:
        data = found.get("validation_data") or {}
        signatures.append(
            {
                **{k: found.get(k) for k in SignatureOut.model_fields if k in found},
                "field": str(found.get("field", "")),
                "state": str(found.get("state", "broken")),
                "reason": str(found.get("reason", "")),
                "chain": list(found.get("chain") or []),
                "revocation_data_embedded": bool(data.get("embedded")),
            }
        )
    return {
        "id": report.pk,
        "state": report.state,
        "occasion": report.occasion,
        "checked_at": report.checked_at.isoformat(),
        "signature_count": report.signature_count,
        "engine": str(report.report.get("engine", "")),
        "detail": str(report.report.get("detail", "")),
        "signatures": signatures,
    }


@router.post(
    "/documents/{document_id}/accept",
    response={200: DecisionOut, **errors(403, 404, 422)},
    summary="Accept",
)
@needs_scope("decisions:write")
def accept(request, document_id: UUID):
    document = selectors.get_document(user=request.auth, pk=document_id)
    document = services.accept_document(actor=request.auth, document=document)
    return {"document": document.pk, "status": document.status}


@router.post(
    "/documents/{document_id}/reject",
    response={200: DecisionOut, **errors(403, 404, 422)},
    summary="Reject",
)
@needs_scope("decisions:write")
def reject(request, document_id: UUID, body: RejectIn):
    document = selectors.get_document(user=request.auth, pk=document_id)
    document = services.reject_document(actor=request.auth, document=document, reason=body.reason)
    return {"document": document.pk, "status": document.status}


class GapOut(Schema):
    nip: str
    name: str
    employment_type: str
    unit: str
    missing: list[str]
    rejected: list[dict]


class GapPage(Schema):
    results: list[GapOut]
    next: str | None


@router.get(
    "/reports/missing",
    response={200: GapPage, **errors(404, 422)},
    tags=["reports"],
    summary="Missing documents",
)
@needs_scope("reports:read")
def missing_report(
    request, agency: str, unit: str | None = None, after: str = "", limit: int = 500
):
    """Laporan Kekurangan Berkas for one agency (its code), optionally one unit (its code):
    per employee, the mandatory types missing or rejected. Paged by NIP: pass ``next`` as
    ``after`` for the following page."""
    limit = max(1, min(limit, 2000))
    found = people.agencies_for(request.auth, "report").filter(code=agency).first()
    if found is None:
        raise NotFound()
    employees = people.employee_list(user=request.auth, agency_id=found.pk, action="report")
    if unit:
        employees = employees.filter(unit__code=unit)
    page = list(
        employees.filter(nip__gt="".join(after.split()))
        .order_by("nip")
        .values_list("nip", flat=True)[: limit + 1]
    )
    more = len(page) > limit
    page = page[:limit]
    rows = sorted(gaps(employees.filter(nip__in=page)), key=lambda g: g.nip)
    if rows:
        reads.many(
            request.auth,
            "report.exported",
            [g.employee_id for g in rows],
            report="missing",
            agency=found.code,
            api=True,
        )
    return {
        "results": [
            {
                "nip": "".join(g.nip.split()),
                "name": g.name,
                "employment_type": g.employment_type,
                "unit": g.unit,
                "missing": g.missing,
                "rejected": [{"type": name, "reason": reason} for name, reason in g.rejected],
            }
            for g in rows
        ],
        "next": page[-1] if more and page else None,
    }


class SearchHitOut(Schema):
    document: UUID
    type: str
    status: str
    nip: str
    name: str
    agency: str
    version: int | None
    excerpt: str


class SearchOut(Schema):
    count: int  # documents found, counted up to 1,000 (search.COUNT_CAP)
    more: bool  # more than 1,000 match: the pages hold the first 1,000
    page: int
    pages: int
    results: list[SearchHitOut]


@router.get(
    "/search",
    response={200: SearchOut, **errors(404, 422)},
    summary="Search documents' text",
)
@needs_scope("documents:read")
def search_documents(
    request,
    q: str = "",
    agency: int | None = None,
    type: str = "",
    status: str = "",
    page: int = 1,
):
    """Documents the token may read whose text, NIP or metadata hold every word and "exact
    phrase" of ``q``; 20 a page, newest first (counted up to 1,000: past it ``more`` is true
    and the pages hold the first 1,000), each with a short excerpt (``<mark>`` around the
    words found). Recorded in the audit trail like any search."""
    if not selectors.can_search(request.auth):
        raise NotFound()
    params = {"q": q, "agency": str(agency or ""), "type": type, "status": status}
    text, filters = clean_filters(request.auth, params)
    query = search.parse(text)
    if query.empty:
        return {"count": 0, "more": False, "page": 1, "pages": 0, "results": []}
    found = selectors.search_documents(user=request.auth, query=query, **filters)
    paginator = search.CappedPaginator(found, selectors.SEARCH_PAGE)
    shown = paginator.get_page(page)
    services.record_search(
        actor=request.auth,
        q=text,
        filters=filters,
        found=paginator.count,
        more=paginator.more,
        api=True,
    )
    return {
        "count": paginator.count,
        "more": paginator.more,
        "page": shown.number,
        "pages": shown.paginator.num_pages,
        "results": [
            {
                "document": d.pk,
                "type": d.doc_type.code,
                "status": d.status,
                "nip": d.employee.nip,
                "name": d.employee.name,
                "agency": d.employee.agency.name,
                "version": d.current_version.number if d.current_version else None,
                "excerpt": str(selectors.search_excerpt(d, query)),
            }
            for d in shown.object_list
        ],
    }

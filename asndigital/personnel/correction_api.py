"""API: correction requests. The agency lists and answers its employees' requests; an employee
(with their browser session) lists their own and makes one; open requests per agency."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from asndigital.api.core import errors, needs_scope
from asndigital.audit import reads
from asndigital.core.errors import DomainError, NotFound
from asndigital.documents.models import Document
from asndigital.personnel import corrections
from asndigital.personnel.models import Agency, CorrectionRequest

router = Router(tags=["corrections"])
PAGE = 100


class CorrectionOut(Schema):
    id: UUID
    nip: str
    name: str
    agency: str
    subject: str
    document: UUID | None
    document_type: str | None
    note: str
    has_attachment: bool
    status: str
    created_at: datetime
    answer: str
    answered_at: datetime | None

    @staticmethod
    def resolve_nip(obj):
        return obj.employee.nip

    @staticmethod
    def resolve_name(obj):
        return obj.employee.display_name

    @staticmethod
    def resolve_agency(obj):
        return obj.agency.code

    @staticmethod
    def resolve_document(obj):
        return obj.document_id

    @staticmethod
    def resolve_document_type(obj):
        return obj.document.doc_type.code if obj.document_id else None

    @staticmethod
    def resolve_has_attachment(obj):
        return bool(obj.attachment_key)


class CorrectionPage(Schema):
    results: list[CorrectionOut]
    next_page: int | None


class AnswerIn(Schema):
    outcome: str  # "corrected" or "refused"
    answer: str


class OpenFiguresOut(Schema):
    agency: str
    open: int
    oldest_days: int | None


def _page(queryset, page: int) -> tuple[list, int | None]:
    page = max(1, page)
    rows = list(queryset[(page - 1) * PAGE : page * PAGE + 1])
    return rows[:PAGE], page + 1 if len(rows) > PAGE else None


@router.get(
    "/corrections",
    response={200: CorrectionPage, **errors(422)},
    summary="Correction requests for the agency",
)
@needs_scope("corrections:read")
def agency_list(request, status: str = CorrectionRequest.Status.OPEN, page: int = 1):
    """The requests of the caller's agencies (open ones oldest first by default; ``status``
    empty for all); a recorded read of the employees listed."""
    rows, following = _page(
        corrections.agency_requests(request.auth, status=status).select_related("agency"), page
    )
    if rows:
        reads.many(request.auth, "corrections.listed", [r.employee_id for r in rows], api=True)
    return {"results": rows, "next_page": following}


@router.post(
    "/corrections/{request_id}/answer",
    response={200: CorrectionOut, **errors(404, 422)},
    summary="Answer a correction request",
)
@needs_scope("corrections:write")
def answer(request, request_id: UUID, body: AnswerIn):
    """Corrected (with a note) or refused (with a reason), once; the employee is e-mailed."""
    found = corrections.get_request(user=request.auth, pk=request_id)
    return corrections.answer_request(
        actor=request.auth, request=found, outcome=body.outcome, answer=body.answer
    )


@router.get(
    "/me/corrections",
    response={200: CorrectionPage, **errors(422)},
    summary="My correction requests",
)
@needs_scope("corrections:read")
def own_list(request, page: int = 1):
    """The signed-in employee's own requests, newest first (empty for other accounts)."""
    rows, following = _page(
        corrections.own_requests(request.auth).select_related("employee", "agency"), page
    )
    return {"results": rows, "next_page": following}


@router.post(
    "/me/corrections",
    response={201: CorrectionOut, **errors(404, 422, 507)},
    summary="Request a correction",
)
@needs_scope("corrections:write")
def create(
    request,
    subject: Form[str],
    note: Form[str],
    document: Form[str] = "",
    file: File[UploadedFile] = None,  # optional: ninja reads "| None" as a query parameter
):
    """The employee's own request: ``subject`` (a CorrectionRequest subject: dokumen, nama,
    tanggal_lahir, ...), ``note``, ``document`` (the document's id when the subject is
    dokumen) and optionally ``file`` (PDF, JPG or PNG, checked like an upload)."""
    employee = getattr(request.auth, "employee", None)
    if employee is None:
        raise NotFound()
    chosen = None
    if document:
        try:
            key = UUID(document)
        except ValueError:
            raise DomainError(_("Choose the document that is wrong."), code="document") from None
        chosen = Document.objects.visible_to(request.auth).filter(pk=key, employee=employee).first()
        if chosen is None:
            raise DomainError(_("Choose the document that is wrong."), code="document")
    made = corrections.create_request(
        actor=request.auth,
        employee=employee,
        subject=subject,
        note=note,
        document=chosen,
        chunks=file.chunks() if file is not None else None,
        original_name=file.name if file is not None else "",
    )
    return Status(201, made)


@router.get(
    "/corrections/figures",
    response={200: list[OpenFiguresOut], **errors()},
    tags=["reports"],
    summary="Open correction requests per agency",
)
@needs_scope("reports:read")
def figures(request):
    """Per agency the caller reports on: how many requests wait, and the oldest's age in days."""
    agencies = {a.pk: a.code for a in Agency.objects.visible_to(request.auth, "report")}
    found = corrections.open_figures(agencies)
    return [
        {"agency": agencies[pk], "open": f["open"], "oldest_days": f["oldest_days"]}
        for pk, f in sorted(found.items(), key=lambda item: agencies[item[0]])
    ]

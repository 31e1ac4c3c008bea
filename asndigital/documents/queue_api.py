"""API: the verifier's queue (what waits for a decision, oldest first) and an agency's queue
and decision figures. Decisions themselves go through /documents/{id}/accept and /reject,
which respect claims held in the queue."""

from __future__ import annotations

from uuid import UUID

from ninja import Router, Schema
from ninja.errors import ValidationError

from asndigital.accounts import policies
from asndigital.api.core import errors, needs_scope
from asndigital.audit import reads
from asndigital.core.errors import NotFound
from asndigital.documents import queue
from asndigital.documents.models import DocumentType
from asndigital.personnel.models import Agency

router = Router(tags=["queue"])


class QueueItemOut(Schema):
    id: UUID
    type: str
    type_name: str
    group: str
    nip: str
    name: str
    unit: str
    waiting_since: str
    uploaded_by_employee: bool
    claimed_by: str | None
    claimed_until: str | None


class QueuePage(Schema):
    total: int
    results: list[QueueItemOut]
    next: str | None


@router.get(
    "/queue",
    response={200: QueuePage, **errors(404, 422)},
    summary="Verification queue",
)
@needs_scope("documents:read")
def waiting_documents(
    request,
    unit: str = "",
    type: str = "",
    group: str = "",
    min_days: str = "",
    order: str = "lama",
    after: str = "",
    limit: int = 100,
):
    """The waiting documents the caller may decide (never their own uploads), oldest first
    (``order=baru``: newest first). Filters: ``unit`` (unit id), ``type`` (type code),
    ``group`` (utama, kondisional, pendukung), ``min_days`` (1, 3, 7, 14 or 30). Paged: pass
    ``next`` as ``after``. Reading the list is recorded for each employee in it."""
    if not policies.can_use_queue(request.auth):
        raise NotFound()
    limit = max(1, min(limit, 500))
    type_id = ""
    if type:
        found_type = DocumentType.objects.filter(code=type).values_list("pk", flat=True).first()
        type_id = str(found_type) if found_type else "0"
    filters = queue.Filters.parse(
        {"unit": unit, "jenis": type_id, "kelompok": group, "umur": min_days, "urut": order}
    )
    if filters.problems:
        raise ValidationError(
            [
                {"loc": ("query", "filters"), "msg": p, "type": "value_error"}
                for p in filters.problems
            ]
        )
    position = queue.Position.parse(after) if after else None
    if after and position is None:
        raise ValidationError([{"loc": ("query", "after"), "msg": "bad", "type": "value_error"}])
    rows = queue.page_after(request.auth, filters, position, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    if rows:
        reads.many(request.auth, "queue.listed", [r.employee_id for r in rows], api=True)
    return {
        "total": queue.counts(request.auth, filters)["total"],
        "results": [
            {
                "id": r.pk,
                "type": r.doc_type.code,
                "type_name": r.doc_type.name,
                "group": r.doc_type.group,
                "nip": r.employee.nip,
                "name": r.employee.display_name,
                "unit": r.employee.unit.name if r.employee.unit_id else "",
                "waiting_since": r.updated_at.isoformat(),
                "uploaded_by_employee": r.self_uploaded,
                "claimed_by": r.active_claim.claimed_by.get_full_name() if r.active_claim else None,
                "claimed_until": r.active_claim.expires_at.isoformat() if r.active_claim else None,
            }
            for r in rows
        ],
        "next": queue.Position.of(rows[-1]).token() if more else None,
    }


class VerifierOut(Schema):
    name: str
    days: list[int]
    total: int


class FiguresOut(Schema):
    agency: str
    waiting: int
    oldest_waiting_since: str | None
    oldest_waiting_days: int | None
    median_waiting_hours: float | None
    decided_last_30_days: int
    median_upload_to_decision_hours: float | None
    days: list[str]
    decisions_per_verifier: list[VerifierOut]
    open_corrections: dict | None
    computed_at: str


def _hours(delta) -> float | None:
    return round(delta.total_seconds() / 3600, 1) if delta is not None else None


@router.get(
    "/queue/figures",
    response={200: FiguresOut, **errors(404, 422)},
    tags=["reports"],
    summary="Verification figures",
)
@needs_scope("reports:read")
def queue_figures(request, agency: str):
    """An agency's (its code) queue size and age, decisions per verifier per day (the last 7
    days) and the median time from upload to decision (the last 30 days), as of
    ``computed_at`` (at most five minutes ago)."""
    found = Agency.objects.visible_to(request.auth, "queue_figures").filter(code=agency).first()
    if found is None:
        raise NotFound()
    figures = queue.cached_figures(found.pk)
    return {
        "agency": found.code,
        "waiting": figures["waiting"],
        "oldest_waiting_since": (
            figures["oldest_waiting_since"].isoformat() if figures["oldest_waiting_since"] else None
        ),
        "oldest_waiting_days": figures["oldest_waiting_days"],
        "median_waiting_hours": _hours(figures["median_waiting"]),
        "decided_last_30_days": figures["decided"],
        "median_upload_to_decision_hours": _hours(figures["median_upload_to_decision"]),
        "days": [day.isoformat() for day in figures["days"]],
        "decisions_per_verifier": [
            {"name": v["name"], "days": v["days"], "total": v["total"]}
            for v in figures["verifiers"]
        ],
        "open_corrections": figures["corrections"],
        "computed_at": figures["computed_at"].isoformat(),
    }

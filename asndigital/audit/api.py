"""API: the audit trail, for auditors (the same scope and filters as the search page)."""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema

from asndigital.accounts import policies
from asndigital.api.core import errors, needs_scope
from asndigital.api.params import IsoDate
from asndigital.audit import selectors
from asndigital.core.errors import NotFound

router = Router(tags=["audit"])


class EventOut(Schema):
    id: int
    position: int | None
    occurred_at: datetime
    actor: str | None
    action: str
    target_type: str
    target_id: str
    employee_id: str | None
    data: dict
    hash: str


class EventPage(Schema):
    results: list[EventOut]
    next: int | None


@router.get(
    "/audit/events",
    response={200: EventPage, **errors(404, 422)},
    summary="Search the audit trail",
)
@needs_scope("audit:read")
def events(
    request,
    actor: str = "",
    nip: str = "",
    action: str = "",
    since: IsoDate | None = None,
    until: IsoDate | None = None,
    before: int | None = None,
    limit: int = 200,
):
    """Newest first; pass ``next`` as ``before`` for the following page. Auditors only."""
    if not policies.can_read_audit(request.auth):
        raise NotFound()
    limit = max(1, min(limit, 1000))
    found = list(
        selectors.with_links(
            selectors.search(
                request.auth,
                actor=actor,
                nip="".join(nip.split()),
                action=action,
                since=since,
                until=until,
                before_id=before,
            )
        )[: limit + 1]
    )
    more = len(found) > limit
    found = found[:limit]
    return {
        "results": [
            {
                "id": e.pk,
                "position": e.position,
                "occurred_at": e.occurred_at,
                "actor": e.actor.username if e.actor_id else None,
                "action": e.action,
                "target_type": e.target_type,
                "target_id": e.target_id,
                "employee_id": str(e.employee_id) if e.employee_id else None,
                "data": e.data,
                "hash": e.hash,
            }
            for e in found
        ],
        "next": found[-1].pk if more and found else None,
    }

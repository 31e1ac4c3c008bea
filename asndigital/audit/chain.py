"""The audit trail's hash chain: canonical form, sealing in order, and verification.

Each event is written with its canonical serialisation (``canonical``), inside the transaction of
the change it records, without waiting for anyone. After commit, ``seal`` gives committed events
their chain position under a lock on the chain head:

    hash(n) = SHA-256( "<n>\\n<hash(n-1)>\\n<canonical(n)>" ),   hash(0) = 64 zeros

Chaining after commit, in commit order, keeps appends concurrent (writers never wait for each
other's transactions) and leaves no gaps: a rolled-back event never gets a position. An event is
immutable from the moment it is written (the database refuses changes to its columns), so the
short time before it is sealed does not open a window for edits. ``verify`` recomputes every link.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from asndigital.audit.models import GENESIS, AuditEvent, ChainHead, Checkpoint

BATCH = 5000
logger = logging.getLogger(__name__)


def canonical(
    *, occurred_at, actor_id, action: str, target_type: str, target_id: str, employee_id, data
) -> str:
    """The event's fixed text: sorted keys, no spaces, ASCII only, UUIDs as 32 hex digits,
    UTC time."""
    return json.dumps(
        {
            "action": action,
            "actor": actor_id.hex if actor_id is not None else None,
            "at": occurred_at.astimezone(UTC).isoformat(),
            "data": data,
            "employee": employee_id.hex if employee_id is not None else None,
            "target_id": target_id,
            "target_type": target_type,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,  # as Django stores JSON, so the database can compare the two
    )


def link(position: int, prev_hash: str, canonical_text: str) -> str:
    return hashlib.sha256(f"{position}\n{prev_hash}\n{canonical_text}".encode()).hexdigest()


def seal(*, batch: int = BATCH) -> int:
    """Chain every committed, unsealed event, oldest first; the number sealed."""
    sealed = 0
    while AuditEvent.objects.filter(position__isnull=True).exists():  # no lock when idle
        with transaction.atomic():
            # The UPDATE takes the head's row lock (PostgreSQL) or the write lock (SQLite)
            # before anything is read: sealers queue here, one at a time.
            if not ChainHead.objects.filter(pk=1).update(sealed_at=timezone.now()):
                ChainHead.objects.get_or_create(pk=1)  # only after a test database flush
                ChainHead.objects.filter(pk=1).update(sealed_at=timezone.now())
            head = ChainHead.objects.get(pk=1)
            pending = list(
                AuditEvent.objects.filter(position__isnull=True)
                .order_by("id")
                .values_list("id", "canonical")[:batch]
            )
            if not pending:  # another sealer took them meanwhile
                return sealed
            position, previous = head.position, head.hash
            rows = []
            for event_id, text in pending:
                position += 1
                current = link(position, previous, text)
                rows.append((position, previous, current, event_id))
                previous = current
            with connection.cursor() as cursor:
                cursor.executemany(
                    "UPDATE audit_auditevent SET position = %s, prev_hash = %s, hash = %s "
                    "WHERE id = %s",
                    rows,
                )
            ChainHead.objects.filter(pk=1).update(position=position, hash=previous)
        sealed += len(pending)
    return sealed


def seal_quietly() -> None:
    """After a commit: seal now if possible. A failure only delays sealing (the next seal, a
    checkpoint or ``verify_audit`` does it), so it is logged, never raised into the request."""
    try:
        seal()
    except Exception:  # see the docstring: logged, and retried by the next seal
        logger.exception("sealing the audit trail failed; the next seal will do it")


# --- Verification ------------------------------------------------------------------------------


@dataclass
class Report:
    events: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def _walk(report: Report, wanted: dict[int, list[str]], *, chunk: int = 50_000) -> tuple[int, str]:
    """Recompute every link in position order; the last (position, hash)."""
    expected, previous = 1, GENESIS
    seen: dict[int, str] = {}
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT position, prev_hash, hash, canonical, id FROM audit_auditevent "
                "WHERE position >= %s ORDER BY position LIMIT %s",
                [expected, chunk],
            )
            rows = cursor.fetchall()
            for position, prev_hash, chain_hash, text, event_id in rows:
                if position != expected:
                    report.problems.append(
                        f"broken link at position {expected}: the chain jumps to {position} "
                        f"(event {event_id}); events are missing"
                    )
                    return expected - 1, previous
                if prev_hash != previous:
                    report.problems.append(
                        f"broken link at position {position} (event {event_id}): it does not "
                        "point to the event before it"
                    )
                    return expected - 1, previous
                if link(position, prev_hash, text) != chain_hash:
                    report.problems.append(
                        f"broken link at position {position} (event {event_id}): its content "
                        "does not match its hash"
                    )
                    return expected - 1, previous
                if position in wanted:
                    seen[position] = chain_hash
                previous, expected = chain_hash, expected + 1
            report.events += len(rows)
            if len(rows) < chunk:
                break
    for position, hashes in wanted.items():
        for checkpoint_hash in hashes:
            if position > expected - 1:
                report.problems.append(
                    f"checkpoint at position {position} is beyond the chain's end "
                    f"({expected - 1}): events were removed"
                )
            elif seen.get(position) != checkpoint_hash:
                report.problems.append(
                    f"checkpoint at position {position} does not match the chain: it was rewritten"
                )
    return expected - 1, previous


PROJECTION_SQL = {
    "postgresql": """
        SELECT e.position, e.id FROM audit_auditevent e, LATERAL (SELECT e.canonical::jsonb c) j
        WHERE NOT (
            (c->>'action') = e.action AND (c->>'target_type') = e.target_type
            AND (c->>'target_id') = e.target_id AND (c->>'at')::timestamptz = e.occurred_at
            AND (c->>'actor') IS NOT DISTINCT FROM replace(e.actor_id::text, '-', '')
            AND (c->>'employee') IS NOT DISTINCT FROM replace(e.employee_id::text, '-', '')
            AND (c->'data') = e.data
        )
        ORDER BY e.position NULLS LAST LIMIT 1
    """,
    "sqlite": """
        SELECT position, id FROM audit_auditevent
        WHERE NOT (
            json_extract(canonical, '$.action') IS action
            AND json_extract(canonical, '$.target_type') IS target_type
            AND json_extract(canonical, '$.target_id') IS target_id
            AND replace(substr(json_extract(canonical, '$.at'), 1,
                length(json_extract(canonical, '$.at')) - 6), 'T', ' ') IS occurred_at
            AND json_extract(canonical, '$.actor') IS actor_id
            AND json_extract(canonical, '$.employee') IS employee_id
            AND json(json_extract(canonical, '$.data')) IS json(data)
        )
        ORDER BY position IS NULL, position LIMIT 1
    """,
}


def _projection(report: Report) -> None:
    """The queryable columns must say what the sealed canonical text says."""
    with connection.cursor() as cursor:
        cursor.execute(PROJECTION_SQL[connection.vendor])
        row = cursor.fetchone()
    if row is not None:
        report.problems.append(
            f"event {row[1]} (position {row[0]}): its columns were changed after it was "
            "written (they no longer match its sealed content)"
        )


def verify(*, public_key=None, extra_checkpoints: list[dict[str, Any]] = ()) -> Report:
    """Recompute the chain and check the head, the columns and every signed checkpoint."""
    from asndigital.audit import signing

    report = Report()
    key = public_key or signing.private_key().public_key()
    wanted: dict[int, list[str]] = {}
    entries = [
        {
            "position": c.position,
            "hash": c.hash,
            "signed_at": c.signed_at.isoformat(),
            "signature": c.signature,
            "origin": "stored",
        }
        for c in Checkpoint.objects.order_by("position")
    ] + [{**c, "origin": "exported"} for c in extra_checkpoints]
    for entry in entries:
        if not signing.is_valid(
            entry["signature"], entry["position"], entry["hash"], entry["signed_at"], key
        ):
            report.problems.append(
                f"{entry['origin']} checkpoint at position {entry['position']}: the signature "
                "is not valid for this key"
            )
            continue
        wanted.setdefault(entry["position"], []).append(entry["hash"])
        report.checkpoints += 1
    last_position, last_hash = _walk(report, wanted)
    if report.intact:
        head = ChainHead.objects.filter(pk=1).first() or ChainHead(position=0, hash=GENESIS)
        if (head.position, head.hash) != (last_position, last_hash):
            report.problems.append(
                f"the chain ends at position {last_position} but its head says {head.position}: "
                "events were removed from the end"
            )
        unsealed = AuditEvent.objects.filter(position__isnull=True).count()
        if unsealed:
            report.problems.append(f"{unsealed} event(s) are not sealed into the chain")
        _projection(report)
    return report

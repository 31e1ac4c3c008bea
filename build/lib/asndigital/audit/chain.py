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
import time
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
            "at": occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"),
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


SEAL_LOCK = 7_203_119_553  # the PostgreSQL advisory lock sealers share (any constant)


def _take_seal_lock(wait: bool) -> bool:
    """Become the one sealer; with ``wait=False`` give up at once if another is sealing."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            if wait:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK])
            else:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEAL_LOCK])
                if not cursor.fetchone()[0]:
                    return False
    # The UPDATE takes the head's row lock (PostgreSQL) or the write lock (SQLite).
    if not ChainHead.objects.filter(pk=1).update(sealed_at=timezone.now()):
        ChainHead.objects.get_or_create(pk=1)  # only after a test database flush
    return True


def _write_links(rows: list[tuple[int, str, str, int, object]]) -> None:
    """(position, prev_hash, hash, id, occurred_at) for each event: with the time, PostgreSQL
    goes straight to the event's month instead of looking in every partition. (One UPDATE ...
    FROM VALUES statement measured no faster: the cost is the row updates themselves.)"""
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE audit_auditevent SET position = %s, prev_hash = %s, hash = %s "
            "WHERE id = %s AND occurred_at = %s",
            [(*row[:4], adapt(row[4])) for row in rows],
        )
        if cursor.rowcount != len(rows):  # never move the head past events left unsealed
            raise RuntimeError(
                f"sealing wrote {cursor.rowcount} of {len(rows)} links; nothing was sealed"
            )


def seal(*, batch: int = BATCH, wait: bool = True) -> int:
    """Chain every committed, unsealed event, oldest first; the number sealed. With
    ``wait=False`` it leaves the work to a sealer that is already at it."""
    sealed = 0
    while AuditEvent.objects.filter(position__isnull=True).exists():  # no lock when idle
        with transaction.atomic():
            if not _take_seal_lock(wait):
                return sealed
            head = ChainHead.objects.get(pk=1)
            pending = list(
                AuditEvent.objects.filter(position__isnull=True)
                .order_by("id")
                .values_list("id", "canonical", "occurred_at")[:batch]
            )
            if not pending:  # another sealer took them meanwhile
                return sealed
            position, previous = head.position, head.hash
            rows = []
            for event_id, text, occurred_at in pending:
                position += 1
                current = link(position, previous, text)
                rows.append((position, previous, current, event_id, occurred_at))
                previous = current
            _write_links(rows)
            ChainHead.objects.filter(pk=1).update(position=position, hash=previous)
        sealed += len(pending)
    return sealed


SEAL_INTERVAL = 0.25  # seconds: under load, one process seals a batch this often
_last_seal = 0.0


def seal_quietly() -> None:
    """After a commit: seal, unless this process sealed less than ``SEAL_INTERVAL`` ago or
    another process is sealing (either takes these events along with the next batch). Under
    load, appends then cost one transaction each and sealing happens in batches. A failure only
    delays sealing (the next seal, ``audit_checkpoint`` or ``verify_audit`` does it), so it is
    logged, never raised into the request. Events are immutable from the moment they are
    written, sealed or not."""
    global _last_seal
    now = time.monotonic()
    if now - _last_seal < SEAL_INTERVAL:
        return
    _last_seal = now
    try:
        seal(wait=False)
    except Exception:  # see the docstring: logged, and retried by the next seal
        logger.exception("sealing the audit trail failed; the next seal will do it")


# --- Verification ------------------------------------------------------------------------------


@dataclass
class Report:
    events: int = 0
    checkpoints: int = 0
    bad_projection: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def _walk(report: Report, wanted: dict[int, list[str]]) -> tuple[int, str]:
    """Recompute every link; the chain's last (position, hash)."""
    if connection.vendor == "postgresql":
        return _walk_in_postgresql(report, wanted)
    return _walk_in_python(report, wanted)


# One parallel scan recomputes every event's hash (PostgreSQL's own SHA-256; the canonical text
# is ASCII, so its bytes are Python's); one ordered pass checks that each event points to the
# one before it with no gap.
PG_HASHES = """
    SELECT count(*), max(position),
        min(position + 0) FILTER (WHERE encode(sha256(convert_to(
            position::text || E'\\n' || prev_hash || E'\\n' || canonical, 'UTF8')), 'hex') <> hash),
        min(position + 0) FILTER (WHERE NOT starts_with(canonical, head)
            OR right(canonical, length(tail)) <> tail)
    FROM ({projected}) projected WHERE position IS NOT NULL
"""
PG_LINKS = """
    SELECT position, prior_position FROM (
        SELECT position, prev_hash, lag(hash) OVER w AS prior,
            lag(position) OVER w AS prior_position
        FROM audit_auditevent WHERE position IS NOT NULL WINDOW w AS (ORDER BY position)
    ) linked
    WHERE position <> coalesce(prior_position, 0) + 1 OR prev_hash <> coalesce(prior, %s)
    ORDER BY position LIMIT 1
"""


def _walk_in_postgresql(report: Report, wanted: dict[int, list[str]]) -> tuple[int, str]:
    with connection.cursor() as cursor:
        cursor.execute(PG_HASHES.format(projected=PG_PROJECTED))
        count, last, bad_hash, report.bad_projection = cursor.fetchone()
        cursor.execute(PG_LINKS, [GENESIS])
        bad_link = cursor.fetchone()
    report.events = count
    last = last or 0
    candidates = [p for p in (bad_hash, bad_link[0] if bad_link else None) if p]
    first_bad = min(candidates) if candidates else None
    if first_bad is None:
        intact_until = last
    elif bad_link and bad_link[0] == first_bad and bad_link[0] != (bad_link[1] or 0) + 1:
        intact_until = bad_link[1] or 0
        report.problems.append(
            f"broken link at position {intact_until + 1}: the chain jumps to {bad_link[0]}; "
            "events are missing"
        )
    elif bad_hash == first_bad:
        intact_until = first_bad - 1
        report.problems.append(
            f"broken link at position {bad_hash}: its content does not match its hash"
        )
    else:
        intact_until = first_bad - 1
        report.problems.append(
            f"broken link at position {first_bad}: it does not point to the event before it"
        )
    seen = {}
    if wanted:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT position, hash FROM audit_auditevent WHERE position = ANY(%s)",
                [sorted(wanted)],
            )
            seen = dict(cursor.fetchall())
    _compare_checkpoints(report, wanted, seen, intact_until)
    if not intact_until:
        return 0, GENESIS
    with connection.cursor() as cursor:
        cursor.execute("SELECT hash FROM audit_auditevent WHERE position = %s", [intact_until])
        (last_hash,) = cursor.fetchone()
    return intact_until, last_hash


def _compare_checkpoints(report, wanted, seen, last) -> None:
    for position, hashes in wanted.items():
        for checkpoint_hash in hashes:
            if position > last:
                report.problems.append(
                    f"checkpoint at position {position} is beyond the chain's end "
                    f"({last}): events were removed"
                )
            elif seen.get(position) != checkpoint_hash:
                report.problems.append(
                    f"checkpoint at position {position} does not match the chain: it was rewritten"
                )


def _walk_in_python(
    report: Report, wanted: dict[int, list[str]], *, chunk: int = 50_000
) -> tuple[int, str]:
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
    _compare_checkpoints(report, wanted, seen, expected - 1)
    return expected - 1, previous


# The scalar columns must be exactly what the canonical text says, i.e. the text must start
# with {"action":"<action>","actor":<actor>,"at":"<at>","data": and end with
# ,"employee":<employee>,"target_id":"<id>","target_type":"<type>"} built from the columns.
# Plain string operations: no JSON parsing, one pass. (``record`` only writes plain values.)
_PG_AT = "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"
PG_PROJECTED = """
    SELECT position, prev_hash, hash, canonical,
        '{"action":"' || action || '","actor":'
        || coalesce('"' || replace(actor_id::text, '-', '') || '"', 'null')
        || ',"at":"' || {at} || '","data":' AS head,
        ',"employee":'
        || coalesce('"' || replace(employee_id::text, '-', '') || '"', 'null')
        || ',"target_id":"' || target_id || '","target_type":"' || target_type || '"}'
        AS tail
    FROM audit_auditevent
""".replace("{at}", _PG_AT)
SQLITE_PROJECTION = """
        SELECT min(position + 0) FROM (
            SELECT position, canonical,
                '{"action":"' || action || '","actor":'
                || coalesce('"' || actor_id || '"', 'null')
                || ',"at":"' || replace(occurred_at, ' ', 'T')
                || CASE WHEN length(occurred_at) = 19 THEN '.000000' ELSE '' END
                || '+00:00","data":' AS head,
                ',"employee":' || coalesce('"' || employee_id || '"', 'null')
                || ',"target_id":"' || target_id || '","target_type":"' || target_type || '"}'
                AS tail
            FROM audit_auditevent
        )
        WHERE substr(canonical, 1, length(head)) <> head OR substr(canonical, -length(tail)) <> tail
"""


def _projection(report: Report) -> None:
    """The queryable columns must say what the sealed canonical text says (on PostgreSQL the
    chain's scan has already checked it)."""
    if connection.vendor == "postgresql":
        position = report.bad_projection
    else:
        with connection.cursor() as cursor:
            cursor.execute(SQLITE_PROJECTION)
            (position,) = cursor.fetchone()
    if position is not None:
        report.problems.append(
            f"the event at position {position}: its columns were changed after it was "
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

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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from functools import partial
from typing import Any

from django.conf import settings
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


_refused: set[int] = set()  # events this process refused to seal and has reported


def seal(*, batch: int = BATCH, wait: bool = True) -> int:
    """Chain every committed, unsealed event the application wrote, oldest first; the number
    sealed. An event whose MAC is not right (written by hand, not by ``record``) is never
    chained: it stays unsealed, is logged, and ``verify`` reports it. Each run sealed is
    signed (``SealBatch``). With ``wait=False`` it leaves the work to a sealer at it."""
    from asndigital.audit import signing
    from asndigital.audit.models import SealBatch

    sealed, after = 0, 0
    while AuditEvent.objects.filter(position__isnull=True, id__gt=after).exists():
        with transaction.atomic():
            if not _take_seal_lock(wait):
                return sealed
            head = ChainHead.objects.get(pk=1)
            pending = list(
                AuditEvent.objects.filter(position__isnull=True, id__gt=after)
                .order_by("id")
                .values_list("id", "canonical", "occurred_at", "mac")[:batch]
            )
            if not pending:  # another sealer took them meanwhile
                return sealed
            after = pending[-1][0]
            position, previous = head.position, head.hash
            rows = []
            for event_id, text, occurred_at, mac in pending:
                if not signing.mac_is_valid(signing.event_mac(text), mac):
                    _refuse(event_id)
                    continue
                position += 1
                current = link(position, previous, text)
                rows.append((position, previous, current, event_id, occurred_at))
                previous = current
            if not rows:
                continue
            _write_links(rows)
            ChainHead.objects.filter(pk=1).update(position=position, hash=previous)
            first = head.position + 1
            SealBatch.objects.create(
                first=first,
                last=position,
                hash=previous,
                mac=signing.seal_mac(first, position, previous),
            )
        sealed += len(rows)
    return sealed


def _refuse(event_id: int) -> None:
    if event_id not in _refused:
        _refused.add(event_id)
        logger.error(
            "audit event %s was not written by the application (its MAC is wrong): not sealed",
            event_id,
        )


SEAL_INTERVAL = 0.25  # seconds: under load, one process seals a batch this often
_last_seal = 0.0


def seal_quietly() -> None:
    """After a commit: seal, unless this process sealed less than ``SEAL_INTERVAL`` ago or
    another process is sealing (either takes these events along with the next batch). Under
    load, appends then cost one transaction each and sealing happens in batches. A failure only
    delays sealing (the next seal or ``audit_checkpoint`` does it; ``verify_audit`` never
    writes), so it is logged, never raised into the request. Events are immutable from the
    moment they are written, sealed or not."""
    global _last_seal
    now = time.monotonic()
    if now - _last_seal < SEAL_INTERVAL:
        return
    _last_seal = now
    try:
        seal(wait=False)
        from asndigital.audit import outside

        outside.checkpoint_if_due()
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


def _walk(report: Report, wanted: dict[int, list[str]], workers: int = 1) -> tuple[int, str]:
    """Recompute every link; the chain's last (position, hash)."""
    if connection.vendor == "postgresql":
        return _walk_in_postgresql(report, wanted, workers)
    return _walk_in_python(report, wanted)


# PostgreSQL checks the chain in slices: each month's partition (or the one table where the trail
# is not partitioned) cut into ranges of SLICE positions. One ordered query per slice recomputes
# every SHA-256 (PostgreSQL's own; the canonical text is ASCII, so its bytes are Python's),
# checks the columns against the canonical text and checks every link between neighbours in
# the slice. Within a slice the positions form unbroken runs (usually one; an event stamped in
# one month but sealed after events of the next sits in its own month); each run's ends come
# back, and Python stitches the runs of all slices into one chain from 1 to the head: the first
# run starts at 1 from GENESIS, each next one exactly where the last ended and from its hash.
# Several connections read slices at once, all in one exported snapshot, so the parts belong to
# the same moment. Each event is read once (the trail no longer fits in memory at scale).
PG_SEGMENT = """
    SELECT count(*), max(position),
        min(position) FILTER (WHERE hash_ok IS NOT TRUE),
        min(position) FILTER (WHERE projection_ok IS NOT TRUE),
        min(position) FILTER (WHERE position = prior_position + 1
            AND prev_hash IS DISTINCT FROM prior_hash),
        count(*) FILTER (WHERE starts_run),
        CASE WHEN count(*) FILTER (WHERE starts_run) <= %(runs)s THEN
            array_agg(ARRAY[position::text, prev_hash, prior_position::text, prior_hash])
            FILTER (WHERE starts_run) END
    FROM (
        SELECT *, prior_position IS NULL OR position <> prior_position + 1 AS starts_run
        FROM (
            SELECT position, prev_hash, hash_ok, projection_ok,
                lag(position) OVER w AS prior_position, lag(hash) OVER w AS prior_hash
            FROM (
                SELECT position, prev_hash, hash,
                    encode(sha256(convert_to(position::text || E'\\n' || prev_hash
                        || E'\\n' || canonical, 'UTF8')), 'hex') = hash AS hash_ok,
                    -- the tail compared as bytes: right() would count characters
                    starts_with(canonical, head) AND substr(textsend(canonical),
                        octet_length(canonical) - octet_length(tail) + 1) = textsend(tail)
                        AS projection_ok
                FROM ({projected}) projected WHERE position BETWEEN %(low)s AND %(high)s
            ) checked
            WINDOW w AS (ORDER BY position)
        ) linked
    ) runs
"""
SLICE = 200_000  # positions per slice of work: a month is several, so both cores share it
RUNS_LIMIT = 1_000  # runs per slice; more only where events were removed wholesale
SORT_MEMORY = "256MB"  # should PostgreSQL sort a slice rather than read it by position
# The whole trail in one ordered pass: what the runs cannot show when a slice has too many.
PG_LINKS = """
    SELECT position, prior_position FROM (
        SELECT position, prev_hash, lag(hash) OVER w AS prior,
            lag(position) OVER w AS prior_position
        FROM audit_auditevent WHERE position IS NOT NULL WINDOW w AS (ORDER BY position)
    ) linked
    WHERE position <> coalesce(prior_position, 0) + 1 OR prev_hash <> coalesce(prior, %s)
    ORDER BY position LIMIT 1
"""


@dataclass
class _Segment:
    """One slice's part of the chain."""

    events: int
    last: int | None
    last_hash: str | None
    bad_hash: int | None
    bad_projection: int | None
    bad_link: int | None
    runs: int
    # [position, prev_hash, position before it, its hash] of each run; None beyond RUNS_LIMIT
    starts: list[list[str]] | None

    def spans(self):
        """(first position, its prev_hash, last position, its hash) of each run."""
        starts = sorted(self.starts or [], key=lambda start: int(start[0]))
        for index, (position, prev_hash, _, _) in enumerate(starts):
            if index + 1 < len(starts):
                end, end_hash = int(starts[index + 1][2]), starts[index + 1][3]
            else:
                end, end_hash = self.last, self.last_hash
            yield int(position), prev_hash, end, end_hash


def _scan(cursor, unit: tuple[str, int, int]) -> _Segment:
    table, low, high = unit
    table = connection.ops.quote_name(table)
    projected = PG_PROJECTED.replace("audit_auditevent", table)
    cursor.execute(f"SET LOCAL work_mem = '{SORT_MEMORY}'")
    cursor.execute("SET LOCAL jit = off")  # compiling costs more than it saves on a slice
    cursor.execute(
        PG_SEGMENT.format(projected=projected), {"low": low, "high": high, "runs": RUNS_LIMIT}
    )
    events, last, *figures, starts = cursor.fetchone()
    cursor.execute(
        f"SELECT hash FROM {table} WHERE position = %s LIMIT 1",  # noqa: S608 - catalog names
        [last],
    )
    last_hash = cursor.fetchone()[0] if last is not None else None
    return _Segment(events, last, last_hash, *figures, starts=starts)


def _units() -> list[tuple[str, int, int]]:
    """(table, first position, last position): the slices of work, the biggest first."""
    from asndigital.audit import partitions

    tables = [p.name for p in partitions.partitions()] or ["audit_auditevent"]
    units = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT min(position), max(position) FROM {connection.ops.quote_name(table)}"  # noqa: S608
            )
            low, high = cursor.fetchone()
            if low is not None:
                units += [
                    (table, start, min(start + SLICE - 1, high))
                    for start in range(low, high + 1, SLICE)
                ]
    return sorted(units, key=lambda unit: unit[1] - unit[2])


def _scan_in_snapshot(snapshot: str, unit: tuple[str, int, int]) -> _Segment:
    """In a thread of its own: one slice, on its own connection, in the leader's snapshot."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
            return _scan(cursor, unit)
    finally:
        connection.close()


def _segments(workers: int) -> list[_Segment]:
    """Every slice's part; with ``workers`` > 1 the caller is in a REPEATABLE READ transaction
    of its own whose snapshot the workers share."""
    units = _units()
    if workers > 1 and len(units) > 1:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(partial(_scan_in_snapshot, snapshot), units))
    with connection.cursor() as cursor:
        return [_scan(cursor, unit) for unit in units]


@dataclass(order=True)
class _Break:
    position: int  # where the chain is first wrong
    rank: int  # which to report when two are at the same position
    intact_until: int
    message: str = field(compare=False)


def _stitch(segments: list[_Segment]) -> tuple[_Break | None, int, str]:
    """Join the slices' runs into one chain from position 1: the first break, or none and the
    chain's last (position, hash)."""
    expected, previous = 1, GENESIS
    for start, prev_hash, end, end_hash in sorted(
        span for segment in segments for span in segment.spans()
    ):
        if start > expected:
            return _Break(start, 0, expected - 1, _missing(expected, start)), 0, ""
        if start < expected:
            return _Break(start, 0, start - 1, _repeated(start)), 0, ""
        if prev_hash != previous:
            return _Break(start, 2, start - 1, _unlinked(start)), 0, ""
        expected, previous = end + 1, end_hash
    return None, expected - 1, previous


def _missing(expected: int, found: int) -> str:
    return f"broken link at position {expected}: the chain jumps to {found}; events are missing"


def _altered(position: int) -> str:
    return f"broken link at position {position}: its content does not match its hash"


def _repeated(position: int) -> str:
    return f"position {position} appears more than once: events were copied or forged"


def _unlinked(position: int) -> str:
    return f"broken link at position {position}: it does not point to the event before it"


def _whole_trail_links() -> _Break | None:
    """The first broken link in one ordered pass over the whole trail."""
    with connection.cursor() as cursor:
        cursor.execute(PG_LINKS, [GENESIS])
        found = cursor.fetchone()
    if not found:
        return None
    position, prior = found[0], found[1] or 0
    if position != prior + 1:
        if position <= prior:
            return _Break(position, 0, position - 1, _repeated(position))
        return _Break(position, 0, prior, _missing(prior + 1, position))
    return _Break(position, 2, position - 1, _unlinked(position))


def _walk_in_postgresql(
    report: Report, wanted: dict[int, list[str]], workers: int
) -> tuple[int, str]:
    segments = _segments(workers)
    report.events = sum(segment.events for segment in segments)
    projections = [s.bad_projection for s in segments if s.bad_projection is not None]
    report.bad_projection = min(projections, default=None)
    if all(segment.runs <= RUNS_LIMIT for segment in segments):
        first, last, last_hash = _stitch(segments)
    else:  # a slice whose events were removed wholesale: find the first gap the long way
        first, last, last_hash = _whole_trail_links(), None, None
    breaks = [first] if first else []
    for segment in segments:
        if segment.bad_hash is not None:
            position = segment.bad_hash
            breaks.append(_Break(position, 1, position - 1, _altered(position)))
        if segment.bad_link is not None:
            breaks.append(
                _Break(segment.bad_link, 2, segment.bad_link - 1, _unlinked(segment.bad_link))
            )
    if breaks:
        first = min(breaks)
        report.problems.append(first.message)
        last, last_hash = first.intact_until, None
    elif last is None:  # the long way found the chain whole
        last = max((s.last for s in segments if s.last is not None), default=0)
    seen = {}
    if wanted:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT position, hash FROM audit_auditevent WHERE position = ANY(%s)",
                [sorted(wanted)],
            )
            seen = dict(cursor.fetchall())
    _compare_checkpoints(report, wanted, seen, last, broken=bool(breaks))
    if not last:
        return 0, GENESIS
    if last_hash is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT hash FROM audit_auditevent WHERE position = %s", [last])
            (last_hash,) = cursor.fetchone()
    return last, last_hash


def _compare_checkpoints(report, wanted, seen, last, *, broken: bool = False) -> None:
    """Each checkpoint against the chain's hash at its position. Past a broken link (``last``
    is the last good position) there is nothing trustworthy to compare with: the broken link is
    the finding, and "events were removed" would be a guess."""
    for position, hashes in wanted.items():
        for checkpoint_hash in hashes:
            if position > last:
                if broken:
                    continue
                report.problems.append(
                    f"checkpoint at position {position} is beyond the chain's end "
                    f"({last}): events were removed"
                )
            elif (GENESIS if position == 0 else seen.get(position)) != checkpoint_hash:
                # (Position 0 is the empty chain, signed before its first event.)
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
        || coalesce('"' || encode(uuid_send(actor_id), 'hex') || '"', 'null')
        || ',"at":"' || {at} || '","data":' AS head,
        ',"employee":'
        || coalesce('"' || encode(uuid_send(employee_id), 'hex') || '"', 'null')
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
    """Recompute the chain and check the head, the columns and every signed checkpoint.

    On PostgreSQL everything is read in one snapshot (the slices by several connections, see
    ``_segments``), so appends and sealing going on meanwhile cannot look like tampering. Inside
    a transaction of the caller's (the tests), it reads in that transaction, one slice after
    another."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return _verify(public_key, extra_checkpoints, workers=1)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return _verify(public_key, extra_checkpoints, workers=settings.ASN_AUDIT_VERIFY_WORKERS)


UNSEALED_GRACE = timedelta(minutes=5)  # sealing follows each commit within a second
SEAL_CHUNK = 10_000  # seal ends looked up per query


def _seals(report: Report, last_position: int, key) -> None:
    """Every position from 1 to the chain's end must lie in one run the application sealed
    and signed, ending at the chain's own hash: a run rewritten by hand (fresh hashes), an
    event sealed by hand, or a signature that is not the application's is reported."""
    from asndigital.audit import signing
    from asndigital.audit.models import SealBatch

    expected_first = 1
    runs = list(SealBatch.objects.order_by("first").values_list("first", "last", "hash", "mac"))
    ends = {}
    for start in range(0, len(runs), SEAL_CHUNK):
        wanted = [run[1] for run in runs[start : start + SEAL_CHUNK]]
        ends.update(AuditEvent.objects.filter(position__in=wanted).values_list("position", "hash"))
    for first, last, chain_hash, mac in runs:
        where = f"the seal of positions {first}-{last}"
        if first != expected_first:
            gap = f"{expected_first}-{first - 1}" if first > expected_first else f"{first}"
            report.problems.append(
                f"positions {gap} were not sealed by the application (no signed seal covers "
                "them, or seals overlap): events were sealed or changed by hand"
            )
            return
        if not signing.mac_is_valid(signing.seal_mac(first, last, chain_hash), mac):
            report.problems.append(f"{where} is not signed by the application")
            return
        if last > last_position:
            report.problems.append(
                f"{where} goes past the chain's end ({last_position}): events were removed "
                "from the end"
            )
            return
        if ends.get(last) != chain_hash:
            report.problems.append(
                f"{where} ends at a hash the chain does not have: the chain was rewritten"
            )
            return
        expected_first = last + 1
    if expected_first <= last_position:
        report.problems.append(
            f"positions {expected_first}-{last_position} were not sealed by the application "
            "(no signed seal covers them): events were sealed by hand"
        )
    elif expected_first - 1 > last_position:
        report.problems.append(
            f"the application sealed up to position {expected_first - 1} but the chain ends at "
            f"{last_position}: events were removed from the end"
        )


def _verify(public_key, extra_checkpoints, *, workers: int) -> Report:
    from asndigital.audit import reads, signing

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
    ] + [{"origin": "exported", **c} for c in extra_checkpoints]
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
    last_position, last_hash = _walk(report, wanted, workers)
    if report.intact:
        head = ChainHead.objects.filter(pk=1).first() or ChainHead(position=0, hash=GENESIS)
        if (head.position, head.hash) != (last_position, last_hash):
            report.problems.append(
                f"the chain ends at position {last_position} but its head says {head.position}: "
                "events were removed from the end"
            )
        _seals(report, last_position, key)
        # Events written in the last moments may not be sealed yet (the writers go on while
        # the check runs); older ones must be.
        unsealed = AuditEvent.objects.filter(
            position__isnull=True, occurred_at__lt=timezone.now() - UNSEALED_GRACE
        ).count()
        if unsealed:
            report.problems.append(
                f"{unsealed} event(s) written more than {UNSEALED_GRACE.seconds // 60} minutes "
                "ago are not sealed into the chain"
            )
        _projection(report)
        reads.check_subjects(report)
    return report

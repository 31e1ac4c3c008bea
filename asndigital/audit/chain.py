"""The audit trail's hash chain: canonical form, sealing in order, and verification.

Each event is written once, with its canonical serialisation (``canonical``), inside the
transaction of the change it records, without waiting for anyone. After commit, ``seal`` chains
committed events under a lock on the chain head, each with a row of its own in
``audit_auditlink`` (position, event id, the event's time, hash):

    hash(n) = SHA-256( "<n>\\n<hash(n-1)>\\n<canonical(n)>" ),   hash(0) = 64 zeros

Chaining after commit, in commit order, keeps appends concurrent (writers never wait for each
other's transactions) and leaves no gaps: a rolled-back event never gets a position. Events and
links are insert-only (the database refuses changes to either), so the short time before an
event is sealed does not open a window for edits. ``verify`` recomputes every link.
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

from asndigital.audit import signing, subjects
from asndigital.audit.models import (
    GENESIS,
    AuditEvent,
    AuditLink,
    ChainHead,
    Checkpoint,
    SealBatch,
)

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


def _write_links(rows: list[tuple[int, int, object, str]]) -> None:
    """(position, event id, occurred_at, hash) of each newly chained event: one narrow INSERT
    per link, into ``audit_auditlink`` (the event rows are never rewritten). A link already there
    for a position or an event fails the transaction: nothing of the run is sealed."""
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            chunk = rows[start : start + 1000]
            values = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                "INSERT INTO audit_auditlink (position, event_id, occurred_at, hash) "  # noqa: S608
                f"VALUES {values}",
                [
                    value
                    for position, event_id, at, chain_hash in chunk
                    for value in (position, event_id, adapt(at), chain_hash)
                ],
            )


# Finding the events to chain without an index of the unchained ones. Ids come from one
# sequence but transactions commit in any order, and a rolled-back event leaves its id unused:
# the last seal's bookmark says up to which id every event was taken (``through``) and which ids
# below it were not there yet (``holes``). Each seal takes the events above ``through`` and those
# that have appeared in the holes; a hole is looked for HOLE_SECONDS (transactions are short:
# ``verify_audit`` reports an event unsealed 5 minutes after it was written), then dropped, and
# ``sweep`` (``audit_checkpoint``, hourly) takes anything that appears after that.
HOLE_SECONDS = 15 * 60
HOLE_RANGES = 500  # ranges of holes kept at most (the newest; the sweep does the rest)
SWEEP_WINDOW = timedelta(days=2)


def _bookmark() -> tuple[int, list[list[int]]]:
    """(through, holes) as the last seal left them: every event id up to ``through`` is chained,
    refused, or lies in one of the ``holes`` ([low, high, first seen (epoch seconds)]) still
    looked for (those older than HOLE_SECONDS are left to the sweep)."""
    last = SealBatch.objects.order_by("-first").values_list("through", "holes").first()
    if last is not None and last[0] is not None:
        now = time.time()
        return last[0], [h for h in json.loads(last[1] or "[]") if now - h[2] <= HOLE_SECONDS]
    # No bookmark (a chain sealed in bulk, or none yet): everything above the highest chained
    # event, or from the first event on.
    highest = AuditLink.objects.order_by("-event_id").values_list("event_id", flat=True).first()
    if highest is None:
        lowest = AuditEvent.objects.order_by("id").values_list("id", flat=True).first()
        return (lowest - 1 if lowest else 0), []
    return highest, []


def _in_holes(holes: list[list[int]]) -> tuple[str, list[int]]:
    if not holes:
        return "FALSE", []
    return " OR ".join(["e.id BETWEEN %s AND %s"] * len(holes)), [
        bound for low, high, _ in holes for bound in (low, high)
    ]


UNLINKED = "NOT EXISTS (SELECT 1 FROM audit_auditlink l WHERE l.event_id = e.id)"


def _anything_to_seal(through: int, holes: list[list[int]]) -> bool:
    where, params = _in_holes(holes)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM audit_auditevent WHERE id > %s) OR EXISTS "  # noqa: S608
            f"(SELECT 1 FROM audit_auditevent e WHERE ({where}) AND {UNLINKED})",
            [through, *params],
        )
        return bool(cursor.fetchone()[0])


def _pending(through: int, holes: list[list[int]], batch: int):
    """The events to chain now, by id: those that appeared in the holes, then up to ``batch``
    above ``through``; and the bookmark that follows (holes found filled or expired go, the ids
    skipped above ``through`` come in)."""
    where, params = _in_holes(holes)
    columns = "e.id, e.canonical, e.occurred_at, e.mac"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM audit_auditevent e "  # noqa: S608
            f"WHERE ({where}) AND {UNLINKED} ORDER BY e.id",
            params,
        )
        filled = cursor.fetchall()
        cursor.execute(
            f"SELECT {columns}, {UNLINKED} FROM audit_auditevent e "  # noqa: S608
            "WHERE e.id > %s ORDER BY e.id LIMIT %s",
            [through, batch],
        )
        above = cursor.fetchall()
    now = int(time.time())
    found = {row[0] for row in filled}
    left = []
    for low, high, seen in holes:
        start = low
        for event_id in sorted(i for i in found if low <= i <= high):
            if event_id > start:
                left.append([start, event_id - 1, seen])
            start = event_id + 1
        if start <= high:
            left.append([start, high, seen])
    expected = through + 1
    for row in above:
        if row[0] > expected:
            left.append([expected, row[0] - 1, now])
        expected = row[0] + 1
    left = left[-HOLE_RANGES:]
    pending = filled + [row[:4] for row in above if row[4]]
    return pending, (above[-1][0] if above else through), left, len(above) == batch


def seal(*, batch: int = BATCH, wait: bool = True) -> int:
    """Chain every committed, unchained event the application wrote, in the order found; the
    number sealed. An event whose MAC is not right (written by hand, not by ``record``) is never
    chained: it stays unsealed, is logged, and ``verify`` reports it. Each run sealed is signed
    (``SealBatch``). With ``wait=False`` it leaves the work to a sealer at it."""
    sealed = 0
    if not _anything_to_seal(*_bookmark()):
        return 0
    more, carried = True, None
    while more:
        with transaction.atomic():
            if not _take_seal_lock(wait):
                return sealed
            through, holes = _bookmark()
            if carried and carried[0] > through:  # past a batch of refused events, unsigned
                through, holes = carried
            pending, through, holes, more = _pending(through, holes, batch)
            sealed += _chain(pending, through=through, holes=holes)
            carried = through, holes
    return sealed


def sweep(*, since=None, batch: int = BATCH) -> int:
    """Chain the events written since ``since`` (default: SWEEP_WINDOW ago) that are still
    unchained: one whose transaction committed after its hole was given up. An anti-join over
    those days; run from ``audit_checkpoint``. The number sealed."""
    since = since or timezone.now() - SWEEP_WINDOW
    sealed = 0
    with transaction.atomic():
        _take_seal_lock(True)
        through, holes = _bookmark()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT e.id, e.canonical, e.occurred_at, e.mac FROM audit_auditevent e "  # noqa: S608
                f"WHERE e.occurred_at >= %s AND e.id <= %s AND {UNLINKED} ORDER BY e.id",
                [since, through],
            )
            pending = cursor.fetchall()
        for start in range(0, len(pending), batch):
            sealed += _chain(pending[start : start + batch], through=through, holes=holes)
    return sealed


def _chain(pending, *, through: int, holes: list[list[int]]) -> int:
    """Link ``pending`` (id, canonical, occurred_at, mac) after the head, under the seal lock;
    sign the run and keep the bookmark with it. The number chained."""
    head = ChainHead.objects.get(pk=1)
    position, previous = head.position, head.hash
    rows = []
    for event_id, text, occurred_at, mac in pending:
        if not signing.mac_is_valid(signing.event_mac(text), mac):
            _refuse(event_id)
            continue
        position += 1
        previous = link(position, previous, text)
        rows.append((position, event_id, occurred_at, previous))
    if not rows:
        return 0
    _write_links(rows)
    ChainHead.objects.filter(pk=1).update(position=position, hash=previous)
    first = head.position + 1
    SealBatch.objects.create(
        first=first,
        last=position,
        hash=previous,
        mac=signing.seal_mac(first, position, previous),
        through=through,
        holes=json.dumps(holes, separators=(",", ":")),
    )
    return len(rows)


_refused: set[int] = set()  # events this process refused to seal and has reported


def _refuse(event_id: int) -> None:
    if event_id not in _refused:
        _refused.add(event_id)
        logger.error(
            "audit event %s was not written by the application (its MAC is wrong): not sealed",
            event_id,
        )


# --- Verification ------------------------------------------------------------------------------


@dataclass
class Report:
    events: int = 0
    checkpoints: int = 0
    bad_projection: int | None = None
    unsealed: int = 0  # events older than UNSEALED_GRACE that no link chains
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def _walk(report: Report, wanted: dict[int, list[str]], workers: int = 1) -> tuple[int, str]:
    """Recompute every link; the chain's last (position, hash)."""
    cutoff = timezone.now() - UNSEALED_GRACE
    if connection.vendor == "postgresql":
        return _walk_in_postgresql(report, wanted, workers, cutoff)
    return _walk_in_python(report, wanted, cutoff)


# PostgreSQL checks the chain in slices of SLICE event ids. One query per slice merges the
# slice's events with their links, both read in event id order (a full join: an event without a
# link is unsealed, a link without its event is a removed event), recomputes every SHA-256
# (PostgreSQL's own; the canonical text is ASCII, so its bytes are Python's) from the link
# before it, and checks the columns (and the link's copy of the time) against the canonical
# text. "The link before it" is the link of the next lower event id in the slice whenever that
# one holds the previous position, which is nearly always (commit order is nearly id order):
# the links of a slice form runs of consecutive event ids with consecutive positions, and an
# event whose transaction committed late starts a run of its own. Each run's first link (with
# its event's text) and last come back, and Python stitches the runs of all slices into one
# chain from 1 to the head: ordered by position, the first starts at 1 from GENESIS, each next
# one exactly where the last ended, its first hash recomputed from that end's hash. Several
# connections read slices at once, all in one exported snapshot, so the parts belong to the
# same moment. Each event is read once (the trail no longer fits in memory at scale).
PG_SEGMENT = """
    SELECT count(canonical) FILTER (WHERE position IS NOT NULL), max(position),
        min(position) FILTER (WHERE hash_ok IS FALSE),
        min(position) FILTER (WHERE projection_ok IS FALSE),
        min(position) FILTER (WHERE canonical IS NULL),
        count(*) FILTER (WHERE starts_run),
        CASE WHEN count(*) FILTER (WHERE starts_run) <= %(runs)s THEN
            array_agg(ARRAY[position::text, hash, prior_position::text, prior_hash, canonical,
                event_id::text]) FILTER (WHERE starts_run) END,
        count(*) FILTER (WHERE position IS NULL AND occurred_at < %(cutoff)s)
    FROM (
        SELECT l.position, l.event_id, l.hash, l.prior_position, l.prior_hash, e.canonical,
            e.occurred_at,
            l.position IS NOT NULL AND l.prior_position IS DISTINCT FROM l.position - 1
                AS starts_run,
            CASE WHEN l.prior_position = l.position - 1 THEN
                encode(sha256(convert_to(l.position::text || E'\\n' || l.prior_hash
                    || E'\\n' || e.canonical, 'UTF8')), 'hex') = l.hash END AS hash_ok,
            -- the tail compared as bytes: right() would count characters
            CASE WHEN l.position IS NOT NULL THEN l.occurred_at = e.occurred_at
                AND starts_with(e.canonical, e.head)
                AND substr(textsend(e.canonical), octet_length(e.canonical)
                    - octet_length(e.tail) + 1) = textsend(e.tail) END AS projection_ok
        FROM ({projected} WHERE id BETWEEN %(low)s AND %(high)s) e
        FULL JOIN (
            SELECT position, event_id, occurred_at, hash,
                lag(position) OVER w AS prior_position, lag(hash) OVER w AS prior_hash
            FROM audit_auditlink WHERE event_id BETWEEN %(low)s AND %(high)s
            WINDOW w AS (ORDER BY event_id)
        ) l ON l.event_id = e.id
    ) checked
"""
SLICE = 200_000  # event ids per slice of work: both cores share the trail
RUNS_LIMIT = 50_000  # runs per slice (two per event committed late); more: events removed wholesale
SORT_MEMORY = "256MB"
# Events and links are both read in id order (their primary key and the links' unique event id)
# and merged: no sort and no hash table (measured: the hash join cost a tenth more).
MERGE_IN_ORDER = ("enable_hashjoin", "enable_sort", "enable_bitmapscan", "enable_seqscan")
# The whole trail in one ordered pass: what the runs cannot show when a slice has too many.
PG_LINKS = """
    SELECT position, prior_position, canonical IS NULL, hash_ok FROM (
        SELECT l.position, lag(l.position) OVER w AS prior_position, e.canonical,
            encode(sha256(convert_to(l.position::text || E'\\n'
                || coalesce(lag(l.hash) OVER w, %s) || E'\\n' || e.canonical, 'UTF8')), 'hex')
                = l.hash AS hash_ok
        FROM audit_auditlink l LEFT JOIN audit_auditevent e ON e.id = l.event_id
        WINDOW w AS (ORDER BY l.position)
    ) linked
    WHERE position <> coalesce(prior_position, 0) + 1 OR canonical IS NULL OR NOT hash_ok
    ORDER BY position LIMIT 1
"""


@dataclass
class _Segment:
    """One slice's part of the chain."""

    events: int
    top: int | None  # the highest position in the slice
    bad_hash: int | None
    bad_projection: int | None
    no_event: int | None  # the first link whose event is not there
    runs: int
    # [position, hash, position before it, its hash, canonical, event id] of each run's first
    # link (in event id order: each link's "before it" is the link of the next lower event id in
    # the slice); None beyond RUNS_LIMIT
    starts: list[list[str]] | None
    unsealed: int
    end: tuple[int, str] | None = None  # (position, hash) of the slice's highest event id's link

    def spans(self):
        """(first position, its hash, its event's text, last position, its hash) of each run:
        a run is links of consecutive event ids with consecutive positions."""
        starts = sorted(self.starts or [], key=lambda start: int(start[5]))
        for index, (position, chain_hash, _, _, text, _) in enumerate(starts):
            if index + 1 < len(starts):
                end, end_hash = int(starts[index + 1][2]), starts[index + 1][3]
            else:
                end, end_hash = self.end
            yield int(position), chain_hash, text, end, end_hash


def _scan(cursor, unit: tuple[int, int], cutoff) -> _Segment:
    low, high = unit
    cursor.execute(f"SET LOCAL work_mem = '{SORT_MEMORY}'")
    cursor.execute("SET LOCAL jit = off")  # compiling costs more than it saves on a slice
    for setting in MERGE_IN_ORDER:
        cursor.execute(f"SET LOCAL {setting} = off")
    try:
        cursor.execute(
            PG_SEGMENT.format(projected=PG_PROJECTED),
            {"low": low, "high": high, "runs": RUNS_LIMIT, "cutoff": cutoff},
        )
        segment = _Segment(*cursor.fetchone())
    finally:
        for setting in MERGE_IN_ORDER:
            cursor.execute(f"RESET {setting}")
    cursor.execute(
        "SELECT position, hash FROM audit_auditlink WHERE event_id BETWEEN %s AND %s "
        "ORDER BY event_id DESC LIMIT 1",
        [low, high],
    )
    segment.end = cursor.fetchone()
    return segment


def _units() -> list[tuple[int, int]]:
    """(first event id, last event id): the slices of work. Every event and every link falls
    in exactly one (a link by its event's id), whatever month the event is in."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT least((SELECT min(id) FROM audit_auditevent), "
            "(SELECT min(event_id) FROM audit_auditlink)), "
            "greatest((SELECT max(id) FROM audit_auditevent), "
            "(SELECT max(event_id) FROM audit_auditlink))"
        )
        low, high = cursor.fetchone()
    if low is None:
        return []
    return [(start, min(start + SLICE - 1, high)) for start in range(low, high + 1, SLICE)]


def _scan_in_snapshot(snapshot: str, cutoff, unit: tuple[int, int]) -> _Segment:
    """In a thread of its own: one slice, on its own connection, in the leader's snapshot."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
            return _scan(cursor, unit, cutoff)
    finally:
        connection.close()


def _segments(workers: int, cutoff) -> list[_Segment]:
    """Every slice's part; with ``workers`` > 1 the caller is in a REPEATABLE READ transaction
    of its own whose snapshot the workers share."""
    units = _units()
    if workers > 1 and len(units) > 1:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(partial(_scan_in_snapshot, snapshot, cutoff), units))
    with connection.cursor() as cursor:
        return [_scan(cursor, unit, cutoff) for unit in units]


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
    spans = sorted(
        (span for segment in segments for span in segment.spans()), key=lambda s: (s[0], s[3])
    )
    for start, start_hash, text, end, end_hash in spans:
        if start > expected:
            return _Break(start, 0, expected - 1, _missing(expected, start)), 0, ""
        if start < expected:
            return _Break(start, 0, start - 1, _repeated(start)), 0, ""
        if text is None:
            return _Break(start, 0, start - 1, _no_event(start)), 0, ""
        if link(start, previous, text) != start_hash:
            return _Break(start, 1, start - 1, _altered(start)), 0, ""
        expected, previous = end + 1, end_hash
    return None, expected - 1, previous


def _missing(expected: int, found: int) -> str:
    return f"broken link at position {expected}: the chain jumps to {found}; events are missing"


def _no_event(position: int) -> str:
    return f"broken link at position {position}: its event is missing; events were removed"


def _altered(position: int) -> str:
    return f"broken link at position {position}: its content does not match its hash"


def _repeated(position: int) -> str:
    return f"position {position} appears more than once: events were copied or forged"


def _whole_trail_links() -> _Break | None:
    """The first broken link in one ordered pass over the whole trail."""
    with connection.cursor() as cursor:
        cursor.execute(PG_LINKS, [GENESIS])
        found = cursor.fetchone()
    if not found:
        return None
    position, prior, no_event, _ = found
    prior = prior or 0
    if position != prior + 1:
        if position <= prior:
            return _Break(position, 0, position - 1, _repeated(position))
        return _Break(position, 0, prior, _missing(prior + 1, position))
    if no_event:
        return _Break(position, 0, position - 1, _no_event(position))
    return _Break(position, 1, position - 1, _altered(position))


def _walk_in_postgresql(
    report: Report, wanted: dict[int, list[str]], workers: int, cutoff
) -> tuple[int, str]:
    segments = _segments(workers, cutoff)
    report.events = sum(segment.events for segment in segments)
    report.unsealed = sum(segment.unsealed for segment in segments)
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
        if segment.no_event is not None:
            position = segment.no_event
            breaks.append(_Break(position, 0, position - 1, _no_event(position)))
    if breaks:
        first = min(breaks)
        report.problems.append(first.message)
        last, last_hash = first.intact_until, None
    elif last is None:  # the long way found the chain whole
        last = max((s.top for s in segments if s.top is not None), default=0)
    seen = {}
    if wanted:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT position, hash FROM audit_auditlink WHERE position = ANY(%s)",
                [sorted(wanted)],
            )
            seen = dict(cursor.fetchall())
    _compare_checkpoints(report, wanted, seen, last, broken=bool(breaks))
    if not last:
        return 0, GENESIS
    if last_hash is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT hash FROM audit_auditlink WHERE position = %s", [last])
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


SQLITE_UNSEALED = """
    SELECT count(*) FROM audit_auditevent e WHERE e.occurred_at < %s
    AND NOT EXISTS (SELECT 1 FROM audit_auditlink l WHERE l.event_id = e.id)
"""


def _walk_in_python(
    report: Report, wanted: dict[int, list[str]], cutoff, *, chunk: int = 50_000
) -> tuple[int, str]:
    """Recompute every link in position order; the last (position, hash)."""
    expected, previous = 1, GENESIS
    seen: dict[int, str] = {}
    with connection.cursor() as cursor:
        cursor.execute(SQLITE_UNSEALED, [connection.ops.adapt_datetimefield_value(cutoff)])
        (report.unsealed,) = cursor.fetchone()
        while True:
            cursor.execute(
                "SELECT l.position, l.hash, e.canonical, l.event_id FROM audit_auditlink l "
                "LEFT JOIN audit_auditevent e ON e.id = l.event_id "
                "WHERE l.position >= %s ORDER BY l.position LIMIT %s",
                [expected, chunk],
            )
            rows = cursor.fetchall()
            for position, chain_hash, text, event_id in rows:
                if position != expected:
                    report.problems.append(
                        f"broken link at position {expected}: the chain jumps to {position} "
                        f"(event {event_id}); events are missing"
                    )
                    return expected - 1, previous
                if text is None:
                    report.problems.append(
                        f"broken link at position {position}: its event ({event_id}) is "
                        "missing; events were removed"
                    )
                    return expected - 1, previous
                if link(position, previous, text) != chain_hash:
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
    SELECT id, occurred_at, canonical,
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
        SELECT min(l.position) FROM audit_auditlink l JOIN (
            SELECT id, occurred_at, canonical,
                '{"action":"' || action || '","actor":'
                || coalesce('"' || actor_id || '"', 'null')
                || ',"at":"' || replace(occurred_at, ' ', 'T')
                || CASE WHEN length(occurred_at) = 19 THEN '.000000' ELSE '' END
                || '+00:00","data":' AS head,
                ',"employee":' || coalesce('"' || employee_id || '"', 'null')
                || ',"target_id":"' || target_id || '","target_type":"' || target_type || '"}'
                AS tail
            FROM audit_auditevent
        ) e ON e.id = l.event_id
        WHERE substr(canonical, 1, length(head)) <> head OR substr(canonical, -length(tail)) <> tail
            OR l.occurred_at <> e.occurred_at
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
    expected_first = 1
    runs = list(SealBatch.objects.order_by("first").values_list("first", "last", "hash", "mac"))
    ends = {}
    for start in range(0, len(runs), SEAL_CHUNK):
        wanted = [run[1] for run in runs[start : start + SEAL_CHUNK]]
        ends.update(AuditLink.objects.filter(position__in=wanted).values_list("position", "hash"))
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
        if report.unsealed:
            report.problems.append(
                f"{report.unsealed} event(s) written more than "
                f"{UNSEALED_GRACE.seconds // 60} minutes ago are not sealed into the chain"
            )
        _projection(report)
        subjects.check(report)
    return report

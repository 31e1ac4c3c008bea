"""The people of each read of many (audit/reads.py), checked against the sealed events.

Apart from reads.py (which records, through services) so that verification (chain.py) can read
it without an import cycle.
"""

from __future__ import annotations

import hashlib
import json

from asndigital.audit.models import AuditEvent, ReadSubject

# The actions recorded through ``many``: ``verify_audit`` checks each such event's people
# against its rows (``check``); tests/audit/test_reads.py keeps the list complete.
MANY_ACTIONS = (
    "audit.exported",
    "corrections.listed",
    "employees.listed",
    "queue.listed",
    "report.exported",
    "report.viewed",
    "worklist.viewed",
)


def check(report) -> None:
    """Every read of many people against its ``ReadSubject`` rows (for ``verify_audit``; reads
    only): the count and the SHA-256 of the sorted ids that the sealed event holds must be
    those of its rows, and no rows may hang on an event that does not claim them. Rows added,
    removed or changed by someone with the database (the triggers dropped) are reported."""
    claimed = {}
    events = AuditEvent.objects.filter(action__in=MANY_ACTIONS).values_list("pk", "canonical")
    for pk, text in events.iterator(chunk_size=5000):
        data = json.loads(text)["data"]
        if "subjects_sha256" in data:
            claimed[pk] = (data["subjects"], data["subjects_sha256"])
    found: dict[int, tuple[int, str]] = {}
    rows = ReadSubject.objects.order_by("event_id", "employee_id").values_list(
        "event_id", "employee_id"
    )
    current: int | None = None
    ids: list[str] = []

    def close():
        if current is not None:
            found[current] = (len(ids), hashlib.sha256("\n".join(ids).encode()).hexdigest())

    for event_id, employee_id in rows.iterator(chunk_size=20_000):
        if event_id != current:
            close()
            current, ids = event_id, []
        ids.append(str(employee_id))
    close()
    wrong = sorted(
        pk
        for pk in claimed.keys() | found.keys()
        if found.get(pk, (0, hashlib.sha256(b"").hexdigest())) != claimed.get(pk)
    )
    if wrong:
        report.problems.append(
            f"the people of {len(wrong)} recorded read(s) of many (first: event {wrong[0]}) do "
            "not match the sealed event: rows saying whom an export included were added, "
            "removed or changed"
        )

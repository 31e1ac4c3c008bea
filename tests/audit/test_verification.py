"""Verification on PostgreSQL: the trail checked in slices of event ids, several at once in one
shared snapshot, and the slices' runs of positions stitched into one chain, whatever month each
event is in and whenever its transaction committed."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, transaction
from django.utils import timezone

from asndigital.audit import chain, guard, partitions
from asndigital.audit.models import AuditEvent, AuditLink
from asndigital.audit.services import record
from tests.helpers import committed_late

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the workers' own connections must see the events
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the trail is partitioned on PostgreSQL only"
    ),
]


def moment(months_ahead: int) -> datetime:
    month = partitions.add_months(timezone.now().astimezone(UTC).date(), months_ahead)
    return datetime(month.year, month.month, 3, 10, 0, tzinfo=UTC)


def record_in(months_ahead: int, monkeypatch, number: int):
    at = moment(months_ahead)
    monkeypatch.setattr("asndigital.audit.services.timezone.now", lambda: at)
    with transaction.atomic():
        event = record(None, "test.happened", None, number=number)
    monkeypatch.undo()
    chain.seal()
    return event


@pytest.fixture
def interleaved(monkeypatch):
    """Seven events in three months, sealed in this order: month 0 holds positions 1 and 3,
    month 1 holds 2, 5, 6 and 7, month 2 holds 4; then an event whose transaction commits after
    two later ones were sealed (positions 8, 9 and 10 for ids n+1, n+2 and n). Slices of event
    ids then hold several runs of positions."""
    for number, month in enumerate([0, 1, 0, 2, 1, 1, 1], start=1):
        record_in(month, monkeypatch, number)
    placed = dict(AuditLink.objects.values_list("position", "occurred_at"))
    assert [placed[p].month for p in range(1, 8)] == [
        moment(m).month for m in [0, 1, 0, 2, 1, 1, 1]
    ]
    late = committed_late(lambda: [record_in(0, monkeypatch, n) for n in (9, 10)])
    assert dict(AuditLink.objects.values_list("event_id", "position"))[late] == 10


def tamper(sql, params=()):
    with guard.maintenance(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture(params=[chain.SLICE, 1, 3], ids=["whole", "slices-of-1", "slices-of-3"])
def sliced(request, monkeypatch):
    """The trail read whole, or cut into slices of one or three event ids (as a big trail is
    cut): each slice then holds runs of positions that the stitching must join."""
    monkeypatch.setattr(chain, "SLICE", request.param)


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_months_whose_positions_interleave_verify_whole(interleaved, sliced, settings, workers):
    settings.ASN_AUDIT_VERIFY_WORKERS = workers
    report = chain.verify()
    assert report.intact, report.problems
    assert report.events == 10


def test_the_slices_are_read_by_several_connections(interleaved, settings, monkeypatch):
    settings.ASN_AUDIT_VERIFY_WORKERS = 2
    monkeypatch.setattr(chain, "SLICE", 2)
    threads = set()
    scan = chain._scan_in_snapshot

    def counted(snapshot, cutoff, unit):
        threads.add(threading.get_ident())
        return scan(snapshot, cutoff, unit)

    monkeypatch.setattr(chain, "_scan_in_snapshot", counted)
    assert chain.verify().intact
    assert threading.get_ident() not in threads and len(threads) >= 1


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            "UPDATE audit_auditevent SET canonical = replace(canonical, '\"number\":3', "
            "'\"number\":9') WHERE id = (SELECT event_id "
            "FROM audit_auditlink WHERE position = 3)",
            "broken link at position 3: its content does not match its hash",
        ),
        (
            "UPDATE audit_auditevent SET canonical = canonical || ' ' WHERE id = (SELECT event_id "
            "FROM audit_auditlink WHERE position = 10)",
            "broken link at position 10: its content does not match its hash",
        ),
        (
            "DELETE FROM audit_auditevent WHERE id = (SELECT event_id "
            "FROM audit_auditlink WHERE position = 2)",
            "broken link at position 2: its event is missing; events were removed",
        ),
        (
            "DELETE FROM audit_auditlink WHERE position = 4",
            "broken link at position 4: the chain jumps to 5; events are missing",
        ),
        (
            "DELETE FROM audit_auditlink WHERE position = 10",
            "the chain ends at position 9 but its head says 10: events were removed from the end",
        ),
        ("UPDATE audit_auditlink SET hash = repeat('a', 64) WHERE position = 5", None),
        ("UPDATE audit_auditlink SET hash = repeat('a', 64) WHERE position = 8", None),
        ("UPDATE audit_auditlink SET hash = repeat('a', 64) WHERE position = 10", None),
        (  # a copy of month 2's event, a year back: never chained
            "INSERT INTO audit_auditevent (occurred_at, actor_id, action, target_type, "
            "target_id, employee_id, canonical, mac) SELECT "
            "occurred_at - interval '1 year', actor_id, action, target_type, target_id, "
            "employee_id, canonical, mac FROM audit_auditevent WHERE id = (SELECT event_id "
            "FROM audit_auditlink WHERE position = 4)",
            "1 event(s) written more than 5 minutes ago are not sealed into the chain",
        ),
    ],
)
def test_a_change_anywhere_is_found_at_its_position(interleaved, sliced, change, problem):
    if problem is None:  # a link's hash changed
        position = change.rsplit(" ", 1)[1]
        problem = f"broken link at position {position}: its content does not match its hash"
    tamper(change)
    report = chain.verify()
    assert report.problems[0] == problem


def test_a_trail_too_broken_to_stitch_is_checked_the_long_way(interleaved, monkeypatch):
    monkeypatch.setattr(chain, "SLICE", 1)
    monkeypatch.setattr(chain, "RUNS_LIMIT", 0)  # every slice has more runs than that
    assert chain.verify().intact
    tamper("UPDATE audit_auditlink SET hash = repeat('b', 64) WHERE position = 6")
    assert chain.verify().problems[0] == (
        "broken link at position 6: its content does not match its hash"
    )
    tamper(
        "DELETE FROM audit_auditevent WHERE id = (SELECT event_id "
        "FROM audit_auditlink WHERE position = 3)"
    )
    assert chain.verify().problems[0] == (
        "broken link at position 3: its event is missing; events were removed"
    )
    tamper("DELETE FROM audit_auditlink WHERE position = 2")
    assert chain.verify().problems[0] == (
        "broken link at position 2: the chain jumps to 3; events are missing"
    )


def test_events_sealed_while_verifying_are_not_mistaken_for_tampering(
    interleaved, settings, monkeypatch
):
    """The head, the checkpoints and every month are read in one snapshot: events appended and
    sealed by others in the meantime are simply not part of this check."""
    settings.ASN_AUDIT_VERIFY_WORKERS = 2
    units = chain._units

    def meanwhile():
        def append():
            try:
                with transaction.atomic():
                    record(None, "test.meanwhile")
                chain.seal()
            finally:
                connection.close()

        other = threading.Thread(target=append)
        other.start()
        other.join()
        return units()

    monkeypatch.setattr(chain, "_units", meanwhile)
    report = chain.verify()
    assert report.intact, report.problems
    assert report.events == 10
    monkeypatch.undo()
    assert AuditEvent.objects.count() == 11 and chain.verify().intact

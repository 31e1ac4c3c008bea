"""Verification on PostgreSQL: every month's partition checked in one pass of its own, several
at once in one shared snapshot, and the months' runs of positions stitched into one chain."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, transaction
from django.utils import timezone

from asndigital.audit import chain, guard, partitions
from asndigital.audit.models import AuditEvent
from asndigital.audit.services import record

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
    month 1 holds 2, 5, 6 and 7, month 2 holds 4. Each month's positions are several runs."""
    for number, month in enumerate([0, 1, 0, 2, 1, 1, 1], start=1):
        record_in(month, monkeypatch, number)
    placed = dict(AuditEvent.objects.values_list("position", "occurred_at"))
    assert [placed[p].month for p in range(1, 8)] == [
        moment(m).month for m in [0, 1, 0, 2, 1, 1, 1]
    ]


def tamper(sql, params=()):
    with guard.maintenance(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def relink(position: int, prev_hash: str) -> None:
    """Point an event elsewhere and give it a hash that matches: only the link is wrong."""
    text = AuditEvent.objects.get(position=position).canonical
    tamper(
        "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE position = %s",
        [prev_hash, chain.link(position, prev_hash, text), position],
    )


@pytest.fixture(params=[chain.SLICE, 1], ids=["whole-months", "slices-of-1"])
def sliced(request, monkeypatch):
    """Months read whole, or cut into slices of one position (as a big month is cut; here some
    slices are empty: month 1's positions 3 and 4 are in other months)."""
    monkeypatch.setattr(chain, "SLICE", request.param)


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_months_whose_positions_interleave_verify_whole(interleaved, sliced, settings, workers):
    settings.ASN_AUDIT_VERIFY_WORKERS = workers
    report = chain.verify()
    assert report.intact, report.problems
    assert report.events == 7


def test_the_months_are_read_by_several_connections(interleaved, settings, monkeypatch):
    settings.ASN_AUDIT_VERIFY_WORKERS = 2
    threads = set()
    scan = chain._scan_in_snapshot

    def counted(snapshot, table):
        threads.add(threading.get_ident())
        return scan(snapshot, table)

    monkeypatch.setattr(chain, "_scan_in_snapshot", counted)
    assert chain.verify().intact
    assert threading.get_ident() not in threads and len(threads) >= 1


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            "UPDATE audit_auditevent SET canonical = replace(canonical, '\"number\":3', "
            "'\"number\":9') WHERE position = 3",
            "broken link at position 3: its content does not match its hash",
        ),
        (
            "DELETE FROM audit_auditevent WHERE position = 2",
            "broken link at position 2: the chain jumps to 3; events are missing",
        ),
        (
            "DELETE FROM audit_auditevent WHERE position = 4",
            "broken link at position 4: the chain jumps to 5; events are missing",
        ),
        (  # a copy of month 2's event in month 1, as it was
            "INSERT INTO audit_auditevent (occurred_at, actor_id, action, target_type, "
            "target_id, employee_id, canonical, position, prev_hash, hash) SELECT "
            "occurred_at - interval '1 month', actor_id, action, target_type, target_id, "
            "employee_id, canonical, position, prev_hash, hash FROM audit_auditevent "
            "WHERE position = 4",
            "position 4 appears more than once: events were copied or forged",
        ),
    ],
)
def test_a_change_anywhere_is_found_at_its_position(interleaved, sliced, change, problem):
    tamper(change)
    report = chain.verify()
    assert report.problems[0] == problem


def test_a_link_between_two_months_is_checked(interleaved, sliced):
    relink(5, chain.GENESIS)  # 5 opens a run in month 1; 4, before it, is in month 2
    assert chain.verify().problems == [
        "broken link at position 5: it does not point to the event before it"
    ]


def test_a_link_inside_a_month_is_checked(interleaved, sliced):
    relink(7, chain.GENESIS)  # 6 and 7 are neighbours in month 1
    assert chain.verify().problems == [
        "broken link at position 7: it does not point to the event before it"
    ]


def test_a_month_too_broken_to_stitch_is_checked_the_long_way(interleaved, monkeypatch):
    monkeypatch.setattr(chain, "RUNS_LIMIT", 1)  # every month here has more runs than that
    assert chain.verify().intact
    tamper("DELETE FROM audit_auditevent WHERE position = 2")
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
    assert report.events == 7
    monkeypatch.undo()
    assert AuditEvent.objects.count() == 8 and chain.verify().intact

"""The audit trail partitioned by month on PostgreSQL (``audit/partitions.py``)."""

from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from asndigital.audit import chain, partitions
from asndigital.audit.models import AuditEvent, AuditLink
from asndigital.audit.services import record

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trail is partitioned on PostgreSQL only"
)


def record_at(moment: datetime, monkeypatch, action="test.happened"):
    monkeypatch.setattr("asndigital.audit.services.timezone.now", lambda: moment)
    event = record(None, action)
    monkeypatch.undo()
    return event


def partition_of(event) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM audit_auditevent WHERE id = %s", [event.pk]
        )
        return cursor.fetchone()[0]


@postgresql_only
def test_the_trail_has_this_month_the_next_twelve_and_a_default():
    today = timezone.now().astimezone(UTC).date()
    found = partitions.partitions()
    months = [p.start for p in found if p.start]
    assert partitions.month_start(today) in months
    assert partitions.add_months(partitions.month_start(today), 12) in months
    assert found[-1].name == partitions.DEFAULT and found[-1].start is None
    assert partition_of(record(None, "test.now")) == partitions.name_for(
        partitions.month_start(today)
    )


@postgresql_only
def test_every_partition_refuses_truncate_update_and_delete():
    record(None, "test.happened")
    chain.seal()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, array_agg(t.tgname::text ORDER BY t.tgname) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_trigger t ON t.tgrelid = c.oid AND NOT t.tgisinternal "
            "WHERE i.inhparent = 'audit_auditevent'::regclass GROUP BY c.relname"
        )
        triggers = dict(cursor.fetchall())
    assert len(triggers) == len(partitions.partitions())
    assert set(map(tuple, triggers.values())) == {
        ("audit_event_append_only", "audit_event_no_truncate")
    }
    month = partitions.name_for(partitions.month_start(timezone.now().astimezone(UTC).date()))
    statements = ("TRUNCATE {}", "DELETE FROM {}", "UPDATE {} SET hash = ''")
    for statement in (s.format(month) for s in statements):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEvent.objects.count() == 1 and chain.verify().intact


@postgresql_only
def test_an_event_outside_every_month_waits_in_the_default_then_moves_into_its_month(
    monkeypatch, capsys
):
    record(None, "test.before")
    far = record_at(datetime(2041, 3, 15, 8, 30, tzinfo=UTC), monkeypatch, "test.far")
    record(None, "test.after")
    chain.seal()
    far.refresh_from_db()
    assert partition_of(far) == partitions.DEFAULT
    assert partitions.waiting_months() == [date(2041, 3, 1)]

    call_command("audit_partitions", "--list")
    assert "2041-03" in capsys.readouterr().err
    call_command("audit_partitions")
    assert "created audit_auditevent_p204103" in capsys.readouterr().out

    moved = AuditEvent.objects.get(pk=far.pk)
    assert partition_of(moved) == "audit_auditevent_p204103"
    assert moved.canonical == far.canonical
    assert AuditLink.objects.filter(event_id=far.pk, occurred_at=far.occurred_at).exists()
    assert partitions.waiting_months() == []
    assert chain.verify().intact
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditevent_p204103")


@postgresql_only
def test_a_detached_month_shows_as_missing_events(monkeypatch):
    """The owner of the database can detach a partition; the chain shows the gap."""
    next_month = partitions.add_months(timezone.now().astimezone(UTC).date(), 1)
    record(None, "test.one")
    record_at(datetime(next_month.year, next_month.month, 2, tzinfo=UTC), monkeypatch)
    record(None, "test.three")
    chain.seal()
    assert chain.verify().intact
    with connection.cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE audit_auditevent DETACH PARTITION {partitions.name_for(next_month)}"
        )
    report = chain.verify()
    assert report.problems and "position 2" in report.problems[0]
    assert "missing" in report.problems[0]


def test_a_position_or_an_event_is_chained_once_whatever_the_partitions():
    """The links are one table (not partitioned): its keys make a position, and an event,
    appear once in the chain."""
    for n in range(3):
        record(None, f"test.n{n}")
    chain.seal()
    copies = [
        "INSERT INTO audit_auditlink (position, event_id, occurred_at, hash) "
        "SELECT 2, event_id + 100, occurred_at, hash FROM audit_auditlink WHERE position = 3",
        "INSERT INTO audit_auditlink (position, event_id, occurred_at, hash) "
        "SELECT 4, event_id, occurred_at, hash FROM audit_auditlink WHERE position = 3",
    ]
    for copy in copies:
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(copy)
    assert chain.verify().intact


def test_the_command_says_where_the_trail_is_one_table(capsys):
    call_command("audit_partitions")
    out = capsys.readouterr().out
    if connection.vendor == "postgresql":
        assert "audit_auditevent_default" in out
    else:
        assert "one table on sqlite" in out and partitions.ensure() == []

"""The audit trail, partitioned by month on PostgreSQL.

The trail grows fastest of all tables (every view and download is an event): on PostgreSQL
``audit_auditevent`` is a table partitioned by range of ``occurred_at``, one partition per
calendar month (UTC) named ``audit_auditevent_pYYYYMM``, plus a default partition that catches
an event outside every month that exists, so an append never fails for want of a partition.
Searches with a date range read only their months; every index is per partition, so each stays
the size of one month; old months can be moved to cheaper storage as whole tables.

``ensure()`` creates the months ahead (migration ``0006`` makes this month and the next twelve;
the schedule's ``audit_partitions`` job does it again daily). If events already sit in the
default partition for a month being created, they are moved into the new month in the same
transaction, with every column as it was: the chain does not change.

What partitioning changes:
- The primary key is ``(id, occurred_at)`` (PostgreSQL requires the partition key in it); ``id``
  still comes from one sequence and stays unique.
- The chain's positions and hashes are not in this table: they are ``audit_auditlink`` rows
  (one plain table, migration ``0011``), where ``position`` is the primary key and ``event_id``
  is unique. (Between migrations ``0006`` and ``0011`` the events held them, with ``position``
  indexed but not unique here; ``_index_for`` still knows that for those migrations.)
- ``occurred_at`` has a BRIN index (events arrive in time order; a few pages per month instead of a
  B-tree as big as the table).
- Each partition refuses TRUNCATE like the parent (statement triggers are not inherited); UPDATE
  and DELETE are refused by the parent's row trigger, which PostgreSQL clones onto every partition.
  Whoever owns the database can still detach or drop a partition: the chain and its signed
  checkpoints show that (``tests/audit/test_partitions.py`` does it).

SQLite (the embedded default) keeps one plain table; everything here is a no-op there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db import connection, transaction
from django.utils import timezone

from asndigital.audit import guard

PARENT = "audit_auditevent"
DEFAULT = f"{PARENT}_default"
MONTHS_AHEAD = 12
# Every statement here is built from this module's constants and dates it computed itself
# (identifiers cannot be bound parameters): no outside input reaches the SQL.
_BOUND = re.compile(r"FROM \('([^']+)'\) TO \('([^']+)'\)")


@dataclass(frozen=True)
class Partition:
    name: str
    start: date | None  # None: the default partition
    end: date | None
    rows: int  # PostgreSQL's estimate (exact after ANALYZE)
    size: int  # bytes, with its indexes


def month_start(day: date) -> date:
    return date(day.year, day.month, 1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def name_for(start: date) -> str:
    return f"{PARENT}_p{start:%Y%m}"


def _bound(day: date) -> str:
    return f"'{datetime(day.year, day.month, day.day, tzinfo=UTC).isoformat()}'"


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass)",
            [PARENT],
        )
        return cursor.fetchone()[0]


def partitions() -> list[Partition]:
    """Every partition, oldest month first, the default last (empty where not partitioned)."""
    if not is_partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), "
            "greatest(c.reltuples, 0)::bigint, pg_total_relation_size(c.oid) "
            "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [PARENT],
        )
        found = []
        for name, bound, rows, size in cursor.fetchall():
            match = _BOUND.search(bound)
            start, end = (
                (datetime.fromisoformat(match[1]).date(), datetime.fromisoformat(match[2]).date())
                if match
                else (None, None)
            )
            found.append(Partition(name, start, end, rows, size))
    return sorted(found, key=lambda p: (p.start is None, p.start or date.min))


def _no_truncate(cursor, table: str) -> None:
    cursor.execute(
        f"CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()"
    )


def _create_month(cursor, start: date) -> None:
    """One month's partition, moving any events of that month out of the default partition."""
    end = add_months(start, 1)
    name, bounds = name_for(start), f"FROM ({_bound(start)}) TO ({_bound(end)})"
    moved = f"WHERE occurred_at >= {_bound(start)} AND occurred_at < {_bound(end)}"
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {DEFAULT} {moved})")  # noqa: S608
    if not cursor.fetchone()[0]:
        cursor.execute(f"CREATE TABLE {name} PARTITION OF {PARENT} FOR VALUES {bounds}")
    else:
        cursor.execute(f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS)")
        cursor.execute(f"INSERT INTO {name} SELECT * FROM {DEFAULT} {moved}")  # noqa: S608
        with guard.maintenance():  # a move, not a change: every column stays as it was
            cursor.execute(f"DELETE FROM {DEFAULT} {moved}")  # noqa: S608
        cursor.execute(f"ALTER TABLE {PARENT} ATTACH PARTITION {name} FOR VALUES {bounds}")
    _no_truncate(cursor, name)


def ensure(*, since: date | None = None, until: date | None = None) -> list[str]:
    """Create every missing month from ``since`` (this month) to ``until`` (``MONTHS_AHEAD``
    months on), both included, and the month of every event waiting in the default partition;
    the names created. Nothing where the trail is not partitioned."""
    if not is_partitioned():
        return []
    today = timezone.now().astimezone(UTC).date()
    month = month_start(since or today)
    last = month_start(until or add_months(today, MONTHS_AHEAD))
    existing = {p.name for p in partitions()}
    months = set(waiting_months())
    while month <= last:
        months.add(month)
        month = add_months(month, 1)
    created = []
    for month in sorted(months):
        if name_for(month) not in existing:
            with transaction.atomic(), connection.cursor() as cursor:
                _create_month(cursor, month)
            created.append(name_for(month))
    return created


def waiting_months() -> list[date]:
    """The months of events that are in the default partition (their month did not exist)."""
    if not is_partitioned():
        return []
    with connection.cursor() as cursor:
        month = "date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date"
        cursor.execute(f"SELECT DISTINCT {month} FROM {DEFAULT} ORDER BY 1")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


# --- The migration ----------------------------------------------------------------------------


def _definitions(cursor, table: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(name, CREATE INDEX ...) of every index but the primary key's, and (name, definition) of
    every foreign key."""
    cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
        "AND i.schemaname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
        "WHERE c.conname = i.indexname AND c.contype = 'p') ORDER BY i.indexname",
        [table],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
        [table],
    )
    return indexes, cursor.fetchall()


def _rebuild(cursor, *, partitioned: bool) -> None:
    """Copy the trail into a new table of the other kind (same columns, ids, hashes), drop the
    old one and give the new one its indexes, foreign keys and triggers."""
    old = f"{PARENT}_before"
    indexes, foreign_keys = _definitions(cursor, PARENT)
    cursor.execute(f"SELECT pg_get_serial_sequence('{PARENT}', 'id')")
    (old_sequence,) = cursor.fetchone()
    for statement in guard.POSTGRESQL_EVENT_REMOVE:
        cursor.execute(statement)
    for name, _ in foreign_keys:
        cursor.execute(f"ALTER TABLE {PARENT} DROP CONSTRAINT {name}")
    for name, _ in indexes:
        cursor.execute(f"ALTER TABLE {PARENT} DROP CONSTRAINT IF EXISTS {name}")
        cursor.execute(f"DROP INDEX IF EXISTS {name}")
    cursor.execute(f"ALTER TABLE {PARENT} RENAME CONSTRAINT {PARENT}_pkey TO {old}_pkey")
    cursor.execute(f"ALTER TABLE {PARENT} RENAME TO {old}")
    like = f"LIKE {old} INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING STORAGE"
    if partitioned:
        cursor.execute(f"CREATE TABLE {PARENT} ({like}) PARTITION BY RANGE (occurred_at)")
        cursor.execute(f"ALTER TABLE {PARENT} ADD PRIMARY KEY (id, occurred_at)")
        cursor.execute(f"CREATE TABLE {DEFAULT} PARTITION OF {PARENT} DEFAULT")
        cursor.execute(f"SELECT min(occurred_at) FROM {old}")  # noqa: S608
        (first,) = cursor.fetchone()
        today = timezone.now().astimezone(UTC).date()
        month = month_start(first.astimezone(UTC).date() if first else today)
        while month <= add_months(today, MONTHS_AHEAD):
            cursor.execute(
                f"CREATE TABLE {name_for(month)} PARTITION OF {PARENT} FOR VALUES "
                f"FROM ({_bound(month)}) TO ({_bound(add_months(month, 1))})"
            )
            month = add_months(month, 1)
    else:
        cursor.execute(f"CREATE TABLE {PARENT} ({like})")
        cursor.execute(f"ALTER TABLE {PARENT} ADD PRIMARY KEY (id)")
    cursor.execute(f"INSERT INTO {PARENT} SELECT * FROM {old}")  # noqa: S608
    cursor.execute(f"SELECT pg_get_serial_sequence('{PARENT}', 'id')")
    (new_sequence,) = cursor.fetchone()
    cursor.execute(f"SELECT last_value, is_called FROM {old_sequence}")  # noqa: S608
    last_value, is_called = cursor.fetchone()
    cursor.execute(f"SELECT setval('{new_sequence}', %s, %s)", [last_value, is_called])
    cursor.execute(f"DROP TABLE {old}")
    cursor.execute(f"ALTER SEQUENCE {new_sequence} RENAME TO {old_sequence.split('.')[-1]}")
    for name, definition in foreign_keys:
        cursor.execute(f"ALTER TABLE {PARENT} ADD CONSTRAINT {name} {definition}")
    for _name, definition in indexes:
        cursor.execute(_index_for(definition.replace(" ON ONLY ", " ON "), partitioned=partitioned))
    for statement in guard.POSTGRESQL_EVENT_INSTALL:
        cursor.execute(statement)
    if partitioned:
        for partition in partitions():
            _no_truncate(cursor, partition.name)


def _index_for(definition: str, *, partitioned: bool) -> str:
    """The index for the new table: on the partitioned trail ``position`` (which the events
    held until migration ``0011``) is indexed without UNIQUE and ``occurred_at`` by BRIN (see
    the module's docstring); back the other way, as Django's model declared them."""
    if partitioned:
        if '("position")' in definition:
            return definition.replace("CREATE UNIQUE INDEX", "CREATE INDEX")
        if definition.endswith("USING btree (occurred_at)"):
            return definition.replace("USING btree", "USING brin")
        return definition
    if '("position")' in definition:
        return definition.replace("CREATE INDEX", "CREATE UNIQUE INDEX")
    return definition.replace("USING brin", "USING btree")


def partition(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            _rebuild(cursor, partitioned=True)


def unpartition(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            _rebuild(cursor, partitioned=False)

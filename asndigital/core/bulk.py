"""Fast inserts of many plain rows, for imports: COPY on PostgreSQL, executemany elsewhere;
and plain updates of a few hundred rows at once.

Model instances cost several microseconds each to build and save; at a million rows that
dominates an import. Callers pass tuples already in column order. Only services call this.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models

_SIZE = re.compile(r"\(.*\)$")  # varchar(64) -> varchar: COPY wants the bare type name


def _sqlite_converter(field: models.Field) -> Callable[[Any], Any] | None:
    """How one value is stored on SQLite; None when the driver takes it as it is."""
    target = field.target_field if field.is_relation else field
    if isinstance(target, models.UUIDField):
        return lambda v: v.hex if v is not None else None
    if isinstance(target, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(target, models.DateField):
        return lambda v: v.isoformat() if v is not None else None
    if isinstance(
        target,
        (
            models.CharField,
            models.TextField,
            models.IntegerField,
            models.BooleanField,
            models.AutoField,
        ),
    ):
        return None
    return lambda v, f=field: f.get_db_prep_save(v, connection)


def _copy_binary(raw_cursor, table: str, names: str, fields, rows) -> int:
    """COPY in binary format: no text formatting in Python, no parsing in the server."""
    # imported here: PostgreSQL only: the embedded SQLite never needs psycopg
    from psycopg.types.json import Jsonb

    types = [_SIZE.sub("", f.db_type(connection)) for f in fields]
    json_positions = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    count = 0
    with raw_cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(types)
        for row in rows:
            if json_positions:
                row = list(row)
                for i in json_positions:
                    row[i] = Jsonb(row[i])
            copy.write_row(row)
            count += 1
    return count


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert ``rows`` (tuples in the order of ``columns``, attnames) into ``model``'s table."""
    fields = [model._meta.get_field(c) for c in columns]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            return _copy_binary(cursor.cursor, table, names, fields, rows)
        converters = [_sqlite_converter(f) for f in fields]
        convert = [(i, c) for i, c in enumerate(converters) if c is not None]
        placeholders = ", ".join(["%s"] * len(fields))
        batch: list[list[Any]] = []
        sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608 - names are ours
        for row in rows:
            values = list(row)
            for i, conv in convert:
                values[i] = conv(values[i])
            batch.append(values)
            if len(batch) >= 1000:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def update_rows(
    model: type[models.Model], objects: Sequence[models.Model], fields: Sequence[str]
) -> int:
    """Save ``fields`` of ``objects`` (existing rows) with one plain UPDATE per row, sent as one
    batch (``executemany``; pipelined on PostgreSQL). For a few hundred rows of many fields
    this costs a fraction of ``bulk_update``, whose one statement of CASE expressions takes
    Django longer to build than the database to run."""
    if not objects:
        return 0
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(c.column)} = %s" for c in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608 - names are ours
    params = [
        [c.get_db_prep_save(getattr(obj, c.attname), connection) for c in columns]
        + [meta.pk.get_db_prep_save(obj.pk, connection)]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(params)

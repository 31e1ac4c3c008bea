"""Fast inserts of many plain rows, for imports: COPY on PostgreSQL, executemany elsewhere.

Model instances cost several microseconds each to build and save; at a million rows that
dominates an import. Callers pass tuples already in column order. Only services call this.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models


def _converters(fields: Sequence[models.Field]) -> list[Callable[[Any], Any]] | None:
    if connection.vendor == "postgresql":
        return None  # psycopg adapts UUID, date, datetime, bool and dict-as-JSON itself
    return [lambda v, f=f: f.get_db_prep_save(v, connection) for f in fields]


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert ``rows`` (tuples in the order of ``columns``, attnames) into ``model``'s table."""
    fields = [model._meta.get_field(c) for c in columns]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    converters = _converters(fields)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            json_positions = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    if json_positions:
                        row = list(row)
                        for i in json_positions:
                            row[i] = json.dumps(row[i], cls=fields[i].encoder)
                    copy.write_row(row)
                    count += 1
            return count
        placeholders = ", ".join(["%s"] * len(fields))
        batch: list[list[Any]] = []
        sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608 - names are ours
        for row in rows:
            batch.append([conv(v) for conv, v in zip(converters, row, strict=True)])
            if len(batch) >= 1000:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count

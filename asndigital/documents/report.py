"""Laporan Kekurangan Berkas: per employee, the mandatory documents missing or rejected.

One query finds the employees with a gap, already in the report's order: per employee, one
aggregate over their mandatory documents (an index-only probe of ``document_employee_type``)
folds the types they hold (accepted or waiting) and the types they only have rejected into one
number, one bit per type, and only employees whose employment type requires a type they do not
hold come back. The database reads only the agency's employees and their own documents, and the
rows are streamed (a server-side cursor on PostgreSQL), a chunk at a time; the reasons of the
rejected types are read per chunk, for the employees of the chunk that have one. Memory holds
one chunk, whatever the agency's size.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import F

from asndigital.documents.models import Document, DocumentEvent, DocumentType
from asndigital.personnel.models import DEPARTED_STATUSES, EmploymentType
from asndigital.personnel.nip import format_nip

CHUNK = 2000
# A type's bit in the aggregate: 1 << position when held, 1 << (position + REJECTED_SHIFT) when
# only rejected; SUM(DISTINCT) of distinct powers of two is their bitwise OR on every database.
REJECTED_SHIFT = 31
HELD = (Document.Status.ACCEPTED, Document.Status.WAITING)


# The exports' columns (CSV and XLSX), one row per employee with a gap: ``cells(gap)``.
HEADER = ["NIP", "Nama", "Jenis pegawai", "Unit", "Belum ada", "Ditolak (alasan)"]


@dataclass
class Gap:
    employee_id: str
    nip: str
    name: str
    employment_type: str
    unit: str
    missing: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)


def cells(gap: Gap) -> list[str]:
    """One row of the exports, under ``HEADER``."""
    rejected = "; ".join(f"{name} ({reason})" if reason else name for name, reason in gap.rejected)
    return [gap.nip, gap.name, gap.employment_type, gap.unit, "; ".join(gap.missing), rejected]


def _mandatory() -> list[DocumentType]:
    """The active mandatory types, in the catalogue's order (the report's column order)."""
    types = list(
        DocumentType.objects.filter(is_active=True, requirement=DocumentType.Requirement.MANDATORY)
    )
    if len(types) > REJECTED_SHIFT:
        # Bits REJECTED_SHIFT.. hold the rejected ones, and the aggregate is a 64-bit integer.
        raise RuntimeError(f"the report folds at most {REJECTED_SHIFT} mandatory types")
    return types


def _sql(employees, types: list[DocumentType], page: tuple[int, int] | None) -> tuple[str, list]:
    """The gaps query: ``employees`` (scoped by the caller) compiled into it as a subquery."""
    rows = (
        employees.exclude(status__in=DEPARTED_STATUSES)
        .order_by()
        .values("id", "nip", "front_title", "name", "back_title", "employment_type")
        .annotate(unit_name=F("unit__name"))
    )
    connection = connections[rows.db]
    inner, inner_params = rows.query.get_compiler(using=rows.db).as_sql()
    q = connection.ops.quote_name
    # Only the app's own integers (bits, type ids) and quoted names are written into the text
    # (hence S608 below); the strings are parameters.
    required = " ".join(
        f"WHEN %s THEN {sum(1 << i for i, t in enumerate(types) if t.applies_to_type(kind))}"
        for kind in EmploymentType.values
    )
    bits = " ".join(f"WHEN {int(t.pk)} THEN {1 << i}" for i, t in enumerate(types))
    type_ids = ", ".join(str(int(t.pk)) for t in types)
    # A fence (LIMIT/OFFSET) keeps the subquery from being merged into the outer one: merged,
    # the aggregate would run twice per employee, once for the filter, once for the row.
    fence = "OFFSET 0" if connection.vendor == "postgresql" else "LIMIT -1 OFFSET 0"
    # A page walks the employees in name order (the agency-and-name index) and stops when it is
    # full; the whole report costs less read in any order and only its gaps sorted.
    walk = "ORDER BY e.name, e.nip, e.id" if page else ""
    document = q(Document._meta.db_table)
    sql = f"""
        SELECT CAST(g.id AS TEXT), g.nip, g.front_title, g.name, g.back_title, g.employment_type,
               g.unit_name, g.state
        FROM (
            SELECT e.id, e.nip, e.front_title, e.name, e.back_title, e.employment_type,
                   e.unit_name,
                   CASE e.employment_type {required} ELSE 0 END AS required,
                   (SELECT CAST(SUM(DISTINCT CASE d.doc_type_id {bits} END
                                * CASE WHEN d.status = %s THEN {1 << REJECTED_SHIFT} ELSE 1 END)
                                AS BIGINT)
                    FROM {document} d
                    WHERE d.employee_id = e.id AND d.doc_type_id IN ({type_ids})
                      AND d.status IN (%s, %s, %s)) AS state
            FROM ({inner}) e
            {walk}
            {fence}
        ) g
        WHERE (g.required & ~COALESCE(g.state, 0)) <> 0
        ORDER BY g.name, g.nip, g.id
        {"LIMIT %s OFFSET %s" if page else ""}
    """  # noqa: S608
    params = [
        *EmploymentType.values,
        Document.Status.REJECTED,
        *HELD,
        Document.Status.REJECTED,
        *inner_params,
        *(page or ()),
    ]
    return sql, params


@contextmanager
def _planned_without_jit(connection):
    """PostgreSQL plans the query without JIT compilation: the plan's cost grows with the
    agency, and past ``jit_above_cost`` compiling it took longer than running it (seconds,
    docs/performance.md). The setting matters only while the query is planned."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")


def gaps(employees, *, limit: int | None = None, offset: int = 0) -> Iterator[Gap]:
    """``employees``: an Employee queryset already scoped to the user (and filtered). The
    employees (not departed) with a mandatory type missing or rejected, by name and NIP; with
    ``limit``, only ``limit`` of them after the first ``offset`` (a page: the database can then
    walk the employees in name order and stop early)."""
    types = _mandatory()
    if not types:
        return
    try:
        sql, params = _sql(employees, types, (limit, offset) if limit is not None else None)
    except EmptyResultSet:  # an empty selection (``nip__in=[]``, ``none()``): no gaps
        return
    connection = connections[employees.db]
    low = (1 << REJECTED_SHIFT) - 1
    required = {
        kind: sum(1 << i for i, t in enumerate(types) if t.applies_to_type(kind))
        for kind in EmploymentType.values
    }
    names: dict[int, list[str]] = {}
    with connection.chunked_cursor() as cursor:
        with _planned_without_jit(connection):
            cursor.execute(sql, params)
        while chunk := cursor.fetchmany(CHUNK):
            yield from _chunk_gaps(chunk, types, required, low, names)


def _chunk_gaps(chunk, types, required, low, names: dict[int, list[str]]) -> list[Gap]:
    found = []
    with_rejected = []  # (gap, mask of its rejected types)
    for employee_id, nip, front, name, back, kind, unit, state in chunk:
        state = state or 0
        wanted = required.get(kind, 0) & ~(state & low)
        rejected = wanted & (state >> REJECTED_SHIFT)
        missing = wanted & ~rejected
        if missing not in names:
            names[missing] = [t.name for i, t in enumerate(types) if missing >> i & 1]
        if front:
            name = f"{front} {name}"
        gap = Gap(
            # PostgreSQL gives the text of the UUID, SQLite the 32 hex digits it stores.
            employee_id=employee_id if len(employee_id) == 36 else str(uuid.UUID(employee_id)),
            nip=format_nip(nip),
            name=f"{name}, {back}" if back else name,
            employment_type=kind,
            unit=unit or "",
            missing=names[missing][:],
        )
        found.append(gap)
        if rejected:
            with_rejected.append((gap, rejected))
    if with_rejected:
        reasons = _reasons([gap.employee_id for gap, _ in with_rejected], types)
        for gap, rejected in with_rejected:
            gap.rejected = [
                (t.name, reasons.get((gap.employee_id, t.pk), ""))
                for i, t in enumerate(types)
                if rejected >> i & 1
            ]
    return found


def _reasons(employee_ids: list[str], types) -> dict:
    """(employee id as text, type id) -> the reason of the latest rejection of its rejected
    documents. On PostgreSQL the ids go as one text array cast by the server and come back as
    text: turning some 25,000 of them into UUID objects and back cost more than the query."""
    type_ids = [t.pk for t in types]
    connection = connections[DocumentEvent.objects.db]
    if connection.vendor == "postgresql":
        q = connection.ops.quote_name
        sql = (
            "SELECT CAST(d.employee_id AS TEXT), d.doc_type_id, e.reason "  # noqa: S608 - our names
            f"FROM {q(DocumentEvent._meta.db_table)} e "
            f"JOIN {q(Document._meta.db_table)} d ON d.id = e.document_id "
            "WHERE d.employee_id = ANY(CAST(%s AS uuid[])) AND d.doc_type_id = ANY(%s) "
            "AND d.status = %s AND e.kind = %s ORDER BY e.at, e.id"
        )
        params = [
            employee_ids,
            type_ids,
            Document.Status.REJECTED,
            DocumentEvent.Kind.REJECTED,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            # The latest wins.
            return {(employee_id, type_id): reason for employee_id, type_id, reason in cursor}
    found = {}
    for employee_id, type_id, reason in (
        DocumentEvent.objects.filter(
            document__employee__id__any=[uuid.UUID(e) for e in employee_ids],
            document__doc_type_id__in=type_ids,
            document__status=Document.Status.REJECTED,
            kind=DocumentEvent.Kind.REJECTED,
        )
        .order_by("at", "id")
        .values_list("document__employee_id", "document__doc_type_id", "reason")
    ):
        found[str(employee_id), type_id] = reason  # the latest wins
    return found

"""Dashboard figures per agency, kept in ``AgencyFigures`` so that dashboards answer at once
whatever the size of the archive.

``refresh()`` (the schedule's ``refresh_dashboards`` job, every few minutes; also a task and
``manage.py refresh_dashboards``) is incremental: database triggers note each employee whose
figures may have changed (``changes.py``), and the refresh recounts only those employees, takes
their old share (``EmployeeFigures``) from their old agency and adds the new one to their agency
(ADR 0014). Its cost follows the changes, not the size of the archive. ``rebuild()`` counts every
employee again (the first refresh, a change of the catalogue, a very large import).

``compute()`` counts every agency's figures straight from the records with a few grouped
queries, and ``recount(agency)`` employee by employee through the dossier's checklist: the
references the tests compare the stored figures with.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from asndigital.accounts.models import AuthenticatorDevice
from asndigital.core.bulk import insert_rows, update_rows
from asndigital.dashboards.models import AgencyFigures, EmployeeFigures, FigureChange
from asndigital.documents.models import Document, DocumentType, DocumentVersion
from asndigital.documents.selectors import checklist
from asndigital.personnel.models import DEPARTED_STATUSES, Agency, Employee
from asndigital.records.models import DestructionProposal

DAYS = 30
# Rows fetched at a time when every employee is counted again (streamed).
CHUNK = 10_000
# Changed employees recounted per round of queries: few enough that PostgreSQL reads their
# documents and versions through the employee's index (with 10,000 it chose to scan both
# whole tables: 3.3 s against about 0.14 s per 1,000; docs/performance.md).
FOLD_CHUNK = 1_000
# More changed employees than this in one refresh: counting everyone again is cheaper.
REBUILD_AFTER = 200_000
# Summed per agency; the oldest waiting document and the uploads per day are folded apart.
COUNTS = ("employees", "with_account", "mfa_active", "mandatory_total", "mandatory_accepted")
SHARES = (*COUNTS, "waiting")


def window_start():
    """The start of the oldest of the last ``DAYS`` days (local time): uploads count from it."""
    first = timezone.localdate() - timedelta(days=DAYS - 1)
    return timezone.make_aware(datetime.combine(first, time()))


def _mandatory_by_kind() -> dict[str, set[int]]:
    types = DocumentType.objects.filter(
        is_active=True, requirement=DocumentType.Requirement.MANDATORY
    )
    by_kind: dict[str, set[int]] = defaultdict(set)
    for doc_type in types:
        for kind in doc_type.applies_to:
            by_kind[kind].add(doc_type.pk)
    return by_kind


def compute(agency_ids=None) -> dict[int, dict]:
    """Every agency's figures (or those in ``agency_ids``) from the records, in a few queries."""
    agencies = Agency.objects.all()
    if agency_ids is not None:
        agencies = agencies.filter(pk__in=agency_ids)
    result = {
        a.pk: {
            "employees": 0,
            "with_account": 0,
            "mfa_active": 0,
            "mandatory_total": 0,
            "mandatory_accepted": 0,
            "waiting": 0,
            "oldest_waiting_at": None,
            "uploads_by_day": {},
            "destruction": {},
        }
        for a in agencies
    }
    ids = list(result)
    current = Employee.objects.filter(agency_id__in=ids).exclude(status__in=DEPARTED_STATUSES)
    by_kind = _mandatory_by_kind()
    for row in current.values("agency_id", "employment_type").annotate(
        n=Count("id"), accounts=Count("user_id")
    ):
        figures = result[row["agency_id"]]
        figures["employees"] += row["n"]
        figures["with_account"] += row["accounts"]
        figures["mandatory_total"] += row["n"] * len(by_kind.get(row["employment_type"], ()))
    devices = AuthenticatorDevice.objects.filter(confirmed=True).values("user_id")
    for row in current.filter(user_id__in=devices).values("agency_id").annotate(n=Count("id")):
        result[row["agency_id"]]["mfa_active"] = row["n"]
    # A mandatory type counts once per employee when at least one of its documents is accepted.
    mandatory = Q()
    for kind, type_ids in by_kind.items():
        mandatory |= Q(employee__employment_type=kind, doc_type_id__in=type_ids)
    accepted = (
        Document.objects.filter(mandatory, employee__in=current, status=Document.Status.ACCEPTED)
        .values_list("employee__agency_id", "employee_id", "doc_type_id")
        .distinct()
    )
    counts: dict[int, int] = defaultdict(int)
    for agency_id, _employee, _type in accepted.iterator(chunk_size=5000):
        counts[agency_id] += 1
    for agency_id, n in counts.items():
        result[agency_id]["mandatory_accepted"] = n
    for row in (
        Document.objects.filter(employee__agency_id__in=ids, status=Document.Status.WAITING)
        .values("employee__agency_id")
        .annotate(n=Count("id"), oldest=Min("updated_at"))
    ):
        result[row["employee__agency_id"]].update(waiting=row["n"], oldest_waiting_at=row["oldest"])
    since = window_start()
    for row in (
        DocumentVersion.objects.filter(
            document__employee__agency_id__in=ids, uploaded_at__gte=since
        )
        .annotate(day=TruncDate("uploaded_at"))
        .values("document__employee__agency_id", "day")
        .annotate(n=Count("id"))
    ):
        result[row["document__employee__agency_id"]]["uploads_by_day"][row["day"].isoformat()] = (
            row["n"]
        )
    for row in (
        DestructionProposal.objects.filter(agency_id__in=ids)
        .values("agency_id", "status")
        .annotate(n=Count("id"))
    ):
        result[row["agency_id"]]["destruction"][row["status"]] = row["n"]
    return result


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def employee_shares(employee_ids: list) -> dict[uuid.UUID, dict]:
    """Each employee's share of their agency's figures, counted from the records (a deleted
    employee has none). The same counting as ``compute``, grouped by employee."""
    return dict(_shares(employee_ids))


def _shares(employee_ids: list | None) -> Iterator[tuple[uuid.UUID, dict]]:
    """(employee id, share) of the employees in ``employee_ids`` (None: everyone), in employee
    order, from three queries read side by side: the employees with their MFA, their documents
    in one pass grouped by employee (accepted mandatory types, waiting documents), and their
    uploads of the last ``DAYS`` days by day. For everyone the rows are streamed: memory holds
    one share at a time, whatever the size of the archive."""
    by_kind = _mandatory_by_kind()
    stream = employee_ids is None

    def only(queryset, path: str):
        # ``__any``: one array parameter on PostgreSQL instead of a placeholder per employee.
        return (
            queryset if employee_ids is None else queryset.filter(**{f"{path}__any": employee_ids})
        )

    def rows(queryset):
        return queryset.iterator(chunk_size=CHUNK) if stream else iter(queryset)

    devices = AuthenticatorDevice.objects.filter(confirmed=True, user_id=OuterRef("user_id"))
    people = (
        only(Employee.objects.all(), "id")
        .annotate(mfa=Exists(devices))
        .order_by("pk")
        .values_list("id", "agency_id", "employment_type", "status", "user_id", "mfa")
    )
    # The accepted mandatory types come back as one number per employee, a bit per type
    # (SUM of DISTINCT powers of two is their OR on every database); the employee's kind then
    # picks the bits that count for them. No join with the employees: the documents' own index
    # rows are all the query reads about them.
    mandatory = sorted(set().union(*by_kind.values()))
    bit = {type_id: 1 << i for i, type_id in enumerate(mandatory)}
    kind_bits = {kind: sum(bit[t] for t in type_ids) for kind, type_ids in by_kind.items()}
    waiting = Q(status=Document.Status.WAITING)
    counts = {
        "waiting": Count("id", filter=waiting),
        "oldest": Min("updated_at", filter=waiting),
        "accepted": Sum(
            Case(
                *(When(doc_type_id=type_id, then=Value(b)) for type_id, b in bit.items()),
                default=Value(0),
                output_field=BigIntegerField(),
            ),
            distinct=True,
            filter=Q(status=Document.Status.ACCEPTED, doc_type_id__in=mandatory),
        )
        if mandatory
        else Value(0, output_field=BigIntegerField()),
    }
    documents = (
        only(Document.objects.all(), "employee__id")
        .filter(status__in=[Document.Status.ACCEPTED, Document.Status.WAITING])
        .values("employee_id")
        .annotate(**counts)
        .order_by("employee_id")
        .values_list("employee_id", "waiting", "oldest", "accepted")
    )
    uploads = (
        only(DocumentVersion.objects.all(), "document__employee__id")
        .filter(uploaded_at__gte=window_start())
        .annotate(day=TruncDate("uploaded_at"))
        .values("document__employee_id", "day")
        .annotate(n=Count("id"))
        .order_by("document__employee_id", "day")
        .values_list("document__employee_id", "day", "n")
    )
    document_rows = _Ahead(rows(documents))
    upload_rows = _Ahead(rows(uploads))
    for employee_id, agency_id, kind, status, user_id, mfa in rows(people):
        current = status not in DEPARTED_STATUSES
        share = {
            "agency_id": agency_id,
            "employees": int(current),
            "with_account": int(current and user_id is not None),
            "mfa_active": int(current and user_id is not None and mfa),
            "mandatory_total": len(by_kind.get(kind, ())) if current else 0,
            "mandatory_accepted": 0,
            "waiting": 0,
            "oldest_waiting_at": None,
            "uploads_by_day": {},
        }
        for _employee, waiting_count, oldest, accepted in document_rows.take(employee_id):
            share["waiting"], share["oldest_waiting_at"] = waiting_count, oldest
            if current and accepted:
                share["mandatory_accepted"] = (accepted & kind_bits.get(kind, 0)).bit_count()
        for _employee, day, n in upload_rows.take(employee_id):
            share["uploads_by_day"][day.isoformat()] = n
        yield employee_id, share


class _Ahead:
    """Rows sorted by their first column, handed out by key as a merge walks its keys in the
    same order (rows of keys the walk never reaches are passed over)."""

    def __init__(self, rows: Iterator[tuple]) -> None:
        self.rows = rows
        self.next = next(rows, None)

    def take(self, key) -> Iterator[tuple]:
        while self.next is not None and self.next[0] < key:
            self.next = next(self.rows, None)
        while self.next is not None and self.next[0] == key:
            yield self.next
            self.next = next(self.rows, None)


def _add(figures: AgencyFigures, share: dict, sign: int) -> None:
    for key in SHARES:
        setattr(figures, key, getattr(figures, key) + sign * share[key])
    days = figures.uploads_by_day
    for day, n in share["uploads_by_day"].items():
        days[day] = days.get(day, 0) + sign * n


def _stored_share(row: EmployeeFigures) -> dict:
    return {
        key: getattr(row, key)
        for key in (*SHARES, "agency_id", "oldest_waiting_at", "uploads_by_day")
    }


SHARE_COLUMNS = ("employee_id", "agency_id", *SHARES, "oldest_waiting_at", "uploads_by_day")


def _store_shares(shares: dict[uuid.UUID, dict]) -> None:
    insert_rows(
        EmployeeFigures,
        SHARE_COLUMNS,
        (
            (employee_id, *(share[c] for c in SHARE_COLUMNS[1:]))
            for employee_id, share in shares.items()
        ),
    )


def _agency_rows(*, reset: bool) -> dict[int, AgencyFigures]:
    """Every agency's stored figures (new, unsaved, for an agency without any), locked."""
    rows = {row.agency_id: row for row in AgencyFigures.objects.select_for_update()}
    for agency_id in Agency.objects.values_list("pk", flat=True):
        if agency_id not in rows:
            rows[agency_id] = AgencyFigures(agency_id=agency_id)
        elif reset:
            for key in SHARES:
                setattr(rows[agency_id], key, 0)
            rows[agency_id].uploads_by_day = {}
            rows[agency_id].oldest_waiting_at = None
    return rows


def _store(rows: dict[int, AgencyFigures]) -> int:
    """Finish and save the agencies' figures: the destruction pipeline (a few proposals,
    counted again each time), uploads of the last ``DAYS`` days only, the time."""
    destruction: dict[int, dict] = defaultdict(dict)
    for row in DestructionProposal.objects.values("agency_id", "status").annotate(n=Count("id")):
        destruction[row["agency_id"]][row["status"]] = row["n"]
    first = window_start().date().isoformat()
    now = timezone.now()
    for agency_id, figures in rows.items():
        figures.destruction = destruction.get(agency_id, {})
        figures.uploads_by_day = {
            day: n for day, n in sorted(figures.uploads_by_day.items()) if day >= first and n
        }
        figures.computed_at = now
    fields = [*SHARES, "oldest_waiting_at", "uploads_by_day", "destruction", "computed_at"]
    update_rows(AgencyFigures, [f for f in rows.values() if f.pk], fields)
    AgencyFigures.objects.bulk_create([f for f in rows.values() if not f.pk])
    return len(rows)


def rebuild() -> int:
    """Count every employee's share again and the agencies' figures from them; the number of
    agencies. Call it within ``refresh(full=True)``, which holds the lock."""
    rows = _agency_rows(reset=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {EmployeeFigures._meta.db_table}")
    else:
        EmployeeFigures.objects.all().delete()
    batch: dict[uuid.UUID, dict] = {}
    for employee_id, share in _shares(None):
        figures = rows[share["agency_id"]]
        _add(figures, share, 1)
        oldest = share["oldest_waiting_at"]
        if oldest and (figures.oldest_waiting_at is None or oldest < figures.oldest_waiting_at):
            figures.oldest_waiting_at = oldest
        batch[employee_id] = share
        if len(batch) >= CHUNK:
            _store_shares(batch)
            batch = {}
    _store_shares(batch)
    return _store(rows)


def _take_changes() -> set[uuid.UUID] | None:
    """The employees noted since the last refresh, taking their notes (None: everything).
    DELETE ... RETURNING takes exactly the notes it returns: a note committed meanwhile stays
    for the next refresh, and the counting that follows (later statements of this
    transaction) sees every change whose note it took."""
    table = FigureChange._meta.db_table
    with connection.cursor() as cursor:
        count = f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} LIMIT %s) AS c"  # noqa: S608 - ours
        cursor.execute(count, [REBUILD_AFTER + 1])
        if cursor.fetchone()[0] > REBUILD_AFTER:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - ours
            return None
        cursor.execute(f"DELETE FROM {table} RETURNING employee_id")  # noqa: S608 - ours
        noted = [row[0] for row in cursor.fetchall()]
    if None in noted:
        return None
    return {value if isinstance(value, uuid.UUID) else uuid.UUID(value) for value in noted}


def _fold(changed: set[uuid.UUID]) -> int:
    """Take each changed employee's old share from their old agency and add the new one to
    their agency; the number of agencies."""
    rows = _agency_rows(reset=False)
    touched: set[int] = set()
    for chunk in _chunks(sorted(changed), FOLD_CHUNK):
        old = EmployeeFigures.objects.filter(employee_id__any=chunk)
        for row in old:
            if row.agency_id in rows:
                _add(rows[row.agency_id], _stored_share(row), -1)
                touched.add(row.agency_id)
        old.delete()
        shares = employee_shares(chunk)
        for share in shares.values():
            _add(rows[share["agency_id"]], share, 1)
            touched.add(share["agency_id"])
        _store_shares(shares)
    # The oldest waiting document: the first entry of each touched agency's index range.
    oldest = (
        EmployeeFigures.objects.filter(agency_id=OuterRef("pk"), oldest_waiting_at__isnull=False)
        .order_by("oldest_waiting_at")
        .values("oldest_waiting_at")[:1]
    )
    for agency_id, at in (
        Agency.objects.filter(pk__in=touched)
        .annotate(oldest=Subquery(oldest))
        .values_list("pk", "oldest")
    ):
        rows[agency_id].oldest_waiting_at = at
    return _store(rows)


def refresh(*, full: bool = False) -> int:
    """Bring the stored figures up to date with the changes noted since the last refresh, or
    count everything again (``full``, or when the notes say so); the number of agencies."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # one refresh at a time
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('dashboards.refresh'))")
                # Compiling these plans took longer than running them (seconds of JIT at
                # national scale); for this transaction only.
                cursor.execute("SET LOCAL jit = off")
        changed = _take_changes()
        if full or changed is None or len(changed) > REBUILD_AFTER:
            return rebuild()
        return _fold(changed)


def recount(agency) -> dict:
    """One agency's figures counted employee by employee: the slow reference for tests."""
    figures = {
        "employees": 0,
        "with_account": 0,
        "mfa_active": 0,
        "mandatory_total": 0,
        "mandatory_accepted": 0,
    }
    for employee in Employee.objects.filter(agency=agency).exclude(status__in=DEPARTED_STATUSES):
        figures["employees"] += 1
        if employee.user_id:
            figures["with_account"] += 1
            if employee.user.authenticatordevice_set.filter(confirmed=True).exists():
                figures["mfa_active"] += 1
        state = checklist(employee)
        figures["mandatory_total"] += state["total"]
        figures["mandatory_accepted"] += state["accepted"]
    return figures

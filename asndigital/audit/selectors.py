"""Reads of the audit trail; every one starts from what the user may read."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Case, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from asndigital.accounts.models import User
from asndigital.audit.models import GENESIS, AuditEvent, AuditLink, ReadSubject
from asndigital.personnel.models import Employee

# Reads of one employee's data that name them (audit.reads.one, and the document views).
ACCESS_ACTIONS = (
    "document.viewed",
    "document.downloaded",
    "document.previewed",
    "employee.viewed",
    "dossier.read",
    "dossier.exported",
    "correction.viewed",
    "correction.attachment_viewed",
    "document.signatures_read",
)


def visible_events(user) -> QuerySet[AuditEvent]:
    """National auditors read everything; agency auditors the events about their employees."""
    return AuditEvent.objects.visible_to(user)


def with_links(events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
    """The events with their place in the chain, from their links: ``position`` (None until
    sealed), ``hash`` and ``prev_hash`` (the link before it; empty until sealed). Looked up for
    the rows read only (a page, or each chunk of an export)."""
    links = AuditLink.objects.filter(event_id=OuterRef("pk"))
    before = AuditLink.objects.filter(position=OuterRef("position") - 1).values("hash")[:1]
    return events.annotate(
        position=Subquery(links.values("position")[:1]),
        hash=Coalesce(Subquery(links.values("hash")[:1]), Value("")),
    ).annotate(
        prev_hash=Case(
            When(position=1, then=Value(GENESIS)),
            When(position__isnull=False, then=Subquery(before)),
            default=Value(""),
        )
    )


# The trail holds no event outside these days; a day beyond them (year 1, 9999) would overflow
# the bounds of the day in the query, so it means "no bound" (the page and the API alike).
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2100, 12, 31)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def search(
    user,
    *,
    actor: str = "",
    nip: str = "",
    action: str = "",
    since: date | None = None,
    until: date | None = None,
    before_id: int | None = None,
) -> QuerySet[AuditEvent]:
    """Events matching the filters, newest first (keyset: ``before_id`` for the next page)."""
    events = visible_events(user).select_related("actor__employee")
    if actor:
        # The actor's id first, then a constant: PostgreSQL reads (actor_id, id) newest first
        # in each month (a join on the username made it read all of a busy actor's events).

        actor_id = User.objects.filter(username=actor).values_list("pk", flat=True).first()
        events = events.filter(actor_id=actor_id) if actor_id else events.none()
    if nip:
        events = events.filter(employee_id__in=Employee.objects.filter(nip=nip).values("pk"))
    if action:
        # Equality on the recorded actions that start with it, not LIKE: PostgreSQL then reads
        # the (action, id) index newest first, and a rare prefix ("destruction.") no longer
        # scans the months newest first looking for the few events that match.
        events = events.filter(action__in=actions_starting_with(action.strip().lower()))
    since = since if since and since > FIRST_DAY else None
    until = until if until and until < LAST_DAY else None
    if since:
        events = events.filter(occurred_at__gte=_day_start(since))
    if until:
        events = events.filter(occurred_at__lt=_day_start(until) + timedelta(days=1))
    if (since or until) and not (actor or nip or action):
        # Dates alone: newest first by time, read from the end of the range in the
        # (occurred_at, id) index (by id, a week early in a month read the month's key back
        # from its end). The page after an event: earlier, or at the same instant a lower id.
        if before_id:
            at = AuditEvent.objects.filter(id=before_id).values_list("occurred_at", flat=True)
            at = at.first()
            events = (
                events.filter(occurred_at__lte=at).filter(
                    Q(occurred_at__lt=at) | Q(id__lt=before_id)
                )
                if at
                else events.none()
            )
        return events.order_by("-occurred_at", "-id")
    if before_id:
        events = events.filter(id__lt=before_id)
    return events.order_by("-id")


def actions_starting_with(prefix: str) -> list[str]:
    """The distinct actions ever recorded that start with ``prefix`` (actions are lower case).

    A skip scan of the (action, id) index: one probe per distinct action (a few dozen), however
    many events there are, on PostgreSQL (every partition) and SQLite alike.
    """
    table = connection.ops.quote_name(AuditEvent._meta.db_table)  # no user input in the SQL
    with connection.cursor() as cursor:
        sql = (
            f"WITH RECURSIVE known(action) AS (SELECT MIN(action) FROM {table} UNION ALL "  # noqa: S608
            f"SELECT (SELECT MIN(action) FROM {table} WHERE action > known.action) "
            "FROM known WHERE known.action IS NOT NULL) "
            "SELECT action FROM known WHERE action IS NOT NULL"
        )
        cursor.execute(sql)
        return [a for (a,) in cursor.fetchall() if a.startswith(prefix)]


def access_history(employee, *, before_id: int | None = None) -> QuerySet[AuditEvent]:
    """Who read this employee's data (UU 27/2022), newest first: their page, documents,
    previews, files, dossier, and every export or list that included them (ReadSubject). The
    employee's own reads are left out."""
    included = ReadSubject.objects.filter(employee_id=employee.pk).values("event_id")
    events = AuditEvent.objects.filter(
        Q(employee_id=employee.pk, action__in=ACCESS_ACTIONS) | Q(pk__in=included)
    )
    if employee.user_id is not None:
        events = events.exclude(actor_id=employee.user_id)
    if before_id is not None:
        events = events.filter(pk__lt=before_id)
    # The actor's name comes from their employee record when they have one.
    return events.select_related("actor", "actor__employee").order_by("-id")

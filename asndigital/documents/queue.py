"""The verifier's queue (antrean verifikasi): reads. Claims and reason templates are changed in
``queue_services``.

The queue holds every waiting document of the agencies where the user verifies (the scoping
door's ``verify`` action), never one they uploaded nor one of their own dossier (four eyes), oldest
first. "Next" continues after the document being left, under the same filters, and skips the ones
another verifier has claimed. Every query here reads the waiting documents through the partial
index ``document_waiting_since`` (only the waiting rows, in queue order), so a page or a "next"
costs the same with 100 or 100,000 waiting documents (bench/queue.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncDate
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from asndigital.accounts import policies
from asndigital.accounts.models import RoleAssignment, User
from asndigital.core.errors import NotFound
from asndigital.documents.models import (
    Document,
    DocumentEvent,
    DocumentType,
    QueueClaim,
    ReasonTemplate,
)
from asndigital.personnel import corrections
from asndigital.personnel.models import Unit

PAGE_SIZE = 50
# "Waiting at least N days", as the filter offers it.
AGES = (1, 3, 7, 14, 30)
ORDERS = ("lama", "baru")  # oldest first (the default), newest first
SELF = "pegawai"  # the uploader filter's "the employee themselves"


@dataclass
class Filters:
    """What the verifier narrowed the queue to; built from the query string, each bad value
    dropped with a message (and nothing else changes)."""

    unit: int | None = None
    doc_type: int | None = None
    group: str = ""
    age: int | None = None
    uploader: str = ""  # "", SELF, or a user's id
    order: str = "lama"
    problems: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, params) -> Filters:
        found = cls()
        for name, attribute in (("unit", "unit"), ("jenis", "doc_type")):
            raw = (params.get(name) or "").strip()
            if raw:
                if raw.isdigit() and len(raw) < 10:
                    setattr(found, attribute, int(raw))
                else:
                    found.problems.append(_("The filter “%(name)s” is not valid.") % {"name": name})
        group = (params.get("kelompok") or "").strip()
        if group in DocumentType.Group.values:
            found.group = group
        elif group:
            found.problems.append(_("The filter “%(name)s” is not valid.") % {"name": "kelompok"})
        age = (params.get("umur") or "").strip()
        if age.isdigit() and int(age) in AGES:
            found.age = int(age)
        elif age:
            found.problems.append(_("The filter “%(name)s” is not valid.") % {"name": "umur"})
        uploader = (params.get("pengunggah") or "").strip()
        if uploader == SELF or _is_uuid(uploader):
            found.uploader = uploader
        elif uploader:
            found.problems.append(_("The filter “%(name)s” is not valid.") % {"name": "pengunggah"})
        order = (params.get("urut") or "lama").strip()
        if order in ORDERS:
            found.order = order
        else:
            found.problems.append(_("The filter “%(name)s” is not valid.") % {"name": "urut"})
        return found

    def query(self, **extra) -> str:
        """The filters as a query string (to carry them from page to page)."""
        params = QueryDict(mutable=True)
        pairs = {
            "unit": self.unit,
            "jenis": self.doc_type,
            "kelompok": self.group,
            "umur": self.age,
            "pengunggah": self.uploader,
            "urut": self.order if self.order != "lama" else "",
            **extra,
        }
        for key, value in pairs.items():
            if value not in (None, ""):
                params[key] = str(value)
        return params.urlencode()

    @property
    def is_narrowed(self) -> bool:
        return any((self.unit, self.doc_type, self.group, self.age, self.uploader))


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _in_scope(user) -> QuerySet[Document]:
    """The waiting documents of the user's verifying agencies (through the scoping door),
    minus their own dossier; their own uploads are taken out by ``waiting``."""
    agencies = policies.queue_agencies(user)
    if not agencies:
        return Document.objects.none()
    return (
        Document.objects.visible_to(user, "verify")
        .filter(status=Document.Status.WAITING, employee__agency_id__in=sorted(agencies))
        .exclude(employee__user_id=user.pk)
    )


def waiting(user) -> QuerySet[Document]:
    """Every waiting document the user may decide: their verifying agencies' (through the
    scoping door), minus their own uploads and their own dossier (four eyes)."""
    return _in_scope(user).exclude(current_version__uploaded_by_id=user.pk)


def _narrowed(documents: QuerySet[Document], filters: Filters, *, group: bool = True):
    if filters.unit is not None:
        documents = documents.filter(employee__unit_id=filters.unit)
    if filters.doc_type is not None:
        documents = documents.filter(doc_type_id=filters.doc_type)
    if group and filters.group:
        documents = documents.filter(doc_type__group=filters.group)
    if filters.age is not None:
        documents = documents.filter(updated_at__lte=timezone.now() - timedelta(days=filters.age))
    if filters.uploader == SELF:
        documents = documents.filter(current_version__uploaded_by_id=F("employee__user_id"))
    elif filters.uploader:
        documents = documents.filter(current_version__uploaded_by_id=uuid.UUID(filters.uploader))
    return documents


def _ordered(documents: QuerySet[Document], order: str) -> QuerySet[Document]:
    fields = ("updated_at", "id") if order == "lama" else ("-updated_at", "-id")
    return documents.order_by(*fields)


def page(user, filters: Filters, number: int = 1) -> list[Document]:
    """One page of the queue (PAGE_SIZE rows) with what a row shows: the employee and unit, the
    type, who uploaded it and who holds a claim on it, in one query."""
    start = (max(number, 1) - 1) * PAGE_SIZE
    return _rows(
        _ordered(_narrowed(waiting(user), filters), filters.order)[start : start + PAGE_SIZE]
    )


def page_after(user, filters: Filters, after: Position | None, limit: int) -> list[Document]:
    """Up to ``limit`` rows of the queue after ``after`` (keyset: as fast deep in the queue as
    at its start), for the API."""
    documents = _ordered(_narrowed(waiting(user), filters), filters.order)
    if after is not None:
        documents = documents.filter(_later(after, filters.order))
    return _rows(documents[:limit])


def _rows(documents: QuerySet[Document]) -> list[Document]:
    found = list(
        documents.select_related(
            "employee",
            "employee__unit",
            "doc_type",
            "current_version__uploaded_by__employee",
            "claim__claimed_by__employee",
        )
    )
    now = timezone.now()
    for row in found:
        try:
            row.active_claim = active_claim(row.claim, now)
        except QueueClaim.DoesNotExist:
            row.active_claim = None
        version = row.current_version
        row.self_uploaded = version is not None and version.uploaded_by_id == row.employee.user_id
    return found


def _later(after: Position, order: str) -> Q:
    """After ``after`` in queue order. The plain range on ``updated_at`` comes first: it is
    what lets PostgreSQL start the index scan at the position instead of filtering every row
    before it (an OR alone made "next" deep in the queue read tens of thousands of rows)."""
    if order == "lama":
        return Q(updated_at__gte=after.since) & (Q(updated_at__gt=after.since) | Q(pk__gt=after.pk))
    return Q(updated_at__lte=after.since) & (Q(updated_at__lt=after.since) | Q(pk__lt=after.pk))


def counts(user, filters: Filters) -> dict[str, int]:
    """How many waiting documents match the filters, in all and per group (the group filter
    itself left out, so each group's tab says what it would show).

    Counted as (all in scope) minus (the user's own uploads among them): the first needs no
    join with the versions (the one that made a count over 100,000 waiting documents slow on
    PostgreSQL, bench/queue.py), the second reads the versions through their uploader's index.
    """
    by_group = {g: 0 for g in DocumentType.Group.values}
    scoped = _narrowed(_in_scope(user), filters, group=False).order_by()
    for row in scoped.values("doc_type__group").annotate(n=Count("id")):
        by_group[row["doc_type__group"]] += row["n"]
    own = scoped.filter(current_version__uploaded_by_id=user.pk)
    for row in own.values("doc_type__group").annotate(n=Count("id")):
        by_group[row["doc_type__group"]] -= row["n"]
    total = by_group[filters.group] if filters.group else sum(by_group.values())
    return {"total": total, "all": sum(by_group.values()), **by_group}


def active_claim(claim: QueueClaim | None, now: datetime | None = None) -> QueueClaim | None:
    """The claim when it still holds, else None."""
    if claim is None or claim.expires_at <= (now or timezone.now()):
        return None
    return claim


def claim_of(document: Document) -> QueueClaim | None:
    """The document's claim still in force, if any (one query, or none when already loaded)."""
    try:
        claim = document.claim
    except QueueClaim.DoesNotExist:
        return None
    return active_claim(claim)


@dataclass(frozen=True)
class Position:
    """Where in the queue the verifier is: the document being left, as it stood in the queue
    (waiting since, id). Carried in the page, because a decided document leaves the queue."""

    since: datetime
    pk: uuid.UUID

    def token(self) -> str:
        return f"{self.since.isoformat()}~{self.pk}"

    @classmethod
    def of(cls, document: Document) -> Position:
        return cls(since=document.updated_at, pk=document.pk)

    @classmethod
    def parse(cls, raw: str | None) -> Position | None:
        since, _sep, pk = (raw or "").partition("~")
        try:
            moment = parse_datetime(since)
            key = uuid.UUID(pk)
        except ValueError:
            return None
        if moment is None or timezone.is_naive(moment):
            return None
        return cls(since=moment, pk=key)


def _free_for(user, documents: QuerySet[Document]) -> QuerySet[Document]:
    """Those no one else is looking at (claims of others still in force are skipped)."""
    others = QueueClaim.objects.filter(
        document_id=OuterRef("pk"), expires_at__gt=timezone.now()
    ).exclude(claimed_by_id=user.pk)
    return documents.filter(~Exists(others))


def next_document(user, filters: Filters, after: Position | None = None) -> Document | None:
    """The next waiting document under the filters after ``after`` (from the start when None),
    skipping those claimed by others; at the end it starts again from the top (what was
    skipped comes back), never offering the one being left. None: nothing left to do."""
    free = _free_for(user, _narrowed(waiting(user), filters))
    ordered = _ordered(free, filters.order)
    if after is None:
        return ordered.first()
    found = ordered.filter(_later(after, filters.order)).first()
    if found is None:
        found = ordered.exclude(pk=after.pk).first()
    return found


def get_item(*, user, pk) -> Document:
    """One document of the user's queue, with what the review page shows; NotFound when it is
    not theirs to decide (another agency's, their own upload) or no longer waiting is shown
    as such by the caller."""
    try:
        key = uuid.UUID(str(pk))
    except ValueError:
        raise NotFound() from None
    document = (
        Document.objects.visible_to(user, "verify")
        .filter(employee__agency_id__in=sorted(policies.queue_agencies(user)), pk=key)
        .select_related(
            "employee",
            "employee__unit",
            "employee__agency",
            "doc_type",
            "current_version__uploaded_by__employee",
            "claim__claimed_by__employee",
        )
        .first()
    )
    if document is None or not policies.can_verify(user, document):
        raise NotFound()
    return document


def reason_templates(user, agency_id: int) -> list[ReasonTemplate]:
    """The agency's reasons for rejection, for its verifiers."""
    return list(
        ReasonTemplate.objects.visible_to(user, "read").filter(agency_id=agency_id).order_by("text")
    )


def filter_choices(user) -> dict:
    """What the filters offer: the units and types of the user's agencies, and who uploads
    there (the staff who may upload, and "the employee themselves")."""
    agencies = sorted(policies.queue_agencies(user))
    units = list(Unit.objects.filter(agency_id__in=agencies).order_by("name").only("id", "name"))
    types = list(
        DocumentType.objects.filter(is_active=True)
        .order_by("group", "sort_order", "name")
        .only("id", "name", "group")
    )
    uploaders = list(
        User.objects.filter(
            pk__in=RoleAssignment.objects.filter(
                agency_id__in=agencies, role__in=sorted(policies.UPLOAD_ROLES)
            ).values("user_id")
        )
        .exclude(pk=user.pk)
        .select_related("employee")
        .order_by("full_name", "username")
    )
    return {"units": units, "types": types, "uploaders": uploaders}


# --- Figures people manage by ----------------------------------------------------------------

FIGURE_DAYS = 30  # decisions and their times: the last 30 days
VERIFIER_DAYS = 7  # decisions per verifier per day: the last 7 days, day by day


def _median(values, n: int):
    """The median of an ordered ``values`` queryset of ``n`` rows (two rows read at most)."""
    if not n:
        return None
    if n % 2:
        return values[n // 2]
    low, high = values[n // 2 - 1 : n // 2 + 1]
    return low + (high - low) / 2


def figures(agency_id: int, now: datetime | None = None) -> dict:
    """One agency's queue and decision figures, straight from the rows: the queue's size and
    age (oldest, median), decisions per verifier per day, and the median time from upload to
    decision. The caller has checked that the user may see the agency's figures."""
    now = now or timezone.now()
    queue_rows = Document.objects.filter(
        status=Document.Status.WAITING, employee__agency_id=agency_id
    ).order_by("updated_at", "id")
    size = queue_rows.count()
    since = queue_rows.values_list("updated_at", flat=True)
    oldest = since.first() if size else None
    median_since = _median(since, size)
    start = now - timedelta(days=FIGURE_DAYS)
    decisions = DocumentEvent.objects.filter(
        kind__in=(DocumentEvent.Kind.ACCEPTED, DocumentEvent.Kind.REJECTED),
        at__gte=start,
        document__employee__agency_id=agency_id,
    )
    took = (
        decisions.filter(version__isnull=False)
        .annotate(
            took=ExpressionWrapper(
                F("at") - F("version__uploaded_at"), output_field=DurationField()
            )
        )
        .order_by("took")
    )
    decided = took.count()
    median_took = _median(took.values_list("took", flat=True), decided)
    today = timezone.localdate(now)
    days = [today - timedelta(days=i) for i in range(VERIFIER_DAYS - 1, -1, -1)]
    first_day = timezone.make_aware(datetime.combine(days[0], datetime.min.time()))
    per_day: dict = {}
    for row in (
        decisions.filter(at__gte=first_day)
        .annotate(day=TruncDate("at"))
        .values("actor_id", "day")
        .annotate(n=Count("id"))
        .order_by()
    ):
        per_day.setdefault(row["actor_id"], {})[row["day"]] = row["n"]
    people = User.objects.filter(pk__in=list(per_day)).select_related("employee")
    verifiers = sorted(
        (
            {
                "id": str(person.pk),
                "name": person.get_full_name(),
                "days": [per_day[person.pk].get(day, 0) for day in days],
                "total": sum(per_day[person.pk].values()),
            }
            for person in people
        ),
        key=lambda v: (-v["total"], v["name"]),
    )
    return {
        "waiting": size,
        "oldest_waiting_since": oldest,
        "oldest_waiting_days": (now - oldest).days if oldest else None,
        "median_waiting": (now - median_since) if median_since else None,
        "decided": decided,
        "median_upload_to_decision": median_took,
        "days": days,
        "verifiers": verifiers,
        "corrections": correction_figures(agency_id),
        "median_waiting_text": duration_text(now - median_since if median_since else None),
        "median_upload_to_decision_text": duration_text(median_took),
    }


FIGURES_SECONDS = 300


def cached_figures(agency_id: int) -> dict:
    """``figures`` as of at most five minutes ago, shared by every app process (the cache):
    counting a busy agency's decisions of 30 days takes seconds on PostgreSQL
    (docs/performance.md), too long to repeat on every dashboard view."""
    key = f"queue-figures:{agency_id}"
    found = cache.get(key)
    if found is None:
        found = {**figures(agency_id), "computed_at": timezone.now()}
        cache.set(key, found, FIGURES_SECONDS)
    return found


def correction_figures(agency_id: int) -> dict | None:
    """Open correction requests of the agency's employees and the oldest one's age,
    ``{"open": n, "oldest_days": d}`` (personnel/corrections.py)."""
    figures = corrections.open_figures([agency_id])[agency_id]
    return {"open": figures["open"], "oldest_days": figures["oldest_days"]}


def duration_text(delta: timedelta | None) -> str:
    """“3 days 4 hours”, “5 hours”, “12 minutes”: a waiting time as people say it."""
    if delta is None:
        return ""
    minutes = int(delta.total_seconds() // 60)
    days, hours = minutes // 1440, (minutes % 1440) // 60
    if days:
        text = ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
        if hours and days < 7:
            text += " " + ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
        return text
    if hours:
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}

"""Dashboard figures per agency, computed with a handful of grouped queries and kept in
``AgencyFigures`` so that dashboards answer at once whatever the size of the archive.

``refresh()`` recomputes every agency (the schedule's ``refresh_dashboards`` job runs it every
few minutes; so do a task and ``manage.py refresh_dashboards``); ``recount(agency)`` computes one
agency's figures straight from the records, the reference a test compares the stored figures
with.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.db.models import Count, Min, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from asndigital.accounts.models import AuthenticatorDevice
from asndigital.dashboards.models import AgencyFigures
from asndigital.documents.models import Document, DocumentType, DocumentVersion
from asndigital.documents.selectors import checklist
from asndigital.personnel.models import DEPARTED_STATUSES, Agency, Employee
from asndigital.records.models import DestructionProposal

DAYS = 30


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
    since = timezone.now() - timedelta(days=DAYS)
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


def refresh(agency_ids=None) -> int:
    """Recompute and store the figures; the number of agencies refreshed."""
    now = timezone.now()
    computed = compute(agency_ids)
    for agency_id, figures in computed.items():
        AgencyFigures.objects.update_or_create(
            agency_id=agency_id, defaults={**figures, "computed_at": now}
        )
    return len(computed)


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

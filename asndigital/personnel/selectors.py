"""Reads of personnel data. Every read a user can trigger starts from ``visible_to``."""

from __future__ import annotations

import uuid

from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet

from asndigital.core.errors import NotFound
from asndigital.personnel.models import Agency, Employee, EmployeeStatus, Unit
from asndigital.personnel.nip import normalize_nip


def employee_list(
    *,
    user,
    q: str = "",
    agency_id: int | None = None,
    unit_id: int | None = None,
    status: str = "",
    action: str = "read",
) -> QuerySet[Employee]:
    """Employees the user may see (for ``action``, see ``visible_to``), searched by NIP
    (prefix, grouped or not) or name."""
    qs = Employee.objects.visible_to(user, action).select_related("agency", "unit")
    q = q.strip()
    if q:
        compact = normalize_nip(q)
        if compact.isdigit():
            qs = qs.filter(**nip_prefix_range(compact))
        else:
            qs = qs.filter(name__icontains=q)
    if agency_id is not None:
        qs = qs.filter(agency_id=agency_id)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    if status in EmployeeStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("name", "nip")


def nip_prefix_range(prefix: str) -> dict[str, str]:
    """NIPs starting with ``prefix``, as a range: every NIP has 18 digits, so the range is exact
    under any collation and uses the plain unique index."""
    prefix = prefix[:18]
    return {"nip__gte": prefix.ljust(18, "0"), "nip__lte": prefix.ljust(18, "9")}


def get_employee(*, user, pk: str | uuid.UUID) -> Employee:
    """One employee, or NotFound: an employee of another agency looks exactly like a missing one."""
    try:
        key = uuid.UUID(str(pk))
    except ValueError:
        raise NotFound() from None
    employee = (
        Employee.objects.visible_to(user)
        .select_related("agency", "unit", "unit__parent")
        .filter(pk=key)
        .first()
    )
    if employee is None:
        raise NotFound()
    return employee


def agencies_for(user, action: str = "read") -> QuerySet[Agency]:
    """Agencies whose employees the user may list (or, ``action="report"``, report on)."""
    return Agency.objects.visible_to(user, action)


def units_for(user, agency_id: int | None, action: str = "read") -> QuerySet[Unit]:
    """Units offered as a filter: those of one agency in the user's scope."""
    if agency_id is None:
        return Unit.objects.none()
    return Unit.objects.filter(agency__in=agencies_for(user, action), agency_id=agency_id).order_by(
        "name"
    )


def status_history(employee: Employee):
    return employee.status_events.select_related("actor").order_by("-effective_on", "-recorded_at")


def change_history(employee: Employee, limit: int = 50) -> list[dict]:
    """The latest changes, each as {when, source, actor, items: [(field label, old, new)]}."""
    entries = []
    for change in employee.changes.select_related("actor").order_by("-changed_at")[:limit]:
        items = [(_field_label(name), old, new) for name, (old, new) in change.changes.items()]
        entries.append(
            {
                "when": change.changed_at,
                "source": change.source_label,
                "actor": change.actor,
                "items": items,
            }
        )
    return entries


def _field_label(name: str) -> str:
    try:
        return str(Employee._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name

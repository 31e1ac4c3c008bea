"""Changes to agencies, units and employees. The only writers of these models."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from asndigital.accounts import policies
from asndigital.audit.services import record
from asndigital.core.errors import DomainError
from asndigital.personnel.models import Agency, Employee, EmployeeChange, Unit


def _require_national_admin(actor) -> None:
    if actor is not None:
        policies.require(policies.can_use_django_admin(actor))


@transaction.atomic
def upsert_agency(*, actor, code: str, name: str, kind: str, region_office: str = "") -> Agency:
    """Create the agency with this code, or bring its name, kind and Kanreg up to date."""
    _require_national_admin(actor)
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise DomainError(_("An agency needs a code and a name."))
    if kind not in Agency.Kind.values:
        raise DomainError(_("Unknown agency kind."))
    wanted = {"name": name, "kind": kind, "region_office": region_office.strip()}
    agency = Agency.objects.select_for_update().filter(code=code).first()
    if agency is None:
        agency = Agency.objects.create(code=code, **wanted)
        record(actor, "agency.created", agency, code=code, **wanted)
        return agency
    changes = {k: [getattr(agency, k), v] for k, v in wanted.items() if getattr(agency, k) != v}
    if changes:
        for k, (_old, new) in changes.items():
            setattr(agency, k, new)
        agency.save(update_fields=list(changes))
        record(actor, "agency.updated", agency, changes=changes)
    return agency


@transaction.atomic
def upsert_unit(*, actor, agency: Agency, code: str, name: str, parent: Unit | None = None) -> Unit:
    """Create or update the unit with this code inside ``agency``."""
    _require_national_admin(actor)
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise DomainError(_("A unit needs a code and a name."))
    if parent is not None and parent.agency_id != agency.pk:
        raise DomainError(_("A unit's parent must belong to the same agency."))
    unit = Unit.objects.select_for_update().filter(agency=agency, code=code).first()
    if unit is None:
        unit = Unit.objects.create(agency=agency, code=code, name=name, parent=parent)
        record(actor, "unit.created", unit, agency=agency.code, code=code)
        return unit
    if parent is not None and _is_descendant(parent, unit):
        raise DomainError(_("A unit cannot be placed under one of its own sub-units."))
    wanted = {"name": name, "parent_id": parent.pk if parent else None}
    changes = {k: [getattr(unit, k), v] for k, v in wanted.items() if getattr(unit, k) != v}
    if changes:
        for k, (_old, new) in changes.items():
            setattr(unit, k, new)
        unit.save(update_fields=list(changes))
        record(actor, "unit.updated", unit, changes=changes)
    return unit


def _is_descendant(candidate: Unit, ancestor: Unit) -> bool:
    node: Unit | None = candidate
    while node is not None:
        if node.pk == ancestor.pk:
            return True
        node = node.parent
    return False


@transaction.atomic
def correct_registered_email(*, actor, employee: Employee, email: str, reason: str) -> Employee:
    """The agency admin corrects the registered (SIASN) e-mail used for resets."""
    policies.require(policies.can_view_employee(actor, employee))
    if not policies.can_correct_registered_email(actor, employee):
        raise DomainError(_("Only the agency administrator may correct the registered e-mail."))
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError(_("Enter a valid e-mail address.")) from None
    if not reason.strip():
        raise DomainError(_("Give a reason for the correction."))
    employee = Employee.objects.select_for_update().get(pk=employee.pk)
    if employee.email == email:
        return employee
    old = employee.email
    employee.email = email
    employee.updated_at = timezone.now()
    employee.save(update_fields=["email", "updated_at"])
    EmployeeChange.objects.create(
        employee=employee, source="manual", actor=actor, changes={"email": [old, email]}
    )
    # The addresses themselves stay out of the audit data: the change row keeps them.
    record(actor, "employee.email_corrected", employee, reason=reason.strip())
    return employee


def move_employee(*, actor, employee: Employee, to_agency: Agency, source: str) -> Agency:
    """Put a locked employee under another agency (no unit there yet) and keep what changed;
    inside the caller's transaction (a transfer), whose audit event records the move. The
    agency it came from."""
    from_agency = employee.agency
    old_unit = employee.unit.code if employee.unit_id else ""
    employee.agency = to_agency
    employee.unit = None
    employee.updated_at = timezone.now()
    employee.save(update_fields=["agency", "unit", "updated_at"])
    EmployeeChange.objects.create(
        employee=employee,
        source=source,
        actor=actor,
        changes={"agency": [from_agency.code, to_agency.code], "unit": [old_unit, ""]},
    )
    return from_agency

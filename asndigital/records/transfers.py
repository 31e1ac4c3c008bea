"""Transfers between agencies (mutasi, pindah instansi), by a national admin (ADR 0007).

One transaction: the SK pindah instansi is stored in the employee's Arsip Kondisional, the
employee moves to the new agency (the unit is cleared: units belong to agencies), and the
transfer is kept with its history and audit. Access follows the employee's agency, so the old
agency loses the whole dossier and the new one gains it at the moment of commit.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from asndigital.accounts import policies
from asndigital.audit.services import record
from asndigital.core.errors import DomainError
from asndigital.documents.models import DocumentType
from asndigital.documents.services import upload_document
from asndigital.personnel.models import Agency, Employee
from asndigital.personnel.services import move_employee
from asndigital.records.models import Transfer

SK_CODE = "sk-pindah-instansi"


def transfer_employee(
    *,
    actor,
    employee: Employee,
    to_agency: Agency,
    effective_on: date,
    chunks=None,
    received=None,
    pending=None,
    original_name: str = "",
    metadata: dict,
    source: str = "scan",
    keep_refused: bool = False,
) -> Transfer:
    """Move the employee and the whole dossier to ``to_agency``; the SK joins the dossier. The
    SK comes as ``chunks``, ``received`` or ``pending`` exactly as for
    ``documents.services.upload_document`` (which stores it)."""
    policies.require(policies.can_view_employee(actor, employee))
    if not policies.can_transfer(actor, employee):
        raise DomainError(
            _("Transfers between agencies are done by national admins."), code="forbidden"
        )
    if to_agency.pk == employee.agency_id:
        message = _("The employee already belongs to that agency.")
        raise DomainError(message, code="same", fields={"to_agency": message})
    if effective_on > timezone.localdate() + timedelta(days=366):
        message = _("The effective date is too far ahead.")
        raise DomainError(message, code="date", fields={"effective_on": message})
    doc_type = DocumentType.objects.get(code=SK_CODE)
    with transaction.atomic():
        employee = Employee.objects.select_for_update().get(pk=employee.pk)
        from_agency = employee.agency
        metadata = {
            "tmt": effective_on.isoformat(),
            **metadata,
            "instansi_asal": from_agency.name,
            "instansi_tujuan": to_agency.name,
        }
        version = upload_document(
            actor=actor,
            employee=employee,
            doc_type=doc_type,
            chunks=chunks,
            received=received,
            pending=pending,
            original_name=original_name,
            metadata=metadata,
            source=source,
            keep_refused=keep_refused,
        )
        move_employee(actor=actor, employee=employee, to_agency=to_agency, source="transfer")
        transfer = Transfer.objects.create(
            employee=employee,
            from_agency=from_agency,
            to_agency=to_agency,
            effective_on=effective_on,
            sk_document=version.document,
            actor=actor,
        )
        record(
            actor,
            "employee.transferred",
            employee,
            from_agency=from_agency.code,
            to_agency=to_agency.code,
            effective_on=effective_on.isoformat(),
            sk=str(version.document_id),
        )
    return transfer

"""Changes to the records lifecycle: retention schedules and legal holds. The only writers."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from asndigital.accounts import policies
from asndigital.audit.services import record
from asndigital.core.errors import DomainError
from asndigital.documents import storage
from asndigital.documents.models import Document, DocumentType, DocumentVersion
from asndigital.personnel.models import Employee
from asndigital.records.lifecycle import is_held
from asndigital.records.models import LegalHold, RetentionSchedule, RetentionScheduleChange

EDITABLE = ("name", "active_years", "inactive_years", "trigger", "disposition", "note")


@transaction.atomic
def create_schedule(*, actor, series: str, data: dict[str, Any]) -> RetentionSchedule:
    """A schedule for a document type (its code) that then no longer follows the personal
    file; checked like an edit and kept in the history."""
    policies.require(policies.can_edit_retention(actor))
    if not DocumentType.objects.filter(code=series).exists():
        raise DomainError(_("A schedule's series is a document type code."))
    if RetentionSchedule.objects.filter(series=series).exists():
        raise DomainError(_("This series already has a schedule."))
    blank = RetentionSchedule(
        series=series,
        name=data.get("name") or series,
        active_years=0,
        inactive_years=0,
        trigger=RetentionSchedule.Trigger.DOCUMENT_DATE,
        disposition=RetentionSchedule.Disposition.PERSONAL_FILE,
    )
    blank.save()
    record(actor, "retention.created", blank, series=series)
    return update_schedule(actor=actor, schedule=blank, data=data)


@transaction.atomic
def update_schedule(*, actor, schedule: RetentionSchedule, data: dict[str, Any]):
    """Change a retention schedule row; its history keeps the before and after."""
    policies.require(policies.can_edit_retention(actor))
    if data.get("trigger", schedule.trigger) not in RetentionSchedule.Trigger.values:
        raise DomainError(_("Unknown trigger."))
    if data.get("disposition", schedule.disposition) not in RetentionSchedule.Disposition.values:
        raise DomainError(_("Unknown final disposition."))
    for key in ("active_years", "inactive_years"):
        if key in data and not 0 <= int(data[key]) <= 200:
            raise DomainError(_("Retention is counted in years, from 0 to 200."))
    current = RetentionSchedule.objects.select_for_update().get(pk=schedule.pk)
    changes = {
        key: [getattr(current, key), data[key]]
        for key in EDITABLE
        if key in data and getattr(current, key) != data[key]
    }
    if not changes:
        return current
    for key, (_old, new) in changes.items():
        setattr(current, key, new)
    current.updated_at = timezone.now()
    current.save()
    RetentionScheduleChange.objects.create(schedule=current, actor=actor, changes=changes)
    record(actor, "retention.updated", current, series=current.series, changes=changes)
    return current


def _held_keys(employee, document=None) -> list[str]:
    """The stored objects a hold on this dossier (or document) covers: files and previews."""
    versions = DocumentVersion.objects.filter(
        document__employee=employee, destroyed_at=None
    ).select_related("document")
    if document is not None:
        versions = versions.filter(document=document)
    keys = []
    for version in versions:
        keys += [version.storage_key, version.thumbnail_key]
    return keys


def _mirror_holds(employee) -> None:
    """After commit: the storage's legal holds match the holds standing now (S3 Object Lock)."""
    if not settings.ASN_S3_OBJECT_LOCK:
        return

    for document in Document.objects.filter(employee=employee):
        storage.set_legal_hold(_held_keys(employee, document), is_held(document))


def mirror_legal_holds() -> int:
    """Set the storage's legal holds again for every dossier that ever had a hold; the number of
    dossiers. Mirroring follows each hold's commit, and a storage outage at that moment only
    logs an error (the hold stands in the database, which is what every check reads): this,
    run daily by the schedule (or `manage.py mirror_legal_holds`), puts the storage right."""
    if not settings.ASN_S3_OBJECT_LOCK:
        return 0
    employees = Employee.objects.filter(
        pk__in=LegalHold.objects.values("employee_id").distinct()
    ).order_by("pk")
    count = 0
    for employee in employees.iterator(chunk_size=500):
        _mirror_holds(employee)
        count += 1
    return count


def _clean_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError(_("A legal hold needs a reason."), code="reason")
    if len(reason) > 500:
        raise DomainError(_("The reason can have at most 500 characters."), code="reason")
    return reason


@transaction.atomic
def place_hold(*, actor, employee, document=None, reason: str) -> LegalHold:
    """Hold a whole dossier, or one document of it: nothing held may then be destroyed,
    replaced or changed."""
    policies.require(policies.can_view_employee(actor, employee))
    if not policies.can_place_hold(actor, employee):
        raise DomainError(_("Only records officers and national admins place legal holds."))
    if document is not None and document.employee_id != employee.pk:
        raise DomainError(_("That document belongs elsewhere."))
    reason = _clean_reason(reason)
    if LegalHold.objects.filter(employee=employee, document=document, lifted_at=None).exists():
        raise DomainError(_("A legal hold already stands here."), code="held")
    hold = LegalHold.objects.create(
        employee=employee, document=document, reason=reason, placed_by=actor
    )
    transaction.on_commit(lambda: _mirror_holds(employee), robust=True)  # see mirror_legal_holds
    record(
        actor,
        "hold.placed",
        document or employee,
        employee=employee,
        hold=hold.pk,
        reason=reason,
    )
    return hold


@transaction.atomic
def lift_hold(*, actor, hold: LegalHold, reason: str) -> LegalHold:
    """End a legal hold, with a reason; the hold stays in the history."""
    hold = LegalHold.objects.select_for_update().select_related("employee").get(pk=hold.pk)
    policies.require(policies.can_view_employee(actor, hold.employee))
    if not policies.can_place_hold(actor, hold.employee):
        raise DomainError(_("Only records officers and national admins lift legal holds."))
    if hold.lifted_at is not None:
        raise DomainError(_("This legal hold was already lifted."))
    hold.lift_reason = _clean_reason(reason)
    hold.lifted_by = actor
    hold.lifted_at = timezone.now()
    hold.save(update_fields=["lift_reason", "lifted_by", "lifted_at"])
    employee = hold.employee
    transaction.on_commit(lambda: _mirror_holds(employee), robust=True)  # see mirror_legal_holds
    record(
        actor,
        "hold.lifted",
        hold.document or hold.employee,
        employee=hold.employee,
        hold=hold.pk,
        reason=hold.lift_reason,
    )
    return hold


def refuse_if_held(document) -> None:
    """Raise when a legal hold stands on the document or its dossier."""
    if is_held(document):
        raise DomainError(
            _("This document is under a legal hold: it cannot be replaced, changed or destroyed."),
            code="held",
        )

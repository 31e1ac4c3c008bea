"""Reads of personal data, recorded (UU 27/2022: the employee may know who processed their data).

Two shapes, each one audit event in the trail's hash chain:
- ``one``: someone opened one employee's data (their page, a document, a preview, a file,
  a dossier through the API). The event names the employee. An employee's reads of their own
  data are not recorded here: their access history lists what others did.
- ``many``: one read covered many people (an export of a report or of the audit trail, a page
  of the API's employee list). The event holds how many and the SHA-256 of their sorted ids;
  one ``ReadSubject`` row per person lets each one's access history find it.

Both are cheap enough for every page view: one INSERT for ``one``; for ``many`` one INSERT of
the event and one multi-row INSERT per 2,000 people.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable

from django.db import transaction

from asndigital.accounts import policies
from asndigital.audit.models import ReadSubject
from asndigital.audit.services import record
from asndigital.audit.subjects import MANY_ACTIONS  # noqa: F401 (the list the tests keep complete)

BATCH = 2000
PURPOSE = "asn_read_purpose"  # the purpose chosen for this session (policies.READ_PURPOSES)


def purpose(request, employee) -> str:
    """Why ``request.user`` reads ``employee``'s data: the purpose chosen for the session when
    their roles allow it, else their only one, else "" (not given)."""
    allowed = policies.read_purposes(request.user, employee)
    chosen = request.session.get(PURPOSE, "")
    if chosen in allowed:
        return chosen
    return allowed[0] if len(allowed) == 1 else ""


def choose_purpose(request, employee, chosen: str) -> bool:
    """Keep ``chosen`` as this session's purpose when the user's roles allow it."""
    if chosen not in policies.read_purposes(request.user, employee):
        return False
    request.session[PURPOSE] = chosen
    return True


def one(actor, action: str, target, *, employee=None, **data) -> None:
    """Record that ``actor`` read ``target`` (an employee, or an object of one: ``employee``
    when the target does not say whose it is); nothing when it is the employee's own."""
    owner = employee if employee is not None else _owner(target)
    if owner is not None and actor is not None and owner.user_id == actor.pk:
        return
    record(actor, action, target, employee=employee, **data)


def many(actor, action: str, employee_ids: Iterable, **data) -> int:
    """Record one read of many employees' data; returns how many were in it."""
    ids = sorted({uuid.UUID(str(pk)) for pk in employee_ids if pk is not None})
    digest = hashlib.sha256("\n".join(str(pk) for pk in ids).encode()).hexdigest()
    with transaction.atomic():
        event = record(actor, action, None, subjects=len(ids), subjects_sha256=digest, **data)
        for start in range(0, len(ids), BATCH):
            ReadSubject.objects.bulk_create(
                ReadSubject(event_id=event.pk, employee_id=pk) for pk in ids[start : start + BATCH]
            )
    return len(ids)


def _owner(target):
    if target is None:
        return None
    if target._meta.label_lower == "personnel.employee":
        return target
    return getattr(target, "employee", None)

"""The one function every change uses to leave a trace, and the chain's checkpoints."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from asndigital.audit import chain, outside, signing
from asndigital.audit.models import AuditEvent, ChainHead, Checkpoint

# Actions, target types and ids appear verbatim in the canonical text, which the verification
# compares with the columns as plain strings: they never need JSON escaping.
logger = logging.getLogger(__name__)
PLAIN = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def _employee_of(target, employee) -> uuid.UUID | None:
    if employee is not None:
        return employee if isinstance(employee, uuid.UUID) else uuid.UUID(str(employee.pk))
    if target is None:
        return None
    if target._meta.label_lower == "personnel.employee":
        return target.pk
    value = getattr(target, "employee_id", None)
    return value if isinstance(value, uuid.UUID) else None


def record(
    actor, action: str, target: models.Model | None = None, *, employee=None, **data: Any
) -> AuditEvent:
    """Append an audit event; call it inside the transaction of the change it records.

    ``actor`` is a user, or None for the system (imports, scheduled tasks). ``employee`` (an
    Employee or its id) is whose data the event touched, when the target does not say it.
    ``data`` must be JSON-serialisable and must never hold secrets (passwords, codes, full NIK).
    The event is chained (sealed) right after the transaction commits.
    """
    if not PLAIN.fullmatch(action):
        raise ValueError(f"audit actions are plain identifiers, not {action!r}")
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    data = json.loads(json.dumps(data, sort_keys=True))  # plain JSON, keys in a fixed order
    event = AuditEvent(
        occurred_at=timezone.now(),
        actor_id=actor_id,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        employee_id=_employee_of(target, employee),
    )
    if not PLAIN.fullmatch(event.target_id or "x"):
        raise ValueError(f"audit target ids are plain identifiers, not {event.target_id!r}")
    event.canonical = chain.canonical(
        occurred_at=event.occurred_at,
        actor_id=event.actor_id,
        action=event.action,
        target_type=event.target_type,
        target_id=event.target_id,
        employee_id=event.employee_id,
        data=data,
    )
    event.mac = signing.event_mac(event.canonical)
    _insert(event)
    _seal_after_commit()
    return event


_COLUMNS = (
    "occurred_at",
    "actor",
    "action",
    "target_type",
    "target_id",
    "employee_id",
    "canonical",
    "mac",
)


def _insert(event: AuditEvent) -> None:
    """One plain INSERT (the busiest write of the system: every view and download); the same
    row the ORM would write, without its per-call overhead."""
    fields = [AuditEvent._meta.get_field(name) for name in _COLUMNS]
    values = [f.get_db_prep_save(getattr(event, f.attname), connection) for f in fields]
    sql = (
        "INSERT INTO audit_auditevent (occurred_at, actor_id, action, target_type, target_id, "
        "employee_id, canonical, mac) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        event.pk = cursor.fetchone()[0]
    event._state.adding = False
    event._state.db = connection.alias


def _seal_after_commit() -> None:
    """Seal once the transaction commits; once per transaction, however many events it records
    (an earlier registration in this or an enclosing savepoint still stands)."""
    if connection.in_atomic_block:
        current = set(connection.savepoint_ids)
        for entry in connection.run_on_commit:
            sids, func = entry[0], entry[1]
            if func is seal_quietly and sids <= current:
                return
    transaction.on_commit(seal_quietly)


SEAL_INTERVAL = 0.25  # seconds: under load, one process seals a batch this often
_last_seal = 0.0
_last_look = 0.0  # when this process last asked whether a checkpoint is due (monotonic)
LOOK_EVERY = 30.0  # seconds: at most one query per process for it in that time


def seal_quietly() -> None:
    """After a commit: seal, unless this process sealed less than ``SEAL_INTERVAL`` ago or
    another process is sealing (either takes these events along with the next batch). Under
    load, appends then cost one transaction each and sealing happens in batches. A failure only
    delays sealing (the next seal or ``audit_checkpoint`` does it; ``verify_audit`` never
    writes), so it is logged, never raised into the request. Events are immutable from the
    moment they are written, sealed or not."""
    global _last_seal
    now = time.monotonic()
    if now - _last_seal < SEAL_INTERVAL:
        return
    _last_seal = now
    try:
        chain.seal(wait=False)
        checkpoint_if_due()
    except Exception:  # see the docstring: logged, and retried by the next seal
        logger.exception("sealing the audit trail failed; the next seal will do it")


def checkpoint_if_due() -> None:
    """After a seal: sign a checkpoint (kept outside the database too, audit/outside.py) when
    the last one is older than ``ASN_AUDIT_CHECKPOINT_SECONDS``."""
    global _last_look
    now = time.monotonic()
    if now - _last_look < min(LOOK_EVERY, settings.ASN_AUDIT_CHECKPOINT_SECONDS):
        return
    _last_look = now
    last = Checkpoint.objects.order_by("-signed_at").values_list("signed_at", flat=True).first()
    age = (timezone.now() - last).total_seconds() if last is not None else None
    if age is None or age >= settings.ASN_AUDIT_CHECKPOINT_SECONDS:
        make_checkpoint()


def make_checkpoint() -> Checkpoint:
    """Seal what is pending, then sign the chain's head (position and hash) and keep it."""
    chain.seal()
    with transaction.atomic():
        head = ChainHead.objects.get_or_create(pk=1)[0]
        signed_at = timezone.now()
        checkpoint = Checkpoint.objects.create(
            position=head.position,
            hash=head.hash,
            signed_at=signed_at,
            key_id=signing.key_id(),
            signature=signing.sign(head.position, head.hash, signed_at.isoformat()),
        )
        # Kept outside the database too, once it is committed (audit/outside.py).
        transaction.on_commit(lambda: outside.keep(checkpoint))
        return checkpoint

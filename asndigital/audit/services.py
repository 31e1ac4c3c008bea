"""The one function every change uses to leave a trace."""

from __future__ import annotations

from typing import Any

from django.db import models

from asndigital.audit.models import AuditEvent


def record(actor, action: str, target: models.Model | None = None, **data: Any) -> AuditEvent:
    """Append an audit event; call it inside the transaction of the change it records.

    ``actor`` is a user, or None for the system (imports, scheduled tasks). ``data`` must be
    JSON-serialisable and must never hold secrets (passwords, codes, full NIK).
    """
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor_id=actor_id,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=data,
    )

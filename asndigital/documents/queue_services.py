"""The verifier's queue: the writes. Claims (who is looking at a waiting document) and the
agency's reasons for rejection.

A claim is one ``QueueClaim`` row per document with an expiry, taken with conditional writes
that the database decides: an INSERT that the primary key lets only one process win, or an
UPDATE that only succeeds when the row is the claimer's own or has expired. Two app processes
(two gunicorn workers, two servers) therefore never both hold it, whatever their memory says.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from asndigital.accounts import policies
from asndigital.audit.services import record
from asndigital.core.errors import DomainError
from asndigital.documents.models import Document, QueueClaim, ReasonTemplate


def claim_duration() -> timedelta:
    return timedelta(minutes=max(1, settings.ASN_QUEUE_CLAIM_MINUTES))


def _current(document: Document) -> QueueClaim:
    return QueueClaim.objects.select_related("claimed_by__employee").get(document_id=document.pk)


def claim(*, actor, document: Document, now: datetime | None = None) -> QueueClaim:
    """Take (or renew) the claim on a waiting document for ``actor``; returns the claim in
    force, which is someone else's when they hold it (the caller compares ``claimed_by_id``).
    Only someone who may decide the document claims it."""
    policies.require(policies.can_verify(actor, document))
    now = now or timezone.now()
    until = now + claim_duration()
    # Renew one's own claim (keeping since when one holds it).
    if QueueClaim.objects.filter(
        document_id=document.pk, claimed_by_id=actor.pk, expires_at__gt=now
    ).update(expires_at=until):
        return _current(document)
    # Take over an expired claim (or one's own expired one).
    taken = (
        QueueClaim.objects.filter(document_id=document.pk)
        .filter(Q(expires_at__lte=now) | Q(claimed_by_id=actor.pk))
        .update(claimed_by_id=actor.pk, claimed_at=now, expires_at=until)
    )
    if not taken:
        try:
            with transaction.atomic():
                QueueClaim.objects.create(
                    document_id=document.pk,
                    claimed_by_id=actor.pk,
                    claimed_at=now,
                    expires_at=until,
                )
        except IntegrityError:
            pass  # another process took it a moment ago: theirs
    return _current(document)


def release(*, actor, document: Document) -> bool:
    """Give the claim back (leaving the document for the next one); only one's own."""
    deleted, _rows = QueueClaim.objects.filter(
        document_id=document.pk, claimed_by_id=actor.pk
    ).delete()
    return bool(deleted)


def claim_message(held: QueueClaim) -> str:
    name = held.claimed_by.get_full_name() or held.claimed_by.username
    return _("Being checked by %(name)s since %(time)s.") % {
        "name": name,
        "time": formats.time_format(timezone.localtime(held.claimed_at), "H:i"),
    }


def refuse_if_claimed(*, actor, document: Document) -> None:
    """Called by the decision itself (services._decide), inside its transaction: a document
    someone else is checking is not decided by another; the claim goes with the decision."""
    held = (
        QueueClaim.objects.select_related("claimed_by__employee")
        .filter(document_id=document.pk, expires_at__gt=timezone.now())
        .exclude(claimed_by_id=actor.pk)
        .first()
    )
    if held is not None:
        raise DomainError(
            _("%(claim)s Only they can decide it now; it is free again at %(until)s.")
            % {
                "claim": claim_message(held),
                "until": formats.time_format(timezone.localtime(held.expires_at), "H:i"),
            },
            code="claimed",
        )
    QueueClaim.objects.filter(document_id=document.pk).delete()


# --- Reasons for rejection ------------------------------------------------------------------


def clean_reason(text: str) -> str:
    """A reason as the employee will read it: one line, no control characters, at most 500."""
    # imported here: cycle: documents/services.py imports this module (until its split)
    from asndigital.documents.services import _CONTROL

    text = " ".join((text or "").split())
    if _CONTROL.search(text):
        raise DomainError(
            _("The reason is not valid: it contains control characters."), code="reason"
        )
    if len(text) > 500:
        raise DomainError(_("The reason can have at most 500 characters."), code="reason")
    return text


@transaction.atomic
def add_reason_template(*, actor, agency, text: str) -> ReasonTemplate:
    """A reason the agency's verifiers can choose; the agency admin adds it."""
    policies.require(policies.can_manage_reason_templates(actor, agency))
    text = clean_reason(text)
    if not text:
        raise DomainError(_("Write the reason."), code="reason")
    if ReasonTemplate.objects.filter(agency=agency, text=text).exists():
        raise DomainError(_("This reason is already in the list."), code="duplicate")
    template = ReasonTemplate.objects.create(agency=agency, text=text, created_by=actor)
    record(actor, "reason_template.added", template, agency=agency.code, text=text)
    return template


@transaction.atomic
def remove_reason_template(*, actor, template: ReasonTemplate) -> None:
    """Take a reason out of the list (decisions already made keep their words)."""
    policies.require(policies.can_manage_reason_templates(actor, template.agency))
    record(
        actor, "reason_template.removed", template, agency=template.agency.code, text=template.text
    )
    template.delete()


def rejection_reason(*, actor, document: Document, template_id: str, free: str) -> str:
    """The reason sent to the employee: the chosen template of the document's agency, the
    verifier's own words, or both (template first)."""
    parts = []
    if template_id:
        chosen = (
            ReasonTemplate.objects.visible_to(actor, "read")
            .filter(agency_id=document.employee.agency_id, pk=template_id)
            .first()
            if template_id.isdigit() and len(template_id) < 10
            else None
        )
        if chosen is None:
            raise DomainError(
                _("That reason is no longer in the list; choose again."), code="reason"
            )
        parts.append(chosen.text)
    own = clean_reason(free)
    if own:
        parts.append(own)
    return " ".join(parts)

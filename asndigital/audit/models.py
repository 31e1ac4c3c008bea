import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from asndigital.core.scoping import AgencyScopedQuerySet
from asndigital.personnel.models import Employee

GENESIS = "0" * 64


class AuditEventQuerySet(AgencyScopedQuerySet):
    """Auditors read the trail nationally, or the events about their agency's employees."""

    def _in_agencies(self, agencies) -> Q:
        return Q(employee_id__in=Employee.objects.filter(agency_id__in=agencies).values("pk"))


class AuditEvent(models.Model):
    """One thing that happened. Append-only: written by ``audit.record`` and nothing else, once;
    the database refuses UPDATE and DELETE (triggers, see ``audit/guard.py``).

    ``canonical`` is the event's canonical serialisation, fixed when it is written, and the only
    home of its details (``data``); the other columns are its queryable projection
    (``verify_audit`` checks they agree). Once committed, ``chain.seal`` chains it: its
    position and hash are an ``AuditLink`` row of their own, so the event row is never
    rewritten.

    On PostgreSQL the table is partitioned by month of ``occurred_at`` (``audit/partitions.py``):
    its primary key is ``(id, occurred_at)`` and ``occurred_at`` has a BRIN index. A migration
    that changes those columns or indexes must take that into account.
    """

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # audit_actor_newest starts with it
    )
    action = models.CharField(_("action"), max_length=64)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    # The employee whose data this event touched (for their access history and the auditors).
    employee_id = models.UUIDField(null=True, blank=True)
    # The whole event as fixed text: the chain covers it, and the details live only here.
    canonical = models.TextField(editable=False)
    # HMAC of ``canonical`` with a key outside the database (``signing.event_mac``): the sealer
    # chains only events the application wrote. Empty on events written before it existed
    # (nullable: adding it rebuilt no table on SQLite and rewrote no partition on PostgreSQL).
    mac = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
            # Newest first by id within one employee, actor or action: what the access history
            # and the auditors' searches ask for, read from the end of the index.
            models.Index(fields=["employee_id", "id"], name="audit_employee_newest"),
            models.Index(fields=["actor", "id"], name="audit_actor_newest"),
            models.Index(fields=["action", "id"], name="audit_action_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action}"

    @cached_property
    def data(self) -> dict:
        """The event's details (JSON), read from its canonical text."""
        return json.loads(self.canonical)["data"] if self.canonical else {}


class AuditLink(models.Model):
    """One event's place in the hash chain, written once by ``chain.seal`` (insert-only like
    the events: the database refuses UPDATE and DELETE)::

        hash = SHA-256( "<position>\\n<hash of position - 1>\\n<the event's canonical text>" )

    The hash before it is the previous link's (64 zeros before position 1). ``occurred_at`` is
    the event's own time: joined on it, PostgreSQL reads only the event's month."""

    position = models.BigIntegerField(primary_key=True)
    event_id = models.BigIntegerField(unique=True)
    occurred_at = models.DateTimeField()
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"link {self.position}: event {self.event_id}"


class ChainHead(models.Model):
    """The last sealed link (one row). Sealers lock it to append in order; ``verify_audit``
    compares it with the chain's end, so cutting events off the end is noticed."""

    position = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS)
    sealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="audit_head_single_row")]

    def __str__(self) -> str:
        return f"head {self.position} {self.hash[:12]}"


class SealBatch(models.Model):
    """One run of positions the application sealed, with the chain's hash at its end and an
    HMAC of both (``signing.seal_mac``). ``verify`` requires every position to be covered:
    an event sealed by hand (even with correct hashes) is not. Append-only like the events."""

    first = models.BigIntegerField()
    last = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    mac = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(default=timezone.now)
    # The sealer's bookmark, not evidence (``chain.seal``): every event id up to ``through`` was
    # chained, refused, or is one of ``holes`` (JSON [[low, high, first seen (epoch s)], ...]:
    # ids not committed when this run was sealed, which a later run takes if they appear).
    through = models.BigIntegerField(null=True, blank=True)
    holes = models.TextField(null=True, blank=True)  # noqa: DJ001

    class Meta:
        ordering = ["first"]
        constraints = [models.UniqueConstraint(fields=["first"], name="audit_seal_first_once")]

    def __str__(self) -> str:
        return f"seal {self.first}-{self.last}"


class Checkpoint(models.Model):
    """A signed statement “the chain had this hash at this position” (Ed25519). Exported copies
    let anyone prove that the table was not rewritten wholesale. Append-only like the events."""

    position = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    key_id = models.CharField(max_length=16)
    signature = models.CharField(max_length=100)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"checkpoint {self.position} {self.hash[:12]}"


class ReadSubject(models.Model):
    """An employee whose data one recorded read of many people included (an export, a list in
    the API): the audit event says who read, when and what; these rows say whom, so that each
    employee's access history finds it. The event's data holds the count and the SHA-256 of the
    sorted ids (``audit.reads``), so the rows can be checked against the chain."""

    event_id = models.BigIntegerField()
    employee_id = models.UUIDField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event_id", "employee_id"], name="read_subject_once")
        ]
        indexes = [models.Index(fields=["employee_id", "event_id"], name="read_subject_newest")]

    def __str__(self) -> str:
        return f"event {self.event_id}: {self.employee_id}"

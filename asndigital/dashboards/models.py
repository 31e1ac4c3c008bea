from django.db import models
from django.utils import timezone

from asndigital.core.scoping import AgencyScopedQuerySet


class AgencyFiguresQuerySet(AgencyScopedQuerySet):
    """An agency's figures, for its monitors and admins."""

    agency_path = "agency_id"


class AgencyFigures(models.Model):
    """One agency's dashboard figures as of ``computed_at`` (refreshed by ``figures.refresh``,
    which a test compares with a full recount)."""

    agency = models.OneToOneField(
        "personnel.Agency", on_delete=models.CASCADE, related_name="figures"
    )
    employees = models.PositiveIntegerField(default=0)  # not departed
    with_account = models.PositiveIntegerField(default=0)
    mfa_active = models.PositiveIntegerField(default=0)
    mandatory_total = models.PositiveBigIntegerField(default=0)
    mandatory_accepted = models.PositiveBigIntegerField(default=0)
    waiting = models.PositiveIntegerField(default=0)
    oldest_waiting_at = models.DateTimeField(null=True, blank=True)
    uploads_by_day = models.JSONField(default=dict)  # {"2026-11-27": n} for the last 30 days
    destruction = models.JSONField(default=dict)  # {status: proposals}
    computed_at = models.DateTimeField(default=timezone.now)

    objects = AgencyFiguresQuerySet.as_manager()

    def __str__(self) -> str:
        return f"figures {self.agency_id}"

    @property
    def mfa_rate(self) -> float:
        return 100 * self.mfa_active / self.with_account if self.with_account else 0.0

    @property
    def completeness(self) -> float:
        return 100 * self.mandatory_accepted / self.mandatory_total if self.mandatory_total else 0


class EmployeeFigures(models.Model):
    """One employee's share of their agency's figures, as of the last refresh: what the
    incremental refresh takes away from an agency (and adds to another) when the employee or
    their documents change. Departed employees keep their documents' shares (waiting, uploads)
    and count nowhere else."""

    employee_id = models.UUIDField(primary_key=True)
    agency_id = models.BigIntegerField()
    employees = models.PositiveSmallIntegerField(default=0)  # 1 unless departed
    with_account = models.PositiveSmallIntegerField(default=0)
    mfa_active = models.PositiveSmallIntegerField(default=0)
    mandatory_total = models.PositiveSmallIntegerField(default=0)
    mandatory_accepted = models.PositiveSmallIntegerField(default=0)
    waiting = models.PositiveIntegerField(default=0)
    oldest_waiting_at = models.DateTimeField(null=True, blank=True)
    uploads_by_day = models.JSONField(default=dict)

    class Meta:
        indexes = [
            # An agency's oldest waiting document after a change: the first entry of its range.
            models.Index(fields=["agency_id", "oldest_waiting_at"], name="dash_employee_oldest"),
        ]

    def __str__(self) -> str:
        return f"figures of employee {self.employee_id}"


class FigureChange(models.Model):
    """An employee whose figures may have changed since the last refresh, written by database
    triggers in the same transaction as the change (``dashboards/changes.py``) and consumed by
    the refresh. Insert-only between refreshes, without unique keys, so writers never wait for
    each other. No employee: everything changed (the catalogue, a first refresh)."""

    id = models.BigAutoField(primary_key=True)
    employee_id = models.UUIDField(null=True, blank=True)

    def __str__(self) -> str:
        return f"change {self.id}: {self.employee_id or 'everything'}"

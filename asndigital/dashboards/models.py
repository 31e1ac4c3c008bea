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

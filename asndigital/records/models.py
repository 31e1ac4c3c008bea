from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FixityRun(models.Model):
    """One pass of re-hashing stored files (all of them, or a sample)."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    scope = models.CharField(max_length=32)  # "all" or "sample:<n>"
    checked = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    bytes_read = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("fixity run")
        verbose_name_plural = _("fixity runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"fixity {self.started_at:%Y-%m-%d %H:%M} {self.checked}/{self.failed}"


class FixityCheck(models.Model):
    """The result of re-hashing one stored version."""

    class Outcome(models.TextChoices):
        OK = "ok", _("intact")
        MISMATCH = "mismatch", _("changed (hash differs)")
        MISSING = "missing", _("missing")

    run = models.ForeignKey(FixityRun, on_delete=models.PROTECT, related_name="checks")
    version = models.ForeignKey(
        "documents.DocumentVersion", on_delete=models.PROTECT, related_name="fixity_checks"
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    observed_sha256 = models.CharField(max_length=64, blank=True)
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("fixity check")
        verbose_name_plural = _("fixity checks")
        indexes = [models.Index(fields=["version", "-checked_at"], name="fixity_version_latest")]

    def __str__(self) -> str:
        return f"{self.version_id} {self.outcome}"

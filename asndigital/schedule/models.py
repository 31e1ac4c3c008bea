from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduledJob(models.Model):
    """One periodic job (``schedule/jobs.py``): when it is next due, whether a scheduler is
    running it now, and how its last run went. Schedulers claim a due job with one conditional
    UPDATE (``services.claim``), so a job never runs twice at once nor twice in one interval,
    however many schedulers there are."""

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    name = models.CharField(_("job"), max_length=64, primary_key=True)
    next_due_at = models.DateTimeField(_("next due"))
    # Set while a scheduler runs it: the claim's token, and the runner's last sign of life.
    claim = models.CharField(max_length=32, blank=True, default="")
    running_since = models.DateTimeField(_("running since"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    last_started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_succeeded_at = models.DateTimeField(_("last succeeded"), null=True, blank=True)
    last_outcome = models.CharField(
        _("last outcome"), max_length=16, choices=Outcome.choices, blank=True, default=""
    )
    # What the last run found (counts), described in words by its job; or, for an error,
    # the exception's type and message (never a traceback: that goes to the log).
    last_result = models.JSONField(default=dict, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True, default="")
    failures_in_a_row = models.PositiveIntegerField(_("failures in a row"), default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")

    def __str__(self) -> str:
        return self.name

"""How the periodic jobs stand, for pages (the dashboards say when their figures were
refreshed; the audit trail's page, when it was last checked)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from asndigital.schedule import jobs, services
from asndigital.schedule.models import ScheduledJob

# A healthy scheduler claims a due job within seconds; this late, none is running.
LATE_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class JobState:
    job: jobs.Job
    row: ScheduledJob | None
    now: datetime

    @property
    def every_minutes(self) -> int | None:
        """Minutes between runs, or None when the job is off here."""
        return self.job.minutes if self.job.every else None

    @property
    def running(self) -> bool:
        row = self.row
        return bool(
            row
            and row.running_since
            and row.heartbeat_at
            and self.now - row.heartbeat_at < services.STALE_AFTER
        )

    @property
    def failed(self) -> bool:
        """The last run failed."""
        return bool(self.row and self.row.last_outcome == ScheduledJob.Outcome.FAILED)

    @property
    def found_problem(self) -> bool:
        """The last run went to its end and found something wrong (not an error of its own)."""
        return self.failed and not self.row.last_error

    @property
    def stalled(self) -> bool:
        """On, but no scheduler has run it for much longer than its interval allows."""
        row = self.row
        return bool(
            self.job.every and row and not self.running and self.now - row.next_due_at > LATE_AFTER
        )

    @property
    def last_succeeded_at(self) -> datetime | None:
        return self.row.last_succeeded_at if self.row else None

    @property
    def next_due_at(self) -> datetime | None:
        return self.row.next_due_at if self.row and self.job.every else None

    @property
    def summary(self) -> str:
        """The last run's result in words (in the active language)."""
        row = self.row
        if row is None or not row.last_outcome:
            return ""
        if row.last_result:
            try:
                return self.job.describe(row.last_result)
            except (KeyError, TypeError):  # a result written by an older version of the job
                return ""
        return ""


def job_state(name: str) -> JobState:
    return JobState(
        job=jobs.BY_NAME[name],
        row=ScheduledJob.objects.filter(name=name).first(),
        now=timezone.now(),
    )

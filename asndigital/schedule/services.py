"""The only writer of ``ScheduledJob``. A scheduler claims a due job with one conditional UPDATE
(due, and not held by a live run), which on SQLite and PostgreSQL alike lets exactly one of any
number of schedulers asking at once have it: PostgreSQL re-reads the row's condition after the
first UPDATE's lock is released (READ COMMITTED), SQLite runs one writer at a time. The claim
moves the next run one interval on, so a job also runs at most once per interval."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.db.models import F, Q
from django.utils import timezone

from asndigital.schedule import jobs
from asndigital.schedule.models import ScheduledJob

HEARTBEAT_SECONDS = 60  # a running job's runner says it is alive this often
STALE_AFTER = timedelta(minutes=5)  # a claim without a sign of life this long was abandoned
ERROR_LENGTH = 500


def active_jobs() -> list[jobs.Job]:
    """The jobs that are on here (interval above 0, applicable to this installation)."""
    return [job for job in jobs.JOBS if job.every is not None]


def ensure_jobs(*, now: datetime | None = None) -> list[jobs.Job]:
    """Give every active job its row, due at once when new; a next run set further off than a
    (since shortened) interval is brought forward. The active jobs."""
    now = now or timezone.now()
    active = active_jobs()
    ScheduledJob.objects.bulk_create(
        [ScheduledJob(name=job.name, next_due_at=now) for job in active], ignore_conflicts=True
    )
    for job in active:
        ScheduledJob.objects.filter(name=job.name, next_due_at__gt=now + job.every).update(
            next_due_at=now + job.every
        )
    return active


def claim(job: jobs.Job, *, now: datetime | None = None) -> str | None:
    """Take a due job for this runner: its claim's token, or None when it is not due, is
    running elsewhere, or another runner took it first."""
    every = job.every
    if every is None:
        return None
    now = now or timezone.now()
    token = secrets.token_hex(16)
    free = Q(running_since__isnull=True) | Q(heartbeat_at__lt=now - STALE_AFTER)
    taken = ScheduledJob.objects.filter(free, name=job.name, next_due_at__lte=now).update(
        claim=token,
        running_since=now,
        heartbeat_at=now,
        last_started_at=now,
        next_due_at=now + every,
    )
    return token if taken else None


def beat(name: str, token: str) -> bool:
    """The run holding ``token`` is alive; False when it no longer holds the job."""
    return bool(
        ScheduledJob.objects.filter(name=name, claim=token).update(heartbeat_at=timezone.now())
    )


def finish(
    name: str,
    token: str,
    *,
    succeeded: bool,
    result: dict,
    error: str = "",
    due_at: datetime | None = None,
) -> bool:
    """Record how the run holding ``token`` ended and let the job go; False when the claim was
    lost meanwhile (taken over as abandoned), and then nothing is written."""
    now = timezone.now()
    fields = {
        "claim": "",
        "running_since": None,
        "heartbeat_at": None,
        "last_finished_at": now,
        "last_outcome": (
            ScheduledJob.Outcome.SUCCEEDED if succeeded else ScheduledJob.Outcome.FAILED
        ),
        "last_result": result,
        "last_error": error[:ERROR_LENGTH],
    }
    if succeeded:
        fields.update(last_succeeded_at=now, failures_in_a_row=0)
    else:
        fields["failures_in_a_row"] = F("failures_in_a_row") + 1
    if due_at is not None:
        fields["next_due_at"] = due_at
    return bool(ScheduledJob.objects.filter(name=name, claim=token).update(**fields))


def interrupt(name: str, token: str) -> bool:
    """The scheduler stops while the run holding ``token`` is unfinished: a failure, and the
    job is due again at once (the next scheduler to start runs it)."""
    return finish(
        name,
        token,
        succeeded=False,
        result={},
        error="Stopped before it finished: the scheduler was stopped.",
        due_at=timezone.now(),
    )

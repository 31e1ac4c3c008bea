"""Running the periodic jobs: once (``run_due``: whatever is due, one after another, then
return; ``run_schedule --once``, a systemd timer, the tests) or as a loop (``Scheduler``: each
claimed job in its own thread, so a long one, a full fixity pass, does not hold up the
dashboards). Either way a job's failure is logged and recorded, never raised: the next job runs,
and the failed one runs again at its next interval."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime

from django.db import DatabaseError, close_old_connections, connection, connections
from django.utils import timezone

from asndigital.schedule import jobs, services
from asndigital.schedule.models import ScheduledJob

logger = logging.getLogger("asndigital.schedule")


def _drop_broken_connections() -> None:
    """Close this thread's connections that broke or aged (a database restart between two
    jobs); never the one a caller's transaction is using (it would close it: a test, say)."""
    if not connection.in_atomic_block:
        close_old_connections()


def _heartbeat(name: str, token: str, stop: threading.Event) -> None:
    try:
        while not stop.wait(services.HEARTBEAT_SECONDS):
            try:
                services.beat(name, token)
            except DatabaseError:  # a busy or unreachable database: the next beat tries again
                logger.warning("scheduled job %s: its heartbeat could not be recorded", name)
    finally:
        connections.close_all()  # this thread's own connections


def run_claimed(job: jobs.Job, token: str) -> bool:
    """Run a job this runner has claimed, record how it went and let it go; whether it
    succeeded. Never raises: a failure is logged (exception type and message, and the
    traceback; no job puts personal data or secrets in its exceptions) and recorded."""
    stop = threading.Event()
    pulse = threading.Thread(
        target=_heartbeat, args=(job.name, token, stop), name=f"heartbeat-{job.name}", daemon=True
    )
    pulse.start()
    started = time.monotonic()
    succeeded, result, error = False, {}, ""
    try:
        result = job.run()
        succeeded = True
    except jobs.JobFailed as failed:
        result = failed.result
        logger.error("scheduled job %s found a problem: %s", job.name, failed)
    except Exception as exc:  # any failure: recorded, and the job runs again next interval
        error = f"{type(exc).__name__}: {exc}"
        logger.exception("scheduled job %s failed; it runs again at its next interval", job.name)
    finally:
        stop.set()
        pulse.join()
    seconds = time.monotonic() - started
    try:
        _drop_broken_connections()  # the job may have left a broken connection behind
        kept = services.finish(job.name, token, succeeded=succeeded, result=result, error=error)
    except DatabaseError:
        logger.exception("scheduled job %s: its outcome could not be recorded", job.name)
        return succeeded
    if not kept:
        logger.warning(
            "scheduled job %s ran for %.0f s without a heartbeat recorded and was taken over",
            job.name,
            seconds,
        )
    elif succeeded:
        logger.info("scheduled job %s done in %.1f s: %s", job.name, seconds, result)
    return succeeded


def _claim(job: jobs.Job, now: datetime | None) -> str | None:
    try:
        return services.claim(job, now=now)
    except DatabaseError:  # e.g. SQLite busy past its timeout: due jobs are asked again later
        logger.warning("scheduled job %s could not be claimed just now", job.name, exc_info=True)
        return None


def run_due(*, only: set[str] | None = None, now: datetime | None = None) -> list[tuple[str, bool]]:
    """Claim and run, one after another in this thread, every active job that is due (of
    ``only``, when given); (name, succeeded) for each job this runner ran."""
    ran = []
    for job in services.ensure_jobs(now=now):
        if only and job.name not in only:
            continue
        token = _claim(job, now)
        if token is not None:
            ran.append((job.name, run_claimed(job, token)))
    return ran


class Scheduler:
    """The loop of ``run_schedule``: every ``tick`` seconds, claim what is due and start it in
    a thread of its own; ``stop`` (SIGTERM, SIGINT) ends the loop, and runs still going after
    ``grace`` seconds are recorded as interrupted and are due again at once."""

    def __init__(self, *, tick: float = 15, only: set[str] | None = None, grace: float = 10):
        self.tick = tick
        self.only = only
        self.grace = grace
        self.stop = threading.Event()
        self.running: dict[str, tuple[threading.Thread, str]] = {}
        self.active: list[jobs.Job] = []
        self.started = False

    def run(self) -> None:
        while not self.stop.is_set():
            self.look()
            self.stop.wait(self.tick)
        self.shut_down()

    def look(self) -> None:
        """One tick: start every due job that this scheduler is not already running."""
        try:
            _drop_broken_connections()
            if not self.started:
                self.active = [
                    job for job in services.ensure_jobs() if not self.only or job.name in self.only
                ]
                self.started = True
                logger.info(
                    "scheduler started: %s",
                    ", ".join(f"{job.name} every {job.minutes} min" for job in self.active)
                    or "no jobs",
                )
            self.running = {name: run for name, run in self.running.items() if run[0].is_alive()}
            due = set(
                ScheduledJob.objects.filter(
                    name__in=[job.name for job in self.active if job.name not in self.running],
                    next_due_at__lte=timezone.now(),
                ).values_list("name", flat=True)
            )
            for job in self.active:
                if job.name in due and (token := _claim(job, None)) is not None:
                    thread = threading.Thread(
                        target=self._run, args=(job, token), name=f"job-{job.name}", daemon=True
                    )
                    self.running[job.name] = (thread, token)
                    thread.start()
        except Exception:  # the database out of reach, say: the next tick tries again
            logger.exception("the scheduler could not look at its jobs; it tries again soon")

    @staticmethod
    def _run(job: jobs.Job, token: str) -> None:
        try:
            run_claimed(job, token)
        finally:
            connections.close_all()  # this thread's own connections

    def shut_down(self) -> None:
        deadline = time.monotonic() + self.grace
        for name, (thread, token) in self.running.items():
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                try:
                    services.interrupt(name, token)
                except DatabaseError:
                    logger.exception("scheduled job %s: its interruption was not recorded", name)
                logger.warning("scheduled job %s stopped before it finished; due again", name)
        logger.info("scheduler stopped")

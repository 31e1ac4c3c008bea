"""Records lifecycle work as django-tasks tasks, for anyone who enqueues them; the schedule
(``run_schedule``, ``schedule/jobs.py``) runs the same work by itself."""

from __future__ import annotations

from django_tasks import task

from asndigital.records import fixity
from asndigital.records.destruction import eligible_counts


@task()
def check_fixity_sample(sample: int = 1000) -> dict:
    """A random sample re-hashed (the schedule does it daily, and in full every 30 days)."""
    run = fixity.check(sample=sample).run
    return {"checked": run.checked, "failed": run.failed}


@task()
def count_eligible_records() -> dict:
    """How many records each agency may now propose for destruction (the schedule counts weekly)."""
    return eligible_counts()

"""Scheduled work of the records lifecycle (run by a django-tasks worker)."""

from __future__ import annotations

from django_tasks import task


@task()
def check_fixity_sample(sample: int = 1000) -> dict:
    """A random sample re-hashed; schedule it daily (and ``check_fixity`` in full monthly)."""
    from asndigital.records import fixity

    run = fixity.check(sample=sample).run
    return {"checked": run.checked, "failed": run.failed}


@task()
def count_eligible_records() -> dict:
    """Schedule it (e.g. weekly): how many records each agency may now propose for destruction."""
    from asndigital.personnel.models import Agency
    from asndigital.records.destruction import eligible_documents

    return {a.code: n for a in Agency.objects.all() if (n := len(eligible_documents(a)))}

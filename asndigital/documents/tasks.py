"""Background work for documents (django-tasks; a db_worker runs them)."""

from __future__ import annotations

import logging

from django_tasks import task

from asndigital.documents import signature_checks

logger = logging.getLogger(__name__)


@task()
def after_upload(version_id: str) -> dict[str, str]:
    """What every upload needs once stored, as one queued task (one row per upload, not
    three): its preview, its signature check, its text, in that order (the preview first: people
    wait for it; OCR last: it can take seconds a page). One step failing does not stop the
    others; each is logged and can be run again on its own (the tasks below)."""
    # imported here: cycle: the services enqueue these tasks
    from asndigital.documents import services

    results = {}
    steps = {
        "thumbnail": services.make_thumbnail,
        "signatures": signature_checks.check_version,
        "text": services.extract_text,
    }
    for name, step in steps.items():
        try:
            results[name] = step(version_id=version_id)
        except Exception:  # one step's failure is the step's; the next ones still run
            logger.exception("%s failed for document version %s", name, version_id)
            results[name] = "failed"
    return results


@task()
def make_thumbnail(version_id: str) -> str:
    # imported here: cycle: the services enqueue these tasks
    from asndigital.documents import services

    return services.make_thumbnail(version_id=version_id)


@task()
def check_signatures(version_id: str) -> str:
    return signature_checks.check_version(version_id=version_id)


@task()
def revalidate_signatures() -> dict:
    """Schedule it daily (or run ``manage.py revalidate_signatures``): see that command."""
    return signature_checks.revalidate()


@task()
def extract_text(version_id: str) -> str:
    # imported here: cycle: the services enqueue these tasks
    from asndigital.documents import services

    return services.extract_text(version_id=version_id)


@task()
def read_proposal(pending_id: str) -> str:
    """Read and match a bulk file whose name named neither employee nor type."""
    # imported here: cycle: matching enqueues this task
    from asndigital.documents import matching

    return matching.read(pending_id=pending_id)

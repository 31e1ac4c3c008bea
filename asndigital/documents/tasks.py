"""Background work for documents (django-tasks; a db_worker runs them)."""

from __future__ import annotations

from django_tasks import task

from asndigital.documents import signature_checks


@task()
def make_thumbnail(version_id: str) -> str:
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
    from asndigital.documents import services

    return services.extract_text(version_id=version_id)

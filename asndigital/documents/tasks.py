"""Background work for documents (django-tasks; a db_worker runs them)."""

from __future__ import annotations

from django_tasks import task


@task()
def make_thumbnail(version_id: str) -> str:
    from asndigital.documents import services

    return services.make_thumbnail(version_id=version_id)


@task()
def extract_text(version_id: str) -> str:
    from asndigital.documents import services

    return services.extract_text(version_id=version_id)

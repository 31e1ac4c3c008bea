"""Background work for single sign-on (django-tasks; a db_worker runs them)."""

from __future__ import annotations

from django_tasks import task


@task()
def send_logout(application_id: int, subject: str) -> int:
    from asndigital.sso import backchannel

    return backchannel.send(application_id, subject)

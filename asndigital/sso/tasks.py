"""Background work for single sign-on (django-tasks; a db_worker runs them)."""

from __future__ import annotations

from django_tasks import task

from asndigital.sso import logout_token


@task()
def send_logout(application_id: int, subject: str) -> int:
    return logout_token.send(application_id, subject)

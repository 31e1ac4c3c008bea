from django_tasks import task

from asndigital.dashboards.figures import refresh


@task()
def refresh_dashboards() -> int:
    return refresh()

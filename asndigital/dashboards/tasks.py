from django_tasks import task

from asndigital.dashboards import figures


@task()
def refresh_dashboards() -> int:
    return figures.refresh()

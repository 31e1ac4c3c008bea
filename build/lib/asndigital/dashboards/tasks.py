from django_tasks import task


@task()
def refresh_dashboards() -> int:
    from asndigital.dashboards.figures import refresh

    return refresh()

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _reinstall_triggers(sender, using, **kwargs) -> None:
    # On SQLite a migration that alters a watched table rebuilds it without its triggers.
    # imported here: an app's apps.py loads before the app registry is ready
    from asndigital.dashboards import changes

    changes.install(connections[using])


class DashboardsConfig(AppConfig):
    name = "asndigital.dashboards"
    label = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self) -> None:
        post_migrate.connect(_reinstall_triggers, sender=self)

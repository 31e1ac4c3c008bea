from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoreConfig(AppConfig):
    name = "asndigital.core"
    label = "core"
    default = True

    def ready(self) -> None:
        # imported here: checks and lookups register once the app registry is ready
        from asndigital.core import checks, lookups  # noqa: F401 - register checks, field__any


class ASNAdminConfig(admin_apps.AdminConfig):
    """Django's admin with our site class (national admins only, our login)."""

    default = False
    default_site = "asndigital.core.admin_site.ASNAdminSite"

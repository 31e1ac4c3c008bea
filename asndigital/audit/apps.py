from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "asndigital.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        # imported here: once the app registry is ready, it registers the SQLite function the
        # append-only triggers call, on every new connection.
        from asndigital.audit import guard  # noqa: F401

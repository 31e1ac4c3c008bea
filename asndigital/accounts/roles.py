"""The roles (docs/domain.md §2): a leaf that models, grants and policies all read."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Roles of docs/domain.md §2; the civil servant role comes from having an employee record."""

    OPERATOR = "operator", _("Operator")
    VERIFIER = "verifier", _("Verifier")
    AGENCY_ADMIN = "agency_admin", _("Agency administrator (BKPSDM / Biro SDM)")
    MONITOR = "monitor", _("Monitor")
    RECORDS_OFFICER = "records_officer", _("Records officer (arsiparis)")
    BKN_ADMIN = "bkn_admin", _("National administrator (BKN)")
    AUDITOR = "auditor", _("Auditor")
    # An API token's own account (never a person's): what it may do is narrowed by its scopes.
    SERVICE = "service", _("API service account")


# Roles that only exist nationally, and roles that only exist inside one agency.
NATIONAL_ONLY_ROLES = frozenset({Role.BKN_ADMIN})
AGENCY_ONLY_ROLES = frozenset({Role.OPERATOR, Role.VERIFIER, Role.AGENCY_ADMIN})

"""The one door for reads a user can trigger: ``Model.objects.visible_to(user, action)``.

Every agency-scoped model's queryset inherits from ``AgencyScopedQuerySet`` and says where its
agency is (``agency_path``) and, where a person always sees their own rows, who owns a row
(``owner_path``). Which roles may do which action on which model is one table,
``accounts.grants.ACCESS`` (a leaf module, so no import cycle); the single-object answers
(``policies.can_*``) come from the same table, so a list, an export, a count and a yes/no can
never disagree (NetBox's
``RestrictedQuerySet.restrict``; Wagtail's paired permission policies).
``tests/security/test_scoping_door.py`` fails when a view or API module reads such a model
without it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from asndigital.accounts import grants


class AgencyScopedQuerySet(models.QuerySet):
    agency_path = "agency_id"  # the lookup from a row to its agency's id
    owner_path: str | None = None  # the lookup to the user who always sees the row

    def visible_to(self, user, action: str = "read"):
        """The rows ``user`` may ``action``: none for anonymous or disabled accounts, every
        row for a national grant, else those of the user's agencies (and their own)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        everywhere, agencies = grants.scope(user, self.model, action)
        if everywhere:
            return self
        allowed = self._in_agencies(agencies)
        if self.owner_path is not None:
            allowed |= Q(**{self.owner_path: user.pk})
        return self.filter(allowed)

    def _in_agencies(self, agencies) -> Q:
        return Q(**{f"{self.agency_path}__in": agencies})

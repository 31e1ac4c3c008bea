"""The roles a user holds and the table of which roles may do what to each agency-scoped model.

A leaf: it imports no model, so ``core.scoping`` (which every scoped model's queryset uses) can
read it without a cycle through ``accounts.models``. The ``can_*`` answers live in policies.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from asndigital.accounts.roles import Role

if TYPE_CHECKING:
    from asndigital.accounts.models import User

# What each role may do with employee records, inside its agency or everywhere when held
# nationally (docs/security.md has the same table in words). An employee always reads their own
# record. The auditor reads the audit trail and integrity reports only (docs/domain.md §2); the
# monitor's work is figures: the missing-documents report names employees with gaps (NIP, name,
# unit, what is missing) but no personal page, no document and no file (UU PDP: purpose
# limitation). SERVICE is an API token's own account, narrowed further by the token's scopes.
_READ_RECORDS = frozenset(
    {
        Role.OPERATOR,
        Role.VERIFIER,
        Role.AGENCY_ADMIN,
        Role.RECORDS_OFFICER,
        Role.BKN_ADMIN,
        Role.SERVICE,
    }
)
EMPLOYEE_ACCESS: dict[str, frozenset[str]] = {
    # the personal page, the dossier, its documents and their files
    "read": _READ_RECORDS,
    # NIP, name, unit and the documents missing: the missing-documents report
    "report": _READ_RECORDS | {Role.MONITOR},
}
EMPLOYEE_READ_ROLES = EMPLOYEE_ACCESS["read"]


@dataclass(frozen=True)
class Grants:
    """The roles a user holds, read once per request."""

    national: frozenset[str]
    by_agency: dict[int, frozenset[str]]

    def agencies_with(self, roles: frozenset[str]) -> frozenset[int]:
        return frozenset(a for a, held in self.by_agency.items() if held & roles)

    def holds_nationally(self, roles: frozenset[str]) -> bool:
        return bool(self.national & roles)


_EMPTY = Grants(national=frozenset(), by_agency={})


def grants(user: User | None) -> Grants:
    """The user's role grants, cached on the user object for the rest of the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return _EMPTY
    cached = getattr(user, "_asn_grants", None)
    if cached is not None:
        return cached
    national: set[str] = set()
    by_agency: dict[int, set[str]] = {}
    for role, agency_id in user.role_assignments.values_list("role", "agency_id"):
        if agency_id is None:
            national.add(role)
        else:
            by_agency.setdefault(agency_id, set()).add(role)
    result = Grants(
        national=frozenset(national),
        by_agency={a: frozenset(r) for a, r in by_agency.items()},
    )
    user._asn_grants = result  # type: ignore[attr-defined]  # a per-request cache on the user
    return result


UPLOAD_ROLES = frozenset({Role.OPERATOR, Role.AGENCY_ADMIN, Role.SERVICE})

VERIFY_ROLES = frozenset({Role.VERIFIER, Role.AGENCY_ADMIN, Role.SERVICE})

REASON_TEMPLATE_ROLES = frozenset({Role.AGENCY_ADMIN})

# The audit trail is read by auditors (the inspectorate): nationally, or for their agency's
# employees. Everyone else sees only the access history of their own documents.
AUDIT_READ_ROLES = frozenset({Role.AUDITOR, Role.SERVICE})

HOLD_ROLES = frozenset({Role.RECORDS_OFFICER})

APPRAISAL_ROLES = frozenset({Role.RECORDS_OFFICER, Role.AGENCY_ADMIN})

DESTRUCTION_VIEW_ROLES = frozenset(
    {Role.RECORDS_OFFICER, Role.AGENCY_ADMIN, Role.BKN_ADMIN, Role.AUDITOR}
)

DASHBOARD_ROLES = frozenset({Role.MONITOR, Role.BKN_ADMIN, Role.AGENCY_ADMIN})

TOKEN_ROLES = frozenset({Role.BKN_ADMIN, Role.AGENCY_ADMIN})

# The operator's unfinished work (documents/worklists.py): the agency's operators and admins.
WORKLIST_ROLES = frozenset({Role.OPERATOR, Role.AGENCY_ADMIN})
# Correction requests ("Ajukan perbaikan") are answered by the employee's agency: its operators
# and admins (and a token of the agency with the corrections scopes); never nationally.
CORRECTION_ROLES = frozenset({Role.OPERATOR, Role.AGENCY_ADMIN, Role.SERVICE})

# Which roles may do which action on each agency-scoped model: the one table behind every
# ``Model.objects.visible_to(user, action)`` (core/scoping.py) and the ``can_*`` answers above.
# A role held in an agency covers that agency's rows; held nationally, every row.
ACCESS: dict[tuple[str, str], frozenset[str]] = {
    ("personnel.employee", "read"): EMPLOYEE_ACCESS["read"],
    ("personnel.employee", "report"): EMPLOYEE_ACCESS["report"],
    ("personnel.agency", "read"): EMPLOYEE_ACCESS["read"],  # agencies whose staff one lists
    ("personnel.agency", "report"): EMPLOYEE_ACCESS["report"],
    ("personnel.agency", "dashboard"): DASHBOARD_ROLES,
    # the verification figures (queue, decisions): the dashboard's people, and API tokens
    ("personnel.agency", "queue_figures"): DASHBOARD_ROLES | {Role.SERVICE},
    ("personnel.agency", "manage_tokens"): TOKEN_ROLES,
    ("personnel.agency", "propose_destruction"): HOLD_ROLES,
    ("personnel.agency", "worklist"): WORKLIST_ROLES,
    ("personnel.correctionrequest", "read"): CORRECTION_ROLES,  # and the employee's own
    ("documents.document", "read"): EMPLOYEE_ACCESS["read"],  # whoever reads the employee
    # the verifier's queue: the waiting documents of the agencies one verifies
    ("documents.document", "verify"): VERIFY_ROLES,
    # reasons for rejection: chosen by the agency's verifiers, kept by its admins
    ("documents.reasontemplate", "read"): VERIFY_ROLES,
    ("documents.reasontemplate", "manage"): REASON_TEMPLATE_ROLES,
    # full-text search over documents' text: staff who read them (their own agencies)
    ("documents.document", "search"): EMPLOYEE_ACCESS["read"],
    ("records.legalhold", "read"): EMPLOYEE_ACCESS["read"],
    ("records.destructionproposal", "read"): DESTRUCTION_VIEW_ROLES,
    ("accounts.apitoken", "manage"): TOKEN_ROLES,
    ("dashboards.agencyfigures", "read"): DASHBOARD_ROLES,
    ("audit.auditevent", "read"): AUDIT_READ_ROLES,
}


def scope(user: User | None, model, action: str) -> tuple[bool, frozenset[int]]:
    """(every agency, agency ids) where ``user`` may ``action`` rows of ``model`` (a model
    class or its ``app.model`` label), from ACCESS."""
    label = model if isinstance(model, str) else model._meta.label_lower
    roles = ACCESS[(label, action)]
    g = grants(user)
    return g.holds_nationally(roles), g.agencies_with(roles)

"""Who may do what: the one home of role logic. Pure functions over a user and an object.

The role grants and the (model, action) table ``ACCESS`` live in grants.py (a leaf that the
scoping queryset reads); they are named here too, so callers keep asking ``policies``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from asndigital.accounts.grants import (  # noqa: F401 (named here for callers of policies)
    ACCESS,
    APPRAISAL_ROLES,
    AUDIT_READ_ROLES,
    CORRECTION_ROLES,
    DASHBOARD_ROLES,
    DESTRUCTION_VIEW_ROLES,
    EMPLOYEE_ACCESS,
    EMPLOYEE_READ_ROLES,
    HOLD_ROLES,
    REASON_TEMPLATE_ROLES,
    TOKEN_ROLES,
    UPLOAD_ROLES,
    VERIFY_ROLES,
    WORKLIST_ROLES,
    Grants,
    grants,
    scope,
)
from asndigital.accounts.models import RoleAssignment
from asndigital.accounts.roles import Role
from asndigital.core.errors import NotFound

if TYPE_CHECKING:
    from asndigital.accounts.models import User
    from asndigital.personnel.models import Employee


def employee_scope(user: User | None, action: str = "read") -> tuple[bool, frozenset[int]]:
    """(every agency, agency ids) where ``user`` may do ``action`` (EMPLOYEE_ACCESS) with
    employee records; one's own record is extra."""
    return scope(user, "personnel.employee", action)


def employee_read_scope(user: User | None) -> tuple[bool, frozenset[int]]:
    """(sees every agency, agency ids seen) for employee records; one's own record is extra."""
    return employee_scope(user, "read")


def can_list_employees(user: User | None) -> bool:
    """Staff with a reading role see an employee list; a civil servant sees only their own page."""
    everywhere, agencies = employee_read_scope(user)
    return everywhere or bool(agencies)


# Why staff read an employee's data (UU 27/2022: purpose limitation). Each read records its
# purpose: a role with one purpose has it recorded on its own; someone with several chooses on
# the employee's page (the choice lasts for the session) and until then it is "not given".
READ_PURPOSES = {
    "upload": _("uploading and mapping documents"),
    "verification": _("verifying documents"),
    "hr_service": _("HR service to the employee (data, corrections)"),
    "account_help": _("help with the account (MFA, registered e-mail)"),
    "records": _("records management (holds, destruction, transfer)"),
}
ROLE_PURPOSES = {
    Role.OPERATOR: ("upload",),
    Role.VERIFIER: ("verification",),
    Role.AGENCY_ADMIN: ("hr_service", "verification", "upload", "account_help"),
    Role.RECORDS_OFFICER: ("records",),
    Role.BKN_ADMIN: ("hr_service", "account_help", "records"),
}


def read_purposes(user: User | None, employee: Employee) -> list[str]:
    """The purposes for which ``user`` may read ``employee``'s data, in READ_PURPOSES' order:
    those of the roles held nationally or in the employee's agency."""
    g = grants(user)
    held = set(g.national) | set(g.by_agency.get(employee.agency_id, ()))
    wanted = {p for role in held for p in ROLE_PURPOSES.get(role, ())}
    return [p for p in READ_PURPOSES if p in wanted]


def can_see_missing_report(user: User | None) -> bool:
    """Staff who read employee records, and monitors, see the missing-documents report."""
    everywhere, agencies = employee_scope(user, "report")
    return everywhere or bool(agencies)


def can_view_employee(user: User | None, employee: Employee) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if employee.user_id == user.pk:
        return True
    everywhere, agencies = employee_read_scope(user)
    return everywhere or employee.agency_id in agencies


def can_correct_registered_email(user: User | None, employee: Employee) -> bool:
    """Only the employee's agency admin (or BKN) may correct the registered e-mail."""
    g = grants(user)
    if employee.user_id is not None and user is not None and employee.user_id == user.pk:
        return False
    return g.holds_nationally(frozenset({Role.BKN_ADMIN})) or employee.agency_id in g.agencies_with(
        frozenset({Role.AGENCY_ADMIN})
    )


def must_use_passkey(user: User | None) -> bool:
    """Whether the user holds (anywhere) a role of ASN_PASSKEY_REQUIRED_ROLES: then only a
    passkey completes their sign-in, and they are led to add one when they have none."""
    required = frozenset(settings.ASN_PASSKEY_REQUIRED_ROLES)
    if not required:
        return False
    g = grants(user)
    return g.holds_nationally(required) or bool(g.agencies_with(required))


def can_use_django_admin(user: User | None) -> bool:
    """The Django admin is for national administrators only."""
    return grants(user).holds_nationally(frozenset({Role.BKN_ADMIN}))


# Not in ACCESS (which holds agency-scoped models): single sign-on applications are national.
SSO_CLIENT_ROLES = frozenset({Role.BKN_ADMIN})


def can_manage_sso_clients(user: User | None) -> bool:
    """Applications that use BKN Login (single sign-on) are registered by national admins."""
    return grants(user).holds_nationally(SSO_CLIENT_ROLES)


def require(allowed: bool) -> None:
    """Refuse with the same answer as a missing object, so access cannot be probed."""
    if not allowed:
        raise NotFound()


def can_manage_roles(user: User | None, agency) -> bool:
    """BKN admins grant any role; an agency admin grants roles inside their own agency only."""
    g = grants(user)
    if g.holds_nationally(frozenset({Role.BKN_ADMIN})):
        return True
    return agency is not None and agency.pk in g.agencies_with(frozenset({Role.AGENCY_ADMIN}))


def can_reset_mfa(user: User | None, employee: Employee) -> bool:
    """The employee's agency admin (or BKN) may reset their MFA; nobody resets their own this
    way, and agency admins cannot reset accounts that hold a national role."""
    if user is None or employee.user_id is None or employee.user_id == user.pk:
        return False
    g = grants(user)
    if g.holds_nationally(frozenset({Role.BKN_ADMIN})):
        return True
    if employee.agency_id not in g.agencies_with(frozenset({Role.AGENCY_ADMIN})):
        return False
    return not RoleAssignment.objects.filter(user_id=employee.user_id, agency__isnull=True).exists()


def can_upload_for(user: User | None, employee: Employee) -> bool:
    """Employees upload to their own dossier; operators and agency admins to their agency's."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if employee.user_id == user.pk:
        return True
    g = grants(user)
    return g.holds_nationally(frozenset({Role.BKN_ADMIN})) or employee.agency_id in g.agencies_with(
        UPLOAD_ROLES
    )


def can_verify(user: User | None, document) -> bool:
    """Verifiers and agency admins of the employee's agency decide, never on their own upload
    (four eyes) nor on their own dossier."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    employee = document.employee
    if employee.user_id == user.pk:
        return False
    version = document.current_version
    if version is not None and version.uploaded_by_id == user.pk:
        return False
    return employee.agency_id in grants(user).agencies_with(VERIFY_ROLES)


def queue_agencies(user: User | None) -> frozenset[int]:
    """The agencies whose waiting documents ``user`` verifies (the verifier's queue): those
    where they hold a verifying role. Verifying is per agency (can_verify), never national."""
    return grants(user).agencies_with(ACCESS[("documents.document", "verify")])


def can_use_queue(user: User | None) -> bool:
    """Verifiers and agency admins have a queue of waiting documents."""
    return bool(queue_agencies(user))


def can_manage_reason_templates(user: User | None, agency) -> bool:
    """An agency admin keeps the agency's reasons for rejection (never national: the words
    are the agency's own)."""
    return agency is not None and agency.pk in grants(user).agencies_with(REASON_TEMPLATE_ROLES)


def can_bulk_upload(user: User | None) -> bool:
    """Operators and agency admins (for their agencies) and BKN admins."""
    g = grants(user)
    return g.holds_nationally(frozenset({Role.BKN_ADMIN})) or bool(g.agencies_with(UPLOAD_ROLES))


# The audit trail is read by auditors (the inspectorate): nationally, or for their agency's
# employees. Everyone else sees only the access history of their own documents.


def audit_read_scope(user: User | None) -> tuple[bool, frozenset[int]]:
    """(reads every event, agency ids whose employees' events it reads)."""
    return scope(user, "audit.auditevent", "read")


def can_read_audit(user: User | None) -> bool:
    """Auditors search the audit trail and export it."""
    everywhere, agencies = audit_read_scope(user)
    return everywhere or bool(agencies)


def can_place_hold(user: User | None, employee: Employee) -> bool:
    """Records officers of the employee's agency, and national admins, place and lift legal
    holds; never on their own dossier."""
    if user is None or not user.is_authenticated or employee.user_id == user.pk:
        return False
    g = grants(user)
    return g.holds_nationally(frozenset({Role.BKN_ADMIN, Role.RECORDS_OFFICER})) or (
        employee.agency_id in g.agencies_with(HOLD_ROLES)
    )


def can_edit_retention(user: User | None) -> bool:
    """Retention schedules (JRA) are national: national admins edit them."""
    return grants(user).holds_nationally(frozenset({Role.BKN_ADMIN}))


def can_propose_destruction(user: User | None, agency) -> bool:
    """Records officers of the agency (or national ones) build destruction proposals."""
    return _covers(scope(user, "personnel.agency", "propose_destruction"), agency)


def can_appraise_destruction(user: User | None, proposal) -> bool:
    """The appraisal is given by a records officer or agency admin of the agency (or national),
    never by whoever built the proposal."""
    if user is None or proposal.created_by_id == user.pk:
        return False
    g = grants(user)
    return g.holds_nationally(APPRAISAL_ROLES) or proposal.agency_id in g.agencies_with(
        APPRAISAL_ROLES
    )


def can_approve_destruction(user: User | None, proposal) -> bool:
    """A national admin approves, who neither built nor appraised the proposal."""
    if user is None or user.pk in (proposal.created_by_id, proposal.appraised_by_id):
        return False
    return grants(user).holds_nationally(frozenset({Role.BKN_ADMIN}))


def can_execute_destruction(user: User | None, proposal) -> bool:
    """The agency's records officers, or a national admin, carry out an approved destruction."""
    g = grants(user)
    return g.holds_nationally(frozenset({Role.BKN_ADMIN, Role.RECORDS_OFFICER})) or (
        proposal.agency_id in g.agencies_with(HOLD_ROLES)
    )


def destruction_scope(user: User | None) -> tuple[bool, frozenset[int]]:
    """(sees every agency's proposals, agency ids whose proposals it sees)."""
    return scope(user, "records.destructionproposal", "read")


def can_view_destruction(user: User | None, proposal) -> bool:
    everywhere, agencies = destruction_scope(user)
    return everywhere or proposal.agency_id in agencies


def can_transfer(user: User | None, employee: Employee) -> bool:
    """Transfers between agencies are done by national admins (ADR 0007)."""
    if user is None or employee.user_id == user.pk:
        return False
    return grants(user).holds_nationally(frozenset({Role.BKN_ADMIN}))


def can_export_dossier(user: User | None, employee: Employee) -> bool:
    """The employee (their copy, UU 27/2022), and records officers and national admins (for an
    archive transfer) take the whole dossier as a BagIt package."""
    if user is None or not user.is_authenticated:
        return False
    if employee.user_id == user.pk:
        return True
    g = grants(user)
    return g.holds_nationally(frozenset({Role.BKN_ADMIN, Role.RECORDS_OFFICER})) or (
        employee.agency_id in g.agencies_with(HOLD_ROLES)
    )


def can_manage_api_tokens(user: User | None, agency) -> bool:
    """National admins create any token; agency admins tokens for their own agency."""
    return _covers(scope(user, "accounts.apitoken", "manage"), agency)


def _covers(where: tuple[bool, frozenset[int]], agency) -> bool:
    everywhere, agencies = where
    return everywhere or (agency is not None and agency.pk in agencies)


def can_grant_token_scope(user: User | None, scope: str, agency) -> bool:
    """An API token is never more than its creator: each scope needs the creator to be able
    to do the same in the token's agency (``agency`` None: a national token)."""
    g = grants(user)
    if scope in ("employees:read", "documents:read"):
        return _covers(employee_scope(user, "read"), agency)
    if scope == "reports:read":
        return _covers(employee_scope(user, "report"), agency)
    if scope == "documents:write":  # writing is per agency, never national
        return agency is not None and (
            g.holds_nationally(frozenset({Role.BKN_ADMIN}))
            or agency.pk in g.agencies_with(UPLOAD_ROLES)
        )
    if scope == "decisions:write":
        return agency is not None and agency.pk in g.agencies_with(VERIFY_ROLES)
    if scope == "audit:read":
        return _covers(audit_read_scope(user), agency)
    if scope in ("corrections:read", "corrections:write"):
        return agency is not None and agency.pk in g.agencies_with(CORRECTION_ROLES)
    return False


def dashboard_scope(user: User | None) -> tuple[bool, frozenset[int]]:
    """(the national dashboard, agency ids whose dashboards it sees)."""
    return scope(user, "dashboards.agencyfigures", "read")


def worklist_scope(user: User | None) -> tuple[bool, frozenset[int]]:
    """(every agency, agency ids) whose unfinished work ``user`` sees (ACCESS "worklist")."""
    return scope(user, "personnel.agency", "worklist")


def can_see_worklist(user: User | None) -> bool:
    everywhere, agencies = worklist_scope(user)
    return everywhere or bool(agencies)


def can_request_correction(user: User | None, employee: Employee) -> bool:
    """Only the employee asks for a correction of their own record or documents."""
    return (
        user is not None
        and user.is_authenticated
        and user.is_active
        and employee.user_id is not None
        and employee.user_id == user.pk
    )


def can_see_corrections(user: User | None) -> bool:
    """Staff who answer correction requests for at least one agency."""
    everywhere, agencies = scope(user, "personnel.correctionrequest", "read")
    return everywhere or bool(agencies)


def can_answer_correction(user: User | None, request) -> bool:
    """Operators and admins of the request's agency answer it; never their own request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if request.employee.user_id == user.pk:
        return False
    everywhere, agencies = scope(user, "personnel.correctionrequest", "read")
    return everywhere or request.agency_id in agencies

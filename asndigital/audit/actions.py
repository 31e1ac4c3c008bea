"""Every action the audit trail records, with what people read for it.

``label`` names the event for auditors (the search page shows it beside the stored code);
``to_employee``, for the reads of personal data an employee's access history lists, says what
the reader did in words addressed to the employee. The stored value is the code (English,
lower case, ``<subject>.<verb>``) and never changes once written; the words are translated.
``tests/audit/test_actions.py`` reads the code and fails on an action recorded but not named
here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Action:
    label: str
    to_employee: str = ""  # for reads shown in the employee's access history


ACTIONS: dict[str, Action] = {
    # Sign-in, MFA, passwords, sessions
    "login.password_ok": Action(_("Password accepted, second factor next")),
    "login.succeeded": Action(_("Signed in")),
    "login.failed": Action(_("Sign-in failed: wrong password")),
    "login.code_failed": Action(_("Sign-in failed: wrong code")),
    "login.code_replayed": Action(_("Sign-in refused: a code used twice")),
    "login.passkey_failed": Action(_("Sign-in failed: passkey refused")),
    "login.throttled": Action(_("Sign-in attempts limited")),
    "mfa.device_added": Action(_("Authenticator app added")),
    "mfa.device_renamed": Action(_("Authenticator app renamed")),
    "mfa.device_removed": Action(_("Authenticator app removed")),
    "mfa.device_locked": Action(_("Authenticator app locked after wrong codes")),
    "mfa.passkey_added": Action(_("Passkey added")),
    "mfa.passkey_renamed": Action(_("Passkey renamed")),
    "mfa.passkey_removed": Action(_("Passkey removed")),
    "mfa.passkey_clone_suspected": Action(_("Passkey refused: it may have been copied")),
    "mfa.recovery_code_used": Action(_("Recovery code used")),
    "mfa.recovery_codes_regenerated": Action(_("New recovery codes made")),
    "mfa.reset": Action(_("MFA reset")),
    "password.changed": Action(_("Password changed")),
    "sessions.ended": Action(_("Signed out everywhere")),
    "reset.code_sent": Action(_("Reset code e-mailed")),
    "reset.code_failed": Action(_("Reset code wrong")),
    "reset.code_exhausted": Action(_("Reset code used up by wrong tries")),
    "reset.request_limited": Action(_("Reset requests limited")),
    "reset.request_unmatched": Action(_("Reset requested with details that do not match")),
    # Accounts, roles, tokens, keys
    "account.created": Action(_("Account created")),
    "account.demo_password_set": Action(_("Demo password set (development only)")),
    "role.granted": Action(_("Role granted")),
    "role.revoked": Action(_("Role revoked")),
    "api_token.created": Action(_("API token created")),
    "api_token.revoked": Action(_("API token revoked")),
    "keys.resealed": Action(_("Secrets re-sealed with a new master key")),
    # Single sign-on (BKN Login): applications, consents, tokens
    "sso.client_registered": Action(_("Application registered for single sign-on")),
    "sso.client_changed": Action(_("Single sign-on application changed")),
    "sso.client_secret_rotated": Action(_("Single sign-on application secret replaced")),
    "sso.client_disabled": Action(_("Single sign-on application disabled")),
    "sso.client_enabled": Action(_("Single sign-on application enabled again")),
    "sso.consent_given": Action(_("Agreed to share data with an application")),
    "sso.consent_revoked": Action(_("Access of an application taken back")),
    "sso.token_granted": Action(_("Tokens given to an application")),
    "sso.token_revoked": Action(_("Application token revoked")),
    "sso.stepped_up": Action(_("Confirmed with a passkey for an application")),
    "sso.logout_sent": Action(_("Applications told of the sign-out")),
    # Agencies and employees
    "agency.created": Action(_("Agency created")),
    "agency.updated": Action(_("Agency changed")),
    "unit.created": Action(_("Unit created")),
    "unit.updated": Action(_("Unit changed")),
    "employees.imported": Action(_("Employees imported from SIASN")),
    "employee.email_corrected": Action(_("Registered e-mail corrected")),
    "employee.transferred": Action(_("Employee transferred to another agency")),
    "employee.viewed": Action(_("Employee page opened"), _("opened your personal page")),
    "employees.listed": Action(
        _("Employees listed (API)"), _("received your record in a list of employees")
    ),
    # Employees' correction requests and the agencies' worklists
    "correction.requested": Action(_("Correction requested by the employee")),
    "correction.corrected": Action(_("Correction request answered: corrected")),
    "correction.refused": Action(_("Correction request answered: refused")),
    "correction.viewed": Action(
        _("Correction request opened"), _("opened your correction request")
    ),
    "correction.attachment_viewed": Action(
        _("Correction request's file downloaded"),
        _("downloaded the file of your correction request"),
    ),
    "corrections.listed": Action(
        _("Correction requests listed"), _("saw your correction request in the agency's list")
    ),
    "worklist.viewed": Action(
        _("Unfinished-work list seen"), _("saw you in the list of unfinished work")
    ),
    # The verifier's queue
    "queue.listed": Action(
        _("Verification queue listed (API)"),
        _("received your waiting document in the verification queue"),
    ),
    "reason_template.added": Action(_("Rejection reason template added")),
    "reason_template.removed": Action(_("Rejection reason template removed")),
    # Documents
    "doctype.created": Action(_("Document type created")),
    "doctype.updated": Action(_("Document type changed")),
    "document.uploaded": Action(_("Document uploaded")),
    "document.replaced": Action(_("Document replaced by a new version")),
    "document.accepted": Action(_("Document accepted")),
    "document.rejected": Action(_("Document rejected")),
    "document.destroyed": Action(_("Document destroyed")),
    "document.metadata_completed": Action(_("Document's details completed")),
    "document.signatures_checked": Action(_("Electronic signatures of a document checked")),
    "document.signatures_read": Action(
        _("Electronic signature report read (API)"),
        _("read the electronic signature report of the document"),
    ),
    "document.viewed": Action(_("Document opened"), _("opened the document")),
    "document.previewed": Action(
        _("Document's first page seen"), _("saw the first page of the document")
    ),
    "document.searched": Action(_("Documents searched by their text")),
    "document.downloaded": Action(_("Document downloaded"), _("downloaded the document")),
    "document.read_failed": Action(_("Reading a document failed: the stored copy is damaged")),
    "dossier.read": Action(_("Dossier read (API)"), _("read the list of your documents")),
    "dossier.exported": Action(_("Dossier exported (ZIP)"), _("exported your whole dossier")),
    "dossier.imported": Action(_("Dossier imported")),
    "report.viewed": Action(
        _("Missing-documents report seen"), _("saw you in the missing-documents report")
    ),
    "report.exported": Action(
        _("Missing-documents report exported"),
        _("exported the missing-documents report, with you in it"),
    ),
    # Records management
    "retention.created": Action(_("Retention schedule created")),
    "retention.updated": Action(_("Retention schedule changed")),
    "hold.placed": Action(_("Legal hold placed")),
    "hold.lifted": Action(_("Legal hold lifted")),
    "destruction.proposed": Action(_("Destruction proposed")),
    "destruction.item_removed": Action(_("Removed from a destruction proposal")),
    "destruction.submitted": Action(_("Destruction proposal submitted")),
    "destruction.appraised": Action(_("Destruction proposal appraised")),
    "destruction.approved": Action(_("Destruction approved")),
    "destruction.anri_letter": Action(_("National archive's letter recorded")),
    "destruction.started": Action(_("Destruction started")),
    "destruction.executed": Action(_("Destruction carried out")),
    "destruction.record_downloaded": Action(_("Destruction record (berita acara) downloaded")),
    "fixity.checked": Action(_("Fixity check run")),
    "fixity.failed": Action(_("Fixity check failed: a stored file is damaged or missing")),
    # The audit trail itself
    "audit.exported": Action(
        _("Audit trail exported"), _("exported audit trail entries about you")
    ),
}


def label(action: str) -> str:
    """The auditors' words for ``action``; the code itself when it is unknown (an old event)."""
    known = ACTIONS.get(action)
    return str(known.label) if known else action


def to_employee(action: str) -> str:
    """What a reader did, in words for the employee whose data it was."""
    known = ACTIONS.get(action)
    return str(known.to_employee or known.label) if known else action

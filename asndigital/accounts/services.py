"""Changes to accounts and roles. The only writers of these models."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from asndigital.accounts import challenges, mfa, policies, throttle
from asndigital.accounts.models import (
    AGENCY_ONLY_ROLES,
    NATIONAL_ONLY_ROLES,
    EmailChallenge,
    Role,
    RoleAssignment,
    User,
)
from asndigital.audit.services import record
from asndigital.core.bulk import insert_rows
from asndigital.core.errors import DomainError
from asndigital.core.mail import queue_email
from asndigital.personnel.models import Agency
from asndigital.sso import backchannel


@transaction.atomic
def create_staff_account(
    *, actor: User | None, username: str, full_name: str, email: str, password: str | None = None
) -> User:
    """Create an account for agency or national staff; civil servants come by import."""
    username = username.strip()
    if not username:
        raise DomainError(_("A username is required."))
    if User.objects.filter(username=username).exists():
        raise DomainError(_("That username is taken."))
    user = User.objects.create_user(
        username, password, full_name=full_name.strip(), email=email.strip()
    )
    record(actor, "account.created", user, username=username)
    return user


@transaction.atomic
def grant_role(
    *, actor: User | None, user: User, role: str, agency: Agency | None
) -> RoleAssignment:
    """Give ``user`` a role in one agency, or nationally when ``agency`` is None. Idempotent."""
    if actor is not None:
        policies.require(policies.can_manage_roles(actor, agency))
    if role not in Role.values:
        raise DomainError(_("Unknown role."))
    if role in NATIONAL_ONLY_ROLES and agency is not None:
        raise DomainError(_("This role can only be held nationally."))
    if role in AGENCY_ONLY_ROLES and agency is None:
        raise DomainError(_("This role must belong to an agency."))
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, agency=agency, defaults={"granted_by": actor}
    )
    if created:
        record(actor, "role.granted", user, role=role, agency=agency.code if agency else None)
    return assignment


@transaction.atomic
def revoke_role(*, actor: User | None, assignment: RoleAssignment) -> None:
    """Take a role away; recorded in the audit trail."""
    if actor is not None:
        policies.require(policies.can_manage_roles(actor, assignment.agency))
    record(
        actor,
        "role.revoked",
        assignment.user,
        role=assignment.role,
        agency=assignment.agency.code if assignment.agency_id else None,
    )
    assignment.delete()


@transaction.atomic
def end_all_sessions(*, actor: User | None, user: User, reason: str, ip: str = "") -> None:
    """End every session of ``user`` (the session hash includes the epoch raised here), and
    their single sign-on: tokens revoked, applications told (back-channel logout)."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
    record(actor, "sessions.ended", user, reason=reason, ip=ip)
    backchannel.signed_out_everywhere(user=user, reason=reason)


@transaction.atomic
def admin_reset_mfa(*, actor: User, employee, reason: str, ip: str = "") -> None:
    """BKPSDM resets an employee's MFA: devices and recovery codes cleared, sessions ended, the
    employee told by e-mail; their next sign-in goes to activation."""
    policies.require(policies.can_view_employee(actor, employee))
    if not policies.can_reset_mfa(actor, employee):
        raise DomainError(_("You cannot reset this account's MFA."))
    if not reason.strip():
        raise DomainError(_("Give the reason for the reset."))
    user = employee.user
    mfa.reset_mfa(actor=actor, user=user, reason=reason.strip()[:300], ip=ip)
    queue_email(
        to=employee.email,
        template="accounts/email/mfa_reset",
        context={"name": employee.display_name, "username": user.username},
        language=user.language,
    )


@transaction.atomic
def set_password(
    *, actor: User | None, user: User, password: str, reason: str, ip: str = ""
) -> None:
    """Set a new password (already checked against the policy by the caller's form), end every
    session of the account, record it and tell the person by e-mail. Browsers the account does
    not know may sign in again (the wrong guesses were at the old password)."""
    user.set_password(password)
    user.session_epoch = F("session_epoch") + 1
    user.save(update_fields=["password", "session_epoch"])
    user.refresh_from_db(fields=["session_epoch"])
    record(actor, "password.changed", user, reason=reason, ip=ip)
    transaction.on_commit(lambda: throttle.forget_failures(username=user.username))
    employee = getattr(user, "employee", None)
    queue_email(
        to=user.registered_email,
        template="accounts/email/password_changed",
        context={
            "name": employee.display_name if employee else user.get_full_name(),
            "username": user.username,
        },
        language=user.language,
    )


def remember_language(*, user: User, language: str) -> None:
    """The language a signed-in person chose: their e-mails use it too."""
    if language in dict(settings.LANGUAGES) and user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language


# Civil servants' accounts come with their employee record from the SIASN import, in bulk: the
# importer hands the rows here (it writes employees, accounts are this app's).
EMPLOYEE_ACCOUNT_COLUMNS = (
    "id",
    "password",
    "is_superuser",
    "username",
    "full_name",
    "email",
    "is_active",
    "is_staff",
    "language",
    "date_joined",
    "session_epoch",
)


def insert_employee_accounts(rows: list[tuple]) -> None:
    """Insert accounts for new employees (``EMPLOYEE_ACCOUNT_COLUMNS``, unusable passwords);
    inside the caller's transaction, whose audit event covers them."""
    insert_rows(User, EMPLOYEE_ACCOUNT_COLUMNS, rows)


def set_accounts_active(*, user_ids: list, active: bool) -> None:
    """Enable or disable accounts whose employee left or came back (the import's status);
    inside the caller's transaction, whose audit event records the status change."""
    if user_ids:
        User.objects.filter(pk__in=user_ids).update(is_active=active)


@transaction.atomic
def reset_own_mfa(*, user: User, password: str, code: str, ip: str = "") -> bool:
    """The self-service MFA reset's last step, all or nothing: the account's password and the
    e-mailed code together clear every authenticator, passkey and recovery code, end the
    sessions and tell the registered address. False (nothing cleared) when either is wrong; a
    wrong password spends one of the code's tries, like a wrong code."""
    purpose = EmailChallenge.Purpose.MFA_RESET
    if not user.check_password(password):
        challenges.spend_try(user=user, purpose=purpose, ip=ip)
        return False
    if not challenges.redeem(user=user, purpose=purpose, code=code, ip=ip):
        return False
    mfa.reset_mfa(actor=user, user=user, reason="self-service", ip=ip)
    employee = getattr(user, "employee", None)
    queue_email(
        to=user.registered_email,
        template="accounts/email/mfa_reset",
        context={
            "name": employee.display_name if employee else user.username,
            "username": user.username,
            "self_service": True,
        },
        language=user.language,
    )
    return True

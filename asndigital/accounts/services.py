"""Changes to accounts and roles. The only writers of these models."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from asndigital.accounts import policies, throttle
from asndigital.accounts.models import (
    AGENCY_ONLY_ROLES,
    NATIONAL_ONLY_ROLES,
    Role,
    RoleAssignment,
    User,
)
from asndigital.audit.services import record
from asndigital.core.errors import DomainError
from asndigital.core.mail import queue_email
from asndigital.personnel.models import Agency


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
    """End every session of ``user`` (the session hash includes the epoch raised here)."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
    record(actor, "sessions.ended", user, reason=reason, ip=ip)


@transaction.atomic
def admin_reset_mfa(*, actor: User, employee, reason: str, ip: str = "") -> None:
    """BKPSDM resets an employee's MFA: devices and recovery codes cleared, sessions ended, the
    employee told by e-mail; their next sign-in goes to activation."""
    from asndigital.accounts import mfa

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

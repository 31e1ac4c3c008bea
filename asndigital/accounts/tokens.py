"""API tokens for service accounts: created, checked and revoked here (the only writer).

A token reads ``asn_<key id>_<secret>``: the key id finds the row, the secret (256 random bits)
is compared by its SHA-256 in constant time. Only the hash is stored; the token is shown once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from asndigital.accounts import policies
from asndigital.accounts.models import ApiToken, Role, User
from asndigital.accounts.services import grant_role
from asndigital.audit.services import record
from asndigital.core.errors import DomainError

PREFIX = "asn_"
TOUCH_EVERY = timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_token(*, actor, name: str, agency, scopes) -> tuple[ApiToken, str]:
    """A new token and its plain value (shown once, never stored); ``scopes``: ApiToken.Scope
    values, each one its creator may grant for ``agency``."""
    policies.require(policies.can_manage_api_tokens(actor, agency))
    name = " ".join((name or "").split())[:100]
    if not name:
        raise DomainError(_("Give the token a name (which system uses it)."))
    wanted = set(scopes or ())
    if not wanted:
        raise DomainError(_("Choose at least one thing the token may do."))
    unknown = wanted - set(ApiToken.Scope.values)
    if unknown:
        raise DomainError(_("Unknown scope: %(scope)s.") % {"scope": ", ".join(sorted(unknown))})
    refused = [
        label
        for value, label in ApiToken.Scope.choices
        if value in wanted and not policies.can_grant_token_scope(actor, value, agency)
    ]
    if refused:
        where = agency.name if agency is not None else _("every agency (national)")
        raise DomainError(
            _("You cannot give a token what you may not do yourself in %(where)s: %(what)s.")
            % {"where": where, "what": "; ".join(str(label) for label in refused)}
        )
    ordered = " ".join(value for value in ApiToken.Scope.values if value in wanted)
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    user = User.objects.create(username=f"svc-{key_id}", full_name=f"API: {name}")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    token = ApiToken.objects.create(
        key_id=key_id,
        secret_hash=_hash(secret),
        name=name,
        user=user,
        agency=agency,
        scopes=ordered,
        created_by=actor,
    )
    grant_role(actor=None, user=user, role=Role.SERVICE, agency=agency)
    record(
        actor,
        "api_token.created",
        token,
        name=name,
        scopes=ordered.split(),
        agency=agency.code if agency else None,
    )
    return token, f"{PREFIX}{key_id}_{secret}"


@transaction.atomic
def revoke_token(*, actor, token: ApiToken) -> None:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    policies.require(policies.can_manage_api_tokens(actor, token.agency))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        User.objects.filter(pk=token.user_id).update(is_active=False)
        record(actor, "api_token.revoked", token)


def authenticate(value: str) -> ApiToken | None:
    """The live token for this value, or None (unknown, malformed, wrong secret, revoked)."""
    if not value.startswith(PREFIX):
        return None
    key_id, _sep, secret = value[len(PREFIX) :].partition("_")
    if len(key_id) != 12 or not secret:
        return None
    token = (
        ApiToken.objects.select_related("user", "agency")
        .filter(key_id=key_id, revoked_at=None)
        .first()
    )
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(secret)):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # at most once a minute
        token.last_used_at = now
    return token

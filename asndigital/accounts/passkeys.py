"""Passkeys (WebAuthn): adding, signing in, renaming, removing; the only writer of Passkey rows.

py_webauthn does the protocol (CBOR, COSE keys, signatures, the RP id hash; ADR 0008). This
module keeps each challenge in the session (single use, expires after
ASN_WEBAUTHN_CHALLENGE_SECONDS), decides which origins are accepted, checks the signature
counter and writes the audit trail. Credential ids are never written to messages or logs.
"""

from __future__ import annotations

import base64
import time
from collections.abc import MutableMapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    parse_authentication_credential_json,
    parse_client_data_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    CredentialDeviceType,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from asndigital.accounts import policies
from asndigital.accounts.models import AuthenticatorDevice, Passkey, User
from asndigital.audit.services import record
from asndigital.core.errors import DomainError

CHALLENGE = "asn_webauthn_challenge"  # {"c": challenge, "purpose", "user", "at"}
REGISTER, SIGN_IN = "register", "sign_in"
_BAD_INPUT = (WebAuthnException, ValueError, KeyError, TypeError, AttributeError)


@dataclass(frozen=True)
class PasskeyCheck:
    ok: bool
    reason: str  # "ok", "expired", "malformed", "unknown", "origin", "invalid", "clone"
    passkey: Passkey | None = None


# --- Challenges and origins -------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _keep_challenge(session, purpose: str, user: User, challenge: bytes) -> None:
    session[CHALLENGE] = {
        "c": _b64(challenge),
        "purpose": purpose,
        "user": str(user.pk),
        "at": time.time(),
    }


def _take_challenge(session, purpose: str, user: User) -> bytes | None:
    """The challenge issued to this user for this purpose, once: taken even when it is wrong."""
    kept = session.pop(CHALLENGE, None)
    if not kept or kept.get("purpose") != purpose or kept.get("user") != str(user.pk):
        return None
    if time.time() - kept.get("at", 0) > settings.ASN_WEBAUTHN_CHALLENGE_SECONDS:
        return None
    return base64.urlsafe_b64decode(kept["c"] + "=" * (-len(kept["c"]) % 4))


def origin_allowed(origin: str) -> bool:
    """The configured origins exactly; with none configured (never in production), the RP id's
    host on any port, for `make run` and the test server's random port."""
    if settings.ASN_WEBAUTHN_ORIGINS:
        return origin in settings.ASN_WEBAUTHN_ORIGINS
    if settings.IS_PRODUCTION:
        return False
    parts = urlsplit(origin)
    return parts.scheme in {"http", "https"} and parts.hostname == settings.ASN_WEBAUTHN_RP_ID


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    known = {t.value for t in AuthenticatorTransport}
    return PublicKeyCredentialDescriptor(
        id=bytes(passkey.credential_id),
        transports=[AuthenticatorTransport(t) for t in passkey.transports if t in known],
    )


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > 64:
        raise DomainError(_("A passkey name has 1 to 64 characters, e.g. “Laptop kantor”."))
    return name


# --- Adding a passkey -------------------------------------------------------------------------


def registration_options(*, user: User, session: MutableMapping) -> str:
    """The options for navigator.credentials.create() as JSON; the challenge stays in the
    session. The user handle is the account's UUID (no name, no NIP)."""
    options = generate_registration_options(
        rp_id=settings.ASN_WEBAUTHN_RP_ID,
        rp_name=settings.ASN_WEBAUTHN_RP_NAME,
        user_id=user.pk.bytes,
        user_name=user.username,
        user_display_name=user.get_full_name(),
        timeout=settings.ASN_WEBAUTHN_CHALLENGE_SECONDS * 1000,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[_descriptor(p) for p in Passkey.objects.filter(user=user)],
    )
    _keep_challenge(session, REGISTER, user, options.challenge)
    return options_to_json(options)


@transaction.atomic
def add_passkey(
    *, user: User, session: MutableMapping, credential: str, name: str, ip: str = ""
) -> Passkey:
    """Verify the browser's answer to registration_options and keep the new passkey."""
    name = _clean_name(name)
    challenge = _take_challenge(session, REGISTER, user)
    if challenge is None:
        raise DomainError(_("The request to make a passkey expired. Try again."), code="expired")
    unreadable = _("The passkey could not be checked. Try again.")
    try:
        parsed = parse_registration_credential_json(credential)
        origin = parse_client_data_json(parsed.response.client_data_json).origin
    except _BAD_INPUT:
        raise DomainError(unreadable, code="invalid") from None
    if not origin_allowed(origin):
        raise DomainError(refused_origin(), code="origin")
    try:
        verified = verify_registration_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=settings.ASN_WEBAUTHN_RP_ID,
            expected_origin=origin,
        )
    except _BAD_INPUT:
        raise DomainError(unreadable, code="invalid") from None
    if Passkey.objects.filter(credential_id=verified.credential_id).exists():
        raise DomainError(_("This passkey is already registered."), code="duplicate")
    passkey = Passkey.objects.create(
        user=user,
        name=name,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=[str(getattr(t, "value", t)) for t in (parsed.response.transports or [])],
        aaguid=verified.aaguid,
        is_backed_up=verified.credential_backed_up,
        is_multi_device=verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE,
    )
    record(
        user,
        "mfa.passkey_added",
        passkey,
        name=name,
        synced=passkey.is_backed_up,
        first_passkey=not Passkey.objects.filter(user=user).exclude(pk=passkey.pk).exists(),
        ip=ip,
    )
    return passkey


def refused_origin() -> str:
    return _(
        "The passkey answer came from another web address and was refused. Open ASN Digital "
        "at its usual address and try again."
    )


# --- Signing in -------------------------------------------------------------------------------


def has_passkey(user: User) -> bool:
    return Passkey.objects.filter(user=user).exists()


def authentication_options(*, user: User, session: MutableMapping) -> str:
    """The options for navigator.credentials.get(): only this user's passkeys are allowed."""
    options = generate_authentication_options(
        rp_id=settings.ASN_WEBAUTHN_RP_ID,
        timeout=settings.ASN_WEBAUTHN_CHALLENGE_SECONDS * 1000,
        allow_credentials=[_descriptor(p) for p in Passkey.objects.filter(user=user)],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    _keep_challenge(session, SIGN_IN, user, options.challenge)
    return options_to_json(options)


@transaction.atomic
def check_assertion(
    *, user: User, session: MutableMapping, credential: str, ip: str = ""
) -> PasskeyCheck:
    """Verify the browser's answer to authentication_options. A refusal is recorded (and the
    caller counts it in the code throttles); a signature counter that did not grow means the
    key may have been copied: refused and recorded as mfa.passkey_clone_suspected."""
    challenge = _take_challenge(session, SIGN_IN, user)
    try:
        parsed = parse_authentication_credential_json(credential)
        origin = parse_client_data_json(parsed.response.client_data_json).origin
    except _BAD_INPUT:
        return _refuse(user, "malformed", user, ip)
    if challenge is None:
        return _refuse(user, "expired", user, ip)
    passkey = Passkey.objects.filter(user=user, credential_id=parsed.raw_id).first()
    if passkey is None:  # someone else's passkey looks exactly like an unknown one
        return _refuse(user, "unknown", user, ip)
    if not origin_allowed(origin):
        return _refuse(user, "origin", passkey, ip)
    try:
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=settings.ASN_WEBAUTHN_RP_ID,
            expected_origin=origin,
            credential_public_key=bytes(passkey.public_key),
            # The counter is checked below, after the signature: only a genuine signature can
            # raise the alarm of a copied key.
            credential_current_sign_count=0,
        )
    except _BAD_INPUT:
        return _refuse(user, "invalid", passkey, ip)
    new, stored = verified.new_sign_count, passkey.sign_count
    grown = Passkey.objects.filter(pk=passkey.pk, sign_count__lt=new)
    if new == 0 and stored == 0:  # authenticators without a counter (most synced passkeys)
        grown = Passkey.objects.filter(pk=passkey.pk, sign_count=0)
    won = grown.update(
        sign_count=new, last_used_at=timezone.now(), is_backed_up=verified.credential_backed_up
    )
    if not won:
        record(user, "mfa.passkey_clone_suspected", passkey, stored=stored, received=new, ip=ip)
        return PasskeyCheck(False, "clone", passkey)
    passkey.refresh_from_db()
    return PasskeyCheck(True, "ok", passkey)


def _refuse(user: User, reason: str, target, ip: str) -> PasskeyCheck:
    record(user, "login.passkey_failed", target, reason=reason, ip=ip)
    return PasskeyCheck(False, reason, target if isinstance(target, Passkey) else None)


# --- Managing one's own passkeys --------------------------------------------------------------


def own_passkey(user: User, passkey_id) -> Passkey:
    """One of the user's own passkeys; anyone else's looks missing."""
    passkey = Passkey.objects.filter(user=user, pk=passkey_id).first()
    if passkey is None:
        raise DomainError(_("That passkey does not exist."), code="not_found")
    return passkey


@transaction.atomic
def rename_passkey(*, user: User, passkey_id, name: str, ip: str = "") -> Passkey:
    passkey = own_passkey(user, passkey_id)
    name = _clean_name(name)
    old = passkey.name
    Passkey.objects.filter(pk=passkey.pk).update(name=name)
    passkey.name = name
    record(user, "mfa.passkey_renamed", passkey, old=old, new=name, ip=ip)
    return passkey


@transaction.atomic
def remove_passkey(*, user: User, passkey_id, ip: str = "") -> None:
    """Remove one of the user's passkeys; never their last factor (apps and passkeys count
    together), and never the last passkey of someone whose role must use one."""
    passkey = own_passkey(user, passkey_id)
    other_passkeys = Passkey.objects.filter(user=user).exclude(pk=passkey.pk).exists()
    apps = AuthenticatorDevice.objects.filter(user=user, confirmed=True).exists()
    if not other_passkeys and not apps:
        raise DomainError(
            _("This is your only way to confirm your sign-in: add another one before removing it.")
        )
    if not other_passkeys and policies.must_use_passkey(user):
        raise DomainError(
            _("Your role must sign in with a passkey: add another passkey before removing it.")
        )
    record(user, "mfa.passkey_removed", passkey, name=passkey.name, ip=ip)
    passkey.delete()


def remove_all(user: User) -> int:
    """Delete every passkey of the user (for mfa.reset_mfa, which records the reset)."""
    deleted, _by_model = Passkey.objects.filter(user=user).delete()
    return deleted

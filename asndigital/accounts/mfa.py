"""Authenticator apps (TOTP) and recovery codes: the only writers of those rows.

Codes follow RFC 6238 with what every app supports: SHA1, 6 digits, 30-second steps. The
current step and one step either side are accepted. A code is accepted once per device, even
when two requests race in two app processes: acceptance is a conditional UPDATE
("last accepted step < this step") that only one of them can win.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.oath import hotp

from asndigital.accounts import passkeys
from asndigital.accounts.models import AuthenticatorDevice, Passkey, RecoveryCode, User
from asndigital.audit.services import record
from asndigital.core import crypto, qr
from asndigital.core.crypto import seal, unseal
from asndigital.core.errors import DomainError
from asndigital.sso import backchannel

STEP = 30
DIGITS = 6
TOLERANCE = 1  # steps either side of the server's clock
SECRET_BYTES = 20  # 160 bits, as RFC 4226 recommends for SHA1
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I look-alikes
_RECOVERY_LENGTH = 16  # 16 symbols of 5 bits: 80 bits each
_NOT_DIGIT = re.compile(r"\D")


# --- Secrets and enrolment ------------------------------------------------------------------


def new_secret() -> bytes:
    return os.urandom(SECRET_BYTES)


def secret_text(secret: bytes) -> str:
    """Base32 in groups of four, for typing into an app by hand."""
    text = base64.b32encode(secret).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def otpauth_uri(user: User, secret: bytes) -> str:
    """The standard key URI that authenticator apps scan (issuer configurable, account = NIP)."""
    issuer = settings.ASN_MFA_ISSUER
    label = quote(f"{issuer}:{user.username}", safe=":@")
    query = urlencode(
        {
            "secret": base64.b32encode(secret).decode("ascii").rstrip("="),
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"


def qr_svg(uri: str) -> str:
    """The key URI as a QR code (the secret never goes to another service)."""
    return qr.qr_svg(uri, dark="#0b3a66")


def current_step(now: float | None = None) -> int:
    return int(now if now is not None else time.time()) // STEP


def _code_at(secret: bytes, step: int) -> str:
    return f"{hotp(secret, step, digits=DIGITS):0{DIGITS}d}"


def _match(secret: bytes, code: str, now: float | None) -> tuple[int, int] | None:
    """(step, offset) of the code within the window, or None."""
    base = current_step(now)
    for offset in (0, -1, 1)[: 2 * TOLERANCE + 1]:
        if hmac.compare_digest(_code_at(secret, base + offset), code):
            return base + offset, offset
    return None


def normalize_code(raw: str) -> str:
    """Digits only: people paste codes with spaces ("123 456")."""
    return _NOT_DIGIT.sub("", raw or "")


# --- Checking codes at login ----------------------------------------------------------------


@dataclass(frozen=True)
class CodeCheck:
    ok: bool
    reason: str  # "ok", "invalid", "replayed", "locked", "no_device"
    device: AuthenticatorDevice | None = None


def usable_devices(user: User):
    return AuthenticatorDevice.objects.filter(user=user, confirmed=True, locked_at__isnull=True)


def has_device(user: User) -> bool:
    return AuthenticatorDevice.objects.filter(user=user, confirmed=True).exists()


def has_second_factor(user: User) -> bool:
    """An authenticator app or a passkey: someone with either is not sent to activation."""
    return has_device(user) or passkeys.has_passkey(user)


def check_code(*, user: User, code: str, now: float | None = None, ip: str = "") -> CodeCheck:
    """Check a one-time code against the user's authenticators; accept each code only once.

    No transaction around it (the right code, at every sign-in, then costs no BEGIN and
    COMMIT): a code is accepted by one conditional UPDATE, which two requests with the same
    code cannot both win; a wrong code's several writes have their own (``_count_failure``)."""
    code = normalize_code(code)
    devices = list(usable_devices(user))
    if not devices:
        reason = "locked" if has_device(user) else "no_device"
        return CodeCheck(False, reason)
    if len(code) == DIGITS:
        for device in devices:
            secret = unseal(device.sealed_key, context=f"totp:{device.pk}")
            found = _match(secret, code, now)
            if found is None:
                continue
            step, offset = found
            won = AuthenticatorDevice.objects.filter(
                pk=device.pk, last_t__lt=step, locked_at__isnull=True
            ).update(last_t=step, drift=offset, last_used_at=timezone.now(), failure_count=0)
            if won:
                return CodeCheck(True, "ok", device)
            record(user, "login.code_replayed", device, ip=ip)
            return CodeCheck(False, "replayed", device)
    _count_failure(user, ip)
    return CodeCheck(False, "invalid")


@transaction.atomic
def _count_failure(user: User, ip: str) -> None:
    AuthenticatorDevice.objects.filter(user=user, locked_at__isnull=True).update(
        failure_count=F("failure_count") + 1
    )
    record(user, "login.code_failed", user, ip=ip)
    locked = AuthenticatorDevice.objects.filter(
        user=user, locked_at__isnull=True, failure_count__gte=settings.ASN_MFA_LOCK_AFTER
    )
    for device in locked:
        record(user, "mfa.device_locked", device, failures=device.failure_count, ip=ip)
    locked.update(locked_at=timezone.now())


# --- Activation -----------------------------------------------------------------------------


@transaction.atomic
def activate_device(
    *, user: User, secret: bytes, code: str, name: str, now: float | None = None, ip: str = ""
) -> tuple[AuthenticatorDevice, list[str]]:
    """Save a new authenticator once its first code is right; returns it and fresh recovery
    codes when it is the user's first device (the codes are shown once, never stored)."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("Give the device a name, for example “HP Samsung saya”."))
    if len(name) > 64:
        raise DomainError(_("The device name can have at most 64 characters."))
    found = _match(secret, normalize_code(code), now)
    if found is None:
        raise DomainError(
            _(
                "The code is not right. Check that your phone sets its date and time "
                "automatically, then type the code that is shown now."
            ),
            code="invalid_code",
        )
    step, offset = found
    first = not has_device(user)
    device = AuthenticatorDevice(
        user=user, name=name, confirmed=True, last_t=step, drift=offset, last_used_at=timezone.now()
    )
    device.sealed_key = seal(secret, context=f"totp:{device.pk}")
    device.save()
    record(user, "mfa.device_added", device, name=name, first=first, ip=ip)
    codes = _replace_recovery_codes(user) if first else []
    return device, codes


# --- Recovery codes -------------------------------------------------------------------------


def _hash_recovery(code: str) -> str:
    normal = "".join(ch for ch in code.upper() if ch in _RECOVERY_ALPHABET)
    return hashlib.sha256(normal.encode("ascii")).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4))


def _replace_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=_hash_recovery(code)) for code in codes
    )
    return codes


@transaction.atomic
def regenerate_recovery_codes(*, user: User, ip: str = "") -> list[str]:
    """New recovery codes; the old ones stop working. Call after re-authentication."""
    codes = _replace_recovery_codes(user)
    record(user, "mfa.recovery_codes_regenerated", user, ip=ip)
    return codes


def remaining_recovery_codes(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


@transaction.atomic
def use_recovery_code(*, user: User, code: str, ip: str = "") -> int | None:
    """Spend one recovery code; the number left, or None when the code is not valid."""
    if len("".join(ch for ch in (code or "") if ch.isalnum())) != _RECOVERY_LENGTH:
        return None
    spent = RecoveryCode.objects.filter(
        user=user, code_hash=_hash_recovery(code), used_at__isnull=True
    ).update(used_at=timezone.now())
    if not spent:
        _count_failure(user, ip)
        return None
    left = remaining_recovery_codes(user)
    record(user, "mfa.recovery_code_used", user, remaining=left, ip=ip)
    return left


def looks_like_recovery_code(raw: str) -> bool:
    return len("".join(ch for ch in (raw or "") if ch.isalnum())) == _RECOVERY_LENGTH


# --- Managing one's own devices (after re-authentication) -----------------------------------


def own_device(user: User, device_id) -> AuthenticatorDevice:
    """One of the user's own devices; anyone else's looks missing."""
    device = AuthenticatorDevice.objects.filter(user=user, pk=device_id).first()
    if device is None:
        raise DomainError(_("That device does not exist."), code="not_found")
    return device


@transaction.atomic
def rename_device(*, user: User, device_id, name: str, ip: str = "") -> AuthenticatorDevice:
    device = own_device(user, device_id)
    name = " ".join((name or "").split())
    if not name or len(name) > 64:
        raise DomainError(_("A device name has 1 to 64 characters."))
    old = device.name
    device.name = name
    device.save(update_fields=["name"])
    record(user, "mfa.device_renamed", device, old=old, new=name, ip=ip)
    return device


@transaction.atomic
def remove_device(*, user: User, device_id, ip: str = "") -> None:
    """Remove one of the user's authenticators; never the last factor (apps and passkeys count
    together: sign-in needs one)."""
    device = own_device(user, device_id)
    others = AuthenticatorDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk)
    if not others.exists() and not passkeys.has_passkey(user):
        raise DomainError(_("This is your only authenticator: add another one before removing it."))
    record(user, "mfa.device_removed", device, name=device.name, ip=ip)
    device.delete()


@transaction.atomic
def reset_mfa(*, actor: User | None, user: User, reason: str, ip: str = "") -> None:
    """Clear every authenticator, passkey and recovery code of ``user`` and end their sessions
    (single sign-on too: docs/sso.md); the next sign-in goes to activation. Callers check who
    may do this (policies / the reset flow)."""
    devices = AuthenticatorDevice.objects.filter(user=user)
    count = devices.count()
    devices.delete()
    removed_passkeys = passkeys.remove_all(user)
    RecoveryCode.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    record(actor, "mfa.reset", user, reason=reason, devices=count, passkeys=removed_passkeys, ip=ip)

    backchannel.signed_out_everywhere(user=user, reason="mfa_reset")


def device_summary(user: User | None) -> dict:
    """What an agency admin sees of someone's MFA: how many apps and passkeys, when last used,
    locked?"""
    devices = list(AuthenticatorDevice.objects.filter(user=user)) if user is not None else []
    keys = list(Passkey.objects.filter(user=user)) if user is not None else []
    used = [d.last_used_at for d in [*devices, *keys] if d.last_used_at]
    return {
        "count": len(devices),
        "passkeys": len(keys),
        "last_used_at": max(used) if used else None,
        "locked": any(d.locked_at for d in devices),
    }


def reseal_secrets() -> int:
    """Re-seal every authenticator secret with the keyring's current key (``rotate_keys``),
    one row at a time (a secret is never left unreadable); audited. How many."""
    count = 0
    rows = AuthenticatorDevice.objects.exclude(sealed_key=None).values_list("pk", "sealed_key")
    for pk, old, new in crypto.resealed(rows.iterator(chunk_size=1000), lambda pk: f"totp:{pk}"):
        count += AuthenticatorDevice.objects.filter(pk=pk, sealed_key=old).update(sealed_key=new)
    if count:
        record(
            None,
            "keys.resealed",
            None,
            secrets="authenticators",
            count=count,
            key=crypto.current_key_id(),
        )
    return count

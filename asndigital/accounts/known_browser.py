"""The known-browser cookie (OWASP "device cookies"): the owner's browser keeps getting in.

After a full sign-in (password and second factor) the browser gets a signed, HttpOnly,
SameSite=Lax cookie (Secure and ``__Host-`` in production) holding, per account signed in from
it: a keyed hash of the username (not the NIP in clear), a random nonce, the issue time and the
account's session epoch. A password attempt for an account from a browser with a valid entry
for it is judged by that entry's own failures (throttle.py), not by the account's count that
strangers feed. An entry ends after ASN_THROTTLE_KNOWN_BROWSER_DAYS, when the account's
sessions are ended (log out everywhere, password change, MFA reset: the epoch moves on) and,
for trust, after ASN_THROTTLE_KNOWN_BROWSER_FAILURES wrong passwords. A shared office computer
keeps up to ASN_THROTTLE_KNOWN_BROWSER_ACCOUNTS accounts (the most recent).

Only a browser that signed in to an account holds an entry for it, so looking the account up
for an entry that matches says nothing the browser did not know: existing and unknown
usernames are otherwise treated alike.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import astuple, dataclass

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

from asndigital.accounts.models import User

SALT = "asndigital.accounts.known_browser"


@dataclass(frozen=True)
class Entry:
    tag: str  # keyed hash of the normalized username
    nonce: str
    issued: int
    epoch: int


def _lifetime() -> int:
    return settings.ASN_THROTTLE_KNOWN_BROWSER_DAYS * 86400


def account_tag(username: str) -> str:
    return salted_hmac(SALT, username.strip().lower()).hexdigest()[:32]


def entries(request, now: float | None = None) -> list[Entry]:
    """The valid entries of the request's cookie (none when it is missing, tampered or old)."""
    raw = request.COOKIES.get(settings.ASN_KNOWN_BROWSER_COOKIE)
    if not raw:
        return []
    try:
        data = signing.loads(raw, salt=SALT, max_age=_lifetime())
    except signing.BadSignature:  # tampered, another key, or expired
        return []
    now = now if now is not None else time.time()
    found = []
    for item in data if isinstance(data, list) else []:
        if not (isinstance(item, list) and len(item) == 4):
            continue
        tag, nonce, issued, epoch = item
        if isinstance(issued, int) and isinstance(epoch, int) and now - issued < _lifetime():
            found.append(Entry(str(tag), str(nonce), issued, epoch))
    return found[: settings.ASN_THROTTLE_KNOWN_BROWSER_ACCOUNTS]


def nonce_for(request, username: str, now: float | None = None) -> str | None:
    """The nonce of this browser's entry for ``username`` while the account's sessions have not
    been ended since it was issued; None: not a known browser for that account."""
    tag = account_tag(username)
    for entry in entries(request, now):
        if hmac.compare_digest(entry.tag, tag):
            epoch = (
                User.objects.filter(username=username)
                .values_list("session_epoch", flat=True)
                .first()
            )
            return entry.nonce if epoch == entry.epoch else None
    return None


def remember(request, user, now: float | None = None) -> None:
    """After a full sign-in: this browser becomes known for ``user``, with a new nonce (a fresh
    count of failures). The middleware below writes the cookie on the response."""
    tag = account_tag(user.username)
    issued = int(now if now is not None else time.time())
    fresh = Entry(tag, secrets.token_urlsafe(16), issued, user.session_epoch)
    kept = [fresh, *(e for e in entries(request, now) if e.tag != tag)]
    kept = kept[: settings.ASN_THROTTLE_KNOWN_BROWSER_ACCOUNTS]
    request.asn_known_browser = signing.dumps([list(astuple(e)) for e in kept], salt=SALT)


class KnownBrowserMiddleware:
    """Sets the cookie that ``remember`` prepared, whichever view completed the sign-in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        value = getattr(request, "asn_known_browser", None)
        if value:
            response.set_cookie(
                settings.ASN_KNOWN_BROWSER_COOKIE,
                value,
                max_age=_lifetime(),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

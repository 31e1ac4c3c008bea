"""Throttling: growing waits (codes, resets) and the sign-in rules (docs/authentication.md).

State lives in Django's cache: the database cache by default, Redis when REDIS_URL is set, so
every app process sees the same counters and a second worker gives no fresh tries. Checked
before any password hash is computed, so refused attempts cost almost nothing.
Keys are keyed hashes (HMAC with the secret key): no username or address is stored in clear in
the cache, and a copy of the cache does not let anyone test which NIPs were tried.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

KEEP_SECONDS = 24 * 3600  # counters fade a day after the last failure


def cache_key(scope: str, subject: str) -> str:
    digest = salted_hmac("asndigital.throttle", f"{scope}\x00{subject}").hexdigest()[:40]
    return f"throttle:{scope}:{digest}"


def _count(key: str, keep: int) -> int:
    """Add one failure to ``key`` (kept ``keep`` seconds after the last); the new count."""
    cache.add(key, 0, keep)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, keep)
        count = 1
    cache.touch(key, keep)
    return count


@dataclass(frozen=True)
class Throttle:
    scope: str
    subject: str
    free: int  # failures allowed before any wait

    @property
    def _key(self) -> str:
        return cache_key(self.scope, self.subject)

    def _delay(self, failures: int) -> int:
        over = failures - self.free
        if over <= 0:
            return 0
        return min(2 ** (over - 1), settings.ASN_THROTTLE_MAX_WAIT)

    def wait_seconds(self, now: float | None = None) -> int:
        """Seconds before the next attempt is allowed (0: go ahead)."""
        return check(self, now=now)[0]

    def failure(self, now: float | None = None) -> None:
        _count(self._key, KEEP_SECONDS)
        cache.set(self._key + ":at", now if now is not None else time.time(), KEEP_SECONDS)

    def reset(self) -> None:
        cache.delete_many([self._key, self._key + ":at"])


def check(*throttles: Throttle, now: float | None = None) -> tuple[int, list[Throttle]]:
    """One cache read for several throttles: (seconds to wait, those that have failures)."""
    keys = [k for t in throttles for k in (t._key, t._key + ":at")]
    state = cache.get_many(keys)
    now = now if now is not None else time.time()
    wait, dirty = 0, []
    for t in throttles:
        failures, last = state.get(t._key, 0), state.get(t._key + ":at")
        if failures:
            dirty.append(t)
            if last is not None:
                wait = max(wait, int(last + t._delay(failures) - now + 0.999))
    return max(0, wait), dirty


def for_address(ip: str) -> Throttle:
    return Throttle("ip", ip, settings.ASN_THROTTLE_IP_FREE)


def for_address_and_account(ip: str, account: str) -> Throttle:
    """An address's failures for one account only: one person's wrong codes behind a shared
    (NAT) address do not make colleagues wait."""
    return Throttle("ip-account", f"{ip}\x00{account}", settings.ASN_THROTTLE_IP_FREE)


def client_ip(request) -> str:
    """The client's address; behind a trusted proxy, the last hop it added."""
    if settings.ASN_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


# --- The password step of sign-in -------------------------------------------------------------
#
# Who is counted (the rules in docs/authentication.md, "Throttling"):
# - a browser holding a valid known-browser cookie for the account (known_browser.py): only
#   that cookie's own failures; past ASN_THROTTLE_KNOWN_BROWSER_FAILURES it is no longer trusted;
# - every other browser ("untrusted"): the account's consecutive failures from untrusted
#   browsers. From ASN_THROTTLE_CAPTCHA_AFTER on they must solve the captcha; from
#   ASN_THROTTLE_ACCOUNT_LIMIT (NIST SP 800-63B: at most 100 consecutive failures) on they are
#   refused, while the owner's known browser still gets in;
# - per address, failures are counted per (address, account): the address as a whole is
#   judged by how many distinct accounts failed from it (a spray), and from
#   ASN_THROTTLE_ADDRESS_ACCOUNTS on its untrusted browsers must solve the captcha. One
#   person's typos are one account: colleagues behind the same NAT address are not touched.
# A full sign-in (password and second factor) clears the account's count.
# Unknown usernames are counted exactly like existing ones.


class Verdict(enum.Enum):
    OPEN = "open"  # check the password
    CAPTCHA = "captcha"  # check the password once the captcha is solved
    REFUSED = "refused"  # do not check the password from this browser


def _normal(username: str) -> str:
    return username.strip().lower()


def _untrusted_key(username: str) -> str:
    return cache_key("signin-account", _normal(username))


def _pair_key(ip: str, username: str) -> str:
    return cache_key("signin-pair", f"{ip}\x00{_normal(username)}")


def _address_key(ip: str) -> str:
    return cache_key("signin-address", ip)


def _browser_key(nonce: str) -> str:
    return cache_key("signin-browser", nonce)


@dataclass(frozen=True)
class SignInAttempt:
    """One password attempt: who typed what from where, and the browser's known-browser nonce
    for that account (None: not a known browser for it)."""

    username: str
    ip: str
    nonce: str | None = None

    def judge(self) -> tuple[Verdict, bool]:
        """(verdict, whether the browser is trusted for the account): one cache read."""
        keys = [_untrusted_key(self.username), _address_key(self.ip)]
        if self.nonce:
            keys.append(_browser_key(self.nonce))
        state = cache.get_many(keys)
        if self.nonce and state.get(keys[2], 0) < settings.ASN_THROTTLE_KNOWN_BROWSER_FAILURES:
            return Verdict.OPEN, True
        failures, accounts = state.get(keys[0], 0), state.get(keys[1], 0)
        if failures >= settings.ASN_THROTTLE_ACCOUNT_LIMIT:
            return Verdict.REFUSED, False
        if (
            failures >= settings.ASN_THROTTLE_CAPTCHA_AFTER
            or accounts >= settings.ASN_THROTTLE_ADDRESS_ACCOUNTS
        ):
            return Verdict.CAPTCHA, False
        return Verdict.OPEN, False

    def failed(self, trusted: bool) -> list[str]:
        """Count a wrong password; the limits this failure reached (for the audit trail):
        "known_browser", "account" or "address", each once, when it is reached."""
        if trusted:
            keep = settings.ASN_THROTTLE_KNOWN_BROWSER_DAYS * 86400
            count = _count(_browser_key(self.nonce), keep)
            limit = settings.ASN_THROTTLE_KNOWN_BROWSER_FAILURES
            return ["known_browser"] if count == limit else []
        reached = []
        keep = settings.ASN_THROTTLE_ACCOUNT_KEEP_DAYS * 86400
        if _count(_untrusted_key(self.username), keep) == settings.ASN_THROTTLE_ACCOUNT_LIMIT:
            reached.append("account")
        if _count(_pair_key(self.ip, self.username), KEEP_SECONDS) == 1:  # a new account here
            accounts = _count(_address_key(self.ip), KEEP_SECONDS)
            if accounts == settings.ASN_THROTTLE_ADDRESS_ACCOUNTS:
                reached.append("address")
        return reached


def forget_failures(*, username: str) -> None:
    """A full sign-in (password and second factor), or a new password: the account's failures
    from untrusted browsers are forgotten. An address's count of accounts is not one person's
    to clear, and the (address, account) count stays too, so that one person who mistypes and
    then signs in, again and again, still counts as one account for the address."""
    cache.delete(_untrusted_key(username))

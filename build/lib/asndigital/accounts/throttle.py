"""Growing waits after repeated failures, per account and per client address.

State lives in Django's cache: the database cache by default, Redis when REDIS_URL is set, so
every app process sees the same counters and a second worker gives no fresh tries. Checked
before any password hash is computed, so refused attempts cost almost nothing.
Keys are hashes: no username or address is stored in clear in the cache.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

KEEP_SECONDS = 24 * 3600  # counters fade a day after the last failure


@dataclass(frozen=True)
class Throttle:
    scope: str
    subject: str
    free: int  # failures allowed before any wait

    @property
    def _key(self) -> str:
        digest = hashlib.sha256(f"{self.scope}\x00{self.subject}".encode()).hexdigest()[:40]
        return f"throttle:{self.scope}:{digest}"

    def _delay(self, failures: int) -> int:
        over = failures - self.free
        if over <= 0:
            return 0
        return min(2 ** (over - 1), settings.ASN_THROTTLE_MAX_WAIT)

    def wait_seconds(self, now: float | None = None) -> int:
        """Seconds before the next attempt is allowed (0: go ahead)."""
        return check(self, now=now)[0]

    def failure(self, now: float | None = None) -> None:
        cache.add(self._key, 0, KEEP_SECONDS)
        try:
            cache.incr(self._key)
        except ValueError:  # expired between add and incr
            cache.set(self._key, 1, KEEP_SECONDS)
        cache.touch(self._key, KEEP_SECONDS)
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


def for_account(username: str) -> Throttle:
    return Throttle("account", username.strip().lower(), settings.ASN_THROTTLE_ACCOUNT_FREE)


def for_address(ip: str) -> Throttle:
    return Throttle("ip", ip, settings.ASN_THROTTLE_IP_FREE)


def client_ip(request) -> str:
    """The client's address; behind a trusted proxy, the last hop it added."""
    if settings.ASN_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")

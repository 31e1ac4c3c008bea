"""Codes e-mailed to the registered address, for the self-service resets (MFA and password).

8 characters from an alphabet without look-alikes (about 40 bits), valid 10 minutes, single use,
void after 3 wrong entries, stored as an HMAC keyed by the server's secret (so a copy of the
database alone does not reveal or brute-force them). Whether an account exists or an address
matches never changes what the requester sees, nor (much) how long it takes: the same work is
done either way and the e-mail goes out from a background worker.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_tasks import task

from asndigital.accounts.models import EmailChallenge, User
from asndigital.audit.services import record
from asndigital.core.mail import queue_email

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
LENGTH = 8
VALID_FOR = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 3
MAX_PER_HOUR = 5  # challenges per account and purpose: asking again is limited


def _hash(code: str) -> str:
    normal = "".join(ch for ch in code.upper() if ch in ALPHABET)
    return salted_hmac(
        "asndigital.email-challenge", normal, secret=settings.SECRET_KEY, algorithm="sha256"
    ).hexdigest()


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def _open(user: User, purpose: str):
    return EmailChallenge.objects.filter(
        user=user, purpose=purpose, closed_at__isnull=True, expires_at__gt=timezone.now()
    )


def request_code(
    *, username: str, email_given: str, purpose: str, template: str, ip: str = ""
) -> None:
    """Hand the request to the background worker: the web response then does the same work
    (one queued task) whether or not the account exists and the address matches. Should the
    queue be out of reach, the error is logged and the answer stays the same (the person asks
    again)."""
    transaction.on_commit(
        lambda: process_request.enqueue(
            username=username, email_given=email_given, purpose=purpose, template=template, ip=ip
        ),
        robust=True,
    )


@task()
def process_request(
    *, username: str, email_given: str, purpose: str, template: str, ip: str = ""
) -> None:
    user = User.objects.filter(username=username).first()
    issue(user=user, purpose=purpose, email_given=email_given, template=template, ip=ip)


@transaction.atomic
def issue(
    *, user: User | None, purpose: str, email_given: str, template: str, ip: str = ""
) -> None:
    """Send a code when ``user`` exists, is active and ``email_given`` is their registered
    address; otherwise do the same work and send nothing. The caller answers identically."""
    code = new_code()
    code_hash = _hash(code)  # computed in every case, so both paths cost the same
    registered = (user.registered_email if user is not None else "") or ""
    matches = (
        user is not None
        and user.is_active
        and bool(registered)
        and hmac.compare_digest(registered.strip().lower(), email_given.strip().lower())
    )
    if not matches:
        record(None, "reset.request_unmatched", user, purpose=purpose, ip=ip)
        return
    now = timezone.now()
    recent = EmailChallenge.objects.filter(
        user=user, purpose=purpose, created_at__gt=now - dt.timedelta(hours=1)
    ).count()
    if recent >= MAX_PER_HOUR:
        record(user, "reset.request_limited", user, purpose=purpose, ip=ip)
        return
    previous = _open(user, purpose).order_by("-created_at").first()
    carried = previous.attempts if previous is not None else 0
    _open(user, purpose).update(closed_at=now)
    EmailChallenge.objects.create(
        user=user,
        purpose=purpose,
        code_hash=code_hash,
        expires_at=now + VALID_FOR,
        attempts=carried,
    )
    record(user, "reset.code_sent", user, purpose=purpose, ip=ip)
    queue_email(
        to=registered,
        template=template,
        context={
            "code": code,
            "username": user.username,
            "minutes": int(VALID_FOR.total_seconds() // 60),
        },
        language=user.language,
    )


@transaction.atomic
def redeem(
    *, user: User | None, purpose: str, code: str, ip: str = "", consume: bool = True
) -> bool:
    """True once for the right code of the open challenge (``consume=False``: check it and keep
    it open); a wrong code counts, and the third wrong one closes the challenge."""
    if user is None:
        _hash(code)
        return False
    challenge = _open(user, purpose).select_for_update().order_by("-created_at").first()
    if challenge is None:
        _hash(code)
        return False
    if hmac.compare_digest(challenge.code_hash, _hash(code)):
        if not consume:
            return True
        closed = EmailChallenge.objects.filter(pk=challenge.pk, closed_at__isnull=True).update(
            closed_at=timezone.now()
        )
        return bool(closed)
    _count_wrong(challenge, purpose, ip)
    return False


@transaction.atomic
def spend_try(*, user: User, purpose: str, ip: str = "") -> None:
    """Count a failed attempt against the open challenge (e.g. a wrong password with it)."""
    challenge = _open(user, purpose).select_for_update().order_by("-created_at").first()
    if challenge is not None:
        _count_wrong(challenge, purpose, ip)


def _count_wrong(challenge: EmailChallenge, purpose: str, ip: str) -> None:
    EmailChallenge.objects.filter(pk=challenge.pk).update(attempts=F("attempts") + 1)
    if challenge.attempts + 1 >= MAX_ATTEMPTS:
        EmailChallenge.objects.filter(pk=challenge.pk).update(closed_at=timezone.now())
        record(challenge.user, "reset.code_exhausted", challenge.user, purpose=purpose, ip=ip)
    else:
        record(challenge.user, "reset.code_failed", challenge.user, purpose=purpose, ip=ip)

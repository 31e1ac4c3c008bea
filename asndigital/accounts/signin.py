"""The sign-in flow's steps, apart from the pages that show them: what happens when the password
is right or wrong, and when the second factor completes the sign-in. Each step that changes
something records its audit event here; the views (``views.py``, ``passkey_views.py``) parse the
request, call a step and render.

Django's ``login()`` happens only after the second factor, so a person who has passed only the
password is not signed in (the session holds ``PENDING``).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from asndigital.accounts import known_browser, mfa, passkeys, password_policy, policies, throttle
from asndigital.accounts.forms import LoginForm
from asndigital.accounts.models import User
from asndigital.audit.services import record

PENDING = "asn_login_pending"  # {"user": id, "at": time, "next": url}: the password was right
ACTIVATION = "asn_activation_secret"  # the secret being activated, sealed
FRESH_CODES = "asn_fresh_recovery_codes"  # shown once after activation
BACKEND = "django.contrib.auth.backends.ModelBackend"
MUST_CHANGE = "asn_must_change_password"  # a weak password must be replaced (password_views)


def safe_next(request, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return reverse(settings.LOGIN_REDIRECT_URL)


def pending_user(request) -> User | None:
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > settings.ASN_LOGIN_PENDING_SECONDS:
        return None
    return User.objects.filter(pk=pending["user"], is_active=True).first()


def meets_policy(password: str, user: User) -> bool:
    try:
        validate_password(password, user, password_validators=password_policy.sign_in_validators())
    except ValidationError:
        return False
    return True


def complete_login(request, user: User, method: str, dirty=()) -> str:
    """Sign in for real (new session key) and say where to go; ``dirty``: throttles to clear.
    The browser becomes a known browser for the account, whose failures are forgotten."""
    pending = request.session.get(PENDING, {})
    target = pending.get("next", "")
    login(request, user, backend=BACKEND)
    if pending.get("weak"):
        request.session[MUST_CHANGE] = True
    for key in (PENDING, ACTIVATION):
        request.session.pop(key, None)
    request.session["asn_started"] = request.session["asn_seen"] = int(time.time())
    request.session["asn_auth_method"] = method  # acr/amr of single sign-on (asndigital.sso)
    for spent in dirty:
        if spent.scope != "ip":  # an address's count is not one person's to clear
            spent.reset()
    ip = throttle.client_ip(request)
    throttle.forget_failures(username=user.username)
    known_browser.remember(request, user)
    record(user, "login.succeeded", user, method=method, ip=ip)
    return safe_next(request, target)


def after_second_factor(request, user, method: str, dirty=()) -> str:
    """Where to go once the code (or activation) was right: the sign-in completes, unless the
    person's role must use a passkey and they have none yet: then they add one first."""
    if policies.must_use_passkey(user) and not passkeys.has_passkey(user):
        for spent in dirty:
            if spent.scope != "ip":
                spent.reset()
        pending = request.session[PENDING]
        pending["factor"] = method
        request.session[PENDING] = pending
        return reverse("accounts:passkey_enrol")
    return complete_login(request, user, method, dirty)


def password_ok(request, form: LoginForm, user: User, ip: str):
    """The right password: on to the second factor (Django's login() waits for it)."""
    request.session.cycle_key()
    request.session[PENDING] = {
        "user": str(user.pk),
        "at": time.time(),
        "next": request.POST.get("next", "") or request.GET.get("next", ""),
        # Judged now, while the password is at hand: a weak one must be replaced
        # right after the full sign-in ("Reset Password Lemah").
        "weak": not meets_policy(form.cleaned_data["password"], user),
    }
    record(user, "login.password_ok", user, ip=ip)
    return redirect("accounts:code" if mfa.has_second_factor(user) else "accounts:activate")


def password_wrong(form: LoginForm, attempt: throttle.SignInAttempt, trusted: bool) -> None:
    """Count the failure and say so, the same way whether or not the account exists."""
    known = User.objects.filter(username=attempt.username).first()
    record(None, "login.failed", known, reason="password", ip=attempt.ip)
    for limit in attempt.failed(trusted):  # once per limit reached, not per attempt
        record(None, "login.throttled", known, limit=limit, ip=attempt.ip)
    form.add_error(None, _("The NIP/username or password is wrong, or the account cannot sign in."))

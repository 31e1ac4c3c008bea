"""Signing in: password, then the one-time code (or, the first time, activating an app).

Django's ``login()`` happens only after the second factor, so a person who has passed only the
password is not signed in and can reach nothing but these pages, help and logout.
"""

from __future__ import annotations

import base64

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from asndigital.accounts import known_browser, mfa, passkeys, policies, throttle
from asndigital.accounts.forms import ActivationForm, CodeForm, LoginForm
from asndigital.accounts.models import User
from asndigital.accounts.signin import (
    ACTIVATION,
    FRESH_CODES,
    after_second_factor,
    password_ok,
    password_wrong,
    pending_user,
)
from asndigital.core.captcha import CAPTCHA_CSP
from asndigital.core.crypto import SealError, seal, unseal
from asndigital.core.errors import DomainError
from asndigital.core.shared_pages import render_shared

CLOCK_HINT = gettext_lazy(
    "The code is not right. Most often the phone's clock is off: set date and time to "
    "automatic in the phone's settings, then type the code that is shown now."
)
REFUSED = gettext_lazy(
    "Too many wrong passwords for this account from browsers it does not know, so this browser "
    "cannot sign in to it for now. Sign in from a browser where you signed in before (with your "
    "code), or use Reset Password below."
)

PASSKEY_ONLY = gettext_lazy(
    "Your role must sign in with a passkey: a code from the app or a recovery code is no longer "
    "enough. Press “Sign in with a passkey”. Lost your passkey? Your agency's HR office "
    "(BKPSDM / Biro SDM) can reset your MFA."
)


def _wait_message(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    if minutes:
        return _("Too many attempts. Try again in %(m)d min %(s)d s.") % {"m": minutes, "s": rest}
    return _("Too many attempts. Try again in %(s)d seconds.") % {"s": seconds}


@never_cache
@sensitive_post_parameters("password")
def login_view(request):
    """The password step. Throttling (throttle.py) decides, before any password hash, whether
    the password is checked, checked once the captcha is solved, or not checked at all."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = LoginForm(request.POST or None)
    ip = throttle.client_ip(request)
    status = 200
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        nonce = known_browser.nonce_for(request, username)
        attempt = throttle.SignInAttempt(username=username, ip=ip, nonce=nonce)
        verdict, trusted = attempt.judge()
        if verdict is throttle.Verdict.REFUSED:
            form.add_error(None, REFUSED)
            status = 429
        elif verdict is throttle.Verdict.OPEN or form.captcha_solved():
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is not None:
                return password_ok(request, form, user, ip)
            password_wrong(form, attempt, trusted)
            verdict, _trusted = attempt.judge()  # what the next attempt will need
        if verdict is throttle.Verdict.CAPTCHA:
            form.ask_captcha()
    captcha = "captcha" in form.fields
    context = {"form": form, "next": request.GET.get("next", ""), "captcha": captcha}
    if request.method == "GET" and not request.GET and not messages.get_messages(request):
        # The page everyone gets before signing in: the same but for its CSRF token.
        return render_shared(request, "accounts/login.html", context)
    response = render(request, "accounts/login.html", context, status=status)
    if captcha:
        response["Content-Security-Policy"] = CAPTCHA_CSP
    return response


@never_cache
def code_view(request):
    """The second step: a code from the app, or one of the recovery codes."""
    user = pending_user(request)
    if user is None:
        messages.info(request, _("Please sign in again."))
        return redirect("accounts:login")
    if request.method != "POST" and not mfa.has_second_factor(user):
        return redirect("accounts:activate")
    form = CodeForm(request.POST or None)
    status = 200
    has_passkey = passkeys.has_passkey(user)
    passkey_only = has_passkey and policies.must_use_passkey(user)
    # Only a passkey will do: a posted code is refused unchecked (a right code must not look
    # like progress), and the page says why.
    if request.method == "POST" and not passkey_only and form.is_valid():
        ip = throttle.client_ip(request)
        per_user = throttle.Throttle("code", str(user.pk), settings.ASN_THROTTLE_CODE_FREE)
        by_address = throttle.for_address_and_account(ip, str(user.pk))
        wait, dirty = throttle.check(per_user, by_address)
        raw = form.cleaned_data["code"]
        if wait:
            form.add_error("code", _wait_message(wait))
            status = 429
        elif mfa.looks_like_recovery_code(raw):
            left = mfa.use_recovery_code(user=user, code=raw, ip=ip)
            if left is None:
                per_user.failure()
                by_address.failure()
                form.add_error("code", _("That recovery code is not valid or was already used."))
            else:
                target = after_second_factor(request, user, "recovery_code", dirty)
                messages.warning(
                    request,
                    ngettext(
                        "You signed in with a recovery code. %(left)d code remains. Set up your "
                        "authenticator app again so you do not run out.",
                        "You signed in with a recovery code. %(left)d codes remain. Set up your "
                        "authenticator app again so you do not run out.",
                        left,
                    )
                    % {"left": left},
                )
                return redirect(target)
        else:
            result = mfa.check_code(user=user, code=raw, ip=ip)
            if result.ok:
                return redirect(after_second_factor(request, user, "totp", dirty))
            if result.reason == "no_device":
                return redirect("accounts:activate")
            per_user.failure()
            by_address.failure()
            if result.reason == "replayed":
                form.add_error(
                    "code",
                    _(
                        "This code was used already. Wait for the next code "
                        "in your app (it changes every 30 seconds)."
                    ),
                )
            elif result.reason == "locked":
                form.add_error(
                    "code",
                    _(
                        "Your authenticator is locked after too many wrong codes. Use a recovery "
                        "code, or ask your agency's HR office (BKPSDM / Biro SDM) "
                        "to reset your MFA."
                    ),
                )
            else:
                form.add_error("code", str(CLOCK_HINT))
    return render(
        request,
        "accounts/code.html",
        {
            "form": form,
            "pending_user": user,
            "server_time": timezone.now(),
            "has_passkey": has_passkey,
            "passkey_only": passkey_only,
            "passkey_only_text": PASSKEY_ONLY,
        },
        status=status,
    )


def session_secret(request, key: str, context: str) -> bytes:
    """A new authenticator secret kept (encrypted) in the session until its first code."""
    sealed = request.session.get(key)
    if sealed:
        try:
            return unseal(base64.b64decode(sealed), context=context)
        except (SealError, ValueError):
            pass
    secret = mfa.new_secret()
    request.session[key] = base64.b64encode(seal(secret, context=context)).decode("ascii")
    return secret


def enrolment_context(user: User, secret: bytes) -> dict:
    """What a page that adds an authenticator app shows: the QR code, the same key as a link
    that opens the app on this phone, and as text to type."""
    uri = mfa.otpauth_uri(user, secret)
    return {
        "qr_svg": mfa.qr_svg(uri),
        "otpauth_uri": uri,
        "secret_text": mfa.secret_text(secret),
        "server_time": timezone.now(),
        "issuer": settings.ASN_MFA_ISSUER,
    }


def try_activate(request, user: User, secret: bytes, form):
    """Save the device when the form's code and name are right: (device, recovery codes), or
    None with the reason on the form."""
    try:
        return mfa.activate_device(
            user=user,
            secret=secret,
            code=form.cleaned_data["code"],
            name=form.cleaned_data["name"],
            ip=throttle.client_ip(request),
        )
    except DomainError as exc:
        form.add_error("code" if exc.code == "invalid_code" else "name", exc.message)
        return None


@never_cache
def activate_view(request):
    """First sign-in: scan the QR code, type the first code and a device name."""
    user = pending_user(request)
    if user is None:
        messages.info(request, _("Please sign in again."))
        return redirect("accounts:login")
    if mfa.has_second_factor(user):
        return redirect("accounts:code")
    secret = session_secret(request, ACTIVATION, f"activation:{user.pk}")
    form = ActivationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        activated = try_activate(request, user, secret, form)
        if activated is not None:
            request.session[FRESH_CODES] = {"codes": activated[1], "next": ""}
            target = after_second_factor(request, user, "activation")
            if target == reverse("accounts:passkey_enrol"):
                return redirect(target)  # the codes are shown once the passkey is added
            request.session[FRESH_CODES] = {"codes": activated[1], "next": target}
            return redirect("accounts:recovery_codes")
    context = {"form": form, "pending_user": user, **enrolment_context(user, secret)}
    return render(request, "accounts/activate.html", context)


@never_cache
def recovery_codes_view(request):
    """The recovery codes, shown once after activation, with a download."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    fresh = request.session.get(FRESH_CODES)
    if not fresh:
        return redirect(settings.LOGIN_REDIRECT_URL)
    if request.method == "POST":
        request.session.pop(FRESH_CODES, None)
        return redirect(fresh.get("next") or settings.LOGIN_REDIRECT_URL)
    if request.GET.get("download"):
        lines = [
            _("ASN Digital recovery codes for %(user)s") % {"user": request.user.username},
            _("Each code works once, instead of the code from your app."),
            "",
            *fresh["codes"],
            "",
        ]
        response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="asn-digital-recovery-codes.txt"'
        return response
    return render(request, "accounts/recovery_codes.html", {"codes": fresh["codes"]})


class LogoutView(auth_views.LogoutView):
    pass

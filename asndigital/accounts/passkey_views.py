"""Passkey pages: sign in with one, add one at sign-in when one's role requires it, and manage
one's own on the account security page.

The browser's part is asndigital/static/js/passkey.js: it fetches the options (JSON) from the
``*_options`` endpoints, asks the authenticator, puts the answer into the form's hidden
``credential`` field and submits the form, so the answers are ordinary form posts.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from asndigital.accounts import passkeys, throttle
from asndigital.accounts.security_views import (
    REAUTH,
    REAUTH_SECONDS,
    _require_reauth,
    change_and_report,
)
from asndigital.accounts.signin import FRESH_CODES, PENDING, complete_login, pending_user
from asndigital.accounts.views import _wait_message
from asndigital.core.errors import DomainError

ENROL_METHOD = "passkey_enrolment"  # the sign-in that ended with adding the required passkey


def _options(text: str) -> HttpResponse:
    return HttpResponse(text, content_type="application/json")


def _code_throttles(request, user):
    per_user = throttle.Throttle("code", str(user.pk), settings.ASN_THROTTLE_CODE_FREE)
    return per_user, throttle.for_address(throttle.client_ip(request))


def _refusal(reason: str) -> str:
    if reason == "origin":
        return passkeys.refused_origin()
    if reason == "clone":
        return _(
            "This passkey was refused: it may have been copied. Use another way to sign in "
            "and tell your agency's HR office (BKPSDM / Biro SDM)."
        )
    if reason == "expired":
        return _("The passkey request expired. Press “Sign in with a passkey” again.")
    return _("The passkey was not accepted. Try again.")


# --- Signing in -------------------------------------------------------------------------------


@never_cache
@require_POST
def login_options_view(request):
    """Options for navigator.credentials.get() for the person who gave their password."""
    user = pending_user(request)
    if user is None or not passkeys.has_passkey(user):
        return JsonResponse({"error": _("Please sign in again.")}, status=403)
    wait, _dirty = throttle.check(*_code_throttles(request, user))
    if wait:
        return JsonResponse({"error": _wait_message(wait)}, status=429)
    return _options(passkeys.authentication_options(user=user, session=request.session))


@never_cache
@require_POST
def login_passkey_view(request):
    """The passkey's answer: the second factor, counted in the code throttles when refused."""
    user = pending_user(request)
    if user is None:
        messages.info(request, _("Please sign in again."))
        return redirect("accounts:login")
    per_user, by_address = _code_throttles(request, user)
    wait, dirty = throttle.check(per_user, by_address)
    if wait:
        messages.error(request, _wait_message(wait))
        return redirect("accounts:code")
    result = passkeys.check_assertion(
        user=user,
        session=request.session,
        credential=request.POST.get("credential", ""),
        ip=throttle.client_ip(request),
    )
    if not result.ok:
        per_user.failure()
        by_address.failure()
        messages.error(request, _refusal(result.reason))
        return redirect("accounts:code")
    return redirect(complete_login(request, user, "passkey", dirty))


def _add_from_form(request, user) -> bool:
    """Add the passkey the form carries; say how it went."""
    try:
        passkey = passkeys.add_passkey(
            user=user,
            session=request.session,
            credential=request.POST.get("credential", ""),
            name=request.POST.get("name", ""),
            ip=throttle.client_ip(request),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, _("“%(name)s” was added.") % {"name": passkey.name})
    return True


def _enrolling_user(request):
    user = pending_user(request)
    if user is None or not request.session.get(PENDING, {}).get("factor"):
        return None
    return user


@never_cache
def enrol_view(request):
    """Sign-in of someone whose role must use a passkey and who has none: add one now."""
    user = _enrolling_user(request)
    if user is None:
        messages.info(request, _("Please sign in again."))
        return redirect("accounts:login")
    if request.method == "POST" and _add_from_form(request, user):
        target = complete_login(request, user, ENROL_METHOD)
        fresh = request.session.get(FRESH_CODES)
        if fresh:  # activated an app just before: its recovery codes are shown first
            request.session[FRESH_CODES] = {**fresh, "next": target}
            return redirect("accounts:recovery_codes")
        return redirect(target)
    return render(
        request,
        "accounts/passkey_enrol.html",
        {"pending_user": user, "options_url": reverse("accounts:passkey_enrol_options")},
    )


@never_cache
@require_POST
def enrol_options_view(request):
    user = _enrolling_user(request)
    if user is None:
        return JsonResponse({"error": _("Please sign in again.")}, status=403)
    return _options(passkeys.registration_options(user=user, session=request.session))


# --- Account security -------------------------------------------------------------------------


@never_cache
@login_required
@require_POST
def reauth_options_view(request):
    """Options for confirming it is you with a passkey (instead of a code)."""
    if not passkeys.has_passkey(request.user):
        return JsonResponse({"error": _("You have no passkey yet.")}, status=403)
    return _options(passkeys.authentication_options(user=request.user, session=request.session))


@never_cache
@login_required
@require_POST
@sensitive_post_parameters("password")
def reauth_view(request):
    """Re-authentication with the password and a passkey: what the code does in
    security_views.reauth_view, for people who sign in with a passkey."""
    user = request.user
    per_user, by_address = _code_throttles(request, user)
    wait, _dirty = throttle.check(per_user, by_address)
    if wait:
        messages.error(request, _wait_message(wait))
    elif not user.check_password(request.POST.get("password", "")):
        per_user.failure()
        messages.error(request, _("The password is not right."))
    else:
        result = passkeys.check_assertion(
            user=user,
            session=request.session,
            credential=request.POST.get("credential", ""),
            ip=throttle.client_ip(request),
        )
        if result.ok:
            request.session[REAUTH] = time.time() + REAUTH_SECONDS
            messages.success(request, _("Confirmed. You can now change your security settings."))
        else:
            per_user.failure()
            by_address.failure()
            messages.error(request, _refusal(result.reason))
    return redirect("accounts:security")


@never_cache
@login_required
def add_view(request):
    """Add a passkey (after re-authentication, like adding an authenticator app)."""
    if (refused := _require_reauth(request)) is not None:
        return refused
    if request.method == "POST" and _add_from_form(request, request.user):
        return redirect("accounts:security")
    return render(
        request,
        "accounts/passkey_add.html",
        {"options_url": reverse("accounts:add_passkey_options")},
    )


@never_cache
@login_required
@require_POST
def add_options_view(request):
    if (refused := _require_reauth(request)) is not None:
        return refused
    return _options(passkeys.registration_options(user=request.user, session=request.session))


@login_required
@require_POST
def rename_view(request, passkey_id):
    return change_and_report(
        request,
        passkeys.rename_passkey,
        _("The passkey was renamed."),
        passkey_id=passkey_id,
        name=request.POST.get("name", ""),
    )


@login_required
@require_POST
def remove_view(request, passkey_id):
    if (refused := _require_reauth(request)) is not None:
        return refused
    return change_and_report(
        request, passkeys.remove_passkey, _("The passkey was removed."), passkey_id=passkey_id
    )

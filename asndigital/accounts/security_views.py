"""“Keamanan akun”: a person's own authenticators, recovery codes and sessions.

Adding or removing an authenticator and new recovery codes need the password and a current
code again (re-authentication, valid for a few minutes).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from asndigital.accounts import mfa, policies, services, throttle
from asndigital.accounts.forms import ActivationForm, ReauthForm
from asndigital.accounts.models import AuthenticatorDevice, Passkey
from asndigital.accounts.views import (
    CLOCK_HINT,
    FRESH_CODES,
    enrolment_context,
    session_secret,
    try_activate,
)
from asndigital.core.errors import DomainError
from asndigital.sso import consent as sso_consent

REAUTH = "asn_reauth_until"
NEW_DEVICE = "asn_new_device_secret"
REAUTH_SECONDS = 300


def _reauthenticated(request) -> bool:
    return request.session.get(REAUTH, 0) > time.time()


def _require_reauth(request):
    if not _reauthenticated(request):
        messages.info(request, _("For this, confirm it is you: your password and a current code."))
        return redirect("accounts:security")
    return None


@never_cache
@login_required
def security_view(request):
    user = request.user
    devices = list(AuthenticatorDevice.objects.filter(user=user).order_by("created_at"))
    keys = list(Passkey.objects.filter(user=user).order_by("created_at"))
    context = {
        "devices": devices,
        "passkeys": keys,
        "factor_count": len(devices) + len(keys),
        "passkey_required": policies.must_use_passkey(user),
        "recovery_left": mfa.remaining_recovery_codes(user),
        "reauth_form": ReauthForm(),
        "reauthenticated": _reauthenticated(request),
        "reauth_minutes": REAUTH_SECONDS // 60,
        "sso_applications": sso_consent.applications_of(user),
    }
    return render(request, "accounts/security.html", context)


@never_cache
@login_required
@require_POST
@sensitive_post_parameters("password")
def reauth_view(request):
    """Confirm the password and a current code before a sensitive change."""
    user = request.user
    form = ReauthForm(request.POST)
    per_user = throttle.Throttle("code", str(user.pk), settings.ASN_THROTTLE_CODE_FREE)
    wait = per_user.wait_seconds()
    if wait:
        messages.error(request, _("Too many attempts. Try again in %(s)d seconds.") % {"s": wait})
    elif form.is_valid() and user.check_password(form.cleaned_data["password"]):
        result = mfa.check_code(
            user=user, code=form.cleaned_data["code"], ip=throttle.client_ip(request)
        )
        if result.ok:
            request.session[REAUTH] = time.time() + REAUTH_SECONDS
            messages.success(request, _("Confirmed. You can now change your security settings."))
        else:
            per_user.failure()
            messages.error(request, str(CLOCK_HINT))
    else:
        per_user.failure()
        messages.error(request, _("The password or the code is not right."))
    return redirect("accounts:security")


@never_cache
@login_required
def add_device_view(request):
    if (refused := _require_reauth(request)) is not None:
        return refused
    user = request.user
    secret = session_secret(request, NEW_DEVICE, f"new-device:{user.pk}")
    form = ActivationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        activated = try_activate(request, user, secret, form)
        if activated is not None:
            request.session.pop(NEW_DEVICE, None)
            messages.success(request, _("“%(name)s” was added.") % {"name": activated[0].name})
            return redirect("accounts:security")
    return render(
        request, "accounts/add_device.html", {"form": form, **enrolment_context(user, secret)}
    )


def change_and_report(request, service, done: str, **arguments):
    """Call a service on one's own authenticator or passkey; say how it went on the page."""
    try:
        service(user=request.user, ip=throttle.client_ip(request), **arguments)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("accounts:security")


@login_required
@require_POST
def rename_device_view(request, device_id):
    return change_and_report(
        request,
        mfa.rename_device,
        _("The device was renamed."),
        device_id=device_id,
        name=request.POST.get("name", ""),
    )


@login_required
@require_POST
def remove_device_view(request, device_id):
    if (refused := _require_reauth(request)) is not None:
        return refused
    return change_and_report(
        request, mfa.remove_device, _("The device was removed."), device_id=device_id
    )


@login_required
@require_POST
def regenerate_codes_view(request):
    if (refused := _require_reauth(request)) is not None:
        return refused
    codes = mfa.regenerate_recovery_codes(user=request.user, ip=throttle.client_ip(request))
    request.session[FRESH_CODES] = {"codes": codes, "next": reverse("accounts:security")}
    return redirect("accounts:recovery_codes")


@login_required
@require_POST
def logout_everywhere_view(request):
    services.end_all_sessions(
        actor=request.user,
        user=request.user,
        reason="logout_everywhere",
        ip=throttle.client_ip(request),
    )
    logout(request)
    messages.success(request, _("You were logged out on every device."))
    return redirect("accounts:login")

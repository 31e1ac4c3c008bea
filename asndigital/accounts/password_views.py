"""Changing one's password: by choice (current password + a current code), or because the
policy was raised ("Reset Password Lemah": right after a full sign-in, before anything else)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from asndigital.accounts import mfa, services, throttle
from asndigital.accounts.forms import PasswordChangeForm, PasswordUpgradeForm
from asndigital.accounts.signin import MUST_CHANGE


def _apply(request, form, reason: str) -> bool:
    new = form.cleaned_data["new_password1"]
    try:
        validate_password(new, request.user)
    except ValidationError as exc:
        form.add_error("new_password1", exc)
        return False
    services.set_password(
        actor=request.user,
        user=request.user,
        password=new,
        reason=reason,
        ip=throttle.client_ip(request),
    )
    update_session_auth_hash(request, request.user)  # this session stays; the others end
    request.session.pop(MUST_CHANGE, None)
    return True


@never_cache
@login_required
@sensitive_post_parameters("password", "new_password1", "new_password2")
def change_view(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        per_user = throttle.Throttle("code", str(user.pk), settings.ASN_THROTTLE_CODE_FREE)
        wait, _dirty = throttle.check(per_user)
        if wait:
            form.add_error(None, _("Too many attempts. Try again in %(s)d seconds.") % {"s": wait})
        elif (
            not user.check_password(form.cleaned_data["password"])
            or not mfa.check_code(
                user=user, code=form.cleaned_data["code"], ip=throttle.client_ip(request)
            ).ok
        ):
            per_user.failure()
            form.add_error(None, _("The current password or the code is not right."))
        elif _apply(request, form, "change"):
            messages.success(request, _("Your password was changed. Other sessions were ended."))
            return redirect("accounts:security")
    return render(request, "accounts/password_change.html", {"form": form})


@never_cache
@login_required
@sensitive_post_parameters("new_password1", "new_password2")
def upgrade_view(request):
    """The password just used no longer meets the policy: choose a new one before going on."""
    if not request.session.get(MUST_CHANGE):
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = PasswordUpgradeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _apply(request, form, "weak_upgrade"):
        messages.success(request, _("Thank you: your new password meets the policy."))
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/password_upgrade.html", {"form": form})

"""Self-service resets by e-mailed code: “Reset MFA” and “Reset Password (Lupa Password)”.

Both follow the real site's steps, minus its flaw of revealing which NIPs exist:
1. NIP or username + captcha, 2. the registered e-mail, 3. the e-mailed code and the last step's
fields (the password for an MFA reset; the new password twice for a password reset).
Until the code is right, every answer is the same whether or not the NIP exists and the e-mail
matches, and so is the web process's work (the code is issued, or not, by the background
worker).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from asndigital.accounts import challenges, services, throttle
from asndigital.accounts.forms import (
    PasswordResetConfirmForm,
    ResetEmailForm,
    ResetMfaConfirmForm,
    ResetStartForm,
)
from asndigital.accounts.models import EmailChallenge, User
from asndigital.core.captcha import allow_captcha_worker

STATE_SECONDS = 30 * 60


@dataclass(frozen=True)
class ResetFlow:
    name: str  # URL names: accounts:<name>, <name>_email, <name>_confirm
    purpose: str
    title: str

    @property
    def state_key(self) -> str:
        return f"asn_{self.name}"

    def state(self, request) -> dict | None:
        state = request.session.get(self.state_key)
        if not state or time.time() - state.get("at", 0) > STATE_SECONDS:
            return None
        return state


MFA = ResetFlow("mfa_reset", EmailChallenge.Purpose.MFA_RESET, "mfa")
PASSWORD = ResetFlow("password_reset", EmailChallenge.Purpose.PASSWORD_RESET, "password")


def _render(request, flow: ResetFlow, step: str, form, status: int = 200):
    context = {
        "form": form,
        "flow": flow.title,
        "email_url": reverse(f"accounts:{flow.name}_email"),
    }
    return render(request, f"accounts/reset_{step}.html", context, status=status)


def _start(request, flow: ResetFlow):
    form = ResetStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        request.session[flow.state_key] = {
            "username": form.cleaned_data["username"],
            "at": time.time(),
        }
        return redirect(f"accounts:{flow.name}_email")
    return _render(request, flow, "start", form)


def _email(request, flow: ResetFlow):
    state = flow.state(request)
    if state is None:
        return redirect(f"accounts:{flow.name}")
    form = ResetEmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = throttle.client_ip(request)
        by_account = throttle.Throttle(
            flow.name, state["username"].lower(), settings.ASN_THROTTLE_ACCOUNT_FREE
        )
        by_address = throttle.for_address(ip)
        wait, _dirty = throttle.check(by_account, by_address)
        if wait:
            form.add_error(None, _("Too many attempts. Try again in %(s)d seconds.") % {"s": wait})
            return _render(request, flow, "email", form, status=429)
        # Every request counts, found or not: limits do not reveal which NIPs exist.
        by_account.failure()
        by_address.failure()
        challenges.request_code(
            username=state["username"],
            email_given=form.cleaned_data["email"],
            purpose=flow.purpose,
            template=f"accounts/email/{flow.name}_code",
            ip=ip,
        )
        return redirect(f"accounts:{flow.name}_confirm")
    return _render(request, flow, "email", form)


def _confirm(request, flow: ResetFlow, form_class, finish):
    state = flow.state(request)
    if state is None:
        return redirect(f"accounts:{flow.name}")
    form = form_class(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return _render(request, flow, "confirm", form)
    ip = throttle.client_ip(request)
    per_user = throttle.Throttle(
        f"{flow.name}-code", state["username"].lower(), settings.ASN_THROTTLE_CODE_FREE
    )
    wait, _dirty = throttle.check(per_user, throttle.for_address(ip))
    if wait:
        form.add_error(None, _("Too many attempts. Try again in %(s)d seconds.") % {"s": wait})
        return _render(request, flow, "confirm", form, status=429)
    user = User.objects.filter(username=state["username"], is_active=True).first()
    outcome = finish(request, user, form, ip)
    if outcome is True:
        request.session.pop(flow.state_key, None)
        return redirect("accounts:login")
    if outcome is False:
        per_user.failure()
        form.add_error(
            None,
            _(
                "The code or the password is not right, or the code has expired. "
                "You can ask for a new code."
            ),
        )
    return _render(request, flow, "confirm", form)


def _finish_mfa_reset(request, user: User | None, form, ip: str) -> bool:
    """The password and the code, together: then clear the authenticators."""
    password = form.cleaned_data["password"]
    if user is None:
        User().set_password(password)  # the same hashing work as for a real account
        return False
    code = form.cleaned_data["code"]
    if not services.reset_own_mfa(user=user, password=password, code=code, ip=ip):
        return False
    messages.success(
        request,
        _(
            "Your MFA was reset. Sign in again: after your password you will "
            "set up your authenticator app."
        ),
    )
    return True


def _finish_password_reset(request, user: User | None, form, ip: str) -> bool | None:
    """The code first; then the new password is judged with the account's details (NIP, name,
    birth date), which the requester may now learn about. None: the form shows why."""
    code = form.cleaned_data["code"]
    if not challenges.redeem(user=user, purpose=PASSWORD.purpose, code=code, ip=ip, consume=False):
        return False
    new = form.cleaned_data["new_password1"]
    try:
        validate_password(new, user)
    except ValidationError as exc:
        form.add_error("new_password1", exc)
        return None
    if not challenges.redeem(user=user, purpose=PASSWORD.purpose, code=code, ip=ip):
        return False  # used up in the meantime (another tab)
    services.set_password(actor=user, user=user, password=new, reason="reset", ip=ip)
    messages.success(
        request,
        _("Your password was changed. Sign in with it (and, as always, the code from your app)."),
    )
    return True


@never_cache
@allow_captcha_worker
def mfa_start(request):
    return _start(request, MFA)


@never_cache
def mfa_email(request):
    return _email(request, MFA)


@never_cache
@sensitive_post_parameters("password")
def mfa_confirm(request):
    return _confirm(request, MFA, ResetMfaConfirmForm, _finish_mfa_reset)


@never_cache
@allow_captcha_worker
def password_start(request):
    return _start(request, PASSWORD)


@never_cache
def password_email(request):
    return _email(request, PASSWORD)


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
def password_confirm(request):
    return _confirm(request, PASSWORD, PasswordResetConfirmForm, _finish_password_reset)

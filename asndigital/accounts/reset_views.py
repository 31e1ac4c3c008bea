"""Self-service “Reset MFA” (new phone, deleted app), as on the real site, minus its flaw:

1. NIP or username + captcha, 2. the registered e-mail, 3. the e-mailed code + the password.
Until the last step, every answer is the same whether or not the NIP exists and the e-mail
matches (the code is sent, or not, by the background worker). Then the authenticators and
recovery codes are cleared, every session ends, and the next sign-in goes to activation.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from asndigital.accounts import challenges, mfa, throttle
from asndigital.accounts.forms import ResetEmailForm, ResetMfaConfirmForm, ResetStartForm
from asndigital.accounts.models import EmailChallenge, User
from asndigital.core.captcha import allow_captcha_worker
from asndigital.core.mail import queue_email

STATE = "asn_mfa_reset"  # {"username": ..., "at": ..., "sent": bool}
STATE_SECONDS = 30 * 60
PURPOSE = EmailChallenge.Purpose.MFA_RESET


def _state(request) -> dict | None:
    state = request.session.get(STATE)
    if not state or time.time() - state.get("at", 0) > STATE_SECONDS:
        return None
    return state


@never_cache
@allow_captcha_worker
def start_view(request):
    form = ResetStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        request.session[STATE] = {"username": form.cleaned_data["username"], "at": time.time()}
        return redirect("accounts:mfa_reset_email")
    return render(request, "accounts/mfa_reset_start.html", {"form": form})


@never_cache
def email_view(request):
    state = _state(request)
    if state is None:
        return redirect("accounts:mfa_reset")
    form = ResetEmailForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        ip = throttle.client_ip(request)
        by_account = throttle.Throttle(
            "reset", state["username"].lower(), settings.ASN_THROTTLE_ACCOUNT_FREE
        )
        by_address = throttle.for_address(ip)
        wait, _dirty = throttle.check(by_account, by_address)
        if wait:
            form.add_error(None, _("Too many attempts. Try again in %(s)d seconds.") % {"s": wait})
            status = 429
        else:
            # Every request counts, found or not: limits do not reveal which NIPs exist.
            by_account.failure()
            by_address.failure()
            challenges.request_code(
                username=state["username"],
                email_given=form.cleaned_data["email"],
                purpose=PURPOSE,
                template="accounts/email/mfa_reset_code",
                ip=ip,
            )
            return redirect("accounts:mfa_reset_confirm")
    return render(request, "accounts/mfa_reset_email.html", {"form": form}, status=status)


@never_cache
@sensitive_post_parameters("password")
def confirm_view(request):
    state = _state(request)
    if state is None:
        return redirect("accounts:mfa_reset")
    form = ResetMfaConfirmForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        ip = throttle.client_ip(request)
        user = User.objects.filter(username=state["username"], is_active=True).first()
        per_user = throttle.Throttle(
            "reset-code", state["username"].lower(), settings.ASN_THROTTLE_CODE_FREE
        )
        wait, _dirty = throttle.check(per_user, throttle.for_address(ip))
        if wait:
            form.add_error(None, _("Too many attempts. Try again in %(s)d seconds.") % {"s": wait})
            status = 429
        else:
            # The password is checked first (an attacker with the mailbox alone gets nowhere),
            # and the answer does not say which of the two was wrong.
            password = form.cleaned_data["password"]
            if user is None:
                User().set_password(password)  # the same hashing work as for a real account
                password_ok = False
            else:
                password_ok = user.check_password(password)
            if password_ok:
                code_ok = challenges.redeem(
                    user=user, purpose=PURPOSE, code=form.cleaned_data["code"], ip=ip
                )
            else:
                code_ok = False
                if user is not None:  # a wrong password uses up one of the code's tries too
                    challenges.spend_try(user=user, purpose=PURPOSE, ip=ip)
            if password_ok and code_ok:
                mfa.reset_mfa(actor=user, user=user, reason="self-service", ip=ip)
                employee = getattr(user, "employee", None)
                queue_email(
                    to=user.registered_email,
                    template="accounts/email/mfa_reset",
                    context={
                        "name": employee.display_name if employee else user.username,
                        "username": user.username,
                        "self_service": True,
                    },
                    language=user.language,
                )
                request.session.pop(STATE, None)
                messages.success(
                    request,
                    _(
                        "Your MFA was reset. Sign in again: after your password you will set up "
                        "your authenticator app."
                    ),
                )
                return redirect("accounts:login")
            per_user.failure()
            form.add_error(
                None,
                _(
                    "The code or the password is not right, or the code has "
                    "expired. You can ask for a new code."
                ),
            )
    return render(request, "accounts/mfa_reset_confirm.html", {"form": form}, status=status)

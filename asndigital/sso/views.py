"""The provider's pages around django-oauth-toolkit's views: the authorization endpoint (the
site's own sign-in with MFA, step-up to a passkey, the consent page, state and nonce required)
and the token endpoint (throttled per address). Everything else is the toolkit's."""

from __future__ import annotations

import json
import time
from urllib.parse import urlparse

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from oauth2_provider import views as dot
from oauth2_provider.exceptions import OAuthToolkitError
from oauthlib.oauth2.rfc6749 import errors

from asndigital.accounts import passkeys, throttle
from asndigital.core.middleware import DEFAULT_CSP
from asndigital.sso import consent, services, signin_methods
from asndigital.sso.models import Consent


def _may_post_back_to(response, *uris: str):
    """The page's form is answered by a redirect to the application (the code, or the address
    after logging out): the Content-Security-Policy's form-action must allow that origin too,
    or browsers stop the redirect. Everything else stays the site's policy."""
    origins = sorted({f"{u.scheme}://{u.netloc}" for u in map(urlparse, uris) if u.netloc})
    if origins:
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_CSP)
        response["Content-Security-Policy"] = policy.replace(
            "form-action 'self'", "form-action 'self' " + " ".join(origins)
        )
    return response


class AuthorizationView(dot.AuthorizationView):
    template_name = "sso/consent.html"

    def validate_authorization_request(self, request):
        scopes, credentials = super().validate_authorization_request(request)
        missing = [name for name in ("state", "nonce") if not request.GET.get(name)]
        if missing:
            raise OAuthToolkitError(
                error=errors.InvalidRequestError(
                    description=f"{' and '.join(missing)} required",
                    state=credentials.get("state"),
                ),
                redirect_uri=credentials["redirect_uri"],
            )
        return scopes, credentials

    def get(self, request, *args, **kwargs):
        try:
            self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)
        method = request.session.get(signin_methods.SESSION_KEY, "")
        if not signin_methods.satisfies(method, request.GET.get("acr_values", "")):
            return redirect(
                reverse("sso:step_up") + "?" + urlencode({"next": request.get_full_path()})
            )
        return super().get(request, *args, **kwargs)

    def render_to_response(self, context, **response_kwargs):
        application = context.get("application")
        if application is not None and consent.covers(
            self.request.user, application, context.get("scopes", [])
        ):
            form = self.get_form_class()(data={**self.get_initial(), "allow": True})
            if form.is_valid():
                return self.form_valid(form)
        response = super().render_to_response(context, **response_kwargs)
        return _may_post_back_to(response, context.get("redirect_uri") or "")

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.cleaned_data.get("allow") and response.status_code in (301, 302):
            consent.give(
                user=self.request.user,
                client_id=form.cleaned_data["client_id"],
                scopes=form.cleaned_data.get("scope", "").split(),
            )
        return response

    def create_authorization_response(self, request, scopes, credentials, allow):
        credentials["asn_auth_method"] = request.session.get(signin_methods.SESSION_KEY, "")
        return super().create_authorization_response(request, scopes, credentials, allow)


def _over_rate(request) -> bool:
    ip = throttle.client_ip(request)
    key = throttle.cache_key("oidc-token", f"{ip}:{int(time.time() // 60)}")
    cache.add(key, 0, 120)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, 120)
        count = 1
    return count > settings.ASN_OIDC_TOKEN_RATE


class LogoutView(dot.RPInitiatedLogoutView):
    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        application = context.get("application")
        uris = application.post_logout_redirect_uris.split() if application else []
        return _may_post_back_to(response, *uris)


class TokenView(dot.TokenView):
    def post(self, request, *args, **kwargs):
        if _over_rate(request):
            response = JsonResponse(
                {"error": "slow_down", "error_description": "too many requests"}, status=429
            )
            response["Retry-After"] = "60"
            return response
        return super().post(request, *args, **kwargs)


# --- Step-up: an application asked for a phishing-resistant sign-in (acr_values=phr) ----------
def _step_up_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next", "")
    authorize = reverse("oauth2_provider:authorize")
    return target if target.startswith(authorize + "?") else authorize


@never_cache
@login_required
def step_up_view(request):
    """Confirm the signed-in person with their passkey, then back to the authorization request.
    Without a passkey they are told to add one first (account security page)."""
    user = request.user
    target = _step_up_next(request)
    if request.method == "POST":
        per_user = throttle.Throttle("code", str(user.pk), settings.ASN_THROTTLE_CODE_FREE)
        if per_user.wait_seconds():
            messages.error(request, _("Too many attempts. Try again later."))
        else:
            result = passkeys.check_assertion(
                user=user,
                session=request.session,
                credential=request.POST.get("credential", ""),
                ip=throttle.client_ip(request),
            )
            if result.ok:
                request.session[signin_methods.SESSION_KEY] = "passkey"
                services.stepped_up(user=user, ip=throttle.client_ip(request))
                return redirect(target)
            per_user.failure()
            messages.error(request, _("The passkey was not accepted. Try again."))
    return render(
        request,
        "sso/step_up.html",
        {"next": target, "has_passkey": passkeys.has_passkey(user)},
    )


@never_cache
@login_required
@require_POST
def step_up_options_view(request):
    text = passkeys.authentication_options(user=request.user, session=request.session)
    return HttpResponse(text, content_type="application/json")


class DiscoveryView(dot.ConnectDiscoveryInfoView):
    """The toolkit's discovery document, with what it leaves out: the revocation endpoint and
    the sign-in assurance levels an application may ask for."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        document = json.loads(response.content)
        document["revocation_endpoint"] = request.build_absolute_uri(
            reverse("oauth2_provider:revoke-token")
        )
        document["acr_values_supported"] = list(signin_methods.ACR_VALUES)
        document["grant_types_supported"] = ["authorization_code", "refresh_token"]
        document["backchannel_logout_supported"] = True
        document["backchannel_logout_session_supported"] = False
        answer = JsonResponse(document)
        answer["Access-Control-Allow-Origin"] = "*"
        return answer


@login_required
@require_POST
def revoke_consent_view(request, pk):
    """From the account security page: an application's access to one's sign-in, taken back."""
    try:
        name = consent.revoke(user=request.user, consent_id=pk, ip=throttle.client_ip(request))
    except Consent.DoesNotExist:
        raise Http404 from None
    messages.success(
        request, _("“%(name)s” can no longer use your ASN Digital sign-in.") % {"name": name}
    )
    return redirect(reverse("accounts:security") + "#applications")

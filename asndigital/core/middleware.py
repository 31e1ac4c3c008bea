"""Response headers that Django's SecurityMiddleware does not set."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Everything is served from this origin: no CDN, no inline script (htmx is a local file).
DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_CSP)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response


class NoStoreMiddleware:
    """Nothing the application itself answers is kept by a browser or a proxy cache: pages and
    API answers show personal data (a dossier, a NIP, an e-mail), often on shared office
    computers. Static files (WhiteNoise, before this in the chain) keep their long caching;
    a view that sets its own Cache-Control keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store, private"
        return response


class ApiJsonErrorsMiddleware:
    """Under /api/ every error is JSON ``{"code", "message"}``, whatever answered it: an address
    the API does not have (Django's 404), a failure (its 500) and, with DEBUG on, the debug
    pages Django would otherwise show to an API client."""

    CODES = {
        400: ("bad_request", gettext_lazy("The request could not be read.")),
        403: ("forbidden", gettext_lazy("Not allowed.")),
        404: ("not_found", gettext_lazy("Not found.")),
        405: ("method_not_allowed", gettext_lazy("This method is not allowed here.")),
        500: ("server_error", gettext_lazy("Something went wrong on our side; try again.")),
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            code, message = self.CODES.get(
                response.status_code, ("error", gettext_lazy("The request failed."))
            )
            replaced = JsonResponse(
                {"code": code, "message": str(message)}, status=response.status_code
            )
            for header in ("Allow", "Retry-After"):
                if header in response:
                    replaced[header] = response[header]
            return replaced
        return response


class IndonesianFirstMiddleware:
    """Bahasa Indonesia unless the person chose another language (cookie or account setting).

    Many civil servants' browsers announce English; a national service answers in Indonesian
    until someone presses EN. So the browser's Accept-Language is not consulted.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class SessionPolicyMiddleware:
    """Sessions end after an idle hour and, at the latest, a day after sign-in (configurable).

    Ending every session of an account at once (log out everywhere, password change, MFA reset)
    is done by the account's session epoch, which is part of the session hash.
    """

    TOUCH_EVERY = 60  # seconds: do not write the session on every request
    # A password that no longer meets the policy is replaced before anything else.
    ALLOWED_WHILE_UPGRADING = (
        "/akun/kata-sandi/perbarui/",
        "/akun/keluar/",
        "/static/",
        "/i18n/",
        "/kode-pemulihan/",
        "/akun/kode-pemulihan/",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = session.get("asn_started")
            seen = session.get("asn_seen", started)
            if started is None:
                session["asn_started"] = session["asn_seen"] = now
            elif (
                now - started > settings.SESSION_COOKIE_AGE
                or now - seen > settings.ASN_SESSION_IDLE_SECONDS
            ):
                logout(request)
                messages.info(request, _("Your session ended. Please sign in again."))
                return redirect_to_login(request.get_full_path())
            elif now - seen > self.TOUCH_EVERY:
                session["asn_seen"] = now
            if session.get("asn_must_change_password") and not request.path.startswith(
                self.ALLOWED_WHILE_UPGRADING
            ):
                return redirect("accounts:password_upgrade")
        return self.get_response(request)


class RefuseNulMiddleware:
    """A NUL character is part of no text anyone types, and PostgreSQL can neither store nor
    compare one: a path or query string holding one is a bad request (400), answered before
    any view could pass it to a query. Form fields get the same from Django's validators;
    request bodies are left to the views, which may stream them (uploads)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            raise BadRequest("NUL character in the path or query string")
        return self.get_response(request)

"""The HTTP API (django-ninja) under /api/v1/: authentication, errors, limits.

People use their browser session (which exists only after the second factor: Django's login
runs after MFA), with CSRF on writes; service accounts send ``Authorization: Bearer <token>``.
Errors are JSON ``{"code": ..., "message": ...}`` with a stable code. Each token (or person) may
make ``ASN_API_RATE`` requests a minute.
"""

from __future__ import annotations

import inspect
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from asndigital.accounts.tokens import authenticate
from asndigital.core.errors import DomainError, NotFound


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        found = authenticate(token)
        if found is None:
            return None
        request.user = found.user
        request.api_token = found
        _limit(found.user)
        return found.user


class SessionMFAAuth(SessionAuth):
    """The site's session: only ever created after the second factor. A request that presents
    a token is judged by the token alone: a wrong or revoked one is refused even when the same
    browser also holds a session (a client must learn that its token no longer works)."""

    def authenticate(self, request, key):
        if "authorization" in request.headers:
            return None
        user = super().authenticate(request, key)
        if user is None or not user.is_active:
            return None
        _limit(user)
        return user


class RateLimited(Exception):
    pass


class MissingScope(Exception):
    def __init__(self, scope: str):
        super().__init__(scope)
        self.scope = scope


def needs_scope(scope: str | None):
    """Declare the token scope an operation needs (None: any token may call it). A token
    without it is refused with 403 ``insufficient_scope`` before anything is read, whatever
    the object asked for; people (sessions) are judged by their roles alone. Every operation
    declares one (a test walks the API)."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            token = getattr(request, "api_token", None)
            if scope is not None and token is not None and scope not in token.scope_set:
                raise MissingScope(scope)
            return view(request, *args, **kwargs)

        # django-ninja reads the parameters from the signature and resolves string annotations
        # in the function's module: give it the view's own, already resolved.
        wrapped.__signature__ = inspect.signature(view, eval_str=True)
        wrapped.token_scope = scope
        return wrapped

    return decorate


def _limit(user) -> None:
    window = int(time.time() // 60)
    key = f"api-rate:{user.pk}:{window}"
    cache.add(key, 0, 120)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, 120)
        count = 1
    if count > settings.ASN_API_RATE:
        raise RateLimited()


api = NinjaAPI(
    title="ASN Digital API",
    version="1",
    description=(
        "The national digital personnel archive. Authenticate with the browser session (after "
        "the second factor) or a service account's token: `Authorization: Bearer asn_...`. "
        "Errors are JSON with a stable `code` and a `message`; lists are cursor-paginated."
    ),
    urls_namespace="api",
    auth=[TokenAuth(), SessionMFAAuth()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


class ErrorOut(Schema):
    """Every error answer of the API: a stable code to branch on, a message for people."""

    code: str
    message: str


def errors(*codes: int) -> dict[int, type[ErrorOut]]:
    """An operation's error answers for its OpenAPI description: those any operation may give
    (400 a request that cannot be read, 401 no valid credentials, 403 a token without the
    scope, 429 too many requests) and its own (``codes``)."""
    return {code: ErrorOut for code in sorted({400, 401, 403, 429, *codes})}


def error(request, status: int, code: str, message: str):
    return api.create_response(request, {"code": code, "message": message}, status=status)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    # A full storage is the server's condition, not the request's: 507, so clients retry later.
    status = 507 if exc.code == "storage_full" else 400
    return error(request, status, exc.code or "invalid", exc.message)


@api.exception_handler(NotFound)
def not_found(request, exc):
    return error(request, 404, "not_found", _("Not found."))


@api.exception_handler(Http404)
def http_404(request, exc):
    return error(request, 404, "not_found", _("Not found."))


@api.exception_handler(AuthenticationError)
def unauthorized(request, exc):
    return error(request, 401, "unauthorized", _("Sign in, or send a valid API token."))


@api.exception_handler(ValidationError)
def invalid(request, exc: ValidationError):
    # Which fields, so the client knows what to fix (a missing file, a number that is text).
    fields = sorted({str(e["loc"][-1]) for e in exc.errors if e.get("loc")})
    if not fields:
        return error(request, 422, "invalid_request", _("The request is not valid."))
    message = _("The request is not valid; check: %(fields)s.") % {"fields": ", ".join(fields)}
    return error(request, 422, "invalid_request", message)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    if exc.status_code == 400:  # django-ninja's only 400: a body that is not JSON
        return error(request, 400, "invalid_request", _("The request's body is not valid JSON."))
    codes = {403: "forbidden", 405: "method_not_allowed", 413: "too_large"}
    return error(request, exc.status_code, codes.get(exc.status_code, "error"), str(exc))


@api.exception_handler(MissingScope)
def insufficient_scope(request, exc: MissingScope):
    message = _("This token may not do this: it needs the scope %(scope)s.") % {"scope": exc.scope}
    return error(request, 403, "insufficient_scope", message)


@api.exception_handler(RateLimited)
def rate_limited(request, exc):
    response = error(request, 429, "rate_limited", _("Too many requests; wait a minute."))
    response["Retry-After"] = "60"
    return response

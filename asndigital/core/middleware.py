"""Response headers that Django's SecurityMiddleware does not set."""

from django.conf import settings

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
        # Django's admin uses inline scripts and styles: it keeps its own (looser) policy.
        if not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
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

"""Pages that are the same for every visitor but for the CSRF token: rendered once per process
and language, then served with the visitor's own token put in.

The login page is asked for at every sign-in, by people who are not signed in, and most of the
server's time for it went to its template (docs/performance.md, "Sign-in"). The caller decides
when a page is shared: nobody signed in, no query string, no messages waiting, no form errors.
Each kept page is one entry per (template, language, path), so the memory is bounded.
"""

from __future__ import annotations

from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.translation import get_language

# Letters only, so that escaping leaves it as it is; a token never holds it (a token is 64
# characters of its own alphabet, and the mark is longer than nothing else on the page).
MARK = "sharedPageCsrfTokenMarkQ7vX2"
_pages: dict[tuple[str, str, str], str] = {}


def render_shared(request, template_name: str, context: dict) -> HttpResponse:
    """The page as ``render`` would give it to an anonymous visitor without a query string."""
    key = (template_name, get_language(), request.path)
    page = None if settings.DEBUG else _pages.get(key)  # DEBUG: templates change while running
    if page is None:
        page = render_to_string(template_name, {**context, "csrf_token": MARK}, request)
        _pages[key] = page
    return HttpResponse(page.replace(MARK, get_token(request)))


def _forget(**kwargs) -> None:  # settings change only in tests: a page may depend on them
    _pages.clear()


setting_changed.connect(_forget)

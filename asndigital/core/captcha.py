"""The self-hosted proof-of-work captcha (ALTCHA, through django-altcha): no outside service, and
nothing to see, so people who cannot see a picture pass it like everyone else. See ADR 0005.

The widget would inject its stylesheet as an inline <style>, which our Content-Security-Policy
forbids; it skips that when an element with id ``__altcha-css`` exists, so pages link the same
CSS as a static file (``altcha_css_text`` extracts it from the installed widget; a test keeps
the static copy equal to it). Its proof-of-work runs in a Web Worker started from a ``blob:``
URL: pages with the captcha allow exactly that (``allow_captcha_worker``).
"""

from __future__ import annotations

import re
from functools import wraps
from pathlib import Path

import django_altcha
from django.conf import settings
from django.utils.translation import gettext as _
from django_altcha import AltchaField

from asndigital.core.middleware import DEFAULT_CSP

WIDGET_JS = Path(django_altcha.__file__).parent / "static" / "altcha" / "altcha.min.js"
CAPTCHA_CSP = DEFAULT_CSP + "; worker-src 'self' blob:"


def altcha_css_text() -> str:
    """The stylesheet the installed widget would inject (the string it passes to its injector)."""
    source = WIDGET_JS.read_text(encoding="utf-8")
    match = re.search(r"\bBo='((?:[^'\\]|\\.)*)'", source)
    if match is None:  # a new widget version: update this extraction and the static copy
        raise RuntimeError("altcha widget CSS not found")
    return match.group(1).encode().decode("unicode_escape")


def allow_captcha_worker(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = CAPTCHA_CSP
        return response

    return wrapped


def captcha_field(**kwargs) -> AltchaField:
    """A captcha field; build it in the form's ``__init__`` (a fresh challenge, the request's
    language for the widget's own words)."""
    strings = {
        "label": _("I am not a robot"),
        "verifying": _("Checking..."),
        "verified": _("Checked"),
        "error": _("The check failed. Try again."),
        "expired": _("The check expired. Tick the box again."),
        "waitAlert": _("Checking... please wait."),
    }
    # The library's own messages are English only ("ALTCHA CAPTCHA token is missing.").
    again = _("The anti-robot check was not accepted. Tick the box again and wait for “Checked”.")
    errors = {
        "required": _("Tick the box “I am not a robot” and wait until it says “Checked”."),
        "invalid": again,
        "error": again,
        "replay": again,
    }
    return AltchaField(
        label=_("Anti-robot check"),
        error_messages=errors,
        maxnumber=settings.ASN_CAPTCHA_MAX_NUMBER,
        hidefooter=True,
        hidelogo=True,
        strings=strings,
        **kwargs,
    )

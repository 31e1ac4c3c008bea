#!/usr/bin/env python
"""Django's command-line utility for ASN Digital."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asndigital.settings")
    # On a machine with no secret configured, manage.py is a developer's tool: development
    # posture. Wherever a SECRET_KEY (or its file) is set, and always for the WSGI/ASGI server,
    # the default stays production (ADR 0002).
    if not any(name in os.environ for name in ("SECRET_KEY", "SECRET_KEY_FILE")):
        os.environ.setdefault("ASN_ENV", "development")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

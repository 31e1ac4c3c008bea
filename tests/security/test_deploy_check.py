"""``manage.py check --deploy`` is clean with the production environment docs/configuration.md
describes: secrets from files, PostgreSQL, Redis, SMTP over TLS, behind a TLS proxy.

tests/core/test_settings.py runs the check with the bare minimum (secrets in variables,
SQLite); this is the documented deployment. The one silenced check is HSTS preload (W021):
see the comment at SILENCED_SYSTEM_CHECKS in asndigital/settings.py.
"""

from __future__ import annotations

import base64
import secrets

import pytest

from tests.helpers import rsa_pem, run_manage


def documented_production(tmp_path, **extra) -> dict[str, str]:
    """The minimal production environment of docs/configuration.md, secrets in files."""
    secret_key = tmp_path / "asn_secret_key"
    secret_key.write_text(secrets.token_urlsafe(64) + "\n")
    database_url = tmp_path / "asn_database_url"
    database_url.write_text("postgres://asn:rahasia@db.example.go.id:5432/asn\n")
    oidc_key = tmp_path / "asn_oidc_signing_key"
    oidc_key.write_text(rsa_pem())

    def key() -> str:
        return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()

    env = {
        "ASN_ENV": "production",
        "SECRET_KEY_FILE": str(secret_key),
        "ALLOWED_HOSTS": "asndigital.example.go.id",
        "CSRF_TRUSTED_ORIGINS": "https://asndigital.example.go.id",
        "ASN_WEBAUTHN_RP_ID": "asndigital.example.go.id",
        "ASN_WEBAUTHN_ORIGINS": "https://asndigital.example.go.id",
        "DATABASE_URL_FILE": str(database_url),
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "EMAIL_HOST": "smtp.example.go.id",
        "EMAIL_PORT": "587",
        "EMAIL_USE_TLS": "1",
        "ASN_SECRETS_KEYS": f"1:{key()}",
        "ASN_AUDIT_SIGNING_KEY": key(),
        "ASN_OIDC_SIGNING_KEY_FILE": str(oidc_key),
    }
    env.update(extra)
    return env


@pytest.mark.parametrize(
    ("posture", "extra", "silenced"),
    [
        ("as documented", {}, "(1 silenced)"),
        # Behind nginx (docs/deployment.md), which redirects and says the scheme; HSTS preloaded.
        (
            "behind a TLS proxy, HSTS preloaded",
            {"TRUST_X_FORWARDED_PROTO": "1", "SECURE_HSTS_PRELOAD": "1"},
            "(0 silenced)",
        ),
    ],
)
def test_check_deploy_is_clean_in_production(tmp_path, posture, extra, silenced):
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", **documented_production(tmp_path, **extra)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"System check identified no issues {silenced}." in result.stdout, result.stdout

"""The settings posture: production refuses unsafe configuration; check --deploy is clean."""

import secrets

import pytest

from tests.helpers import production_env, run_manage


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SECRET_KEY": ""}, "needs its own SECRET_KEY"),
        (
            {"SECRET_KEY": "asn-digital-demo-key-NOT-FOR-PRODUCTION-0000000000000000000000000000"},
            "demo key is refused",
        ),
        ({"SECRET_KEY": "short"}, "at least 50"),
        ({"DEBUG": "1"}, "DEBUG cannot be on"),
        ({"ASN_ENV": "staging"}, "ASN_ENV must be"),
        ({"DEBUG": "perhaps"}, "must be true or false"),
        ({"ASN_SECRETS_KEYS": ""}, "needs ASN_SECRETS_KEYS"),
        ({"ASN_AUDIT_SIGNING_KEY": ""}, "needs ASN_AUDIT_SIGNING_KEY"),
        ({"ASN_WEBAUTHN_RP_ID": ""}, "needs ASN_WEBAUTHN_RP_ID"),
        ({"ASN_WEBAUTHN_ORIGINS": ""}, "ASN_WEBAUTHN_ORIGINS"),
        ({"ASN_WEBAUTHN_ORIGINS": "http://asndigital.example.go.id"}, "must be https://"),
        ({"ASN_WEBAUTHN_ORIGINS": "https://evil.example.com"}, "must be https://"),
    ],
)
def test_production_refuses_unsafe_configuration(change, message):
    result = run_manage("check", **production_env(**change))
    assert result.returncode != 0
    assert message in result.stderr


def test_production_is_the_default_posture():
    result = run_manage("check", SECRET_KEY="")
    assert result.returncode != 0
    assert "needs its own SECRET_KEY" in result.stderr


def test_secret_key_can_come_from_a_file(tmp_path):
    key_file = tmp_path / "secret"
    key_file.write_text(secrets.token_urlsafe(64) + "\n")
    env = production_env(SECRET_KEY="")
    del env["SECRET_KEY"]
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", SECRET_KEY_FILE=str(key_file), **env
    )
    assert result.returncode == 0, result.stderr
    unreadable = run_manage("check", SECRET_KEY_FILE=str(tmp_path / "missing"), **env)
    assert unreadable.returncode != 0 and "SECRET_KEY_FILE cannot be read" in unreadable.stderr


def test_production_cookies_and_transport_are_secure():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS >= 31536000, s.DEBUG,"
        " s.EMAIL_BACKEND.endswith('smtp.EmailBackend'))"
    )
    result = run_manage("shell", "--no-imports", "-c", code, **production_env())
    assert result.stdout.split() == ["True", "True", "True", "True", "False", "True"], result.stderr


def test_manage_py_on_a_machine_without_a_secret_is_a_development_tool():
    result = run_manage(
        "shell", "--no-imports", "-c", "from django.conf import settings; print(settings.ASN_ENV)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "development"


def test_object_storage_is_chosen_by_configuration():
    script = (
        "from django.conf import settings; s = settings.STORAGES['default']; "
        "print(s['BACKEND'], s['OPTIONS']['bucket_name'], s['OPTIONS']['endpoint_url'])"
    )
    result = run_manage(
        "shell",
        "-c",
        script,
        **production_env(
            ASN_STORAGE="s3", ASN_S3_BUCKET="arsip", ASN_S3_ENDPOINT_URL="http://127.0.0.1:7480"
        ),
    )
    assert result.returncode == 0, result.stderr
    assert "storages.backends.s3.S3Storage arsip http://127.0.0.1:7480" in result.stdout
    missing = run_manage("check", **production_env(ASN_STORAGE="s3"))
    assert missing.returncode != 0 and "needs ASN_S3_BUCKET" in missing.stderr

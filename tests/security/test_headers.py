"""Security headers on a page, the sign-in page, API answers and downloads; HSTS and secure
cookies under the production settings (a separate process: settings are read once)."""

from __future__ import annotations

import json
import textwrap

import pytest
from django.urls import reverse

from tests.helpers import production_env, run_manage
from tests.security.conftest import client_for, perform

HOST = "asndigital.example.go.id"


def _document_url(name):
    return lambda w: reverse(
        name, kwargs={"pk": w.document["A"].pk, "version_id": w.document["A"].current_version_id}
    )


ANSWERS = [
    # (what, who asks, the address, the status expected)
    ("an employee's page", "aA", lambda w: f"/pegawai/{w.employee['A'].pk}/", 200),
    ("the sign-in page", "an", lambda w: reverse("accounts:login"), 200),
    ("the public verification page", "an", lambda w: reverse("verification:start"), 200),
    ("an API answer", "em", lambda w: "/api/v1/employees", 200),
    ("an API refusal", "an", lambda w: "/api/v1/employees", 401),
    (
        "an API download",
        "tD",
        lambda w: f"/api/v1/documents/{w.document['A'].pk}/versions/1/file",
        200,
    ),
    ("a download", "em", _document_url("documents:download"), 200),
    ("a first-page preview", "em", _document_url("documents:thumbnail"), 200),
    (
        "a destruction record",
        "rA",
        lambda w: f"/arsip/pemusnahan/{w.proposal['A'].pk}/berita-acara/",
        200,
    ),
]


def _directives(csp: str) -> dict[str, str]:
    return {part.split()[0]: " ".join(part.split()[1:]) for part in csp.split(";") if part.strip()}


@pytest.mark.parametrize(("what", "actor", "url", "status"), ANSWERS, ids=[a[0] for a in ANSWERS])
def test_every_answer_carries_the_security_headers(world, db, what, actor, url, status):
    answer = perform(client_for(world, actor), "GET", url(world))
    assert answer.status == status, answer.body[:200]
    headers = answer.headers
    csp = _directives(headers["Content-Security-Policy"])
    # No other site may frame it: by CSP, or (where the CSP is the download's sandbox, which
    # says nothing about framing) by X-Frame-Options, which browsers then obey.
    assert csp.get("frame-ancestors", "'none'") == "'none'", csp
    assert headers["X-Frame-Options"] == "DENY"
    assert "default-src" in csp and "*" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # test posture: plain HTTP (see below)


def test_the_inline_viewer_may_be_framed_by_this_site_only(world, db):
    answer = perform(client_for(world, "em"), "GET", _document_url("documents:view")(world))
    assert answer.status == 200
    csp = _directives(answer.headers["Content-Security-Policy"])
    assert csp["frame-ancestors"] == "'self'" and csp["default-src"] == "'none'"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


# In production: every answer over HTTPS carries HSTS (a year, subdomains), plain HTTP is sent
# to HTTPS, and the session and CSRF cookies are Secure, HttpOnly and __Host- prefixed. Static
# files come from collectstatic's manifest in production; this process has none, so it renders
# with plain static storage (nothing else in the settings changes).
PRODUCTION_SCRIPT = textwrap.dedent(
    """
    import json
    from django.conf import settings
    from django.test import Client, override_settings

    plain = {**settings.STORAGES,
             "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    answers = {}
    with override_settings(STORAGES=plain):
        client = Client()
        for name, path in [("page", "/"), ("login", "/akun/masuk/"),
                           ("api", "/api/v1/employees"), ("health", "/healthz")]:
            r = client.get(path, secure=True, HTTP_HOST=SITE)
            answers[name] = {"status": r.status_code, "headers": dict(r.headers),
                             "cookies": {k: dict(v) for k, v in r.cookies.items()}}
        r = client.get("/akun/masuk/", HTTP_HOST=SITE)
        answers["plain_http"] = {"status": r.status_code, "location": r.get("Location", "")}
    print("ANSWERS " + json.dumps(answers))
    """
).replace("SITE", repr(HOST))


def test_production_sends_hsts_redirects_to_https_and_secures_cookies():
    result = run_manage(
        "shell", "--no-imports", "-c", PRODUCTION_SCRIPT, **production_env(ALLOWED_HOSTS=HOST)
    )
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.split("ANSWERS ", 1)[1])
    assert [answers[n]["status"] for n in ("page", "login", "api", "health")] == [
        200,
        200,
        401,
        200,
    ]
    for name in ("page", "login", "api", "health"):
        headers = answers[name]["headers"]
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains", name
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], name
        assert headers["X-Content-Type-Options"] == "nosniff", name
        assert headers["Referrer-Policy"] == "same-origin", name
    csrf = answers["login"]["cookies"]["__Host-asn_csrf"]
    assert csrf["secure"] and csrf["httponly"] and csrf["path"] == "/" and not csrf["domain"]
    assert answers["plain_http"] == {"status": 301, "location": f"https://{HOST}/akun/masuk/"}

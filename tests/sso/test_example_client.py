"""The sample relying party in examples/ (Flask + Authlib's Flask integration) really signs a
person in against the live server: its /login, the person's sign-in and consent, its
/callback (code exchange with PKCE, the ID token checked by Authlib), then its page."""

from __future__ import annotations

import runpy
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.sso.oidc import Browser, answer

pytestmark = pytest.mark.django_db(transaction=True)
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sso_client.py"


def test_the_sample_application_signs_a_person_in(live_server, register, person, monkeypatch):
    application, secret = register(redirect_uris="http://localhost/callback")
    monkeypatch.setenv("ASN_ISSUER", live_server.url)
    monkeypatch.setenv("ASN_CLIENT_ID", application.client_id)
    monkeypatch.setenv("ASN_CLIENT_SECRET", secret)
    sample = runpy.run_path(str(EXAMPLE))["app"].test_client()

    to_provider = sample.get("/login")
    assert to_provider.status_code == 302
    browser = Browser(live_server.url)
    browser.sign_in(person.user)
    back = answer(browser, to_provider.headers["Location"])
    assert back.status_code == 302
    callback = urlparse(back.headers["Location"])
    assert sample.get(f"{callback.path}?{callback.query}").status_code == 302

    page = sample.get("/").get_data(as_text=True)
    assert person.display_name in page.replace("&#39;", "'")
    assert "otp" in page

"""Back-channel logout: signing out everywhere, or an admin's MFA reset, revokes the person's
tokens and posts a logout token to each application that registered a back-channel URL. The
token is checked as an application would, with joserfc and the provider's published JWKS
(OpenID Connect Back-Channel Logout 1.0, §2.4 and §2.6)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import pytest
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

from asndigital.accounts import services as accounts
from asndigital.audit.models import AuditEvent
from tests.sso.oidc import REDIRECT, Browser, authorize

pytestmark = pytest.mark.django_db(transaction=True)
EVENT = "http://schemas.openid.net/event/backchannel-logout"


@pytest.fixture
def receiver():
    """The application's back-channel endpoint: keeps the forms posted to it."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            received.append(parse_qs(self.rfile.read(length).decode()))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/backchannel", received
    server.shutdown()


@pytest.fixture
def issuer(live_server, settings):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": live_server.url}
    return live_server.url


def _signed_in_application(live_server, register, person, provider, url):
    discovery, _jwks = provider
    application, secret = register(back_channel_logout_uri=url)
    client = OAuth2Session(application.client_id, secret, scope="openid", redirect_uri=REDIRECT)
    browser = Browser(live_server.url)
    browser.sign_in(person.user)
    query, _nonce, verifier = authorize(browser, client, discovery)
    token = client.fetch_token(
        discovery["token_endpoint"], code=query["code"], code_verifier=verifier
    )
    return application, client, token


def _check(form, jwks, issuer, application, person):
    token = jwt.decode(form["logout_token"][0], KeySet.import_key_set(jwks), algorithms=["RS256"])
    assert token.header["typ"] == "logout+jwt"
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": application.client_id},
        sub={"essential": True, "value": str(person.user.pk)},
        iat={"essential": True},
        exp={"essential": True},
        jti={"essential": True},
    ).validate(token.claims)
    assert token.claims["events"] == {EVENT: {}}
    assert "nonce" not in token.claims


@pytest.mark.parametrize("how", ["logout_everywhere", "admin_mfa_reset"])
def test_the_applications_are_told_and_the_tokens_stop(
    live_server, issuer, provider, register, person, receiver, agency_admin, how
):
    discovery, jwks = provider
    url, received = receiver
    application, client, _token = _signed_in_application(
        live_server, register, person, provider, url
    )
    assert client.get(discovery["userinfo_endpoint"]).status_code == 200

    if how == "logout_everywhere":
        accounts.end_all_sessions(actor=person.user, user=person.user, reason="logout_everywhere")
    else:
        accounts.admin_reset_mfa(actor=agency_admin, employee=person, reason="HP hilang")

    assert len(received) == 1
    _check(received[0], jwks, issuer, application, person)
    assert client.get(discovery["userinfo_endpoint"]).status_code == 401
    assert AuditEvent.objects.filter(action="sso.logout_sent").count() == 1


def test_without_a_back_channel_url_the_tokens_are_still_revoked(
    live_server, issuer, provider, register, person, receiver
):
    discovery, _jwks = provider
    _url, received = receiver
    _application, client, _token = _signed_in_application(
        live_server, register, person, provider, ""
    )
    accounts.end_all_sessions(actor=person.user, user=person.user, reason="logout_everywhere")
    assert received == []
    assert client.get(discovery["userinfo_endpoint"]).status_code == 401

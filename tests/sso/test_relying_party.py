"""ASN Digital as an OpenID Connect provider, driven by a client the project did not write:
Authlib, against the real server (pytest-django's live server). The person signs in the way
a browser does (the site's own sign-in page, password then a code computed by pyotp); the
application exchanges the code with PKCE, checks the ID token's signature with the published
JWKS, reads userinfo, refreshes, revokes and logs out."""

from __future__ import annotations

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session

from asndigital.audit.models import AuditEvent
from tests.sso.oidc import HIDDEN, REDIRECT, Browser, authorize, id_claims

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_in_code_exchange_userinfo_refresh_revocation_and_logout(
    live_server, provider, register, person, Application
):
    discovery, jwks = provider
    assert discovery["issuer"] == live_server.url
    assert discovery["response_types_supported"] == ["code"]  # no implicit flow
    assert "S256" in discovery["code_challenge_methods_supported"]
    assert {"sub", "nip", "agency", "acr", "amr"} <= set(discovery["claims_supported"])
    application, secret = register()
    client = OAuth2Session(
        application.client_id,
        secret,
        scope="openid profile nip agency email",
        redirect_uri=REDIRECT,
        token_endpoint_auth_method="client_secret_basic",
    )
    browser = Browser(live_server.url)
    browser.sign_in(person.user)
    query, nonce, verifier = authorize(browser, client, discovery)
    assert query["iss"] == discovery["issuer"]  # RFC 9207

    token = client.fetch_token(
        discovery["token_endpoint"], code=query["code"], code_verifier=verifier
    )
    claims = id_claims(token["id_token"], jwks, discovery, application.client_id, nonce)
    assert claims["sub"] == str(person.user.pk)
    assert person.nip not in claims["sub"]
    assert claims["nip"] == person.nip
    assert claims["agency"] == {"code": person.agency.code, "name": person.agency.name}
    assert claims["acr"] == "mfa"
    assert claims["amr"] == ["pwd", "otp", "mfa"]

    info = client.get(discovery["userinfo_endpoint"]).json()
    assert info["sub"] == claims["sub"]
    assert info["name"] == person.display_name
    assert info["nip"] == person.nip

    # Refresh: new tokens, and the old refresh token no longer works (rotation).
    old_refresh = token["refresh_token"]
    refreshed = client.refresh_token(discovery["token_endpoint"], refresh_token=old_refresh)
    assert refreshed["access_token"] != token["access_token"]
    assert refreshed["refresh_token"] != old_refresh
    replay = requests.post(
        discovery["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": old_refresh},
        auth=(application.client_id, secret),
        timeout=10,
    )
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"

    # Revocation: the access token stops working at userinfo.
    client.revoke_token(discovery["revocation_endpoint"], token=refreshed["access_token"])
    gone = requests.get(
        discovery["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {refreshed['access_token']}"},
        timeout=10,
    )
    assert gone.status_code == 401

    # RP-initiated logout: the person confirms and is signed out of ASN Digital.
    logout = browser.go(
        discovery["end_session_endpoint"]
        + "?"
        + requests.compat.urlencode(
            {
                "id_token_hint": token["id_token"],
                "post_logout_redirect_uri": "http://localhost:9/bye",
                "client_id": application.client_id,
                "state": "s1",
            }
        )
    )
    assert logout.status_code == 200
    fields = dict(HIDDEN.findall(logout.text))
    done = browser.go(logout.url, {**fields, "allow": "on"})
    assert done.status_code == 302
    assert done.headers["Location"].startswith("http://localhost:9/bye")
    home = browser.http.get(live_server.url + "/akun/keamanan/", allow_redirects=False)
    assert home.status_code == 302 and "/akun/masuk/" in home.headers["Location"]

    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"sso.client_registered", "sso.consent_given", "sso.token_granted"} <= actions
    assert "sso.token_revoked" in actions

"""What the provider refuses, each with the standard OAuth 2 / OpenID Connect error, asked by
Authlib (the application) against the live server: a redirect URI that is not registered
exactly, a replayed code, a code without its PKCE verifier, an expired or revoked access token,
a disabled application, a missing state or nonce, a scope the application may not ask for."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from asndigital.sso import services
from tests.sso.oidc import REDIRECT, Browser, answer, authorize, redirected, request_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def app(register):
    application, secret = register()
    return application, secret


@pytest.fixture
def client(app):
    application, secret = app
    return OAuth2Session(
        application.client_id, secret, scope="openid profile nip", redirect_uri=REDIRECT
    )


@pytest.fixture
def browser(live_server, person):
    browser = Browser(live_server.url)
    browser.sign_in(person.user)
    return browser


def test_a_redirect_uri_not_registered_exactly_is_refused_on_the_provider(
    provider, client, browser
):
    discovery, _jwks = provider
    for wrong in (REDIRECT + "/", REDIRECT + "?x=1", "http://localhost:9/callbackX"):
        client.redirect_uri = wrong
        response = answer(browser, request_for(client, discovery).url)
        # Never sent to the wrong address: the error is shown on the provider's own page.
        assert response.status_code == 400
        assert "invalid_request" in response.text or "Mismatching redirect URI" in response.text


def test_a_code_works_once(provider, client, browser):
    discovery, _jwks = provider
    query, _nonce, verifier = authorize(browser, client, discovery)
    client.fetch_token(discovery["token_endpoint"], code=query["code"], code_verifier=verifier)
    with pytest.raises(OAuthError) as refused:
        client.fetch_token(discovery["token_endpoint"], code=query["code"], code_verifier=verifier)
    assert refused.value.error == "invalid_grant"


def test_a_code_without_its_pkce_verifier_or_with_a_wrong_one_is_refused(provider, client, browser):
    discovery, _jwks = provider
    query, _nonce, _verifier = authorize(browser, client, discovery)
    with pytest.raises(OAuthError) as refused:
        client.fetch_token(discovery["token_endpoint"], code=query["code"])
    assert refused.value.error == "invalid_request"
    query, _nonce, _verifier = authorize(browser, client, discovery)
    with pytest.raises(OAuthError) as refused:
        client.fetch_token(discovery["token_endpoint"], code=query["code"], code_verifier="x" * 50)
    assert refused.value.error == "invalid_grant"


def test_an_authorization_request_without_pkce_is_refused(provider, client, browser):
    discovery, _jwks = provider
    url, _state = client.create_authorization_url(discovery["authorization_endpoint"], nonce="n-1")
    query = redirected(answer(browser, url))
    assert query["error"] == "invalid_request"
    assert "code" not in query


@pytest.mark.parametrize("missing", ["state", "nonce"])
def test_state_and_nonce_are_required(provider, client, browser, missing):
    discovery, _jwks = provider
    request = request_for(client, discovery)
    url = request.url.replace(f"{missing}=", f"{missing}_x=")
    query = redirected(answer(browser, url))
    assert query["error"] == "invalid_request"
    assert "code" not in query


def test_a_scope_the_application_may_not_ask_for_is_refused(provider, register, browser):
    discovery, _jwks = provider
    application, secret = register(scopes=["openid", "profile"])
    client = OAuth2Session(application.client_id, secret, scope="openid nip", redirect_uri=REDIRECT)
    query = redirected(answer(browser, request_for(client, discovery).url))
    assert query["error"] == "invalid_scope"


def test_an_expired_or_revoked_access_token_is_refused_at_userinfo(provider, client, browser):
    discovery, _jwks = provider
    query, _nonce, verifier = authorize(browser, client, discovery)
    token = client.fetch_token(
        discovery["token_endpoint"], code=query["code"], code_verifier=verifier
    )
    assert client.get(discovery["userinfo_endpoint"]).status_code == 200
    get_access_token_model().objects.update(expires=timezone.now() - timedelta(seconds=1))
    expired = requests.get(
        discovery["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=10,
    )
    assert expired.status_code == 401
    assert 'error="invalid_token"' in expired.headers["WWW-Authenticate"]


def test_a_disabled_application_is_refused_everywhere_and_its_tokens_stop(
    provider, app, client, browser, bkn_admin
):
    discovery, _jwks = provider
    application, secret = app
    query, _nonce, verifier = authorize(browser, client, discovery)
    token = client.fetch_token(
        discovery["token_endpoint"], code=query["code"], code_verifier=verifier
    )
    services.set_disabled(actor=bkn_admin, application=application, disabled=True)

    # Its refresh token and access token no longer work...
    refreshed = requests.post(
        discovery["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=(application.client_id, secret),
        timeout=10,
    )
    assert refreshed.status_code == 401 and refreshed.json()["error"] == "invalid_client"
    assert client.get(discovery["userinfo_endpoint"]).status_code == 401
    # ...and a new sign-in is refused on the provider's page (the client is unknown).
    response = answer(browser, request_for(client, discovery).url)
    assert response.status_code == 400
    assert "invalid_request" in response.text or "invalid_client" in response.text


def test_only_the_granted_scopes_claims_are_given(provider, register, browser, person):
    discovery, _jwks = provider
    application, secret = register()
    client = OAuth2Session(application.client_id, secret, scope="openid", redirect_uri=REDIRECT)
    query, _nonce, verifier = authorize(browser, client, discovery)
    token = client.fetch_token(
        discovery["token_endpoint"], code=query["code"], code_verifier=verifier
    )
    info = client.get(discovery["userinfo_endpoint"]).json()
    assert info == {"sub": str(person.user.pk)}  # no NIP, name, agency or e-mail
    assert person.nip not in token["id_token"]

"""Step-up: an application that asks for a phishing-resistant sign-in (``acr_values=phr``) gets
one. A person who signed in with a code confirms with their passkey (a software authenticator
answers, as in tests/accounts) before the code is issued, and the ID token then says ``phr``
and ``hwk``. Without a passkey, they are told to add one and no code is issued."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlparse

import pytest
from authlib.integrations.requests_client import OAuth2Session
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.helpers import CODE, LOGIN, PASSWORD, TOTP, add_passkey
from tests.sso.oidc import HIDDEN, REDIRECT, request_for

pytestmark = pytest.mark.django_db(transaction=True)  # like the live-server tests beside them
DISCOVERY = {"authorization_endpoint": "http://testserver/oidc/authorize/"}


def _signed_in(client, user):
    client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    client.post(CODE, {"code": TOTP.now()})


def _consent(client, page):
    fields = dict(HIDDEN.findall(page.content.decode()))
    return client.post(reverse("oauth2_provider:authorize"), {**fields, "allow": "on"})


def test_a_passkey_is_asked_and_the_id_token_says_so(client, register, person):
    _passkey, key = add_passkey(person.user)
    application, secret = register()
    rp = OAuth2Session(application.client_id, secret, scope="openid", redirect_uri=REDIRECT)
    request = request_for(rp, DISCOVERY, acr_values="phr")
    _signed_in(client, person.user)

    step_up = client.get(request.url)
    assert step_up.status_code == 302
    assert urlparse(step_up["Location"]).path == reverse("sso:step_up")
    target = parse_qs(urlparse(step_up["Location"]).query)["next"][0]
    assert "Konfirmasi dengan passkey" in client.get(step_up["Location"]).content.decode()
    options = client.post(reverse("sso:step_up_options")).content.decode()
    confirmed = client.post(
        reverse("sso:step_up"), {"credential": key.get(options), "next": target}
    )
    assert confirmed["Location"] == target

    back = _consent(client, client.get(target))
    query = parse_qs(urlparse(back["Location"]).query)
    basic = base64.b64encode(f"{application.client_id}:{secret}".encode()).decode()
    tokens = client.post(
        reverse("oauth2_provider:token"),
        {
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": REDIRECT,
            "code_verifier": request.verifier,
        },
        HTTP_AUTHORIZATION=f"Basic {basic}",
    ).json()
    jwks = KeySet.import_key_set(client.get(reverse("oauth2_provider:jwks-info")).json())
    claims = jwt.decode(tokens["id_token"], jwks, algorithms=["RS256"]).claims
    assert claims["acr"] == "phr"
    assert claims["amr"] == ["pwd", "hwk", "mfa"]


def test_without_a_passkey_no_code_is_issued(client, register, person):
    application, secret = register()
    rp = OAuth2Session(application.client_id, secret, scope="openid", redirect_uri=REDIRECT)
    _signed_in(client, person.user)
    step_up = client.get(request_for(rp, DISCOVERY, acr_values="phr").url)
    page = client.get(step_up["Location"]).content.decode()
    assert "Anda belum memiliki passkey" in page
    refused = client.post(reverse("sso:step_up"), {"credential": "{}", "next": "/"})
    assert refused.status_code == 200  # stays on the page; nothing is issued

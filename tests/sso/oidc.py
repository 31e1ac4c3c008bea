"""The person's browser and the application's steps, for the single sign-on tests: the
browser is a requests session on the live server (cookies, CSRF tokens, redirects followed on
the provider only), the application is Authlib's OAuth2Session, and ID tokens are checked by
joserfc with the published JWKS."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urljoin, urlparse

import requests
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.helpers import PASSWORD, TOTP

REDIRECT = "http://localhost:9/callback"  # the application's; nothing listens there
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)"')


def _csrf(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


class Browser:
    """A person's browser: cookies, forms with their CSRF token, redirects followed only on
    the provider's own site (the application's redirect is read, not followed)."""

    def __init__(self, base: str):
        self.base = base
        self.http = requests.Session()

    def go(self, url: str, data: dict | None = None) -> requests.Response:
        url = urljoin(self.base, url)
        while True:
            if data is None:
                response = self.http.get(url, allow_redirects=False)
            else:
                response = self.http.post(
                    url, data=data, allow_redirects=False, headers={"Referer": url}
                )
            location = response.headers.get("Location")
            if response.status_code not in (301, 302) or not location:
                return response
            url = urljoin(url, location)
            if not url.startswith(self.base):
                return response
            data = None

    def submit(self, response: requests.Response, **fields) -> requests.Response:
        return self.go(response.url, {"csrfmiddlewaretoken": _csrf(response.text), **fields})

    def sign_in(self, user) -> requests.Response:
        """Password, then the code from the authenticator app; the page it lands on."""
        login = self.go("/akun/masuk/")
        code_page = self.submit(login, username=user.username, password=PASSWORD)
        assert "/akun/masuk/kode/" in code_page.url, code_page.url
        return self.submit(code_page, code=TOTP.now())


@dataclass
class Request:
    """An authorization request as the application makes it, with what it keeps to check."""

    url: str
    state: str
    nonce: str
    verifier: str


def request_for(client, discovery, *, nonce: str | None = None, **extra) -> Request:
    verifier = generate_token(48)
    nonce = generate_token(20) if nonce is None else nonce
    url, state = client.create_authorization_url(
        discovery["authorization_endpoint"],
        nonce=nonce,
        code_challenge=create_s256_code_challenge(verifier),
        code_challenge_method="S256",
        **extra,
    )
    return Request(url, state, nonce, verifier)


def answer(browser, url: str, allow: bool = True) -> requests.Response:
    """Open the authorization URL; on the consent page, agree (or refuse)."""
    response = browser.go(url)
    if response.status_code == 200 and "authorizationForm" in response.text:
        fields = dict(HIDDEN.findall(response.text))
        fields.update(csrfmiddlewaretoken=_csrf(response.text))
        if allow:
            fields["allow"] = "on"
        response = browser.go(response.url, fields)
    return response


def redirected(response: requests.Response) -> dict:
    """The query the provider sent back to the application's redirect URI."""
    assert response.status_code == 302, response.text[:500]
    location = response.headers["Location"]
    assert location.startswith(REDIRECT), location
    return {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}


def authorize(browser, client, discovery, **extra):
    """The authorization request through the person's browser, consent given; the
    application's redirect (query parsed), its nonce and its PKCE verifier."""
    request = request_for(client, discovery, **extra)
    query = redirected(answer(browser, request.url))
    assert query.get("state") == request.state
    return query, request.nonce, request.verifier


def id_claims(id_token, jwks, discovery, client_id, nonce):
    """The ID token's claims once its signature (RS256, a key of the published JWKS) and its
    registered claims are checked by joserfc (Authlib's JOSE library)."""
    token = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        leeway=5,
        iss={"essential": True, "value": discovery["issuer"]},
        aud={"essential": True, "value": client_id},
        nonce={"essential": True, "value": nonce},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
    ).validate(token.claims)
    assert token.header["kid"] in {key["kid"] for key in jwks["keys"]}
    return token.claims

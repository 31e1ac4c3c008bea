"""The logout token of back-channel logout (backchannel.py) and its sending, which the
background task does: apart from backchannel.py, which enqueues that task, so that neither
imports the other."""

from __future__ import annotations

import logging
import time
import uuid

import requests
from jwcrypto import jwk, jwt
from oauth2_provider.models import get_application_model
from oauth2_provider.settings import oauth2_settings

log = logging.getLogger(__name__)
EVENT = "http://schemas.openid.net/event/backchannel-logout"
LIFETIME = 120  # seconds a logout token is valid


def issuer() -> str:
    return oauth2_settings.OIDC_ISS_ENDPOINT.rstrip("/")


def logout_token(*, client_id: str, subject: str) -> str:
    """The signed logout token for one application (§2.4: iss, aud, iat, exp, jti, sub, events;
    never a nonce), typed ``logout+jwt``."""
    key = jwk.JWK.from_pem(oauth2_settings.OIDC_RSA_PRIVATE_KEY.encode())
    now = int(time.time())
    token = jwt.JWT(
        header={"alg": "RS256", "typ": "logout+jwt", "kid": key.thumbprint()},
        claims={
            "iss": issuer(),
            "aud": client_id,
            "iat": now,
            "exp": now + LIFETIME,
            "jti": str(uuid.uuid4()),
            "sub": subject,
            "events": {EVENT: {}},
        },
    )
    token.make_signed_token(key)
    return token.serialize()


def send(application_id: int, subject: str) -> int:
    """POST the logout token to the application (the task's work); its HTTP status, or 0."""
    application = (
        get_application_model().objects.select_related("asn_policy").get(pk=application_id)
    )
    url = application.asn_policy.back_channel_logout_uri
    body = {"logout_token": logout_token(client_id=application.client_id, subject=subject)}
    try:
        answer = requests.post(url, data=body, timeout=10, allow_redirects=False)
    except requests.RequestException as error:
        log.warning("Back-channel logout to %s failed: %s", application.client_id, type(error))
        return 0
    if answer.status_code != 200:
        log.warning(
            "Back-channel logout to %s answered %d", application.client_id, answer.status_code
        )
    return answer.status_code

"""Back-channel logout (OpenID Connect Back-Channel Logout 1.0): when a person signs out
everywhere, or their MFA is reset, each application that has their sign-in and registered a
back-channel logout URL is told so, server to server, by a logout token. django-oauth-toolkit
3.4 has no back-channel logout, so the logout token is built here with jwcrypto's JWT class
(the one JWT the project builds itself, signed with the ID tokens' key: ADR 0011); a
background task (django-tasks) sends it. The person's tokens are revoked at once."""

from __future__ import annotations

import logging
import time
import uuid

from django.db import transaction
from jwcrypto import jwk, jwt
from oauth2_provider.models import get_application_model, get_refresh_token_model
from oauth2_provider.settings import oauth2_settings

from asndigital.audit.services import record
from asndigital.sso import consent
from asndigital.sso.models import Consent

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


def applications_of(user) -> list:
    """The applications that may hold a sign-in of ``user``: a consent or a live refresh token."""
    Application = get_application_model()
    with_consent = Consent.objects.filter(user=user).values("application_id")
    with_tokens = (
        get_refresh_token_model()
        .objects.filter(user=user, revoked__isnull=True)
        .values("application_id")
    )
    return list(
        Application.objects.filter(pk__in=with_consent.union(with_tokens)).select_related(
            "asn_policy"
        )
    )


def signed_out_everywhere(*, user, reason: str) -> None:
    """Revoke every token of ``user`` and, after the commit, tell each application that
    registered a back-channel logout URL. Call inside the transaction that ends the sessions."""
    from asndigital.sso.tasks import send_logout

    applications = applications_of(user)
    if not applications:
        return
    consent.revoke_tokens(user=user)
    told = [
        a
        for a in applications
        if getattr(a, "asn_policy", None) and a.asn_policy.back_channel_logout_uri
    ]
    if told and not issuer():
        log.warning("Back-channel logout skipped: ASN_OIDC_ISSUER is not set.")
        told = []
    record(
        None,
        "sso.logout_sent",
        user,
        reason=reason,
        applications=[a.client_id for a in told],
        tokens_revoked_for=[a.client_id for a in applications],
    )
    for application in told:
        transaction.on_commit(
            lambda pk=application.pk: send_logout.enqueue(pk, str(user.pk)), robust=True
        )


def send(application_id: int, subject: str) -> int:
    """POST the logout token to the application (the task's work); its HTTP status, or 0."""
    import requests

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

"""Back-channel logout (OpenID Connect Back-Channel Logout 1.0): when a person signs out
everywhere, or their MFA is reset, each application that has their sign-in and registered a
back-channel logout URL is told so, server to server, by a logout token. django-oauth-toolkit
3.4 has no back-channel logout, so the logout token is built here with jwcrypto's JWT class
(the one JWT the project builds itself, signed with the ID tokens' key: ADR 0011, in
logout_token.py); a background task (django-tasks) sends it. The person's tokens are revoked
at once."""

from __future__ import annotations

import logging

from django.db import transaction
from oauth2_provider.models import get_application_model, get_refresh_token_model

from asndigital.audit.services import record
from asndigital.sso import consent
from asndigital.sso.logout_token import issuer
from asndigital.sso.models import Consent
from asndigital.sso.tasks import send_logout

log = logging.getLogger(__name__)


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

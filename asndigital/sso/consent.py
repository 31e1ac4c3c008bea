"""What a person agreed to share with an application (the consent page's answer), and taking it
back. Services: each change is audited in its transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_refresh_token_model,
)

from asndigital.audit.services import record
from asndigital.sso.models import Consent


def covers(user, application, scopes) -> bool:
    """Whether ``user`` already agreed to give ``application`` every one of ``scopes``."""
    given = (
        Consent.objects.filter(user=user, application=application)
        .values_list("scopes", flat=True)
        .first()
    )
    return given is not None and set(scopes) <= set(given.split())


@transaction.atomic
def give(*, user, client_id: str, scopes: list[str]) -> None:
    application = get_application_model().objects.get(client_id=client_id)
    consent, created = Consent.objects.select_for_update().get_or_create(
        user=user, application=application, defaults={"scopes": " ".join(sorted(scopes))}
    )
    consent.last_used_at = timezone.now()
    wanted = set(scopes) | (set() if created else set(consent.scopes.split()))
    is_new = created or not set(scopes) <= set(consent.scopes.split())
    consent.scopes = " ".join(sorted(wanted))
    consent.save()
    if is_new:
        record(
            user,
            "sso.consent_given",
            user,
            application=application.name,
            client_id=client_id,
            scope=consent.scopes,
        )


def applications_of(user) -> list[Consent]:
    """The applications ``user`` signed in to (has agreed to), most recent first."""
    return list(
        Consent.objects.filter(user=user)
        .select_related("application")
        .order_by("-last_used_at", "-given_at")
    )


@transaction.atomic
def revoke(*, user, consent_id: int, ip: str = "") -> str:
    """Take back the consent and every token ``user``'s sign-ins gave the application; the
    application's name."""
    consent = Consent.objects.select_related("application").get(pk=consent_id, user=user)
    application = consent.application
    revoke_tokens(user=user, application=application)
    consent.delete()
    record(
        user,
        "sso.consent_revoked",
        user,
        application=application.name,
        client_id=application.client_id,
        ip=ip,
    )
    return application.name


def revoke_tokens(*, user, application=None) -> int:
    """Revoke the access and refresh tokens of ``user`` (for one application, or all)."""
    refresh = get_refresh_token_model().objects.filter(user=user, revoked__isnull=True)
    access = get_access_token_model().objects.filter(user=user)
    if application is not None:
        refresh = refresh.filter(application=application)
        access = access.filter(application=application)
    count = 0
    for token in refresh:
        token.revoke()
        count += 1
    count += access.count()
    access.delete()
    return count

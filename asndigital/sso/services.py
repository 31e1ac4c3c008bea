"""Registering and managing the applications that use BKN Login, by national admins. Each
change is audited in its transaction; a new or replaced client secret is returned once, never
stored readable (the toolkit keeps only its hash) and never logged."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import Application
from oauth2_provider.settings import oauth2_settings

from asndigital.accounts import policies
from asndigital.audit.services import record
from asndigital.core.errors import DomainError
from asndigital.sso.models import ClientPolicy
from asndigital.sso.scopes import SCOPES


def _clean_scopes(scopes) -> str:
    chosen = [s for s in SCOPES if s in set(scopes)]
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise DomainError(_("Unknown scopes: %(s)s.") % {"s": ", ".join(unknown)})
    if "openid" not in chosen:
        chosen.insert(0, "openid")
    return " ".join(chosen)


def _clean_redirects(redirect_uris: str) -> str:
    uris = redirect_uris.split()
    if not uris:
        raise DomainError(_("Give at least one redirect URI."))
    return " ".join(uris)


@transaction.atomic
def register_client(
    *,
    actor,
    name: str,
    redirect_uris: str,
    scopes,
    confidential: bool,
    pre_approved: bool = False,
    post_logout_redirect_uris: str = "",
    back_channel_logout_uri: str = "",
    ip: str = "",
) -> tuple[Application, str]:
    """A new application; (the application, its client secret: shown once, "" if public)."""
    policies.require(policies.can_manage_sso_clients(actor))
    if not name.strip():
        raise DomainError(_("Give the application's name."))
    secret = generate_client_secret() if confidential else ""
    application = Application(
        name=name.strip()[:255],
        client_type=Application.CLIENT_CONFIDENTIAL if confidential else Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=_clean_redirects(redirect_uris),
        post_logout_redirect_uris=" ".join(post_logout_redirect_uris.split()),
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=pre_approved,
        client_secret=secret,
        hash_client_secret=True,
    )
    try:
        application.full_clean()
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from error
    if back_channel_logout_uri:
        try:
            URLValidator(schemes=list(oauth2_settings.ALLOWED_REDIRECT_URI_SCHEMES))(
                back_channel_logout_uri
            )
        except ValidationError as error:
            raise DomainError(_("The back-channel logout URL is not valid.")) from error
    application.save()
    ClientPolicy.objects.create(
        application=application,
        allowed_scopes=_clean_scopes(scopes),
        back_channel_logout_uri=back_channel_logout_uri,
    )
    record(
        actor,
        "sso.client_registered",
        None,
        application=application.name,
        client_id=application.client_id,
        client_type=application.client_type,
        scope=application.asn_policy.allowed_scopes,
        redirect_uris=application.redirect_uris,
        pre_approved=pre_approved,
        ip=ip,
    )
    return application, secret


@transaction.atomic
def rotate_secret(*, actor, application: Application, ip: str = "") -> str:
    """A new client secret for a confidential application (the old one stops working)."""
    policies.require(policies.can_manage_sso_clients(actor))
    if application.client_type != Application.CLIENT_CONFIDENTIAL:
        raise DomainError(_("A public application has no secret."))
    secret = generate_client_secret()
    application.client_secret = secret
    application.save(update_fields=["client_secret"])
    record(
        actor,
        "sso.client_secret_rotated",
        None,
        application=application.name,
        client_id=application.client_id,
        ip=ip,
    )
    return secret


@transaction.atomic
def set_disabled(*, actor, application: Application, disabled: bool, ip: str = "") -> None:
    """Disable an application (it is refused everywhere and its tokens are revoked), or
    enable it again."""
    policies.require(policies.can_manage_sso_clients(actor))
    ClientPolicy.objects.filter(application=application).update(disabled=disabled)
    revoked = 0
    if disabled:
        for token in application.refreshtoken_set.filter(revoked__isnull=True):
            token.revoke()
            revoked += 1
        application.accesstoken_set.all().delete()
    record(
        actor,
        "sso.client_disabled" if disabled else "sso.client_enabled",
        None,
        application=application.name,
        client_id=application.client_id,
        tokens_revoked=revoked,
        ip=ip,
    )


@transaction.atomic
def change_client(
    *, actor, application: Application, scopes, pre_approved: bool, redirect_uris: str, ip=""
) -> None:
    policies.require(policies.can_manage_sso_clients(actor))
    application.redirect_uris = _clean_redirects(redirect_uris)
    application.skip_authorization = pre_approved
    try:
        application.full_clean(exclude=["client_secret"])
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from error
    application.save(update_fields=["redirect_uris", "skip_authorization"])
    allowed = _clean_scopes(scopes)
    ClientPolicy.objects.filter(application=application).update(allowed_scopes=allowed)
    record(
        actor,
        "sso.client_changed",
        None,
        application=application.name,
        client_id=application.client_id,
        scope=allowed,
        redirect_uris=application.redirect_uris,
        pre_approved=pre_approved,
        ip=ip,
    )


def stepped_up(*, user, ip: str = "") -> None:
    """The signed-in person confirmed with a passkey because an application asked for it."""
    record(user, "sso.stepped_up", user, ip=ip)

"""Registering and managing applications (national admins only, every change audited, a
secret shown once and stored only as a hash), and the consent taken back by the person."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password

from asndigital.accounts.models import Role
from asndigital.audit.models import AuditEvent
from asndigital.core.errors import DomainError, NotFound
from asndigital.sso import consent, services
from asndigital.sso.models import Consent

pytestmark = pytest.mark.django_db(transaction=True)  # like the live-server tests beside them


def test_a_national_admin_registers_an_application_and_its_secret_is_kept_hashed(
    register, bkn_admin
):
    application, secret = register()
    application.refresh_from_db()
    assert secret and secret not in application.client_secret
    assert check_password(secret, application.client_secret)
    assert application.asn_policy.scopes == ["openid", "profile", "nip", "agency", "email"]
    event = AuditEvent.objects.get(action="sso.client_registered")
    assert event.actor_id == bkn_admin.pk and secret not in event.canonical

    new = services.rotate_secret(actor=bkn_admin, application=application)
    application.refresh_from_db()
    assert check_password(new, application.client_secret)
    assert not check_password(secret, application.client_secret)
    assert AuditEvent.objects.filter(action="sso.client_secret_rotated").count() == 1


def test_a_public_application_has_no_secret_and_openid_is_always_allowed(register):
    application, secret = register(confidential=False, scopes=["profile"])
    assert secret == "" and application.client_type == "public"
    assert application.asn_policy.scopes == ["openid", "profile"]


@pytest.mark.parametrize(
    "changes",
    [
        {"name": " "},
        {"redirect_uris": ""},
        {"scopes": ["openid", "documents"]},
        {"redirect_uris": "https://a.example/cb#x"},
        {"back_channel_logout_uri": "ftp://x"},
    ],
)
def test_bad_registrations_are_refused_and_change_nothing(register, changes):
    with pytest.raises(DomainError):
        register(**changes)
    assert not AuditEvent.objects.filter(action="sso.client_registered").exists()


def test_only_national_admins_manage_applications(register, make_staff, agency):
    application, _secret = register()
    for role, where in ((Role.AGENCY_ADMIN, agency), (Role.AUDITOR, None)):
        with pytest.raises(NotFound):
            services.set_disabled(
                actor=make_staff(role, where), application=application, disabled=True
            )
    application.asn_policy.refresh_from_db()
    assert not application.asn_policy.disabled


def test_the_person_takes_an_applications_access_back(register, person):
    application, _secret = register()
    consent.give(user=person.user, client_id=application.client_id, scopes=["openid", "nip"])
    consent.give(user=person.user, client_id=application.client_id, scopes=["openid"])
    assert AuditEvent.objects.filter(action="sso.consent_given").count() == 1  # nothing new
    given = Consent.objects.get()
    assert consent.applications_of(person.user) == [given]
    assert consent.revoke(user=person.user, consent_id=given.pk) == application.name
    assert not Consent.objects.exists()
    assert AuditEvent.objects.filter(action="sso.consent_revoked").count() == 1

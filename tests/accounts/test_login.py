"""Signing in: password, then MFA activation or the one-time code (docs/domain.md §4)."""

import re
import time

import pyotp
import pytest
from django.test import override_settings
from django.urls import reverse

from asndigital.accounts import mfa
from asndigital.accounts.models import AuthenticatorDevice, RecoveryCode
from asndigital.audit.models import AuditEvent
from tests.factories import EmployeeFactory
from tests.helpers import (
    ACTIVATE,
    CODE,
    LOGIN,
    PASSWORD,
    activate,
    authenticated,
    wrong_password,
)


@pytest.fixture
def civil_servant(agency):
    employee = EmployeeFactory(agency=agency)
    employee.user.set_password(PASSWORD)
    employee.user.save()
    return employee


def password_step(client, user):
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_password_alone_does_not_sign_in_and_leads_to_activation(client, civil_servant):
    response = client.post(LOGIN, {"username": civil_servant.nip_grouped, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == ACTIVATE
    assert not authenticated(client)
    # Nothing else is reachable before activation.
    assert client.get(reverse("personnel:employee_list"))["Location"].startswith(LOGIN)


def test_wrong_user_wrong_password_and_disabled_account_look_the_same(
    client, civil_servant, agency
):
    departed = EmployeeFactory(agency=agency)
    departed.user.set_password(PASSWORD)
    departed.user.is_active = False
    departed.user.save()
    answers = [
        client.post(LOGIN, {"username": "199001012015011999", "password": PASSWORD}),
        client.post(LOGIN, {"username": civil_servant.nip, "password": "salah-sekali-123"}),
        client.post(LOGIN, {"username": departed.nip, "password": PASSWORD}),
    ]
    assert {r.status_code for r in answers} == {200}
    errors = [r.context["form"].non_field_errors() for r in answers]
    assert errors[0] == errors[1] == errors[2] and errors[0]
    assert not authenticated(client)
    assert AuditEvent.objects.filter(action="login.failed").count() == 3


def test_account_without_a_password_cannot_log_in(client, agency):
    imported = EmployeeFactory(agency=agency)
    imported.user.set_unusable_password()
    imported.user.save()
    response = client.post(LOGIN, {"username": imported.nip, "password": "anything-at-all"})
    assert response.status_code == 200
    assert not authenticated(client)


def test_activation_page_shows_qr_key_time_and_the_right_fields(client, civil_servant):
    password_step(client, civil_servant.user)
    page = client.get(ACTIVATE).content.decode()
    assert "<svg" in page  # the QR code, made locally
    assert re.search(r'id="secret-key">([A-Z2-7]{4} )+[A-Z2-7]{1,4}<', page)
    assert 'autocomplete="one-time-code"' in page
    assert 'name="name"' in page
    assert "http" not in re.sub(r'xmlns="http://www.w3.org/2000/svg"', "", page.split("<main")[1])
    # The same secret on a reload (the person may need to look again).
    first = re.search(r'id="secret-key">([^<]+)<', page).group(1)
    again = re.search(r'id="secret-key">([^<]+)<', client.get(ACTIVATE).content.decode()).group(1)
    assert first == again


def test_activation_saves_the_device_signs_in_and_shows_recovery_codes_once(client, civil_servant):
    user = civil_servant.user
    totp, response = activate(client, user)
    assert response["Location"] == reverse("accounts:recovery_codes")
    assert authenticated(client)
    device = AuthenticatorDevice.objects.get(user=user)
    assert device.name == "HP Samsung saya"
    assert totp.secret.encode() not in bytes(device.sealed_key)  # stored encrypted
    codes_page = client.get(reverse("accounts:recovery_codes")).content.decode()
    codes = re.findall(r"<li>([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})</li>", codes_page)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert RecoveryCode.objects.filter(user=user).count() == 10
    assert not RecoveryCode.objects.filter(code_hash__in=codes).exists()  # only hashes kept
    download = client.get(reverse("accounts:recovery_codes"), {"download": 1})
    assert download["Content-Disposition"].startswith("attachment")
    assert codes[0] in download.content.decode()
    client.post(reverse("accounts:recovery_codes"))
    assert client.get(reverse("accounts:recovery_codes")).status_code == 302  # shown once
    assert AuditEvent.objects.filter(action="mfa.device_added", actor_id=user.pk).exists()


def test_wrong_first_code_gives_the_clock_hint_and_saves_nothing(client, civil_servant):
    password_step(client, civil_servant.user)
    client.get(ACTIVATE)
    response = client.post(ACTIVATE, {"code": "000000", "name": "HP"})
    assert response.status_code == 200
    assert "otomatis" in response.content.decode()  # set date and time to automatic
    assert not AuthenticatorDevice.objects.exists()
    assert not authenticated(client)


def test_activation_needs_a_device_name(client, civil_servant):
    password_step(client, civil_servant.user)
    page = client.get(ACTIVATE).content.decode()
    key = re.search(r'id="secret-key">([^<]+)<', page).group(1).replace(" ", "")
    response = client.post(ACTIVATE, {"code": pyotp.TOTP(key).now(), "name": "  "})
    assert response.status_code == 200
    assert not AuthenticatorDevice.objects.exists()


@pytest.fixture
def enrolled(client, civil_servant):
    totp, _ = activate(client, civil_servant.user)
    client.post(reverse("accounts:logout"))
    # The activation used the current step: later tests start from a clean slate.
    AuthenticatorDevice.objects.update(last_t=-1)
    return civil_servant.user, totp


def test_second_login_needs_the_code_and_a_code_works_once(client, enrolled):
    user, totp = enrolled
    assert password_step(client, user)["Location"] == CODE
    assert not authenticated(client)
    code = totp.now()
    response = client.post(CODE, {"code": code})
    assert response.status_code == 302 and authenticated(client)
    client.post(reverse("accounts:logout"))
    password_step(client, user)
    replay = client.post(CODE, {"code": code})
    assert replay.status_code == 200 and not authenticated(client)
    assert "sudah dipakai" in replay.content.decode()  # "used already", in Indonesian
    assert AuditEvent.objects.filter(action="login.code_replayed").exists()


@pytest.mark.parametrize(("steps", "accepted"), [(-1, True), (1, True), (-2, False), (2, False)])
def test_one_step_either_side_is_accepted_and_drift_recorded(client, enrolled, steps, accepted):
    user, totp = enrolled
    password_step(client, user)
    code = totp.at(time.time() + steps * 30)
    response = client.post(CODE, {"code": code})
    assert authenticated(client) is accepted
    if accepted:
        assert AuthenticatorDevice.objects.get(user=user).drift == steps
    else:
        assert "otomatis" in response.content.decode()


def test_a_recovery_code_replaces_the_app_once(client, enrolled):
    user, _ = enrolled
    codes = mfa.regenerate_recovery_codes(user=user)
    password_step(client, user)
    response = client.post(CODE, {"code": codes[0].lower()}, follow=True)
    assert authenticated(client)
    assert "9" in response.content.decode()  # "9 codes remain"
    client.post(reverse("accounts:logout"))
    password_step(client, user)
    client.post(CODE, {"code": codes[0]})
    assert not authenticated(client)


@override_settings(ASN_MFA_LOCK_AFTER=3, ASN_THROTTLE_CODE_FREE=100)
def test_authenticator_locks_after_consecutive_wrong_codes(client, enrolled):
    user, totp = enrolled
    password_step(client, user)
    for _ in range(3):
        client.post(CODE, {"code": "000000"})
    response = client.post(CODE, {"code": totp.now()})
    assert not authenticated(client)
    assert "BKPSDM" in response.content.decode()
    assert AuthenticatorDevice.objects.get(user=user).locked_at is not None
    assert AuditEvent.objects.filter(action="mfa.device_locked").count() == 1


@override_settings(ASN_THROTTLE_CAPTCHA_AFTER=2, ASN_THROTTLE_ACCOUNT_LIMIT=4)
def test_throttle_refuses_before_hashing_and_points_to_the_way_in(
    client, civil_servant, monkeypatch
):
    assert wrong_password(client, civil_servant.nip, 4).status_code == 200
    hashed = []
    from django.contrib.auth import hashers

    real = hashers.check_password
    monkeypatch.setattr(
        hashers, "check_password", lambda *a, **k: hashed.append(1) or real(*a, **k)
    )
    from asndigital.accounts.models import User

    monkeypatch.setattr(User, "check_password", lambda self, raw: hashed.append(1) or False)
    response = client.post(LOGIN, {"username": civil_servant.nip, "password": PASSWORD})
    assert response.status_code == 429
    assert "peramban tempat Anda pernah masuk" in response.content.decode()  # the way in
    assert hashed == []
    assert not authenticated(client)


@override_settings(ASN_THROTTLE_CAPTCHA_AFTER=3)
def test_throttle_counts_unknown_accounts_the_same_way(client, db):
    pages = [
        client.post(LOGIN, {"username": "199001012015011999", "password": "x" * 12})
        for _ in range(4)
    ]
    assert [p.status_code for p in pages] == [200, 200, 200, 200]
    # The third failure asks for the captcha; the fourth attempt, without it, is not judged.
    assert ["altcha-widget" in p.content.decode() for p in pages] == [False, False, True, True]
    assert AuditEvent.objects.filter(action="login.failed").count() == 3


ARGON2_ONLY = ["asndigital.accounts.hashers.ConfiguredArgon2PasswordHasher"]


@override_settings(PASSWORD_HASHERS=ARGON2_ONLY, ARGON2_TIME_COST=1)
def _old_hash(password: str) -> str:
    from django.contrib.auth.hashers import make_password

    return make_password(password)


@override_settings(
    PASSWORD_HASHERS=ARGON2_ONLY,
    ARGON2_TIME_COST=2,
    ARGON2_MEMORY_COST_KIB=19 * 1024,
    ARGON2_PARALLELISM=1,
)
def test_passwords_are_argon2id_and_rehashed_when_the_parameters_change(client, civil_servant):
    user = civil_servant.user
    user.password = _old_hash(PASSWORD)
    user.save()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=1,p=1$")
    password_step(client, user)
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_the_header_offers_log_in_except_while_signing_in(client, civil_servant):
    button = f'class="button small" href="{reverse("accounts:login")}"'
    assert button in client.get(reverse("core:landing")).content.decode()
    assert button not in client.get(reverse("accounts:login")).content.decode()
    password_step(client, civil_servant.user)
    assert button not in client.get(reverse("accounts:activate")).content.decode()

"""Account security: devices, recovery codes, re-authentication, sessions."""

import re
import time

import pyotp
import pytest
from django.test import Client, override_settings
from django.urls import reverse

from asndigital.accounts import mfa
from asndigital.accounts.models import AuthenticatorDevice
from asndigital.audit.models import AuditEvent
from tests.factories import UserFactory
from tests.helpers import TOTP, enrol

PASSWORD = "Kata-sandi-uji-123"
SECURITY = reverse("accounts:security")


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def signed_in(client, user):
    enrol(user)
    client.force_login(user)
    return client


def reauth(client, code=None):
    return client.post(
        reverse("accounts:reauth"), {"password": PASSWORD, "code": code or TOTP.now()}
    )


def test_security_page_lists_devices_and_hides_changes_until_confirmed(signed_in):
    page = signed_in.get(SECURITY).content.decode()
    assert "HP lama" in page
    assert reverse("accounts:add_device") not in page
    assert signed_in.get(reverse("accounts:add_device")).status_code == 302


def test_reauth_needs_password_and_a_current_code(signed_in, user):
    signed_in.post(reverse("accounts:reauth"), {"password": "salah", "code": TOTP.now()})
    assert reverse("accounts:add_device") not in signed_in.get(SECURITY).content.decode()
    reauth(signed_in, code="000000")
    assert reverse("accounts:add_device") not in signed_in.get(SECURITY).content.decode()
    reauth(signed_in)
    assert reverse("accounts:add_device") in signed_in.get(SECURITY).content.decode()


def test_add_a_second_device_then_remove_one_but_never_the_last(signed_in, user):
    reauth(signed_in)
    page = signed_in.get(reverse("accounts:add_device")).content.decode()
    key = re.search(r'id="secret-key">([^<]+)<', page).group(1).replace(" ", "")
    response = signed_in.post(
        reverse("accounts:add_device"), {"code": pyotp.TOTP(key).now(), "name": "HP baru"}
    )
    assert response.status_code == 302
    devices = list(AuthenticatorDevice.objects.filter(user=user).order_by("created_at"))
    assert [d.name for d in devices] == ["HP lama", "HP baru"]
    signed_in.post(reverse("accounts:remove_device", args=[devices[0].pk]))
    assert list(AuthenticatorDevice.objects.filter(user=user).values_list("name", flat=True)) == [
        "HP baru"
    ]
    signed_in.post(reverse("accounts:remove_device", args=[devices[1].pk]))
    assert AuthenticatorDevice.objects.filter(user=user).count() == 1  # the last one stays
    actions = set(AuditEvent.objects.filter(actor_id=user.pk).values_list("action", flat=True))
    assert {"mfa.device_added", "mfa.device_removed"} <= actions


def test_removing_needs_reauthentication(signed_in, user):
    enrol(user, name="HP kedua")
    device = AuthenticatorDevice.objects.filter(user=user).first()
    signed_in.post(reverse("accounts:remove_device", args=[device.pk]))
    assert AuthenticatorDevice.objects.filter(user=user).count() == 2


def test_nobody_touches_another_persons_device(signed_in, db):
    other = UserFactory()
    theirs = enrol(other, name="Milik orang lain")
    reauth(signed_in)
    signed_in.post(reverse("accounts:rename_device", args=[theirs.pk]), {"name": "dibajak"})
    signed_in.post(reverse("accounts:remove_device", args=[theirs.pk]))
    theirs.refresh_from_db()
    assert theirs.name == "Milik orang lain"


def test_rename_and_new_recovery_codes(signed_in, user):
    device = AuthenticatorDevice.objects.get(user=user)
    signed_in.post(reverse("accounts:rename_device", args=[device.pk]), {"name": "HP kantor"})
    device.refresh_from_db()
    assert device.name == "HP kantor"
    old = mfa.regenerate_recovery_codes(user=user)
    reauth(signed_in)
    response = signed_in.post(reverse("accounts:regenerate_codes"))
    assert response["Location"] == reverse("accounts:recovery_codes")
    page = signed_in.get(reverse("accounts:recovery_codes")).content.decode()
    new = re.findall(r"<li>([A-Z2-9-]{19})</li>", page)
    assert len(new) == 10 and not set(new) & set(old)
    assert mfa.use_recovery_code(user=user, code=old[0]) is None
    assert mfa.use_recovery_code(user=user, code=new[0]) == 9


def test_log_out_everywhere_ends_every_session(user):
    enrol(user)
    phone, laptop = Client(), Client()
    phone.force_login(user)
    laptop.force_login(user)
    assert laptop.get(SECURITY).status_code == 200
    phone.post(reverse("accounts:logout_everywhere"))
    assert laptop.get(SECURITY).status_code == 302  # the other session is gone too
    assert phone.get(SECURITY).status_code == 302
    assert AuditEvent.objects.filter(action="sessions.ended", target_id=str(user.pk)).exists()


@override_settings(ASN_SESSION_IDLE_SECONDS=3600)
def test_idle_session_ends_after_an_hour(signed_in):
    assert signed_in.get(SECURITY).status_code == 200
    session = signed_in.session
    session["asn_seen"] = int(time.time()) - 3601
    session.save()
    response = signed_in.get(SECURITY)
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login")
    )
    assert "_auth_user_id" not in signed_in.session


@override_settings(SESSION_COOKIE_AGE=24 * 3600)
def test_session_ends_a_day_after_sign_in_even_when_active(signed_in):
    signed_in.get(SECURITY)
    session = signed_in.session
    session["asn_started"] = int(time.time()) - 24 * 3600 - 1
    session["asn_seen"] = int(time.time())
    session.save()
    assert signed_in.get(SECURITY).status_code == 302


def test_login_gives_a_new_session_key(client, user):
    enrol(user)
    user.set_password(PASSWORD)
    user.save()
    client.get(reverse("accounts:login"))
    client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    before = client.session.session_key
    client.post(reverse("accounts:code"), {"code": TOTP.now()})
    assert "_auth_user_id" in client.session
    assert client.session.session_key != before

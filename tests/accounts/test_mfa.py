"""Authenticator codes: window, single use under races (threads and processes), encryption."""

import base64
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyotp
import pytest
from django.conf import settings
from django.db import connection, connections

from asndigital.accounts import mfa
from asndigital.accounts.models import AuthenticatorDevice
from asndigital.core.crypto import SealError, seal, unseal
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
SECRET = b"12345678901234567890"


def enrol(user, secret=SECRET):
    device = AuthenticatorDevice(user=user, name="HP")
    device.sealed_key = seal(secret, context=f"totp:{device.pk}")
    device.save()
    return device


def code_at(when: float) -> str:
    """The code an app shows at ``when``, computed by pyotp (not by the code under test)."""
    return pyotp.TOTP(base64.b32encode(SECRET).decode()).at(when)


def test_sealed_values_open_only_in_their_own_context():
    sealed = seal(b"rahasia", context="totp:a")
    assert b"rahasia" not in sealed
    assert unseal(sealed, context="totp:a") == b"rahasia"
    with pytest.raises(SealError):
        unseal(sealed, context="totp:b")
    tampered = bytearray(sealed)
    tampered[-1] ^= 1
    with pytest.raises(SealError):
        unseal(bytes(tampered), context="totp:a")


def test_otpauth_uri_is_the_standard_one():
    user = UserFactory.build(username="198609262015051001")
    uri = mfa.otpauth_uri(user, SECRET)
    parsed = pyotp.parse_uri(uri)
    assert parsed.issuer == "ASN Digital" and parsed.name == "198609262015051001"
    assert parsed.digits == 6 and parsed.interval == 30
    assert "algorithm=SHA1" in uri
    assert mfa.secret_text(SECRET).replace(" ", "") == parsed.secret


@pytest.mark.django_db
def test_codes_in_the_window_work_once_and_others_never():
    user = UserFactory()
    enrol(user)
    now = time.time()
    assert mfa.check_code(user=user, code=code_at(now - 30), now=now).ok
    assert mfa.check_code(user=user, code=code_at(now - 30), now=now).reason == "replayed"
    assert mfa.check_code(user=user, code=code_at(now - 60), now=now).reason == "invalid"
    assert mfa.check_code(user=user, code=code_at(now), now=now).ok
    assert mfa.check_code(user=user, code=code_at(now + 30), now=now).ok
    assert mfa.check_code(user=user, code=code_at(now + 90), now=now).reason == "invalid"
    assert mfa.check_code(user=user, code="12345", now=now).reason == "invalid"


@pytest.mark.django_db
def test_a_code_accepted_for_a_later_step_voids_earlier_steps():
    user = UserFactory()
    enrol(user)
    now = time.time()
    assert mfa.check_code(user=user, code=code_at(now + 30), now=now).ok
    assert not mfa.check_code(user=user, code=code_at(now), now=now).ok


@pytest.mark.django_db
def test_user_without_device_is_told_so():
    assert mfa.check_code(user=UserFactory(), code="123456").reason == "no_device"


def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("races between connections are proven on PostgreSQL (CI runs this there)")


@pytest.mark.django_db(transaction=True)
def test_two_threads_racing_with_one_code_let_exactly_one_in():
    _postgres_only()
    user = UserFactory()
    enrol(user)
    code = code_at(time.time())
    barrier = threading.Barrier(2)
    results = []

    def attempt():
        try:
            barrier.wait()
            results.append(mfa.check_code(user=user, code=code).reason)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["ok", "replayed"]


RACER = """
import sys, time
from asndigital.accounts import mfa
from asndigital.accounts.models import User
user = User.objects.get(pk=sys.argv[1])
start = float(sys.argv[3])
time.sleep(max(0, start - time.time()))
print("RESULT", mfa.check_code(user=user, code=sys.argv[2]).reason)
"""


@pytest.mark.django_db(transaction=True)
def test_two_app_processes_racing_with_one_code_let_exactly_one_in():
    _postgres_only()
    user = UserFactory()
    enrol(user)
    code = code_at(time.time())
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = dict(os.environ, ASN_ENV="test", DATABASE_URL=url, SECRET_KEY=settings.SECRET_KEY)
    start = str(time.time() + 4)  # both processes are up by then and fire together
    script = ROOT / "var" / "racer.py"
    script.parent.mkdir(exist_ok=True)
    script.write_text(RACER)
    command = [
        sys.executable,
        "manage.py",
        "shell",
        "--no-imports",
        "-c",
        f"import sys; sys.argv=['x', '{user.pk}', '{code}', '{start}']; "
        f"exec(open({str(script)!r}).read())",
    ]
    racers = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [racer.communicate(timeout=60)[0] for racer in racers]
    results = sorted(
        line.split()[1] for out in outputs for line in out.splitlines() if line.startswith("RESULT")
    )
    assert results == ["ok", "replayed"], outputs

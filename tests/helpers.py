"""Helpers the tests share: documents uploaded through the real service, authenticator apps
enrolled with a known secret, codes computed by pyotp (not by the code under test), captchas
solved as the browser widget solves them. Factories live in ``tests/factories.py``; test modules
import from these two, never from each other."""

from __future__ import annotations

import ast
import base64
import html
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import altcha
import pyotp
import pytest
from django.db import connection
from django.urls import reverse

from asndigital.accounts import passkeys
from asndigital.accounts.models import AuthenticatorDevice
from asndigital.audit import chain, guard
from asndigital.audit.models import AuditEvent, AuditLink
from asndigital.core.crypto import seal
from asndigital.documents import services
from asndigital.documents.models import DocumentType
from asndigital.records import destruction
from tests.documents.files import pdf_bytes
from tests.softkey import SoftAuthenticator

# --- Documents ---------------------------------------------------------------------------------

META = {"nomor_sk": "813/KEP-12/2015", "tanggal_sk": "02-03-2015", "tmt": "01-03-2015"}


def upload(
    actor,
    employee,
    content=None,
    name="SK CPNS.pdf",
    code="sk-cpns",
    meta=META,
    document=None,
    **options,
):
    """A version uploaded through ``documents.services.upload_document``, in 100-byte chunks
    (``options``: the service's other arguments, ``replace_accepted`` for one)."""
    content = pdf_bytes() if content is None else content
    return services.upload_document(
        **options,
        actor=actor,
        employee=employee,
        doc_type=DocumentType.objects.get(code=code),
        chunks=iter([content[i : i + 100] for i in range(0, len(content), 100)]),
        original_name=name,
        metadata=meta,
        source="digital",
        document=document,
    )


def require_tesseract():
    """Skip without Tesseract and its Indonesian model; fail under ASN_REQUIRE_OCR=1 (CI)."""
    found = shutil.which("tesseract") and subprocess.run(
        ["tesseract", "--list-langs"], capture_output=True, text=True, check=False
    )
    if not found or "ind" not in found.stdout.split():
        message = "tesseract-ocr and tesseract-ocr-ind not installed"
        if os.environ.get("ASN_REQUIRE_OCR") == "1":
            pytest.fail(message)
        pytest.skip(f"{message}; `make ocr` installs them")


def stored_files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


# --- Authenticator apps ------------------------------------------------------------------------

SECRET = b"abcdefghijklmnopqrst"
TOTP = pyotp.TOTP(base64.b32encode(SECRET).decode())


def enrol(user, name="HP lama", secret=SECRET):
    """An authenticator app for ``user`` whose codes ``TOTP`` (or ``code_at``) computes."""
    device = AuthenticatorDevice(user=user, name=name)
    device.sealed_key = seal(secret, context=f"totp:{device.pk}")
    device.save()
    return device


def code_at(when: float, secret=SECRET) -> str:
    """The code an app shows at ``when``, computed by pyotp."""
    return pyotp.TOTP(base64.b32encode(secret).decode()).at(when)


# --- Captcha -----------------------------------------------------------------------------------


def solved_captcha(page: str) -> str:
    """Solve the proof-of-work the page carries, as the browser widget would."""
    raw = re.search(r'challengejson="([^"]+)"', page).group(1)
    challenge = json.loads(html.unescape(raw))
    solution = altcha.solve_challenge(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["max_number"]
    )
    payload = {
        "algorithm": challenge["algorithm"],
        "challenge": challenge["challenge"],
        "number": solution.number,
        "salt": challenge["salt"],
        "signature": challenge["signature"],
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()


# --- Passkeys ----------------------------------------------------------------------------------

ORIGIN = "http://localhost:8000"


def add_passkey(user, session=None, key=None, name="Laptop kantor"):
    """A passkey made by a software authenticator, through the services."""
    session = {} if session is None else session
    key = key or SoftAuthenticator(ORIGIN)
    options = passkeys.registration_options(user=user, session=session)
    passkey = passkeys.add_passkey(
        user=user, session=session, credential=key.create(options), name=name
    )
    return passkey, key


# --- Signing in ---------------------------------------------------------------------------------

LOGIN = reverse("accounts:login")


CODE = reverse("accounts:code")


ACTIVATE = reverse("accounts:activate")


PASSWORD = "Kata-sandi-uji-123"


def authenticated(client) -> bool:
    return "_auth_user_id" in client.session


def activate(client, user, name="HP Samsung saya"):
    """Password, activation with a code computed by pyotp from the key shown on the page."""
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response["Location"] == ACTIVATE
    page = client.get(ACTIVATE).content.decode()
    key = re.search(r'id="secret-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    totp = pyotp.TOTP(key)
    response = client.post(ACTIVATE, {"code": totp.now(), "name": name})
    return totp, response


def wrong_password(client, username: str, times: int = 1, page: str = ""):
    """Type a wrong password ``times`` times, solving the captcha whenever the last page shows
    one (as a person, or a patient robot, would); the last response."""
    response = None
    for _ in range(times):
        form = {"username": username, "password": "salah-sekali-123"}
        if "altcha-widget" in page:
            form["captcha"] = solved_captcha(page)
        response = client.post(LOGIN, form)
        page = response.content.decode()
    return response


# --- manage.py in a process of its own ----------------------------------------------------------

REPOSITORY = Path(__file__).resolve().parents[1]


def run_manage(*args, **env):
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ASN_", "SECRET_KEY", "DEBUG", "DATABASE_URL", "DJANGO_ALLOW"))
    }
    base.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPOSITORY,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def rsa_pem() -> str:
    """A new RSA private key in PEM (PKCS#8), like the single sign-on signing key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def production_env(**extra):
    env = {
        "ASN_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "asndigital.example.go.id",
        "ASN_WEBAUTHN_RP_ID": "asndigital.example.go.id",
        "ASN_WEBAUTHN_ORIGINS": "https://asndigital.example.go.id",
        "DATABASE_URL": "sqlite:///:memory:",
        "ASN_SECRETS_KEYS": "1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "ASN_AUDIT_SIGNING_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "ASN_OIDC_SIGNING_KEY": rsa_pem(),
    }
    env.update(extra)
    return env


# --- Browser window sizes ------------------------------------------------------------------------

DESKTOP = {"width": 1280, "height": 900}

PHONE = {"width": 390, "height": 844}


# --- Reading the project's code ------------------------------------------------------------------

ROOT = REPOSITORY / "asndigital"  # the project's code
RECORDERS = {"record", "one", "many", "open_checked", "_damaged"}


def recorded_actions(source: str) -> set[str]:
    """Literal actions passed to the recorders (second argument, or ``action=``)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in RECORDERS:
            continue
        candidates = [node.args[1]] if len(node.args) >= 2 else []
        candidates += [kw.value for kw in node.keywords if kw.arg == "action"]
        for value in candidates:
            if isinstance(value, ast.IfExp):
                candidates += [value.body, value.orelse]
            elif isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.add(value.value)
    return found


def sign_in_with_password(page, base, employee, password=PASSWORD):
    page.goto(f"{base}/akun/masuk/")
    page.fill("#id_username", employee.nip_grouped)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/masuk/kode/")


# --- Records -------------------------------------------------------------------------------------

WITNESSES = ["Siti Aminah, S.Sos", "Budi Hartono"]


def personal_file_schedule():
    """The default retention of personal files (1 + 2 years, then destroyed). It comes from a
    data migration, which a transactional test's flush empties: make sure it is there."""
    from asndigital.records.models import RetentionSchedule

    return RetentionSchedule.objects.get_or_create(
        series="berkas-perseorangan",
        defaults={
            "name": "Berkas perseorangan ASN",
            "active_years": 1,
            "inactive_years": 2,
            "trigger": "berhenti_bekerja",
            "disposition": "musnah",
        },
    )[0]


def approved(people, agency):
    proposal = destruction.create_proposal(actor=people["officer"], agency=agency, title="DAUM 1")
    destruction.submit(actor=people["officer"], proposal=proposal)
    opinions = {item.pk: ("musnah", "") for item in proposal.items.all()}
    destruction.appraise(actor=people["appraiser"], proposal=proposal, opinions=opinions)
    return destruction.approve(actor=people["approver"], proposal=proposal)


# --- Contrast as chromium draws it ---------------------------------------------------------------

CONTRAST = """
(element) => {
  const rgb = (text) => text.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let node = element, background = "rgba(0, 0, 0, 0)";
  while (node && /rgba\\(0, 0, 0, 0\\)|transparent/.test(background)) {
    background = getComputedStyle(node).backgroundColor;
    node = node.parentElement;
  }
  const [a, b] = [lum(rgb(getComputedStyle(element).color)), lum(rgb(background))];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
"""


def committed_late(meanwhile) -> int:
    """An event written on another connection whose transaction commits only after
    ``meanwhile`` (later events, committed and sealed); its id."""
    import threading

    from django.db import connection, transaction

    from asndigital.audit import chain
    from asndigital.audit.models import AuditLink
    from asndigital.audit.services import record

    written, go_on, ids = threading.Event(), threading.Event(), []

    def writer():
        try:
            with transaction.atomic():
                ids.append(record(None, "test.late").pk)
                written.set()
                go_on.wait(30)
        finally:
            connection.close()

    other = threading.Thread(target=writer)
    other.start()
    assert written.wait(30)
    meanwhile()
    assert not AuditLink.objects.filter(event_id=ids[0]).exists()  # not committed yet
    go_on.set()
    other.join()
    chain.seal()
    return ids[0]


# --- What an insider with the database could do -----------------------------------------------

AT = "id = (SELECT event_id FROM audit_auditlink WHERE position = %s)"  # the event at a position


def tamper(sql, params=()):
    """What someone with direct database access could do after disabling the triggers."""
    with guard.maintenance(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def change_event(assignment: str, position: int) -> None:
    """UPDATE (by hand) the event chained at ``position``."""
    tamper(f"UPDATE audit_auditevent SET {assignment} WHERE {AT}", [position])  # noqa: S608


def rewrite_everything():
    """Change an event, recompute every later hash and the head: the chain holds again."""
    change_event(
        "action = 'test.other', canonical = replace(canonical, 'test.happened', 'test.other')", 1
    )
    previous = chain.GENESIS
    for link in AuditLink.objects.order_by("position"):
        text = AuditEvent.objects.get(pk=link.event_id).canonical
        previous = chain.link(link.position, previous, text)
        tamper(
            "UPDATE audit_auditlink SET hash = %s WHERE position = %s", [previous, link.position]
        )
    tamper("UPDATE audit_chainhead SET hash = %s", [previous])

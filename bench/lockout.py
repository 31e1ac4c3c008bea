#!/usr/bin/env python
"""Benchmark: sign-in throttling cannot be turned against the owner (docs/authentication.md).

In one Django process (the test client, no network) on a fresh SQLite database in a temporary
folder (or `--database-url`), with the real Argon2id hasher and the real views:

- Scenario A: the owner signs in fully (password and code) once from their browser, which
  becomes a known browser. Then 1,000 wrong passwords arrive from 50 addresses (20 each), the
  attacker solving the captcha whenever it is asked for. Then the owner, from their known
  browser: how many attempts until the password is accepted, the status codes seen, and
  whether the full sign-in (the code) completes. For contrast, the owner from a new browser.
- Scenario B: 200 colleagues behind one address (a NAT office) each sign in (password and
  code) while one of them mistypes 20 times, the typos spread among their sign-ins: how many
  of the 200 signed in at the first try, and how many were refused or asked for the captcha.

The captcha's work is made small (max number 1,000) so that solving it in Python does not
dominate; the server still verifies every solution. Figures are counts, not timings (the
seconds are shown for information). Run: `make bench-lockout` or
`.venv/bin/python bench/lockout.py [--attempts 1000 --addresses 50 --colleagues 200 --typos 20]`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from common import django_env, manage, print_report, shell_result

INNER = r"""
import base64, collections, hashlib, html, json, re, time
import altcha, pyotp
from asndigital.audit.models import AuditEvent
from django.contrib.auth.hashers import make_password
from django.test import Client
from asndigital.accounts.models import AuthenticatorDevice, User
from asndigital.core.crypto import seal

PASSWORD = "Bench-Kata-Sandi-2026!"
hashed = make_password(PASSWORD)


def person(username):
    user = User.objects.create(username=username, password=hashed)
    secret = hashlib.sha1(username.encode(), usedforsecurity=False).digest()
    device = AuthenticatorDevice(user=user, name="bench")
    device.sealed_key = seal(secret, context=f"totp:{device.pk}")
    device.save()
    return user


def code(username, later=0):
    secret = base64.b32encode(hashlib.sha1(username.encode(), usedforsecurity=False).digest())
    return pyotp.TOTP(secret.decode()).at(time.time() + later)


def solve(page):
    raw = re.search(r'challengejson="([^"]+)"', page).group(1)
    c = json.loads(html.unescape(raw))
    s = altcha.solve_challenge(c["challenge"], c["salt"], c["algorithm"], c["max_number"])
    return base64.b64encode(json.dumps({"algorithm": c["algorithm"], "challenge": c["challenge"],
        "number": s.number, "salt": c["salt"], "signature": c["signature"]}).encode()).decode()


hashes = [0]
real_check = User.check_password


def counting(self, raw):
    hashes[0] += 1
    return real_check(self, raw)


User.check_password = counting  # the owner exists: every checked password is one hash


def attempt(client, username, password, page=""):
    # One POST of the sign-in form; the captcha solved when the last page asked for it.
    form = {"username": username, "password": password}
    if "altcha-widget" in page:
        form["captcha"] = solve(page)
    response = client.post("/akun/masuk/", form)
    return response, response.content.decode()


def kind(response, page):
    if response.status_code == 302:
        return "accepted"
    if response.status_code == 429:
        return "refused"
    return "captcha_shown" if "altcha-widget" in page else "no_captcha"


# --- Scenario A -------------------------------------------------------------------------------
owner = person("198601012010011001")
mine = Client(REMOTE_ADDR="10.0.0.1")
attempt(mine, owner.username, PASSWORD)
assert mine.post("/akun/masuk/kode/", {"code": code(owner.username)}).status_code == 302
mine.post("/akun/keluar/")
known_cookie = "asn_known" in mine.cookies

attacks = collections.Counter()
solved = 0
start = time.perf_counter()
hashes[0] = 0
for a in range(ADDRESSES):
    client, page = Client(REMOTE_ADDR=f"203.0.{a // 250}.{a % 250 + 1}"), ""
    for _ in range(ATTEMPTS // ADDRESSES):
        solved += "altcha-widget" in page
        response, page = attempt(client, owner.username, "salah-tebak-123", page)
        attacks[response.status_code] += 1
attack_s = time.perf_counter() - start
attack_hashes = hashes[0]
judged = AuditEvent.objects.filter(action="login.failed").count()

stranger_status = attempt(Client(REMOTE_ADDR="10.0.0.2"), owner.username, PASSWORD)[0].status_code
owner_statuses = []
for _ in range(5):
    response, page = attempt(mine, owner.username, PASSWORD)
    owner_statuses.append(response.status_code)
    if response.status_code == 302:
        break
# The first sign-in used this 30-second step's code: the app shows the next one.
done = mine.post("/akun/masuk/kode/", {"code": code(owner.username, 30)})
owner_signed_in = done.status_code == 302 and "_auth_user_id" in mine.session
mine.post("/akun/keluar/")
after_status = attempt(Client(REMOTE_ADDR="10.0.0.3"), owner.username, PASSWORD)[0].status_code

# --- Scenario B -------------------------------------------------------------------------------
OFFICE = "36.80.1.1"
colleagues = [person(f"19870101201001{i:04d}") for i in range(COLLEAGUES)]
clumsy = person("198801012010012999")
typist, typist_page = Client(REMOTE_ADDR=OFFICE), ""
typist_kinds = collections.Counter()
first_try = collections.Counter()
every = max(1, COLLEAGUES // TYPOS)
start = time.perf_counter()
for i, colleague in enumerate(colleagues):
    if i % every == 0 and sum(typist_kinds.values()) < TYPOS:
        response, typist_page = attempt(typist, clumsy.username, "salah-ketik-123", typist_page)
        typist_kinds[kind(response, typist_page)] += 1
    client = Client(REMOTE_ADDR=OFFICE)
    client.get("/akun/masuk/")
    response, page = attempt(client, colleague.username, PASSWORD)
    outcome = kind(response, page)
    if outcome == "accepted":
        full = client.post("/akun/masuk/kode/", {"code": code(colleague.username)})
        outcome = "signed_in" if full.status_code == 302 else "code_failed"
    first_try[outcome] += 1
while sum(typist_kinds.values()) < TYPOS:
    response, typist_page = attempt(typist, clumsy.username, "salah-ketik-123", typist_page)
    typist_kinds[kind(response, typist_page)] += 1
office_s = time.perf_counter() - start

print("RESULT " + json.dumps({
    "a_known_cookie_set": known_cookie,
    "a_attack_statuses": {str(k): v for k, v in sorted(attacks.items())},
    "a_captchas_solved_by_attacker": solved,
    "a_password_hashes_during_attack": attack_hashes,
    "a_judged": judged,
    "a_attack_seconds": attack_s,
    "a_owner_new_browser_status": stranger_status,
    "a_owner_known_browser_statuses": owner_statuses,
    "a_owner_signed_in": owner_signed_in,
    "a_new_browser_after_owner_signed_in": after_status,
    "b_colleagues": dict(first_try),
    "b_typist": dict(typist_kinds),
    "b_seconds": office_s,
}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--addresses", type=int, default=50)
    parser.add_argument("--colleagues", type=int, default=200)
    parser.add_argument("--typos", type=int, default=20)
    parser.add_argument("--database-url", help="instead of SQLite in a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="asn-bench-lockout-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'lockout.sqlite3'}"
        env = django_env(
            url, ALLOWED_HOSTS="testserver", ASN_CAPTCHA_MAX_NUMBER="1000", ASN_VAR_DIR=tmp
        )
        manage(["migrate", "-v", "0"], env)
        manage(["createcachetable"], env)
        params = (
            f"ATTEMPTS, ADDRESSES = {args.attempts}, {args.addresses}\n"
            f"COLLEAGUES, TYPOS = {args.colleagues}, {args.typos}\n"
        )
        data = shell_result(params + INNER, env)
    colleagues = data["b_colleagues"]
    signed_first = colleagues.get("signed_in", 0)
    result = {
        "benchmark": "lockout",
        "attempts": args.attempts,
        "addresses": args.addresses,
        "attack_statuses": data["a_attack_statuses"],
        "attacker_captchas_solved": data["a_captchas_solved_by_attacker"],
        "attempts_judged": data["a_judged"],
        "password_hashes_during_attack": data["a_password_hashes_during_attack"],
        "owner_known_browser_attempts": len(data["a_owner_known_browser_statuses"]),
        "owner_known_browser_statuses": data["a_owner_known_browser_statuses"],
        "owner_signed_in": data["a_owner_signed_in"],
        "owner_new_browser_status": data["a_owner_new_browser_status"],
        "new_browser_after_owner_signed_in": data["a_new_browser_after_owner_signed_in"],
        "colleagues": args.colleagues,
        "typos": args.typos,
        "colleagues_signed_in_first_try": signed_first,
        "colleagues_refused": colleagues.get("refused", 0),
        "colleagues_stepped_up": colleagues.get("captcha_shown", 0),
        "colleague_outcomes": colleagues,
        "typist_outcomes": data["b_typist"],
        "attack_seconds": round(data["a_attack_seconds"], 2),
        "office_seconds": round(data["b_seconds"], 2),
    }
    rows = [
        ("A: wrong passwords sent (addresses)", f"{args.attempts} ({args.addresses})"),
        ("A: their statuses", json.dumps(result["attack_statuses"])),
        ("A: of them judged (password checked)", str(result["attempts_judged"])),
        ("A: captchas the attacker solved", str(result["attacker_captchas_solved"])),
        ("A: password hashes computed for them", str(result["password_hashes_during_attack"])),
        ("A: owner, new browser", str(result["owner_new_browser_status"])),
        (
            "A: owner, known browser: attempts (statuses)",
            f"{result['owner_known_browser_attempts']} {result['owner_known_browser_statuses']}",
        ),
        ("A: owner fully signed in (code)", "yes" if result["owner_signed_in"] else "NO"),
        ("A: new browser after that", str(result["new_browser_after_owner_signed_in"])),
        ("B: colleagues behind one address", str(args.colleagues)),
        ("B: signed in at the first try", str(signed_first)),
        (
            "B: refused / asked for the captcha",
            "{} / {}".format(result["colleagues_refused"], result["colleagues_stepped_up"]),
        ),
        ("B: the one who mistyped: answers", json.dumps(result["typist_outcomes"])),
        ("seconds (A attack, B office)", f"{result['attack_seconds']}, {result['office_seconds']}"),
    ]
    print_report(rows, result)


if __name__ == "__main__":
    sys.exit(main())

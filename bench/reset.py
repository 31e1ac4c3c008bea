#!/usr/bin/env python
"""Benchmark: reset requests one app process absorbs, accepted and refused.

In one Django process (the test client, no network) against PostgreSQL: the "Reset Password"
steps 1 and 2 (NIP + captcha, then the registered e-mail) for many accounts from many addresses
(accepted: each queues the background work), then the same account and address hammered past
its limit (refused with 429 before anything else). Counts the password hashes computed during the
refused requests (the goal: none). The captcha's work is made small (max number 1,000) so that
solving it in Python does not dominate; the server still verifies every solution.

Run: `make bench-reset` or `.venv/bin/python bench/reset.py [--requests 500]`.
"""

from __future__ import annotations

import argparse
import sys

from common import django_env, manage, print_report, recreate_database, shell_result

PG_DATABASE = "asn_bench_reset"

INNER = r"""
import base64, html, json, re, time
import altcha
from django.contrib.auth import hashers
from django.contrib.auth.hashers import make_password
from django.test import Client
from asndigital.accounts.models import User

N = {requests}
hashed = make_password("Bench-Kata-Sandi-2026!")
User.objects.bulk_create([User(username=f"reset{{i:05d}}", password=hashed,
                               email=f"reset{{i}}@example.go.id") for i in range(N)])

def captcha(page):
    raw = re.search(r'challengejson="([^"]+)"', page).group(1)
    c = json.loads(html.unescape(raw))
    s = altcha.solve_challenge(c["challenge"], c["salt"], c["algorithm"], c["max_number"])
    return base64.b64encode(json.dumps({{"algorithm": c["algorithm"], "challenge": c["challenge"],
        "number": s.number, "salt": c["salt"], "signature": c["signature"]}}).encode()).decode()

hashes = [0]


def counting(real):
    def wrapper(*a, **k):
        hashes[0] += 1
        return real(*a, **k)
    return wrapper


hashers.check_password = counting(hashers.check_password)
hashers.make_password = counting(hashers.make_password)
User.check_password = counting(User.check_password)

# Accepted: distinct accounts and addresses (no limit reached).
prepared = []
for i in range(N):
    client = Client(REMOTE_ADDR=f"10.{{i // 65536 % 256}}.{{i // 256 % 256}}.{{i % 256}}")
    page = client.get("/akun/lupa-kata-sandi/").content.decode()
    prepared.append((client, captcha(page), f"reset{{i:05d}}", f"reset{{i}}@example.go.id"))
start = time.perf_counter()
statuses = []
for client, token, username, email in prepared:
    client.post("/akun/lupa-kata-sandi/", {{"username": username, "captcha": token}})
    statuses.append(client.post("/akun/lupa-kata-sandi/email/", {{"email": email}}).status_code)
accepted_s = time.perf_counter() - start

# Refused: one account from one address, past its limit.
client = Client(REMOTE_ADDR="192.0.2.1")
page = client.get("/akun/lupa-kata-sandi/").content.decode()
client.post("/akun/lupa-kata-sandi/", {{"username": "reset00000", "captcha": captcha(page)}})
first = [client.post("/akun/lupa-kata-sandi/email/", {{"email": "x@example.go.id"}}).status_code
         for _ in range(10)]
hashes[0] = 0
start = time.perf_counter()
refused = [client.post("/akun/lupa-kata-sandi/email/", {{"email": "x@example.go.id"}}).status_code
           for _ in range(N)]
refused_s = time.perf_counter() - start
confirm = [client.post("/akun/lupa-kata-sandi/konfirmasi/", {{"code": "ABCDEFGH",
           "new_password1": "kuda lumping makan sate", "new_password2": "kuda lumping makan sate"}}
           ).status_code for _ in range(20)]
print("RESULT " + json.dumps({{
    "accepted": statuses.count(302), "accepted_seconds": accepted_s,
    "first_ten_statuses": first,
    "refused": refused.count(429), "refused_seconds": refused_s,
    "password_hashes_during_refused": hashes[0],
    "confirm_statuses": sorted(set(confirm)),
}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    env = django_env(
        recreate_database(PG_DATABASE), ALLOWED_HOSTS="testserver", ASN_CAPTCHA_MAX_NUMBER="1000"
    )
    manage(["migrate", "-v", "0"], env)
    manage(["createcachetable"], env)
    data = shell_result(INNER.format(requests=args.requests), env)
    result = {
        "benchmark": "reset_requests",
        "requests": args.requests,
        "accepted_per_s": round(data["accepted"] / data["accepted_seconds"], 1),
        "accepted": data["accepted"],
        "refused_per_s": round(data["refused"] / data["refused_seconds"], 1),
        "refused": data["refused"],
        "limit_reached_after": data["first_ten_statuses"].count(302),
        "password_hashes_during_refused": data["password_hashes_during_refused"],
        "confirm_statuses_when_limited": data["confirm_statuses"],
    }
    rows = [
        (
            "accepted reset requests/s (steps 1+2, one process)",
            f"{result['accepted_per_s']} ({result['accepted']} of {args.requests})",
        ),
        (
            "refused requests/s (same account and address)",
            f"{result['refused_per_s']} ({result['refused']} refused)",
        ),
        ("requests before the account's limit", str(result["limit_reached_after"])),
        ("password hashes during refused requests", str(result["password_hashes_during_refused"])),
    ]
    print_report(rows, result)


if __name__ == "__main__":
    sys.exit(main())

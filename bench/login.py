#!/usr/bin/env python
"""Benchmark: end-to-end logins (password + one-time code) against the real server.

gunicorn with 2 sync workers serves the app on 127.0.0.1 with PostgreSQL (the database cache
holds the throttles, as in a default deployment). Many concurrent clients each sign in as a
different user: GET the login page, POST NIP + password, POST the code (computed with pyotp).
In the same run, raw Argon2id verifications with the same parameters are timed: during the load
(one every 0.25 s in a thread of this process, its own CPU time: the ratio's denominator) and
after it. ``--redis URL`` gives the server REDIS_URL: throttles and sessions in Redis.

Reported: logins/s, p50/p95 latency of a login (the two POSTs), and the server's CPU time per
login, read from the gunicorn workers' own accounting (/proc), against the CPU time of one raw
verification. Then the same users sign in with a passkey instead of the code (password, the
passkey options, the signed answer from a software authenticator in this process: tests/softkey.py)
for --passkey-seconds: the server's CPU per passkey sign-in, against one raw assertion check by
py_webauthn. Run: `make bench-login` or `.venv/bin/python bench/login.py [--seconds 30]`.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import PG_SERVER, django_env, manage, print_report, recreate_database  # noqa: E402

from tests.softkey import SoftAuthenticator  # noqa: E402

PG_DATABASE = "asn_bench_login"
PASSWORD = "Bench-Kata-Sandi-2026!"  # noqa: S105 - a benchmark fixture
HOST, PORT = "127.0.0.1", 8079
# WebAuthn refuses an IP address as RP id: the clients say they are on localhost (passkeys are
# checked by the server against these settings, not by a browser here).
RP_ID, ORIGIN = "localhost", f"http://localhost:{PORT}"
TICKS = os.sysconf("SC_CLK_TCK")

SETUP = """
import base64, hashlib
from django.contrib.auth.hashers import make_password
from asndigital.accounts.models import AuthenticatorDevice, Passkey, User
from asndigital.core.crypto import seal
from tests.softkey import SoftAuthenticator
hashed = make_password({password!r})
users = [User(username=f"bench{{i:05d}}", password=hashed) for i in range({count})]
User.objects.bulk_create(users, batch_size=1000)
devices = []
for user in User.objects.filter(username__startswith="bench"):
    secret = hashlib.sha1(user.username.encode(), usedforsecurity=False).digest()
    device = AuthenticatorDevice(user=user, name="bench")
    device.sealed_key = seal(secret, context=f"totp:{{device.pk}}")
    devices.append(device)
AuthenticatorDevice.objects.bulk_create(devices, batch_size=1000)
keys = []
for user in User.objects.filter(username__startswith="bench"):
    soft = SoftAuthenticator.from_seed(user.username, {origin!r}, {rp_id!r})
    keys.append(Passkey(user=user, name="bench", credential_id=soft.credential_id,
                        public_key=soft.public_key_cose()))
Passkey.objects.bulk_create(keys, batch_size=1000)
print("users", len(users), "hash", hashed.split("$")[1:3])
"""


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


REDIS_URL = ""  # --redis: throttles and sessions (cached_db) in Redis, as REDIS_URL does


def env() -> dict[str, str]:
    extra = {"REDIS_URL": REDIS_URL} if REDIS_URL else {}
    found = django_env(
        f"{PG_SERVER}/{PG_DATABASE}",
        ALLOWED_HOSTS=HOST,
        ASN_WEBAUTHN_RP_ID=RP_ID,
        ASN_WEBAUTHN_ORIGINS=ORIGIN,
        **extra,
    )
    if not REDIS_URL:
        found.pop("REDIS_URL", None)
    return found


def prepare(users: int) -> None:
    recreate_database(PG_DATABASE)
    manage(["migrate", "-v", "0"], env())
    manage(["createcachetable"], env())
    setup = SETUP.format(password=PASSWORD, count=users, origin=ORIGIN, rp_id=RP_ID)
    manage(["shell", "--no-imports", "-c", setup], env())


def code_for(username: str, at: float) -> str:
    import pyotp

    digest = hashlib.sha1(username.encode(), usedforsecurity=False).digest()
    secret = base64.b32encode(digest).decode()
    return pyotp.TOTP(secret).at(at)


class Client:
    """A browser's worth of HTTP: one connection, cookies, no redirects followed."""

    def __init__(self) -> None:
        self.conn = http.client.HTTPConnection(HOST, PORT, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict | None = None, headers: dict | None = None
    ) -> tuple[int, str]:
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            **(headers or {}),
        }
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        self.body = response.read()
        return response.status, response.getheader("Location", "")

    def password(self, username: str) -> str:
        """The login page and the password; the CSRF token for the next step."""
        self.cookies.clear()
        self.request("GET", "/akun/masuk/")
        token = self.cookies.get("csrftoken", "")
        status, location = self.request(
            "POST",
            "/akun/masuk/",
            {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD},
        )
        if status != 302 or not location.endswith("/masuk/kode/"):
            raise RuntimeError(f"password step failed: {status} {location}")
        return self.cookies.get("csrftoken", token)

    def login(self, username: str, used_steps: dict) -> float:
        """One full login; returns the seconds of the two POSTs (password, code)."""
        start = time.perf_counter()
        token = self.password(username)
        now = time.time()
        step = int(now) // 30
        if used_steps.get(username) == step:  # one code per step per user: take the next step
            now += 30
        used_steps[username] = int(now) // 30
        status, location = self.request(
            "POST",
            "/akun/masuk/kode/",
            {"csrfmiddlewaretoken": token, "code": code_for(username, now)},
        )
        if status != 302 or "/masuk/" in location:
            raise RuntimeError(f"code step failed: {status} {location}")
        return time.perf_counter() - start

    def login_passkey(self, username: str, keys: dict) -> float:
        """Password, then the passkey (options, signed answer); the seconds of the three POSTs."""
        start = time.perf_counter()
        token = self.password(username)
        status, _location = self.request(
            "POST", "/akun/masuk/passkey/opsi/", headers={"X-CSRFToken": token}
        )
        if status != 200:
            raise RuntimeError(f"passkey options failed: {status}")
        answer = keys[username].get(self.body.decode())
        status, location = self.request(
            "POST", "/akun/masuk/passkey/", {"csrfmiddlewaretoken": token, "credential": answer}
        )
        if status != 302 or "/masuk/" in location:
            raise RuntimeError(f"passkey step failed: {status} {location}")
        return time.perf_counter() - start


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total / TICKS


def raw_argon2(count: int = 0, until: float = 0.0, pause: float = 0.25) -> float:
    """CPU seconds of one Argon2id verification with the app's parameters (this thread's own
    CPU time): ``count`` in a row, or one every ``pause`` seconds ``until`` a time, alongside
    the load, so that both sides of the ratio are measured under the same conditions."""
    from argon2 import PasswordHasher
    from argon2.low_level import Type

    hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)
    hashed = hasher.hash(PASSWORD)
    spent, done = 0.0, 0
    while done < count or time.time() < until:
        start = time.thread_time()
        hasher.verify(hashed, PASSWORD)
        spent += time.thread_time() - start
        done += 1
        if until:
            time.sleep(pause)
    return spent / max(1, done)


def raw_passkey_check(count: int) -> float:
    """CPU seconds of one assertion check by py_webauthn (ES256), without the web around it."""
    from webauthn import verify_authentication_response

    soft = SoftAuthenticator.from_seed("raw", ORIGIN, RP_ID)
    challenge = os.urandom(32)
    options = json.dumps({"challenge": base64.urlsafe_b64encode(challenge).decode().rstrip("=")})
    public_key = soft.public_key_cose()
    answers = [soft.get(options, rp_id=RP_ID) for _ in range(count)]
    start = time.process_time()
    for number, answer in enumerate(answers, 1):
        verify_authentication_response(
            credential=answer,
            expected_challenge=challenge,
            expected_rp_id=RP_ID,
            expected_origin=ORIGIN,
            credential_public_key=public_key,
            credential_current_sign_count=number - 1,
        )
    return (time.process_time() - start) / count


def run_load(
    users: int, clients: int, seconds: float, passkey: bool = False
) -> tuple[list[float], int, float]:
    """The latencies, the errors, and the CPU of one raw verification during the load."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.time() + seconds
    counter = iter(range(10**9))
    used_steps: dict[str, int] = {}
    keys = {}
    if passkey:  # each user's software authenticator, with its counter, shared by the clients
        for i in range(users):
            name = f"bench{i:05d}"
            keys[name] = SoftAuthenticator.from_seed(name, ORIGIN, RP_ID)

    def loop() -> None:
        client = Client()
        while time.time() < deadline:
            with lock:
                username = f"bench{next(counter) % users:05d}"
            try:
                if passkey:
                    took = client.login_passkey(username, keys)
                else:
                    took = client.login(username, used_steps)
            except Exception as exc:  # counted and shown; the run goes on
                with lock:
                    errors[0] += 1
                    if errors[0] <= 3:
                        log(f"error: {exc}")
                client = Client()
                continue
            with lock:
                latencies.append(took)

    verify = [0.0]

    def meter() -> None:
        verify[0] = raw_argon2(until=deadline)

    threads = [threading.Thread(target=loop) for _ in range(clients)]
    threads.append(threading.Thread(target=meter))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0], verify[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (16)")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--passkey-seconds", type=float, default=10, help="passkey sign-ins (10; 0: none)"
    )
    parser.add_argument(
        "--redis",
        metavar="URL",
        default="",
        help="REDIS_URL for the server (throttles and sessions in Redis), e.g. "
        "redis://127.0.0.1:6379/5; default: the database cache and database sessions",
    )
    args = parser.parse_args()
    global REDIS_URL
    REDIS_URL = args.redis

    log(f"preparing {args.users} users with devices in {PG_DATABASE}")
    prepare(args.users)
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "asndigital.wsgi:application",
            "--workers",
            str(args.workers),
            "--bind",
            f"{HOST}:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env(),
    )
    try:
        for _ in range(100):
            try:
                Client().request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        warm = Client()
        for i in range(4):  # warm both workers (imports, connections)
            warm.login(f"bench{args.users - 1 - i:05d}", {})
        pids = worker_pids(server.pid)
        cpu_before = cpu_seconds(pids)
        start = time.perf_counter()
        latencies, errors, verify = run_load(args.users - 10, args.clients, args.seconds)
        wall = time.perf_counter() - start
        cpu_per_login = (cpu_seconds(pids) - cpu_before) / max(1, len(latencies))
        # Passkey sign-ins by other users (their codes' steps stay untouched).
        cpu_before = cpu_seconds(pids)
        passkey_latencies, passkey_errors, _verify = run_load(
            args.users - 10, args.clients, args.passkey_seconds, passkey=True
        )
        passkey_count = len(passkey_latencies)
        cpu_per_passkey = (cpu_seconds(pids) - cpu_before) / max(1, passkey_count)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    verify_after = raw_argon2(50)
    assertion = raw_passkey_check(200)
    logins = len(latencies)
    quantiles = statistics.quantiles(latencies, n=100) if logins > 1 else [0.0] * 99
    result = {
        "benchmark": "login",
        "workers": args.workers,
        "clients": args.clients,
        "seconds": round(wall, 1),
        "logins": logins,
        "errors": errors,
        "logins_per_s": round(logins / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p95_ms": round(quantiles[94] * 1000, 1),
        "server_cpu_ms_per_login": round(cpu_per_login * 1000, 2),
        "argon2_verify_cpu_ms": round(verify * 1000, 2),
        "argon2_verify_cpu_ms_after": round(verify_after * 1000, 2),
        "redis": bool(REDIS_URL),
        "verify_share_of_login_cpu": round(verify / cpu_per_login, 3) if cpu_per_login else None,
        "passkey_logins": passkey_count,
        "passkey_errors": passkey_errors,
        "passkey_p50_ms": (
            round(statistics.median(passkey_latencies) * 1000, 1) if passkey_latencies else None
        ),
        "server_cpu_ms_per_passkey_login": round(cpu_per_passkey * 1000, 2),
        "passkey_check_cpu_ms": round(assertion * 1000, 3),
        "cpus": os.cpu_count(),
    }
    rows = [
        ("logins (password + code)", f"{logins} in {wall:.1f} s, {errors} errors"),
        ("logins/s", f"{result['logins_per_s']}"),
        ("latency p50 / p95", f"{result['p50_ms']} ms / {result['p95_ms']} ms"),
        ("server CPU per login", f"{result['server_cpu_ms_per_login']} ms (page + 2 POSTs)"),
        (
            "one Argon2id verification",
            f"{result['argon2_verify_cpu_ms']} ms CPU during the load, "
            f"{result['argon2_verify_cpu_ms_after']} ms after it",
        ),
        ("verification / login CPU", f"{result['verify_share_of_login_cpu']} (goal >= 0.8)"),
        ("throttles and sessions", "Redis (cached_db)" if REDIS_URL else "database"),
        ("logins (password + passkey)", f"{passkey_count}, {passkey_errors} errors"),
        ("latency p50 (passkey)", f"{result['passkey_p50_ms']} ms (3 POSTs)"),
        (
            "server CPU per passkey login",
            f"{result['server_cpu_ms_per_passkey_login']} ms (page + 3 POSTs)",
        ),
        ("one passkey assertion check", f"{result['passkey_check_cpu_ms']} ms CPU (py_webauthn)"),
    ]
    print_report(rows, result)


if __name__ == "__main__":
    main()

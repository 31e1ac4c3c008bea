#!/usr/bin/env python
"""Benchmark (issue 3): end-to-end logins (password + one-time code) against the real server.

gunicorn with 2 sync workers serves the app on 127.0.0.1 with PostgreSQL (the database cache
holds the throttles, as in a default deployment). Many concurrent clients each sign in as a
different user: GET the login page, POST NIP + password, POST the code (computed with pyotp).
In the same run, raw Argon2id verifications with the same parameters are timed.

Reported: logins/s, p50/p95 latency of a login (the two POSTs), and the server's CPU time per
login, read from the gunicorn workers' own accounting (/proc), against the CPU time of one raw
verification. Run: `make bench-login` or `.venv/bin/python bench/login.py [--seconds 30]`.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
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

PG_DATABASE = "asn_bench_login"
PASSWORD = "Bench-Kata-Sandi-2026!"  # noqa: S105 - a benchmark fixture
HOST, PORT = "127.0.0.1", 8079
TICKS = os.sysconf("SC_CLK_TCK")

SETUP = """
import base64, hashlib
from django.contrib.auth.hashers import make_password
from asndigital.accounts.models import AuthenticatorDevice, User
from asndigital.core.crypto import seal
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
print("users", len(users), "hash", hashed.split("$")[1:3])
"""


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def env() -> dict[str, str]:
    return django_env(f"{PG_SERVER}/{PG_DATABASE}", ALLOWED_HOSTS=HOST)


def prepare(users: int) -> None:
    recreate_database(PG_DATABASE)
    manage(["migrate", "-v", "0"], env())
    manage(["createcachetable"], env())
    manage(["shell", "--no-imports", "-c", SETUP.format(password=PASSWORD, count=users)], env())


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

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
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
        response.read()
        return response.status, response.getheader("Location", "")

    def login(self, username: str, used_steps: dict) -> float:
        """One full login; returns the seconds of the two POSTs (password, code)."""
        self.cookies.clear()
        self.request("GET", "/akun/masuk/")
        token = self.cookies.get("csrftoken", "")
        start = time.perf_counter()
        status, location = self.request(
            "POST",
            "/akun/masuk/",
            {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD},
        )
        if status != 302 or not location.endswith("/masuk/kode/"):
            raise RuntimeError(f"password step failed: {status} {location}")
        token = self.cookies.get("csrftoken", token)
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


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total / TICKS


def raw_argon2(count: int) -> float:
    """CPU seconds of one Argon2id verification with the app's parameters."""
    from argon2 import PasswordHasher
    from argon2.low_level import Type

    hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)
    hashed = hasher.hash(PASSWORD)
    start = time.process_time()
    for _ in range(count):
        hasher.verify(hashed, PASSWORD)
    return (time.process_time() - start) / count


def run_load(users: int, clients: int, seconds: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.time() + seconds
    counter = iter(range(10**9))
    used_steps: dict[str, int] = {}

    def loop() -> None:
        client = Client()
        while time.time() < deadline:
            with lock:
                username = f"bench{next(counter) % users:05d}"
            try:
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

    threads = [threading.Thread(target=loop) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (16)")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

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
        latencies, errors = run_load(args.users - 10, args.clients, args.seconds)
        wall = time.perf_counter() - start
        cpu_per_login = (cpu_seconds(pids) - cpu_before) / max(1, len(latencies))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    verify = raw_argon2(50)
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
        "verify_share_of_login_cpu": round(verify / cpu_per_login, 3) if cpu_per_login else None,
        "cpus": os.cpu_count(),
    }
    rows = [
        ("logins (password + code)", f"{logins} in {wall:.1f} s, {errors} errors"),
        ("logins/s", f"{result['logins_per_s']}"),
        ("latency p50 / p95", f"{result['p50_ms']} ms / {result['p95_ms']} ms"),
        ("server CPU per login", f"{result['server_cpu_ms_per_login']} ms (page + 2 POSTs)"),
        ("one Argon2id verification", f"{result['argon2_verify_cpu_ms']} ms CPU"),
        ("verification / login CPU", f"{result['verify_share_of_login_cpu']} (goal >= 0.8)"),
    ]
    print_report(rows, result)


if __name__ == "__main__":
    main()

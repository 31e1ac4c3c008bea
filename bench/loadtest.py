#!/usr/bin/env python
"""Load test: simulated people against the real server, then nothing may be lost.

A fresh PostgreSQL database (`asn_load` on 127.0.0.1), the catalogue, two agencies of
employees (through the real importer) with passwords and confirmed authenticators, operators
and verifiers of each agency, and a few accepted documents so that the public has codes to
verify from the start. gunicorn serves it with 2 sync workers on 127.0.0.1:8200, configured as
docs/deployment.md says, in the production posture behind a (simulated) TLS proxy: locust plays
nginx's part by sending `X-Forwarded-Proto: https` and each simulated person's own address in
`X-Forwarded-For`. Redis (db 2, flushed first) holds the cache, sessions and throttles of both
workers. Files go to a temporary directory, removed at the end.

locust (bench/locustfile.py) then runs headless for `--seconds` with `--users` people: civil
servants (sign in with password + authenticator code, their dossier, uploads, downloads),
operators (employee list and search, dossiers, uploads through the API), verifiers (DITERIMA /
DITOLAK) and the public (online verification of a code, comparing a copy). Every upload the
server acknowledged is recorded with the SHA-256 of the bytes sent.

Reported: requests/s and p50/p95/p99 per endpoint (a table, then one JSON line). Goals, checked
at the end (exit 1 when one fails): no answer 5xx and no request left unanswered; every
acknowledged upload is in the database with the SHA-256 sent, and its stored file, read back
through the app's storage (decrypted), hashes the same.

Stepped (`--steps 50,100,200,300,400`, `make loadtest-steps`): the crowd grows each
`--step-seconds`; per step, offered and served requests/s, p50/p95, errors, the server's CPU
per request and the cores busy (server, locust, machine), and the knee (the last step with
p95 < 500 ms and no error). `--profile DIR` runs the workers under cProfile.

Run: `make loadtest` (200 people, 5 minutes), `make loadtest-ci` (one minute) or `make
loadtest-steps`, or `.venv/bin/python bench/loadtest.py [--users 200 --seconds 300]`. See
docs/load.md.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import csv
import http.client
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    PG_SERVER,
    ROOT,
    django_env,
    manage,
    recreate_database,
    shell_result,
)

HOST = "127.0.0.1"
PASSWORD = "Uji-Beban-Arsip-ASN-2026!"  # noqa: S105 - a load-test fixture, throw-away database
AGENCIES = (("LOAD-KOTA", "Pemerintah Kota Uji Beban"), ("LOAD-KAB", "Pemerintah Kabupaten Uji"))
SEED_ACCEPTED = 3  # accepted documents per agency before the run (codes for the public)


def log(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)


def tiny_pdf(label: str) -> bytes:
    """A small valid one-page PDF (a few KB of text) whose content depends on ``label``, so
    that every label has its own SHA-256. Written by hand: correct offsets, no compression."""
    safe = "".join(ch for ch in label if ch.isalnum() or ch in " -_.:/")
    lines = [
        f"BT /F1 11 Tf 60 {780 - 14 * i} Td (Realisasi SKP {safe} baris {i}) Tj ET"
        for i in range(40)
    ]
    stream = "\n".join(lines).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


# Run in `manage.py shell`: accounts and seed documents. The secrets are made here and returned
# to the driver, which hands them to the simulated people (accounts.json in the temp dir).
PREPARE = """
import base64, json, os, sys, time
sys.path.insert(0, "bench")
from loadtest import tiny_pdf
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from asndigital.accounts import mfa
from asndigital.accounts.models import Role, User
from asndigital.accounts.services import create_staff_account, grant_role
from asndigital.documents.models import DocumentType
from asndigital.documents.services import accept_document, upload_document
from asndigital.demo.generator import generate_employee_rows
from asndigital.personnel.importer import import_employees
from asndigital.personnel.models import Employee
from asndigital.personnel.services import upsert_agency

password, counts, agencies = {password!r}, {counts!r}, {agencies!r}
hashed = make_password(password)  # one Argon2id hash shared by all: preparing stays quick
made = {{}}
for code, name in agencies:
    made[code] = upsert_agency(actor=None, code=code, name=name, kind="regional")
units = [(code, [("U1", "Dinas Satu"), ("U2", "Dinas Dua")]) for code, _ in agencies]
rows = generate_employee_rows(counts["employees"] * 2 + 40, seed=8, agencies=units)
print("import", import_employees(actor=None, rows=enumerate(rows, start=2)).summary)
# Activated a few minutes "ago": the first sign-in needs no wait for a fresh 30 s step.
then = time.time() - 120


def enrol(user):
    secret = mfa.new_secret()
    code = mfa._code_at(secret, mfa.current_step(then))
    mfa.activate_device(user=user, secret=secret, code=code, name="HP uji beban", now=then)
    return base64.b32encode(secret).decode()


people = (
    Employee.objects.filter(status="aktif", user__is_active=True)
    .select_related("user", "agency")
    .order_by("nip")
)
result = {{"employees": [], "operators": [], "verifiers": [], "seeded": []}}
for employee in people[: counts["employees"]]:
    user = employee.user
    user.password = hashed
    user.save(update_fields=["password"])
    result["employees"].append({{
        "username": user.username, "nip": employee.nip, "employee": str(employee.pk),
        "agency": employee.agency.code, "secret": enrol(user),
    }})
validate_password(password, User.objects.get(username=result["employees"][0]["username"]))
staff = {{}}
for kind, role in (("operators", Role.OPERATOR), ("verifiers", Role.VERIFIER)):
    for i in range(counts[kind]):
        code = agencies[i % len(agencies)][0]
        username = f"{{kind[:-1]}}.{{i:03d}}.{{code.lower()}}"
        user = create_staff_account(actor=None, username=username, full_name=f"Uji {{i}}",
                                    email=f"{{username}}@uji.invalid", password=None)
        user.password = hashed
        user.save(update_fields=["password"])
        grant_role(actor=None, user=user, role=role, agency=made[code])
        staff.setdefault((kind, code), user)
        result[kind].append({{"username": username, "agency": code, "secret": enrol(user)}})
skp = DocumentType.objects.get(code="realisasi-skp")
for code, _ in agencies:
    verifier = staff.get(("verifiers", code))
    owners = [e for e in result["employees"] if e["agency"] == code][: {seeded}]
    for n, owner in enumerate(owners):
        employee = Employee.objects.get(pk=owner["employee"])
        label = f"seed {{code}} {{n}}"
        data = tiny_pdf(label)
        version = upload_document(actor=employee.user, employee=employee, doc_type=skp,
                                  chunks=[data], original_name="skp.pdf",
                                  metadata={{"tahun": "2024"}}, source="digital")
        if verifier is not None:
            accept_document(actor=verifier, document=version.document)
            version.refresh_from_db()
            result["seeded"].append({{"code": version.verification_code,
                                      "sha256": version.sha256, "label": label}})
print("employees", len(result["employees"]), "operators", len(result["operators"]),
      "verifiers", len(result["verifiers"]), "seeded", len(result["seeded"]))
print("RESULT " + json.dumps(result))
"""

# Every acknowledged upload must be there: a version of that employee with that SHA-256, and
# its stored file, read back through the app's storage (decrypted), must hash the same.
CHECK = """
import hashlib, json
from asndigital.documents import storage
from asndigital.documents.models import DocumentVersion
acks = [json.loads(line) for line in open({acks!r}) if line.strip()]
missing, mismatched, checked = [], [], 0
for ack in acks:
    version = (DocumentVersion.objects.select_related("document")
               .filter(document__employee_id=ack["employee"], sha256=ack["sha256"]).first())
    if version is None or version.size != ack["size"]:
        missing.append(ack)
        continue
    digest = hashlib.sha256()
    with storage.open_version(version.storage_key, data_key=version.data_key()) as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    checked += 1
    if digest.hexdigest() != ack["sha256"] or version.stored_sha256 in (None, ""):
        mismatched.append(ack)
result = {{
    "acknowledged": len(acks), "distinct": len({{a["sha256"] for a in acks}}),
    "read_back": checked, "missing": missing[:20], "n_missing": len(missing),
    "mismatched": mismatched[:20], "n_mismatched": len(mismatched),
    "versions_in_database": DocumentVersion.objects.count(),
}}
print("RESULT " + json.dumps(result))
"""


def _rsa_pem() -> str:
    """A fresh RSA key for single sign-on's ID tokens (production refuses the development one)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def secret_files(directory: Path) -> dict[str, str]:
    """Fresh secrets for this run, as files (the `_FILE` variants, as in a deployment)."""
    values = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ASN_SECRETS_KEYS": "1:" + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("="),
        "ASN_AUDIT_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
        "ASN_OIDC_SIGNING_KEY": _rsa_pem(),
    }
    env = {}
    for name, value in values.items():
        path = directory / name.lower()
        path.write_text(value)
        path.chmod(0o600)
        env[f"{name}_FILE"] = str(path)
    return env


def app_env(work: Path, args: argparse.Namespace) -> dict[str, str]:
    """Production posture (docs/deployment.md) behind a TLS proxy on 127.0.0.1."""
    secrets_dir = work / "secrets"
    secrets_dir.mkdir(mode=0o700)
    var = work / "var"
    (var / "static").mkdir(parents=True)
    env = django_env(
        f"{PG_SERVER}/{args.database}",
        ASN_VAR_DIR=str(var),
        ASN_UPLOAD_TMP=str(work / "upload-tmp"),
        ALLOWED_HOSTS=HOST,
        CSRF_TRUSTED_ORIGINS=f"https://{HOST}:{args.port}",
        ASN_WEBAUTHN_RP_ID=HOST,
        ASN_WEBAUTHN_ORIGINS=f"https://{HOST}:{args.port}",
        REDIS_URL=args.redis_url,
        TRUST_X_FORWARDED_PROTO="1",
        TRUST_X_FORWARDED_FOR="1",
        # Nothing leaves the machine: e-mail (decisions) is written as files under var/mail.
        EMAIL_BACKEND="asndigital.core.mail_backend.EmlFileBackend",
        **secret_files(secrets_dir),
    )
    (work / "upload-tmp").mkdir()
    for name in (
        "SECRET_KEY",
        "ASN_SECRETS_KEYS",
        "ASN_AUDIT_SIGNING_KEY",
        "ASN_OIDC_SIGNING_KEY",
        "DATABASE_URL_FILE",
    ):
        env.pop(name, None)
    env["ASN_ENV"] = "production"
    return env


def static_files(env: dict[str, str], work: Path) -> None:
    """Production serves collectstatic's output (hashed names and a manifest, compressed): made
    once into var/bench/loadtest-static (minutes on this machine) and reused while no static
    source or dependency changed since."""
    cache = ROOT / "var" / "bench" / "loadtest-static"
    manifest = cache / "staticfiles.json"
    sources = [ROOT / "requirements.lock", *ROOT.glob("asndigital/**/static/**/*")]
    newest = max(path.stat().st_mtime for path in sources if path.is_file())
    if not manifest.exists() or manifest.stat().st_mtime < newest:
        log("collectstatic (cached in var/bench/loadtest-static for later runs)")
        build = cache.with_name("loadtest-static-build")
        shutil.rmtree(build, ignore_errors=True)
        manage(
            ["collectstatic", "--no-input", "-v", "0"],
            {**env, "ASN_VAR_DIR": str(build)},
            timeout=600,
        )
        shutil.rmtree(cache, ignore_errors=True)
        (build / "static").rename(cache)
        shutil.rmtree(build, ignore_errors=True)
    static = Path(env["ASN_VAR_DIR"]) / "static"
    static.rmdir()
    static.symlink_to(cache, target_is_directory=True)


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=10)
    try:
        client.flushdb()
    except redis.RedisError as exc:
        raise SystemExit(f"Redis at {url} is needed (shared cache): {exc}") from None
    finally:
        client.close()


def healthy(port: int, timeout: float = 5) -> bool:
    try:
        conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        conn.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


def start_server(env: dict[str, str], args: argparse.Namespace, log_path: Path) -> subprocess.Popen:
    """gunicorn as docs/deployment.md runs it, on 127.0.0.1:8200 (``--port``). Profiling
    (``--profile``), the same application wrapped in bench/profiled_wsgi.py."""
    app = ["asndigital.wsgi"]
    if args.profile:
        env = {**env, "ASN_PROFILE_DIR": str(args.profile)}
        app = ["--pythonpath", str(ROOT / "bench"), "profiled_wsgi:application"]
    with log_path.open("ab") as out:
        server = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                *app,
                "--bind",
                f"{HOST}:{args.port}",
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--timeout",
                "120",
                "--max-requests",
                "2000",
                "--max-requests-jitter",
                "200",
                "--forwarded-allow-ips",
                "127.0.0.1",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.returncode}); is port {args.port} free?")
        if healthy(args.port, 2):
            return server
        time.sleep(0.3)
    stop_server(server)
    raise SystemExit("gunicorn did not answer within 60 s")


def reap(process: subprocess.Popen, timeout: float, every=None) -> float | None:
    """Wait at most ``timeout`` s for ``process`` to end; the CPU seconds it used with every
    child it reaped (os.wait4: for gunicorn's master, all its workers, restarted ones too).
    ``every``, when given, is called about once a second while waiting."""
    deadline = time.monotonic() + timeout
    next_call = time.monotonic()
    while time.monotonic() < deadline:
        if every is not None and time.monotonic() >= next_call:
            every()
            next_call += 1
        try:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        except ChildProcessError:  # already reaped elsewhere
            return None
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return usage.ru_utime + usage.ru_stime
        time.sleep(0.1)
    return None


def stop_server(server: subprocess.Popen | None) -> float | None:
    """SIGTERM, then SIGKILL after 30 s: never left behind. Its CPU seconds, when known."""
    if server is None or server.returncode is not None:
        return None
    server.send_signal(signal.SIGTERM)
    cpu = reap(server, 30)
    if server.returncode is None:
        os.killpg(server.pid, signal.SIGKILL)
        cpu = reap(server, 10)
    return cpu


def machine_cpu() -> tuple[int, int]:
    """(busy, total) clock ticks of the whole machine so far (/proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


_TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """CPU seconds of ``pid`` and its children, live or reaped by it (0 when it is gone)."""
    total = 0
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
                # fields[1] is the parent; 11..14 are utime, stime, cutime, cstime (ticks)
                if int(entry.name) == pid:
                    total += sum(int(v) for v in fields[11:15])
                elif int(fields[1]) == pid:
                    total += int(fields[11]) + int(fields[12])
    return total / _TICK


def run_locust(args, work: Path, accounts: Path, server_pid: int) -> tuple[int, float | None]:
    """locust until it stops by itself; once a second, the CPU used so far by the server, by
    locust and by the whole machine (samples.json: the stepped report divides it by step)."""
    out = work / "out"
    out.mkdir()
    env = dict(os.environ, ASN_LOAD_ACCOUNTS=str(accounts), ASN_LOAD_OUT=str(out))
    command = [
        str(ROOT / ".venv" / "bin" / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--host",
        f"http://{HOST}:{args.port}",
        "--stop-timeout",
        "20",
        "--csv",
        str(out / "stats"),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    if args.steps:
        env.update(
            ASN_LOAD_STEPS=",".join(map(str, args.steps)),
            ASN_LOAD_STEP_SECONDS=str(args.step_seconds),
            ASN_LOAD_SETTLE=str(args.settle),
            ASN_LOAD_SPAWN_RATE=str(args.spawn_rate),
        )
        log(f"locust: steps of {args.steps} users, {args.step_seconds} s each")
    else:
        command += ["--users", str(args.users), "--spawn-rate", str(args.spawn_rate)]
        command += ["--run-time", f"{args.seconds}s"]
        log(f"locust: {args.users} users, spawn {args.spawn_rate}/s, {args.seconds} s")
    samples: list[dict] = []
    with (work / "locust.log").open("wb") as sink:
        runner = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        def sample() -> None:
            busy, total = machine_cpu()
            samples.append(
                {
                    "at": time.monotonic(),
                    "server_s": process_cpu(server_pid),
                    "locust_s": process_cpu(runner.pid),
                    "busy": busy,
                    "total": total,
                    "load1": os.getloadavg()[0],
                }
            )

        try:
            cpu = reap(runner, args.seconds + 120, every=sample)
            (out / "samples.json").write_text(json.dumps(samples))
            if runner.returncode is None:
                log("locust did not stop in time: killed")
                return -9, None
            return runner.returncode, cpu
        finally:  # also on Ctrl-C or SIGTERM: locust runs in its own session
            if runner.returncode is None:
                os.killpg(runner.pid, signal.SIGKILL)
                reap(runner, 10)


def read_stats(out: Path) -> list[dict]:
    path = out / "stats_stats.csv"
    if not path.exists():
        return []
    rows = []
    with path.open() as handle:
        for row in csv.DictReader(handle):

            def num(key: str, row=row) -> float:
                value = row.get(key) or "0"
                return float(value) if value != "N/A" else 0.0

            rows.append(
                {
                    "name": row["Name"],
                    "requests": int(num("Request Count")),
                    "failures": int(num("Failure Count")),
                    "rps": round(num("Requests/s"), 2),
                    "p50_ms": num("50%"),
                    "p95_ms": num("95%"),
                    "p99_ms": num("99%"),
                    "max_ms": round(num("Max Response Time")),
                }
            )
    return rows


def server_log_problems(path: Path) -> list[str]:
    """Lines of the server's log that tell of a server error, a crash or a killed worker."""
    marks = (
        "Internal Server Error",
        "Traceback",
        "WORKER TIMEOUT",
        "exited with code",
        "was sent SIG",
        " ERROR ",
        " CRITICAL ",
    )
    found = []
    for line in path.read_text(errors="replace").splitlines():
        if any(mark in line for mark in marks):
            found.append(line[:300])
    return found


def cpu_figures(endpoints, server_cpu, locust_cpu, busy, total, seconds, load_average) -> dict:
    """Where the machine's CPU went during the load (2 cores shared with other work)."""
    requests = sum(r["requests"] for r in endpoints if r["name"] == "Aggregated")
    cores = os.cpu_count() or 1
    return {
        "machine_busy_share": round(busy / total, 3) if total else None,
        "machine_busy_cores": round(busy / total * cores, 2) if total else None,
        "gunicorn_cpu_s": round(server_cpu, 1) if server_cpu is not None else None,
        "gunicorn_cores": round(server_cpu / seconds, 2) if server_cpu is not None else None,
        "gunicorn_cpu_ms_per_request": (
            round(server_cpu * 1000 / requests, 1) if server_cpu and requests else None
        ),
        "locust_cpu_s": round(locust_cpu, 1) if locust_cpu is not None else None,
        "load_average_1_5_15": [round(v, 2) for v in load_average],
    }


def step_figures(steps: list[dict], samples: list[dict], cores: int) -> list[dict]:
    """Each step's figures from locust (status.json) with the CPU used in the same window."""

    def at(moment: float) -> dict:
        return min(samples, key=lambda s: abs(s["at"] - moment))

    rows = []
    for step in steps:
        first, last = at(step.pop("from_monotonic")), at(step.pop("to_monotonic"))
        seconds = last["at"] - first["at"]
        server = last["server_s"] - first["server_s"]
        ticks = last["total"] - first["total"]
        rows.append(
            {
                **step,
                "server_cpu_ms_per_request": (
                    round(server * 1000 / step["requests"], 1) if step["requests"] else None
                ),
                "server_cores": round(server / seconds, 2) if seconds > 0 else None,
                "locust_cores": (
                    round((last["locust_s"] - first["locust_s"]) / seconds, 2)
                    if seconds > 0
                    else None
                ),
                "machine_busy_cores": (
                    round((last["busy"] - first["busy"]) / ticks * cores, 2) if ticks else None
                ),
                "load_average_1": round(last["load1"], 2),
                "meets": step["errors"] == 0 and step["p95_ms"] < 500 and step["requests"] > 0,
            }
        )
    return rows


def print_steps(rows: list[dict]) -> None:
    header = (
        "step",
        "users",
        "offered/s",
        "served/s",
        "p50 ms",
        "p95 ms",
        "errors",
        "server ms/req",
        "server cores",
        "locust cores",
        "busy cores",
        "load 1m",
        "p95<500, 0 err",
    )
    table = [
        tuple(
            str(v)
            for v in (
                r["step"],
                r["users"],
                r["offered_rps"],
                r["served_rps"],
                r["p50_ms"],
                r["p95_ms"],
                r["errors"],
                r["server_cpu_ms_per_request"],
                r["server_cores"],
                r["locust_cores"],
                r["machine_busy_cores"],
                r["load_average_1"],
                "yes" if r["meets"] else "no",
            )
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in [header, *table]) for i in range(len(header))]
    for row in [header, *table]:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
    print()


def knee(rows: list[dict]) -> dict | None:
    """The last step that met p95 < 500 ms with no error (None when none did)."""
    meeting = [r for r in rows if r["meets"]]
    return meeting[-1] if meeting else None


def print_report(result: dict) -> None:
    rows = result["endpoints"]
    header = ("endpoint", "requests", "fail", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms")
    table = [
        (
            r["name"],
            str(r["requests"]),
            str(r["failures"]),
            f"{r['rps']:.2f}",
            f"{r['p50_ms']:.0f}",
            f"{r['p95_ms']:.0f}",
            f"{r['p99_ms']:.0f}",
            str(r["max_ms"]),
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in [header, *table]) for i in range(len(header))]
    for row in [header, *table]:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        print("  ".join(cells))
    print()
    print(
        f"{result['users']} users for {result['seconds']} s, {result['workers']} gunicorn "
        f"workers; statuses: {result['statuses']}"
    )
    print(
        f"uploads acknowledged {result['uploads']['acknowledged']}, read back "
        f"{result['uploads']['read_back']}, missing {result['uploads']['n_missing']}, "
        f"wrong hash {result['uploads']['n_mismatched']}; logins {result['logins']}, "
        f"decisions {result['decisions']}, downloads checked {result['downloads_checked']}"
    )
    if result.get("steps"):
        print()
        print_steps(result["steps"])
        best = result["knee"]
        print(
            "knee: "
            + (
                f"{best['users']} users, {best['served_rps']} requests/s served, "
                f"p95 {best['p95_ms']} ms"
                if best
                else "no step met p95 < 500 ms with no error"
            )
        )
    print(
        "per minute (requests, p50 / p95 / max ms): "
        + "; ".join(
            f"{m['minute']}: {m['requests']}, {m['p50_ms']} / {m['p95_ms']} / {m['max_ms']}"
            for m in result["minutes"]
        )
    )
    cpu = result["cpu"]
    print(
        f"CPU: machine busy {cpu['machine_busy_cores']} of {result['cpus']} cores; gunicorn "
        f"{cpu['gunicorn_cpu_s']} s ({cpu['gunicorn_cpu_ms_per_request']} ms per request), "
        f"locust {cpu['locust_cpu_s']} s; load average {cpu['load_average_1_5_15']}"
    )
    for goal in result["goals"]:
        print(f"goal {'met    ' if goal['met'] else 'NOT MET'}  {goal['goal']}: {goal['detail']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per worker (more than 1: gunicorn's gthread workers)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--steps",
        type=lambda v: [int(n) for n in v.split(",")],
        help="a stepped load: people per step, e.g. 50,100,200,300 (replaces --users/--seconds)",
    )
    parser.add_argument("--step-seconds", type=int, default=60)
    parser.add_argument(
        "--settle", type=int, default=15, help="seconds of each step left out of its figures"
    )
    parser.add_argument(
        "--knee-goal",
        type=float,
        default=130,
        help="stepped: requests/s the knee must serve with p95 < 500 ms and no error (0: none)",
    )
    parser.add_argument("--port", type=int, default=8200)
    parser.add_argument("--database", default="asn_load", help="dropped and created")
    parser.add_argument(
        "--redis-url", default="redis://127.0.0.1:6379/2", help="its database is flushed"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="a directory: cProfile every request in the workers (bench/profiled_wsgi.py)",
    )
    args = parser.parse_args()
    if args.steps:
        if min(args.steps) < 10 or not 30 <= args.step_seconds <= 1800:
            parser.error("--steps of at least 10 people, --step-seconds between 30 and 1800")
        if not 0 <= args.settle < args.step_seconds:
            parser.error("--settle must be shorter than a step")
        args.users, args.seconds = max(args.steps), len(args.steps) * args.step_seconds
    if args.users < 10 or not 10 <= args.seconds <= 3600 * 3:
        parser.error("--users at least 10, --seconds between 10 and 10800")
    if args.profile:
        args.profile = args.profile.resolve()
        args.profile.mkdir(parents=True, exist_ok=True)
    # Who the simulated people are: most are civil servants; every signed-in one has an account.
    public = max(1, args.users // 10)
    verifiers = max(2, round(args.users * 0.075))
    operators = max(2, args.users // 10)
    employees = args.users - public - verifiers - operators
    mix = {"employees": employees, "operators": operators, "verifiers": verifiers}
    # Stepped, locust deals people out by weight; a few spare accounts absorb its rounding.
    spare = 2 + args.users // 20 if args.steps else 0
    counts = {kind: n + spare for kind, n in mix.items()}

    # SIGTERM (a CI timeout) unwinds like Ctrl-C, so the finally below stops the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.time()
    work = Path(tempfile.mkdtemp(prefix="asn-load-"))
    server = None
    code = 1
    try:
        env = app_env(work, args)
        log(f"preparing {args.database} (files under {work})")
        flush_redis(args.redis_url)
        recreate_database(args.database)
        manage(["migrate", "--no-input", "-v", "0"], env, timeout=600)
        log(f"migrated ({time.time() - started:.0f} s)")
        manage(["createcachetable"], env, timeout=600)
        manage(["load_catalogue"], env, timeout=600)
        static_files(env, work)
        log(f"catalogue and static files ({time.time() - started:.0f} s)")
        prepared = shell_result(
            PREPARE.format(
                password=PASSWORD, counts=counts, agencies=AGENCIES, seeded=SEED_ACCEPTED
            ),
            env,
            timeout=600,
        )
        accounts = work / "accounts.json"
        accounts.write_text(
            json.dumps({**prepared, "password": PASSWORD, "mix": {**mix, "public": public}})
        )
        accounts.chmod(0o600)
        log(f"prepared in {time.time() - started:.0f} s; starting gunicorn on {HOST}:{args.port}")
        server_log = work / "gunicorn.log"
        server = start_server(env, args, server_log)
        busy_before, total_before = machine_cpu()
        locust_rc, locust_cpu = run_locust(args, work, accounts, server.pid)
        busy, total = machine_cpu()
        load_average = os.getloadavg()
        server_cpu = stop_server(server)
        server = None
        out = work / "out"
        status_path = out / "status.json"
        seen = json.loads(status_path.read_text()) if status_path.exists() else {}
        acks = out / "acks.jsonl"
        acks.touch()
        uploads = shell_result(CHECK.format(acks=str(acks)), env, timeout=600)
        problems = server_log_problems(server_log)
        statuses = seen.get("statuses", {})
        five = sum(n for s, n in statuses.items() if s.isdigit() and int(s) >= 500)
        unanswered = statuses.get("0", 0)
        goals = [
            {
                "goal": "no server error (no 5xx answer)",
                "met": five == 0,
                "detail": f"{five} answers 5xx; samples: {seen.get('errors', [])[:3]}",
            },
            {
                "goal": "every request answered (no reset, no timeout)",
                "met": unanswered == 0,
                "detail": f"{unanswered} unanswered",
            },
            {
                "goal": "server log without errors, crashes or killed workers",
                "met": not problems,
                "detail": f"{len(problems)} lines; first: {problems[:2]}",
            },
            {
                "goal": "nothing lost: every acknowledged upload present with its SHA-256",
                "met": uploads["n_missing"] == 0
                and uploads["n_mismatched"] == 0
                and uploads["acknowledged"] > 0,
                "detail": (
                    f"{uploads['acknowledged']} acknowledged, {uploads['read_back']} read back "
                    f"and equal, {uploads['n_missing']} missing, "
                    f"{uploads['n_mismatched']} different"
                ),
            },
            {
                "goal": "what was read back is what was stored (downloads, copies, API hashes)",
                "met": seen.get("integrity_errors", 1) == 0,
                "detail": f"{seen.get('integrity_errors')} mismatches seen by the clients",
            },
            {
                "goal": "the load ran to its end",
                "met": locust_rc in (0, 1) and bool(statuses),
                "detail": f"locust exit {locust_rc}",
            },
        ]
        endpoints = read_stats(out)
        samples_path = out / "samples.json"
        samples = json.loads(samples_path.read_text()) if samples_path.exists() else []
        steps = step_figures(seen.get("steps", []), samples, os.cpu_count() or 1) if samples else []
        best = knee(steps)
        if args.steps and args.knee_goal:
            goals.append(
                {
                    "goal": f"a step serves at least {args.knee_goal:g} requests/s with p95 "
                    "< 500 ms and no error",
                    "met": any(r["meets"] and r["served_rps"] >= args.knee_goal for r in steps),
                    "detail": (
                        f"knee: {best['users']} users, {best['served_rps']} requests/s, "
                        f"p95 {best['p95_ms']} ms"
                        if best
                        else "no step met p95 < 500 ms with no error"
                    ),
                }
            )
        result = {
            "benchmark": "loadtest",
            "users": args.users,
            "people": {**mix, "public": public},
            "steps": steps,
            "knee": best,
            "database": args.database,
            "redis_url": args.redis_url,
            "seconds": args.seconds,
            "workers": args.workers,
            "threads": args.threads,
            "spawn_rate": args.spawn_rate,
            "endpoints": endpoints,
            "statuses": statuses,
            "logins": seen.get("logins", 0),
            "decisions": seen.get("decisions", 0),
            "downloads_checked": seen.get("downloads_checked", 0),
            "minutes": seen.get("minutes", []),
            "uploads": {k: v for k, v in uploads.items() if k not in ("missing", "mismatched")},
            "goals": goals,
            "all_goals_met": all(g["met"] for g in goals),
            "cpus": os.cpu_count(),
            "cpu": cpu_figures(
                endpoints,
                server_cpu,
                locust_cpu,
                busy - busy_before,
                total - total_before,
                args.seconds,
                load_average,
            ),
            "wall_s": round(time.time() - started),
        }
        print_report(result)
        print(json.dumps(result))
        code = 0 if result["all_goals_met"] else 1
        if problems:
            log("server log problems:\n" + "\n".join(problems[:20]))
    finally:
        stop_server(server)
        with contextlib.suppress(SystemExit):
            flush_redis(args.redis_url)  # the run's sessions and throttles go with it
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Benchmark: upload ingest of 1 MB and 10 MB PDFs through the real server.

gunicorn with 2 sync workers serves the app on 127.0.0.1 with PostgreSQL, its files under a
temporary directory. One operator signs in over HTTP (username + password, then the code);
two concurrent clients then upload distinct, valid PDFs of about 1 MiB and of about 10 MiB
to one employee as a repeating document type (every upload is a new document), each upload a
multipart POST of the real upload form. Only answers that stored a document count. At the end
the database must hold exactly those versions with the SHA-256 of the files sent, and the
stored files must hash the same.

In the same run, the raw floor: the same bytes, the same number of files and the same
concurrency, hashed (SHA-256) and written to a new file on the same filesystem with fsync.
Each of `--rounds` rounds uploads `--count` 1 MB files, hashes and writes them raw, then the
same for `--count-large` 10 MB files, so that both sides see the same state of the disk.

Reported per size: documents/s, MB/s (MB = MiB of PDF), upload latency, CPU per document of
the gunicorn workers, of PostgreSQL's server processes and of this client (all from /proc),
and ratio = server MB/s / raw MB/s (goal >= 0.5). Run: `make bench-ingest` or
`.venv/bin/python bench/ingest.py [--rounds 5 --count 100 --count-large 20]`.

download.py shares this file's setup (prepare, serve, Client, login, make_pdf_file).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import io
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlencode

from common import PG_SERVER, ROOT, django_env, manage, recreate_database, shell_result

PG_DATABASE = "asn_bench_ingest"
HOST, PORT = "127.0.0.1", 8078
USERNAME = "bench.operator"
PASSWORD = "Unggah-Arsip-Cepat-2026!"  # noqa: S105 - a benchmark fixture
SECRET = hashlib.sha1(b"asn bench operator", usedforsecurity=False).digest()  # the TOTP key
TYPE_CODE = "realisasi-skp"  # repeating (berulang), PDF only, one metadata field: tahun
MB = 1024 * 1024
SCRATCH = ROOT / "var" / "bench"
TICKS = os.sysconf("SC_CLK_TCK")

# Run in `manage.py shell`: the catalogue, one agency with a few employees (through the real
# importer), an operator of that agency with an authenticator, and a size limit that lets
# 10 MB through. {extra} is more code that download.py adds (it may set result keys).
PREPARE = """
import base64, json, time
import pyotp
from asndigital.accounts import mfa
from asndigital.accounts.models import Role
from asndigital.accounts.services import create_staff_account, grant_role
from asndigital.documents.models import DocumentType
from asndigital.documents.services import load_catalogue
from asndigital.demo.generator import generate_employee_rows
from asndigital.personnel.importer import import_employees
from asndigital.personnel.models import Employee
from asndigital.personnel.services import upsert_agency
from django.contrib.auth.password_validation import validate_password

print("catalogue", load_catalogue())
agency = upsert_agency(actor=None, code="PEMKAB-BENCH", name="Pemerintah Kabupaten Bench",
                       kind="regional")
rows = generate_employee_rows(5, seed=6, agencies=[("PEMKAB-BENCH", [("U1", "Dinas A")])])
print("employees", import_employees(actor=None, rows=enumerate(rows, start=2)).summary)
employee = Employee.objects.filter(agency=agency).order_by("nip").first()
operator = create_staff_account(actor=None, username={username!r}, full_name="Operator Bench",
                                email="operator@bench.invalid", password={password!r})
grant_role(actor=None, user=operator, role=Role.OPERATOR, agency=agency)
validate_password({password!r}, operator)  # a weak one would send the login to "change it"
secret = bytes.fromhex({secret!r})
now = time.time()
code = pyotp.TOTP(base64.b32encode(secret).decode()).at(now)
device, _codes = mfa.activate_device(user=operator, secret=secret, code=code, name="bench", now=now)
DocumentType.objects.filter(code={type_code!r}).update(max_size_bytes={max_size})
result = {{"employee": str(employee.pk), "nip": employee.nip, "last_step": device.last_t}}
{extra}
print("RESULT " + json.dumps(result))
"""

# Every version of the employee, and whether its stored file (decrypted, when the app encrypts
# files at rest) still hashes to its sha256.
CHECK = """
import hashlib, json
from asndigital.documents import storage
from asndigital.documents.models import DocumentVersion
found = []
for version in DocumentVersion.objects.filter(document__employee_id={employee!r}):
    data_key = version.data_key() if hasattr(version, "data_key") else None
    digest = hashlib.sha256()
    opened = (storage.open_version(version.storage_key, data_key=data_key) if data_key
              else storage.open_version(version.storage_key))
    with opened as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    found.append([version.sha256, version.size, digest.hexdigest() == version.sha256])
print("RESULT " + json.dumps({{"versions": found}}))
"""


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def bench_env(database: str, files: Path) -> dict[str, str]:
    """The app's environment; ASN_VAR_DIR puts its files (var/files) under ``files``."""
    (files / "static").mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
    return django_env(f"{PG_SERVER}/{database}", ALLOWED_HOSTS=HOST, ASN_VAR_DIR=str(files))


def prepare(database: str, env: dict[str, str], *, max_size: int, extra: str = "") -> dict:
    recreate_database(database)
    manage(["migrate", "-v", "0"], env)
    manage(["createcachetable"], env)
    script = PREPARE.format(
        username=USERNAME,
        password=PASSWORD,
        secret=SECRET.hex(),
        type_code=TYPE_CODE,
        max_size=max_size,
        extra=extra,
    )
    return shell_result(script, env)


def make_pdf(size: int, index: int, pool: bytes, pages: int) -> bytes:
    """A valid PDF of about ``size`` bytes: ``pages`` pages, each one uncompressed greyscale
    image (a scan, as far as the server can tell) cut from ``pool`` at a place that depends on
    ``index``; the title carries ``index`` too, so every file has its own SHA-256."""
    import pikepdf

    width = 1024
    height = max(1, (size - 4096) // pages // width)
    pdf = pikepdf.new()
    for page_number in range(pages):
        n = width * height
        start = (index * 7919 + page_number * 104729) * 64 % (len(pool) - n)
        image = pikepdf.Stream(pdf, pool[start : start + n])
        image.Type = pikepdf.Name.XObject
        image.Subtype = pikepdf.Name.Image
        image.Width = width
        image.Height = height
        image.ColorSpace = pikepdf.Name.DeviceGray
        image.BitsPerComponent = 8
        page = pdf.add_blank_page(page_size=(595, 842))
        page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
        page.Contents = pdf.make_stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q")
    pdf.docinfo["/Title"] = f"Realisasi SKP bench {index}"
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def make_pdf_file(path: Path, size: int, pages: int) -> str:
    """Like make_pdf, for a file too large to want twice in memory; returns its SHA-256."""
    import pikepdf

    width = 1024
    height = max(1, (size - 4096) // pages // width)
    pdf = pikepdf.new()
    for _ in range(pages):
        image = pikepdf.Stream(pdf, os.urandom(width * height))
        image.Type = pikepdf.Name.XObject
        image.Subtype = pikepdf.Name.Image
        image.Width = width
        image.Height = height
        image.ColorSpace = pikepdf.Name.DeviceGray
        image.BitsPerComponent = 8
        page = pdf.add_blank_page(page_size=(595, 842))
        page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
        page.Contents = pdf.make_stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q")
        del image
    pdf.docinfo["/Title"] = f"bench {uuid.uuid4()}"
    pdf.save(path, compress_streams=False)
    pdf.close()
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(MB):
            digest.update(chunk)
    return digest.hexdigest()


class Client:
    """A browser's worth of HTTP: one connection, cookies, no redirects followed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection(HOST, port, timeout=120)
        self.cookies: dict[str, str] = {}

    def reconnect(self) -> None:
        self.conn.close()
        self.conn = http.client.HTTPConnection(HOST, self.port, timeout=120)

    def headers(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    def take_cookies(self, response: http.client.HTTPResponse) -> None:
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]

    def request(
        self,
        method: str,
        path: str,
        form: dict | None = None,
        *,
        parts: list[bytes] | None = None,
        content_type: str = "",
    ) -> tuple[int, str, bytes]:
        """(status, Location, body); ``parts``: a body sent piece by piece, never joined."""
        headers = self.headers()
        body: object = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif parts is not None:
            body = parts
            headers["Content-Type"] = content_type
            headers["Content-Length"] = str(sum(len(p) for p in parts))
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        self.take_cookies(response)
        content = response.read()
        return response.status, response.getheader("Location", ""), content


def code_for(at: float) -> str:
    import pyotp

    return pyotp.TOTP(base64.b32encode(SECRET).decode()).at(at)


def login(client: Client, last_step: int) -> int:
    """Sign the operator in (password, then a code of a step after ``last_step``); the step
    used."""
    client.request("GET", "/akun/masuk/")
    status, location, _ = client.request(
        "POST",
        "/akun/masuk/",
        {
            "csrfmiddlewaretoken": client.cookies.get("csrftoken", ""),
            "username": USERNAME,
            "password": PASSWORD,
        },
    )
    if status != 302 or not location.endswith("/masuk/kode/"):
        raise RuntimeError(f"password step failed: {status} {location}")
    now = time.time()
    if int(now) // 30 <= last_step:  # one code per step: the next one (the server allows +1)
        now = (last_step + 1) * 30 + 1
    status, location, _ = client.request(
        "POST",
        "/akun/masuk/kode/",
        {"csrfmiddlewaretoken": client.cookies.get("csrftoken", ""), "code": code_for(now)},
    )
    if status != 302 or "/masuk/" in location:
        raise RuntimeError(f"code step failed: {status} {location}")
    return int(now) // 30


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


def cpu_seconds(pids: list[int]) -> tuple[float, float]:
    """(user, kernel) CPU seconds of these processes so far."""
    user = kernel = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        user += int(fields[11])  # utime, in clock ticks
        kernel += int(fields[12])  # stime
    return user / TICKS, kernel / TICKS


def database_pids(database: str) -> list[int]:
    """The PostgreSQL server processes that serve connections to ``database``."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (database,)
        ).fetchall()
    return [pid for (pid,) in rows]


def total_cpu(pids: list[int]) -> float:
    """CPU seconds of those of ``pids`` that still run."""
    total = 0.0
    for pid in pids:
        with suppress(FileNotFoundError):
            total += sum(cpu_seconds([pid]))
    return total


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def serve(env: dict[str, str], port: int, workers: int):
    """gunicorn (sync workers) on 127.0.0.1:``port``; yields (process, worker pids)."""
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "asndigital.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"{HOST}:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(150):
            if server.poll() is not None:
                raise SystemExit(f"gunicorn exited ({server.returncode}); is port {port} free?")
            try:
                Client(port).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not answer within 30 s")
        for _ in range(50):
            pids = worker_pids(server.pid)
            if len(pids) == workers:
                break
            time.sleep(0.1)
        yield server, pids
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


# --- Uploads ---------------------------------------------------------------------------------


def upload_parts(token: str, name: str, data: bytes) -> tuple[list[bytes], str]:
    """The upload form as multipart/form-data: the body's pieces and its Content-Type."""
    boundary = f"----asnbench{uuid.uuid4().hex}"
    fields = {
        "csrfmiddlewaretoken": token,
        "type": TYPE_CODE,
        "source": "scan",
        "meta_tahun": "2025",
    }
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
        for key, value in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    )
    tail = f"\r\n--{boundary}--\r\n"
    return [head.encode(), data, tail.encode()], f"multipart/form-data; boundary={boundary}"


def upload(client: Client, employee: str, name: str, data: bytes) -> tuple[bool, str]:
    """POST one file; (stored, what went wrong)."""
    parts, content_type = upload_parts(client.cookies.get("csrftoken", ""), name, data)
    status, location, body = client.request(
        "POST",
        f"/pegawai/{employee}/unggah/?type={TYPE_CODE}",
        parts=parts,
        content_type=content_type,
    )
    if status == 302 and location.rstrip("/").endswith(employee):
        return True, ""
    text = body.decode("utf-8", "replace")
    at = text.find("errorlist")
    return False, f"{status} {location} {text[at : at + 200] if at >= 0 else text[:200]!r}"


def run_uploads(
    clients: list[Client], employee: str, files: list[tuple[str, bytes]], seconds: float
) -> tuple[list[tuple[int, float]], list[str], float]:
    """Upload ``files`` with one thread per client until done or ``seconds`` have passed;
    ([(index of a stored file, latency)], errors, wall seconds)."""
    lock = threading.Lock()
    pending = iter(range(len(files)))
    stored: list[tuple[int, float]] = []
    errors: list[str] = []
    deadline = time.monotonic() + seconds

    def loop(client: Client) -> None:
        while time.monotonic() < deadline:
            with lock:
                index = next(pending, None)
            if index is None:
                return
            name, data = files[index]
            start = time.perf_counter()
            try:
                ok, problem = upload(client, employee, name, data)
            except (OSError, http.client.HTTPException) as exc:
                ok, problem = False, f"{type(exc).__name__}: {exc}"
                client.reconnect()
            took = time.perf_counter() - start
            with lock:
                if ok:
                    stored.append((index, took))
                else:
                    errors.append(f"{name}: {problem}")

    threads = [threading.Thread(target=loop, args=(client,)) for client in clients]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return stored, errors, time.perf_counter() - start


def raw_ingest(files: list[bytes], folder: Path, concurrency: int) -> float:
    """Wall seconds to hash (SHA-256) each file and write it to a new file in ``folder`` with
    fsync, in 1 MiB pieces, ``concurrency`` files at a time."""
    folder.mkdir(parents=True, exist_ok=True)
    lock = threading.Lock()
    pending = iter(range(len(files)))
    digests: dict[int, str] = {}

    def loop() -> None:
        while True:
            with lock:
                index = next(pending, None)
            if index is None:
                return
            view = memoryview(files[index])
            digest = hashlib.sha256()
            with (folder / f"{index}.part").open("xb") as out:
                for at in range(0, len(view), MB):
                    piece = view[at : at + MB]
                    digest.update(piece)
                    out.write(piece)
                out.flush()
                os.fsync(out.fileno())
            digests[index] = digest.hexdigest()

    threads = [threading.Thread(target=loop) for _ in range(concurrency)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start


SIZES = {"1MB": (MB, 2), "10MB": (10 * MB, 5)}  # label: (bytes, pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100, help="1 MB files per round (100)")
    parser.add_argument("--count-large", type=int, default=20, help="10 MB files per round (20)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, server then raw (5)")
    parser.add_argument("--clients", type=int, default=2, help="concurrent clients (2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument("--seconds", type=float, default=40, help="time cap per phase (40)")
    args = parser.parse_args()

    SCRATCH.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="ingest-", dir=SCRATCH))
    try:
        result = run(args, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    small, large = result["sizes"]["1MB"], result["sizes"]["10MB"]

    def both(key: str, unit: str = "") -> tuple[str, str]:
        return f"{small[key]}{unit}", f"{large[key]}{unit}"

    rows = [
        ("", "1 MB files", "10 MB files"),
        ("file size (mean)", *both("mean_mb", " MB")),
        (
            "stored / sent / errors",
            *(f"{f['stored']} / {f['sent']} / {f['errors']}" for f in (small, large)),
        ),
        ("server documents/s", *both("docs_per_s")),
        ("server MB/s", *both("mb_per_s")),
        (
            "upload latency p50 / p95",
            *(f"{f['p50_ms']} / {f['p95_ms']} ms" for f in (small, large)),
        ),
        (
            "server CPU per document (kernel)",
            *(
                f"{f['server_cpu_ms_per_doc']} ms ({f['server_kernel_ms_per_doc']})"
                for f in (small, large)
            ),
        ),
        ("PostgreSQL CPU per document", *both("database_cpu_ms_per_doc", " ms")),
        ("this client's CPU per document", *both("client_cpu_ms_per_doc", " ms")),
        ("raw hash + write + fsync MB/s", *both("raw_mb_per_s")),
        ("ratio server / raw (goal >= 0.5)", *both("ratio")),
        (
            "ratio per round",
            *(" ".join(str(r) for r in f["ratio_per_round"]) for f in (small, large)),
        ),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    check = result["verified"]
    print(
        f"database check: {result['versions_in_db']} versions for {result['versions_expected']} "
        f"stored uploads, hashes {'match' if check else 'DO NOT match'} (database and files)"
    )
    print(json.dumps(result))
    if not check:
        raise SystemExit(1)


def run(args, scratch: Path) -> dict:
    load = round(os.getloadavg()[0], 2)
    if load > 0.5:
        log(f"the machine is busy (load {load}): the figures will be lower than they can be")
    env = bench_env(PG_DATABASE, scratch / "var")
    log(f"preparing {PG_DATABASE} (files under {scratch})")
    info = prepare(PG_DATABASE, env, max_size=16 * MB)
    employee = info["employee"]
    pool = os.urandom(24 * MB)
    counts = {"1MB": args.count, "10MB": args.count_large}
    sent: dict[str, int] = {}  # sha256 → size of every file whose upload was stored
    totals = {
        label: {
            "latencies": [],
            "errors": 0,
            "sent": 0,
            "bytes": 0,
            "raw_bytes": 0,
            "wall": 0.0,
            "raw_wall": 0.0,
            "user": 0.0,
            "kernel": 0.0,
            "database": 0.0,
            "client": 0.0,
            "sizes": [],
            "ratios": [],
        }
        for label in SIZES
    }
    with serve(env, PORT, args.workers) as (_server, pids):
        first = Client(PORT)
        login(first, info["last_step"])
        clients = [first]
        for _ in range(args.clients - 1):
            other = Client(PORT)
            other.cookies = dict(first.cookies)  # the same signed-in session
            clients.append(other)
        # Warm every worker (imports, connections) with small uploads, not timed.
        warm = [make_pdf(MB // 8, 900_000 + i, pool, pages=1) for i in range(2 * args.workers)]
        stored, errors, _wall = run_uploads(
            clients, employee, [(f"warm-{i}.pdf", d) for i, d in enumerate(warm)], 60
        )
        if errors:
            raise SystemExit(f"warm-up uploads failed: {errors[:2]}")
        for index, _took in stored:
            sent[hashlib.sha256(warm[index]).hexdigest()] = len(warm[index])
        for round_number in range(args.rounds):
            for n, (label, (size, pages)) in enumerate(SIZES.items()):
                total = totals[label]
                first_index = (round_number * len(SIZES) + n) * 10_000
                datas = [
                    make_pdf(size, first_index + i, pool, pages=pages) for i in range(counts[label])
                ]
                files = [
                    (f"skp-{label}-{round_number}-{i:04d}.pdf", d) for i, d in enumerate(datas)
                ]
                log(
                    f"round {round_number + 1}: {len(files)} files of {label}, {args.clients} "
                    "clients"
                )
                os.sync()  # each timed phase starts without the previous one's writeback
                backends = database_pids(PG_DATABASE)
                cpu_before = cpu_seconds(pids)
                database_before, client_before = total_cpu(backends), own_cpu()
                stored, errors, wall = run_uploads(clients, employee, files, args.seconds)
                user, kernel = (b - a for a, b in zip(cpu_before, cpu_seconds(pids), strict=True))
                database_cpu = total_cpu(backends) - database_before
                client_cpu = own_cpu() - client_before
                for problem in errors[:3]:
                    log(f"error: {problem}")
                done = [datas[index] for index, _took in stored]
                for data in done:
                    sent[hashlib.sha256(data).hexdigest()] = len(data)
                attempted = datas[: len(stored) + len(errors)]
                os.sync()
                raw = raw_ingest(
                    attempted, scratch / "raw" / f"{label}-{round_number}", args.clients
                )
                shutil.rmtree(scratch / "raw" / f"{label}-{round_number}")
                server_bytes = sum(len(d) for d in done)
                raw_bytes = sum(len(d) for d in attempted)
                total["latencies"] += [took for _index, took in stored]
                total["errors"] += len(errors)
                total["sent"] += len(attempted)
                total["bytes"] += server_bytes
                total["raw_bytes"] += raw_bytes
                total["wall"] += wall
                total["raw_wall"] += raw
                total["user"] += user
                total["kernel"] += kernel
                total["database"] += database_cpu
                total["client"] += client_cpu
                total["sizes"] += [len(d) for d in datas]
                total["ratios"].append(round(server_bytes / wall / (raw_bytes / raw), 3))
    found = shell_result(CHECK.format(employee=employee), env)["versions"]
    verified = (
        len(found) == len(sent)
        and all(sent.get(sha) == size and on_disk for sha, size, on_disk in found)
        and {sha for sha, _size, _ok in found} == set(sent)
    )
    figures = {}
    for label, total in totals.items():
        stored_count = len(total["latencies"])
        server_rate = total["bytes"] / MB / total["wall"]
        raw_rate = total["raw_bytes"] / MB / total["raw_wall"]
        latencies = sorted(total["latencies"]) or [0.0]
        figures[label] = {
            "sent": total["sent"],
            "stored": stored_count,
            "errors": total["errors"],
            "mean_mb": round(statistics.mean(total["sizes"]) / MB, 3),
            "seconds": round(total["wall"], 2),
            "docs_per_s": round(stored_count / total["wall"], 2),
            "mb_per_s": round(server_rate, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 1),
            "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 1),
            "server_cpu_ms_per_doc": round(
                (total["user"] + total["kernel"]) / max(1, stored_count) * 1000, 1
            ),
            "server_kernel_ms_per_doc": round(total["kernel"] / max(1, stored_count) * 1000, 1),
            "database_cpu_ms_per_doc": round(total["database"] / max(1, stored_count) * 1000, 1),
            "client_cpu_ms_per_doc": round(total["client"] / max(1, stored_count) * 1000, 1),
            "raw_seconds": round(total["raw_wall"], 2),
            "raw_mb_per_s": round(raw_rate, 1),
            "ratio": round(server_rate / raw_rate, 3),
            "ratio_per_round": total["ratios"],
        }
    return {
        "benchmark": "ingest",
        "workers": args.workers,
        "clients": args.clients,
        "rounds": args.rounds,
        "document_type": TYPE_CODE,
        "sizes": figures,
        "versions_expected": len(sent),
        "versions_in_db": len(found),
        "verified": verified,
        "goal_ratio": 0.5,
        "cpus": os.cpu_count(),
        "load_at_start": load,
    }


if __name__ == "__main__":
    main()

"""The fault-injection suite's machinery: a throw-away PostgreSQL cluster on 127.0.0.1:5433
(never the shared one on 5432), a migrated template database with the demo data and an API
token, copied for each fault, and gunicorn started the way production runs it.

Django is never configured in this process: everything that touches the application runs in
a child process (faults/appctl.py, manage.py, gunicorn) with its own environment."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
PG_BIN = Path(os.environ.get("ASN_FAULTS_PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_PORT = 5433
TEMPLATE_DB = "asn_faults_template"
WITNESSES = "Saksi Satu,Saksi Dua"


def port_in_use(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def wait_until(predicate, *, timeout: float, step: float = 0.2, what: str = "") -> None:
    """Poll a condition, bounded in time (a setup step, never an assertion about speed)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting {timeout:.0f} s for {what}")
        time.sleep(step)


class Postgres:
    """A PostgreSQL cluster of our own in a temporary folder, trust auth, 127.0.0.1:5433."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.data = base / "data"
        self.log = base / "postgres.log"
        self.as_owner: list[str] = []
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            self.as_owner = ["runuser", "-u", "postgres", "--"]
            shutil.chown(base, "postgres")

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self.as_owner, *args], check=check, capture_output=True, text=True, timeout=120
        )

    def init(self) -> None:
        self._run(
            str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E",
            "UTF8", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {PG_PORT} -k {self.base} -c listen_addresses=127.0.0.1 "
            "-c max_connections=60 -c shared_buffers=32MB"
        )
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
            "-o", options, "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def psql(self, sql: str, db: str = "postgres") -> str:
        result = self._run(
            str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres",
            "-d", db, "-tAc", sql,
        )  # fmt: skip
        return result.stdout.strip()

    def url(self, db: str) -> str:
        return f"postgres://postgres@127.0.0.1:{PG_PORT}/{db}"


@pytest.fixture(scope="session")
def postgres():
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL 15 binaries not found in {PG_BIN} (ASN_FAULTS_PG_BIN)")
    if port_in_use(PG_PORT):
        pytest.fail(f"127.0.0.1:{PG_PORT} is taken: the fault suite needs it for its own cluster")
    base = Path(tempfile.mkdtemp(prefix="asn-faults-pg-"))
    cluster = Postgres(base)
    cluster.init()
    cluster.start()
    try:
        yield cluster
    finally:
        if port_in_use(PG_PORT):
            cluster.stop("immediate")
        shutil.rmtree(base, ignore_errors=True)


def app_env(db_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of every application process of one fault: its own database and
    storage, the development posture with DEBUG off (Django's error handling as in production)
    and background tasks queued in the database (no worker runs: nothing but the fault)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ASN_", "DJANGO_", "DATABASE_URL", "REDIS_URL", "SECRET_KEY"))
    }
    env.update(
        ASN_ENV="development",
        DEBUG="0",
        DATABASE_URL=db_url,
        ASN_VAR_DIR=str(var_dir),
        ASN_API_RATE="1000000",
        DB_CONN_MAX_AGE="60",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def _run(command: list[str], env: dict[str, str], timeout: float, what: str) -> str:
    """Run ``command`` in the fault's environment; its output, or an error with its stderr."""
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    return _run([PYTHON, "manage.py", *args], env, timeout, f"manage.py {' '.join(args)}")


def appctl(env: dict[str, str], *args: str, timeout: float = 300):
    """Run a faults/appctl.py command in the fault's environment; its JSON answer."""
    command = [PYTHON, str(ROOT / "faults" / "appctl.py"), *args]
    out = _run(command, env, timeout, f"appctl {' '.join(args)}")
    return json.loads(out.strip().splitlines()[-1])


@dataclass
class Template:
    """The migrated template database, with the demo data, its stored files and a token."""

    postgres: Postgres
    files: Path
    token: str
    nips: list[str]
    made: list[Path] = field(default_factory=list)

    def new_fault(self, name: str, *, var_dir: Path | None = None) -> tuple[dict[str, str], Path]:
        """A database copied from the template and a storage folder with its files."""
        db = f"asn_fault_{name}_{uuid.uuid4().hex[:6]}"
        self.postgres.psql(f"CREATE DATABASE {db} TEMPLATE {TEMPLATE_DB}")
        if var_dir is None:
            var_dir = Path(tempfile.mkdtemp(prefix=f"asn-faults-{name}-"))
            self.made.append(var_dir)
        shutil.copytree(self.files, var_dir / "files", dirs_exist_ok=True)
        return app_env(self.postgres.url(db), var_dir), var_dir


@pytest.fixture(scope="session")
def template(postgres):
    var_dir = Path(tempfile.mkdtemp(prefix="asn-faults-template-"))
    postgres.psql(f"CREATE DATABASE {TEMPLATE_DB}")
    env = app_env(postgres.url(TEMPLATE_DB), var_dir)
    manage(env, "migrate", "--no-input", "--verbosity", "0", timeout=600)
    manage(env, "createcachetable")
    manage(env, "load_catalogue")
    manage(env, "seed_demo", "--employees", "12")
    ready = appctl(env, "token")
    made = Template(postgres, var_dir / "files", ready["token"], ready["nips"], [var_dir])
    yield made
    for folder in made.made:
        shutil.rmtree(folder, ignore_errors=True)


class Gunicorn:
    """gunicorn as deployed (sync workers), on 127.0.0.1 only; the workers can be killed."""

    def __init__(self, env: dict[str, str], port: int, log: Path, workers: int = 2) -> None:
        if port_in_use(port):
            raise RuntimeError(f"127.0.0.1:{port} is taken")
        self.port = port
        self.log = log
        self._log = log.open("ab")
        # --preload: the master imports the app once and forks, so a killed worker is back in
        # a fraction of a second (the app opens no connection at import).
        self.process = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"), "asndigital.wsgi", "--bind", f"127.0.0.1:{port}",
                "--workers", str(workers), "--threads", "1", "--timeout", "60", "--preload",
                "--graceful-timeout", "5", "--log-level", "warning",
            ],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_until(self.answers, timeout=90, what="gunicorn to answer")
        wait_until(lambda: len(self.workers()) == workers, timeout=90, what="every worker")

    def answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: see {self.log}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            conn.request("GET", "/static/css/site.css")
            conn.getresponse().read()
            conn.close()
        except OSError:
            return False
        return True

    def workers(self) -> list[int]:
        """The worker processes: the children of the master (read from /proc)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid and fields[0] != "Z":
                found.append(int(entry.name))
        return sorted(found)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()


def request(port: int, method: str, path: str, *, token: str = "", body=None, headers=None):
    """(status, headers, body bytes); raises OSError/HTTPException when the connection dies."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def multipart(fields: dict[str, str], file_name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    head = "".join(parts) + (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{file_name}"\r\nContent-Type: application/pdf\r\n\r\n'
    )
    body = head.encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def api_upload(port: int, token: str, nip: str, content: bytes):
    body, content_type = multipart(
        {"type": "realisasi-skp", "metadata": json.dumps({"tahun": "2024"}), "source": "digital"},
        "skp.pdf",
        content,
    )
    return request(
        port,
        "POST",
        f"/api/v1/employees/{nip}/documents",
        token=token,
        body=body,
        headers={"Content-Type": content_type},
    )


_RESULTS: list[tuple[str, dict]] = []


@pytest.fixture
def record():
    """record(title, **figures): what a fault found, printed at the end of the run (and
    written to $ASN_FAULTS_REPORT as JSON when set)."""

    def add(title: str, **figures) -> None:
        _RESULTS.append((title, figures))

    return add


def pytest_terminal_summary(terminalreporter):
    if not _RESULTS:
        return
    terminalreporter.section("what the faults found")
    for title, figures in _RESULTS:
        terminalreporter.write_line(title)
        for key, value in figures.items():
            terminalreporter.write_line(f"    {key}: {value}")
    target = os.environ.get("ASN_FAULTS_REPORT")
    if target:
        Path(target).write_text(json.dumps(dict(_RESULTS), indent=2, default=str))

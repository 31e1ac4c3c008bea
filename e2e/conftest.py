"""The end-to-end suite: headless chromium (Playwright, sync API) against the real server.

One throw-away installation per run, started as `make run` starts it: its own var directory
and SQLite database in a temporary directory, `migrate`, `createcachetable`, `load_catalogue`,
`seed_demo`, then `runserver` (ASN_ENV=development, DEBUG=1) and `db_worker` for the background
tasks. Outgoing e-mail goes over SMTP to a local aiosmtpd server in this process, where the tests
read the codes. Everything listens on 127.0.0.1 only. See docs/e2e.md.
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from e2e.accessibility import AccessibilityWalk, AuditedPage
from e2e.helpers import (
    LOGS,
    PAGES,
    PASSWORD,
    PEOPLE,
    REPO,
    SCREENSHOTS,
    WAIT_MS,
    Authenticators,
    Mailbox,
    sign_in,
    wait_until,
)

sys.path.insert(0, str(REPO))  # the tests build sample PDFs with asndigital.core.pdf


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def mailbox():
    from aiosmtpd.controller import Controller

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


# --- The server ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    url: str
    var_dir: Path
    env: dict


def _employees_csv(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                *("nip", "nama", "jenis_pegawai", "kode_instansi", "kode_unor", "email"),
                *("status", "tmt_status", "jabatan"),
            ]
        )
        for person in PEOPLE.values():
            writer.writerow(
                [
                    *(person.nip, person.name, "PNS", "PEMKOT-BDG", "", person.email),
                    *(person.status, person.tmt_status, "Analis SDM Aparatur"),
                ]
            )


def _run(args: list[str], env: dict, log: Path) -> None:
    with log.open("a") as out:
        out.write(f"$ manage.py {' '.join(args)}\n")
        out.flush()
        done = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=600,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {args[0]} failed; see {log}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.fixture(scope="session")
def server(mailbox):
    _box, smtp_port = mailbox
    root = Path(tempfile.mkdtemp(prefix="asn-e2e-"))
    LOGS.mkdir(parents=True, exist_ok=True)
    for old in LOGS.glob("*.log"):
        old.unlink()
    # Nothing of the caller's configuration leaks in (a DATABASE_URL would point at a real
    # database): the server sees the development posture and this throw-away copy only.
    prefixes = (
        *("ASN_", "DATABASE_URL", "REDIS_URL", "EMAIL_", "SECRET_KEY", "DJANGO_", "DEBUG"),
        *("ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "SECURE_", "TRUST_"),
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(
        ASN_ENV="development",
        ASN_VAR_DIR=str(root / "var"),
        DATABASE_URL=f"sqlite:///{root / 'db.sqlite3'}",
        ASN_UPLOAD_TMP=str(root / "upload-tmp"),
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        PYTHONUNBUFFERED="1",
        # The archive signs its records with a development key, as `make run` sets it up.
        ASN_RECORDS_SIGNING_KEY=str(root / "var" / "signing" / "records-key.pem"),
        ASN_RECORDS_SIGNING_CERT=str(root / "var" / "signing" / "records-cert.pem"),
    )
    processes = []
    try:
        (root / "upload-tmp").mkdir()
        setup_log = LOGS / "setup.log"
        setup_log.write_text(f"throw-away installation: {root} (kept with E2E_KEEP=1)\n")
        _run(["migrate", "--no-input", "--verbosity", "0"], env, setup_log)
        _run(["createcachetable"], env, setup_log)
        _run(["load_catalogue"], env, setup_log)
        _run(["seed_demo"], env, setup_log)
        _run(["make_development_signing_key"], env, setup_log)
        _employees_csv(root / "e2e-employees.csv")
        _run(["import_employees", str(root / "e2e-employees.csv")], env, setup_log)
        # All new: a NIP of the demo data would be updated instead, and the tests share it.
        assert f"imported {len(PEOPLE)}, updated 0" in setup_log.read_text(), setup_log

        port = _free_port()
        for name, args, extra in (
            ("worker", ["db_worker", "--queue-name", "*", "--interval", "1"], {}),
            # --noreload: the suite does not edit code, and the reloader doubles the processes.
            ("server", ["runserver", f"127.0.0.1:{port}", "--noreload"], {"DEBUG": "1"}),
        ):
            log = (LOGS / f"{name}.log").open("w")
            processes.append(
                subprocess.Popen(  # noqa: S603 - our own manage.py with fixed arguments
                    [sys.executable, "manage.py", *args],
                    cwd=REPO,
                    env={**env, **extra},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            log.close()
        url = f"http://127.0.0.1:{port}"

        def healthy():
            if any(p.poll() is not None for p in processes):
                raise RuntimeError(f"the server or the worker stopped; see {LOGS}")
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:  # noqa: S310
                    return response.status == 200
            except OSError:
                return False

        wait_until(healthy, timeout=90, what="the server's /healthz", interval=0.5)
        yield Server(url=url, var_dir=root / "var", env=env)
    finally:
        for process in reversed(processes):
            _stop(process)
        if os.environ.get("E2E_KEEP") != "1":
            shutil.rmtree(root, ignore_errors=True)


# --- The browser --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("chromium is not installed: `make browser` installs it (apt-get, as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def accessibility(browser, server):
    walk = AccessibilityWalk(browser, server.url)
    yield walk
    walk.close()


@pytest.fixture
def new_page(browser, server, accessibility, request):
    """A factory of pages, each in its own browser context (its own cookies: one person each).
    axe-core checks every document they show (e2e/accessibility.py). On a failure every page
    of the test is saved under var/e2e/screenshots/."""
    contexts = []
    audited = []

    def make(storage_state=None):
        context = browser.new_context(
            storage_state=storage_state,
            base_url=server.url,
            viewport={"width": 1280, "height": 900},
            locale="id-ID",
            timezone_id="Asia/Jakarta",
            accept_downloads=True,
        )
        context.set_default_timeout(WAIT_MS)
        contexts.append(context)
        page = AuditedPage(context.new_page(), accessibility)
        audited.append(page)
        return page

    yield make
    report = getattr(request.node, "rep_call", None)
    try:
        if report is not None and report.passed:
            for page in audited:  # the last document each tab showed
                page.finish()
    finally:
        if report is not None and report.failed:
            _screenshots(contexts, request.node.name)
        for context in contexts:
            context.close()


def _screenshots(contexts, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for i, context in enumerate(contexts):
        for j, page in enumerate(context.pages):
            suffix = "" if (i, j) == (0, 0) else f"-{i + 1}-{j + 1}"
            try:
                page.screenshot(
                    path=str(SCREENSHOTS / f"{name}{suffix}.png"), full_page=True, timeout=10_000
                )
            except Exception as exc:
                print(f"screenshot of {name}{suffix} failed: {exc}")


@pytest.fixture
def page(new_page):
    return new_page()


def pytest_sessionstart(session):
    """Pictures of an earlier run would mislead: start with empty folders."""
    for folder in (SCREENSHOTS, PAGES):
        if folder.is_dir():
            for picture in folder.glob("*.png"):
                picture.unlink()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def authenticators():
    return Authenticators()


@pytest.fixture(scope="session")
def staff_sessions():
    """The cookies of each staff member's first sign-in, reused by later tests: one sign-in per
    person per run (each code works once, so a second sign-in within 30 s would have to wait)."""
    return {}


@pytest.fixture
def as_user(new_page, authenticators, staff_sessions):
    """A signed-in page for a staff username: ``as_user("operator.bandung")``."""

    def make(username: str, password: str = PASSWORD):
        if username in staff_sessions:
            page = new_page(staff_sessions[username])
            page.goto("/beranda/")
            if "/akun/masuk/" not in page.url:
                return page
            page.context.clear_cookies()  # the session ended meanwhile: sign in again
        else:
            page = new_page()
        sign_in(page, authenticators, username, password)
        staff_sessions[username] = page.context.storage_state()
        return page

    return make

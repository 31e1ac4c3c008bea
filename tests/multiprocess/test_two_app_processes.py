"""Two app server processes against the same PostgreSQL, Redis (cache, sessions, throttles)
and storage: a code used on one is refused on the other, lockouts count across both, a session
works on both, and a background task runs exactly once with two workers.

PostgreSQL and Redis only (the machines' CI starts both); skipped elsewhere."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import UserFactory
from tests.helpers import code_at, enrol, solved_captcha

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Kata-sandi-uji-123"
REDIS = "redis://127.0.0.1:6379/15"
pytestmark = pytest.mark.django_db(transaction=True)


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture
def shared_env(tmp_path):
    if connection.vendor != "postgresql" or not _redis_up():
        pytest.skip("two app processes need PostgreSQL and Redis on 127.0.0.1")
    import redis

    redis.Redis.from_url(REDIS).flushdb()
    db = connection.settings_dict
    return dict(
        os.environ,
        ASN_ENV="test",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        REDIS_URL=REDIS,
        SECRET_KEY=settings.SECRET_KEY,
        ASN_VAR_DIR=str(tmp_path),
        ASN_THROTTLE_CAPTCHA_AFTER="3",
        ASN_THROTTLE_ACCOUNT_LIMIT="5",
        ASN_CAPTCHA_MAX_NUMBER="2000",
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def servers(shared_env):
    """Two gunicorn processes (one worker each) on their own ports."""
    ports = [_free_port(), _free_port()]
    processes = [
        subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "asndigital.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=shared_env,
        )
        for port in ports
    ]
    deadline = time.time() + 30
    for port in ports:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
    yield ports
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=30)


class Browser:
    """Cookies shared across servers, like one browser talking to a load balancer."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, form: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            form = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **form}
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{port}/"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _sep, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        text = response.read().decode("utf-8", "replace")
        conn.close()
        return response.status, response.getheader("Location", ""), text

    def password_step(self, port: int, username: str, password: str = PASSWORD):
        self.request(port, "GET", "/akun/masuk/")
        return self.request(
            port, "POST", "/akun/masuk/", {"username": username, "password": password}
        )


@pytest.fixture
def person(db):
    user = UserFactory(username="199001012015031001")
    user.set_password(PASSWORD)
    user.save()
    enrol(user)
    return user


def _away_from_a_boundary() -> float:
    now = time.time()
    if now % 30 > 25:
        time.sleep(30 - now % 30 + 0.5)
    return time.time()


def test_a_session_from_one_server_works_on_the_other(servers, person):
    a, b = servers
    browser = Browser()
    status, location, _text = browser.password_step(a, person.username)
    assert status == 302 and location.endswith("/masuk/kode/")
    now = _away_from_a_boundary()
    status, location, _text = browser.request(
        a, "POST", "/akun/masuk/kode/", {"code": code_at(now)}
    )
    assert status == 302 and "/masuk/" not in location
    status, _location, text = browser.request(b, "GET", "/akun/keamanan/")
    assert status == 200 and person.username in text


def test_a_code_used_on_one_server_is_refused_on_the_other(servers, person):
    a, b = servers
    first, second = Browser(), Browser()
    assert first.password_step(a, person.username)[0] == 302
    assert second.password_step(b, person.username)[0] == 302
    code = code_at(_away_from_a_boundary())
    status, location, _text = first.request(a, "POST", "/akun/masuk/kode/", {"code": code})
    assert status == 302 and "/masuk/" not in location
    status, _location, text = second.request(b, "POST", "/akun/masuk/kode/", {"code": code})
    assert status != 302 and "sudah dipakai" in text


def test_wrong_passwords_count_across_both_servers(servers, person):
    """Three failures from browsers the account does not know (ASN_THROTTLE_CAPTCHA_AFTER=3),
    then the captcha. Alternating servers, a count kept per process would first ask for it
    after the 6th attempt; a shared one asks after the 3rd, and the other server then refuses
    to check a password without it."""
    a, b = servers
    browser = Browser()
    pages = [
        browser.password_step(a if attempt % 2 else b, person.username, "salah-salah")
        for attempt in range(1, 5)
    ]
    assert [status for status, _location, _text in pages] == [200, 200, 200, 200]
    assert ["altcha-widget" in text for _s, _l, text in pages] == [False, False, True, True]
    assert "Centang kotak “Saya bukan robot”" in pages[3][2]  # not judged: no hash, no count


def test_the_owner_s_known_browser_from_one_server_gets_in_on_the_other(servers, person):
    """Strangers drive the account to its limit (ASN_THROTTLE_ACCOUNT_LIMIT=5) on both servers;
    the browser that signed in fully on one is still let in by the other."""
    a, b = servers
    owner = Browser()
    assert owner.password_step(a, person.username)[0] == 302
    code = code_at(_away_from_a_boundary())
    assert owner.request(a, "POST", "/akun/masuk/kode/", {"code": code})[0] == 302
    owner.request(a, "POST", "/akun/keluar/", {})
    stranger, text = Browser(), ""
    stranger.request(a, "GET", "/akun/masuk/")  # the CSRF cookie
    for attempt in range(5):
        form = {"username": person.username, "password": "salah-salah"}
        if "altcha-widget" in text:
            form["captcha"] = solved_captcha(text)
        _status, _location, text = stranger.request(
            b if attempt % 2 else a, "POST", "/akun/masuk/", form
        )
    assert stranger.password_step(b, person.username)[0] == 429
    assert owner.password_step(b, person.username)[0] == 302


def test_a_task_runs_exactly_once_with_two_workers(shared_env, tmp_path):
    env = dict(shared_env, ASN_ENV="development")
    env.pop("REDIS_URL")
    enqueue = (
        "from asndigital.core.mail import send_templated_email\n"
        "for i in range(20):\n"
        "    send_templated_email.enqueue(to=[f'p{i}@example.go.id'],"
        " template='documents/email/decision', context={'name': str(i), 'type': 'SK',"
        " 'accepted': True, 'reason': ''}, language='id')\n"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", enqueue],
        cwd=ROOT,
        env=env,
        check=True,
    )
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--batch",
                "--no-startup-delay",
                "--interval",
                "0.1",
                "--worker-id",
                f"w{n}",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in (1, 2)
    ]
    for worker in workers:
        assert worker.wait(timeout=120) == 0
    sent = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(sent) == 20
    recipients = sorted(p.read_text().split("To: ", 1)[1].split("\n", 1)[0] for p in sent)
    assert recipients == sorted(f"p{i}@example.go.id" for i in range(20))

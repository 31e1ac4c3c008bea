"""The simulated people of the load test (bench/loadtest.py starts locust with this file).

Every signed-in person has an account of their own (accounts.json, written by the driver, holds
usernames, the shared password and each authenticator's key). Signing in is the real thing:
the login page, NIP/username + password, then the code the authenticator shows now; a code is
accepted once, so a person who signs in again within the same 30 s step waits for the next one,
as a person with a phone would. Throttles and MFA stay on.

The server runs in the production posture behind a TLS proxy: locust plays the proxy's part
(`X-Forwarded-Proto: https`, the person's own address in `X-Forwarded-For`), and, being the
browser as well, sends back the `Secure` cookies it was given over that (simulated) HTTPS.

Recorded for the driver (ASN_LOAD_OUT): acks.jsonl, one line per upload the server acknowledged
(with the SHA-256 of the bytes sent), and status.json at the end (answers by status code,
samples of server errors, integrity mismatches seen by clients, logins, decisions).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import random
import re
import time
import uuid
from collections import Counter, deque
from pathlib import Path

import gevent
import pyotp
from loadtest import tiny_pdf
from locust import HttpUser, LoadTestShape, between, events, task
from locust.exception import StopUser

ACCOUNTS = json.loads(Path(os.environ["ASN_LOAD_ACCOUNTS"]).read_text())
OUT = Path(os.environ["ASN_LOAD_OUT"])
PASSWORD = ACCOUNTS["password"]
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
DOWNLOAD_LINK = re.compile(rf"/dokumen/({UUID})/versi/({UUID})/unduh/")

# Shared by the people of this process (greenlets: no locks needed between yields).
STATUSES: Counter[str] = Counter()
TALLY: Counter[str] = Counter()
ERRORS: list[str] = []
# (when it ended, milliseconds, failed) of every request
TIMES: list[tuple[float, float, bool]] = []
WAITING: dict[str, deque] = {}  # agency code -> documents waiting for a verifier
CODES: dict[str, str] = {s["code"]: s["sha256"] for s in ACCOUNTS["seeded"]}  # public codes
FILES: dict[str, bytes] = {s["sha256"]: tiny_pdf(s["label"]) for s in ACCOUNTS["seeded"]}
POOLS = {kind: list(ACCOUNTS[kind]) for kind in ("employees", "operators", "verifiers")}
ADDRESSES = itertools.count(1)
ACKS = (OUT / "acks.jsonl").open("a")


def integrity_error(message: str) -> None:
    TALLY["integrity_errors"] += 1
    if len(ERRORS) < 50:
        ERRORS.append(f"integrity: {message}")


@events.request.add_listener
def _count(request_type, name, response_time, response_length, response, exception, **kw):
    status = getattr(response, "status_code", 0) if response is not None else 0
    STATUSES[str(status or 0)] += 1
    TIMES.append((time.monotonic(), response_time, exception is not None or not status))
    if (status >= 500 or not status) and len(ERRORS) < 50:
        ERRORS.append(f"{request_type} {name}: {status} {exception or ''}"[:300])


@events.quitting.add_listener
def _write_status(environment, **kw):
    ACKS.flush()
    summary = {
        "statuses": dict(STATUSES),
        "errors": ERRORS,
        "minutes": by_minute(),
        "steps": by_step(),
        **TALLY,
    }
    summary.setdefault("integrity_errors", 0)
    (OUT / "status.json").write_text(json.dumps(summary))


def by_minute() -> list[dict]:
    """Requests and latency per minute of the run: the ramp (everyone signing in) and the
    steady state apart."""
    if not TIMES:
        return []
    start = TIMES[0][0]
    minutes: dict[int, list[float]] = {}
    for at, took, _failed in TIMES:
        minutes.setdefault(int((at - start) // 60), []).append(took)
    rows = []
    for minute, took in sorted(minutes.items()):
        took.sort()
        rows.append(
            {
                "minute": minute + 1,
                "requests": len(took),
                "p50_ms": round(took[len(took) // 2]),
                "p95_ms": round(took[int(len(took) * 0.95)]),
                "max_ms": round(took[-1]),
            }
        )
    return rows


def percentile(ordered: list[float], share: float) -> float:
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))]) if ordered else 0


# The stepped load (bench/loadtest.py --steps): N people for STEP_SECONDS, then more, and so
# on; the figures of each step leave out its first SETTLE seconds (the new people signing in).
STEPS = [int(n) for n in os.environ.get("ASN_LOAD_STEPS", "").split(",") if n]
STEP_SECONDS = float(os.environ.get("ASN_LOAD_STEP_SECONDS", "60"))
SETTLE = float(os.environ.get("ASN_LOAD_SETTLE", "15"))
SPAWN_RATE = float(os.environ.get("ASN_LOAD_SPAWN_RATE", "10"))
STEP_STARTS: list[float] = []  # time.monotonic() when each step began (shared with the driver)


def by_step() -> list[dict]:
    """Per step, over [its start + SETTLE, its end]: requests answered, latency, errors, and
    the rate the people would have asked for had every answer been instant (offered)."""
    rows = []
    for i, started in enumerate(STEP_STARTS):
        begin, end = started + SETTLE, started + STEP_SECONDS
        seen = [(took, failed) for at, took, failed in TIMES if begin <= at < end]
        took = sorted(t for t, _ in seen)
        window = end - begin
        users = STEPS[i]
        # Each person's time is thinking or waiting for an answer; without the waiting, the
        # same requests would have been asked in the thinking time alone. Waiting counts as far
        # as it falls in the window (answers that came after it, or began before it, too).
        waiting = sum(max(0.0, min(at, end) - max(at - ms / 1000, begin)) for at, ms, _ in TIMES)
        thinking = users * window - waiting
        rows.append(
            {
                "step": i + 1,
                "users": users,
                "from_monotonic": begin,
                "to_monotonic": end,
                "requests": len(seen),
                "errors": sum(1 for _, failed in seen if failed),
                "served_rps": round(len(seen) / window, 1),
                "offered_rps": round(len(seen) / thinking * users, 1) if thinking > 0 else None,
                "p50_ms": percentile(took, 0.5),
                "p95_ms": percentile(took, 0.95),
                "p99_ms": percentile(took, 0.99),
            }
        )
    return rows


if STEPS:
    # Weights instead of fixed counts, so every step has the same mix of people.
    class Steps(LoadTestShape):
        def tick(self):
            step = int(self.get_run_time() // STEP_SECONDS)
            if step >= len(STEPS):
                return None
            while len(STEP_STARTS) <= step:
                STEP_STARTS.append(time.monotonic())
            return STEPS[step], SPAWN_RATE


def share(kind: str) -> int:
    """How many of the people are of ``kind`` (the mix; prepared accounts may be a few more)."""
    return ACCOUNTS["mix"][kind]


def people(kind: str) -> int:
    """A fixed count of ``kind`` (everyone at once), or none (stepped: the mix's weights)."""
    return 0 if STEPS else share(kind)


class Person(HttpUser):
    """Someone in a browser: cookies, no redirects followed (each request measured alone)."""

    abstract = True
    wait_time = between(2, 6)

    def on_start(self) -> None:
        n = next(ADDRESSES)
        self.address = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        self.client.headers.update(
            {
                "X-Forwarded-Proto": "https",
                "X-Forwarded-For": self.address,
                "Referer": f"https://{self.host.split('://', 1)[1]}/",
                "Accept-Language": "id",
            }
        )

    def call(self, method: str, path: str, name: str, expect=(200,), **kwargs):
        """One request; a failure when the status is not expected. Cookies the (simulated) TLS
        proxy delivered as Secure are kept for the next request, as a browser does over HTTPS."""
        kwargs.setdefault("allow_redirects", False)
        with self.client.request(method, path, name=name, catch_response=True, **kwargs) as r:
            if r.status_code not in expect:
                r.failure(f"status {r.status_code}")
            else:
                r.success()
        for cookie in self.client.cookies:
            cookie.secure = False
        return r

    def csrf(self) -> str:
        for cookie in self.client.cookies:
            if cookie.name.endswith("csrf") or cookie.name == "csrftoken":
                return cookie.value or ""
        return ""


class SignedIn(Person):
    """A person with an account: signs in (password + code), works a while, signs out."""

    abstract = True
    kind = ""

    def on_start(self) -> None:
        super().on_start()
        if not POOLS[self.kind]:
            raise StopUser()
        self.account = POOLS[self.kind].pop(0)
        self.totp = pyotp.TOTP(self.account["secret"])
        self.last_step = -1
        self.left = 0
        self.login()

    def login(self) -> None:
        self.client.cookies.clear()
        self.call("GET", "/akun/masuk/", "GET /akun/masuk/ (login page)")
        r = self.call(
            "POST",
            "/akun/masuk/",
            "POST /akun/masuk/ (password)",
            expect=(302,),
            data={
                "csrfmiddlewaretoken": self.csrf(),
                "username": self.account["username"],
                "password": PASSWORD,
            },
        )
        if not r.headers.get("Location", "").endswith("/masuk/kode/"):
            raise StopUser()
        # A code is accepted once: within the step of the last sign-in, wait for the next one.
        wait = (self.last_step + 1) * 30 + 0.5 - time.time()
        if wait > 0:
            gevent.sleep(min(wait, 31))
        now = time.time()
        r = self.call(
            "POST",
            "/akun/masuk/kode/",
            "POST /akun/masuk/kode/ (TOTP code)",
            expect=(302,),
            data={"csrfmiddlewaretoken": self.csrf(), "code": self.totp.at(now)},
        )
        if r.status_code != 302 or "/masuk/" in r.headers.get("Location", ""):
            raise StopUser()
        self.last_step = int(now) // 30
        self.left = random.randint(8, 25)  # requests before this person signs out
        TALLY["logins"] += 1

    def logout_maybe(self) -> None:
        self.left -= 1
        if self.left > 0:
            return
        self.call(
            "POST",
            "/akun/keluar/",
            "POST /akun/keluar/ (sign out)",
            expect=(302,),
            data={"csrfmiddlewaretoken": self.csrf()},
        )
        gevent.sleep(random.uniform(2, 10))
        self.login()

    def dossier_api(self, nip: str) -> list[dict]:
        r = self.call(
            "GET", f"/api/v1/employees/{nip}/documents", "GET /api/v1/employees/[nip]/documents"
        )
        if r.status_code != 200:
            return []
        documents = r.json()
        for d in documents:
            if d["verification_code"]:
                CODES.setdefault(d["verification_code"], d["sha256"])
        return documents

    def upload_api(self, nip: str, employee: str, agency: str) -> None:
        label = f"{self.account['username']} api {uuid.uuid4().hex}"
        data = tiny_pdf(label)
        sha = hashlib.sha256(data).hexdigest()
        r = self.call(
            "POST",
            f"/api/v1/employees/{nip}/documents",
            "POST /api/v1/employees/[nip]/documents (upload)",
            expect=(201,),
            headers={"X-CSRFToken": self.csrf()},
            data={"type": "realisasi-skp", "metadata": '{"tahun": 2025}', "source": "digital"},
            files={"file": ("skp.pdf", data, "application/pdf")},
        )
        if r.status_code != 201:
            return
        stored = r.json()
        if stored["sha256"] != sha or stored["size"] != len(data):
            integrity_error(f"API upload answered {stored['sha256']} for {sha}")
        acknowledge(employee, sha, len(data), "api", data)
        WAITING.setdefault(agency, deque(maxlen=500)).append(stored["document"])


def acknowledge(employee: str, sha: str, size: int, via: str, data: bytes) -> None:
    ACKS.write(json.dumps({"employee": employee, "sha256": sha, "size": size, "via": via}) + "\n")
    ACKS.flush()
    TALLY["uploads_acknowledged"] += 1
    if len(FILES) < 5000:
        FILES[sha] = data


class CivilServant(SignedIn):
    """An ASN: their own dossier, their own uploads (the web form), downloads."""

    kind = "employees"
    fixed_count = people("employees")
    weight = share("employees")

    def on_start(self) -> None:
        super().on_start()
        self.me = self.account["employee"]
        self.documents: list[dict] = []

    @task(5)
    def dossier(self) -> None:
        self.call("GET", f"/pegawai/{self.me}/", "GET /pegawai/[id]/ (dossier)")
        self.logout_maybe()

    @task(3)
    def dossier_json(self) -> None:
        self.documents = self.dossier_api(self.account["nip"])
        for d in self.documents:
            if d["status"] == "menunggu":
                waiting = WAITING.setdefault(self.account["agency"], deque(maxlen=500))
                if d["id"] not in waiting:
                    waiting.append(d["id"])
        self.logout_maybe()

    @task(3)
    def open_and_download(self) -> None:
        stored = [d for d in self.documents if d["version"]]
        if not stored:
            return self.dossier_json()
        document = random.choice(stored)
        r = self.call("GET", f"/dokumen/{document['id']}/", "GET /dokumen/[id]/ (document page)")
        found = DOWNLOAD_LINK.findall(r.text or "")
        if r.status_code == 200 and found:
            doc, version = found[0]
            r = self.call(
                "GET",
                f"/dokumen/{doc}/versi/{version}/unduh/",
                "GET /dokumen/[id]/versi/[v]/unduh/",
            )
            if r.status_code == 200:
                TALLY["downloads_checked"] += 1
                if hashlib.sha256(r.content).hexdigest() != document["sha256"]:
                    integrity_error(f"download of {doc} differs from its SHA-256")
        self.logout_maybe()

    @task(2)
    def upload(self) -> None:
        path = f"/pegawai/{self.me}/unggah/?type=realisasi-skp"
        self.call("GET", path, "GET /pegawai/[id]/unggah/ (upload form)")
        label = f"{self.account['username']} web {uuid.uuid4().hex}"
        data = tiny_pdf(label)
        r = self.call(
            "POST",
            path,
            "POST /pegawai/[id]/unggah/ (upload)",
            expect=(302,),
            data={"csrfmiddlewaretoken": self.csrf(), "source": "scan", "meta_tahun": "2025"},
            files={"file": ("realisasi-skp.pdf", data, "application/pdf")},
        )
        if r.status_code == 302 and r.headers.get("Location", "").rstrip("/").endswith(self.me):
            acknowledge(self.me, hashlib.sha256(data).hexdigest(), len(data), "web", data)
        self.logout_maybe()


class Operator(SignedIn):
    """Agency HR staff: the employee list and search, dossiers, uploads through the API."""

    kind = "operators"
    fixed_count = people("operators")
    weight = share("operators")

    def colleague(self) -> dict:
        mine = [e for e in ACCOUNTS["employees"] if e["agency"] == self.account["agency"]]
        return random.choice(mine)

    @task(3)
    def employee_list(self) -> None:
        self.call("GET", "/pegawai/", "GET /pegawai/ (employee list)")
        self.logout_maybe()

    @task(2)
    def search(self) -> None:
        nip = self.colleague()["nip"]
        self.call("GET", f"/pegawai/?q={nip[:8]}", "GET /pegawai/?q= (search)")
        self.logout_maybe()

    @task(3)
    def dossier(self) -> None:
        self.call(
            "GET", f"/pegawai/{self.colleague()['employee']}/", "GET /pegawai/[id]/ (dossier)"
        )
        self.logout_maybe()

    @task(3)
    def upload(self) -> None:
        person = self.colleague()
        self.upload_api(person["nip"], person["employee"], person["agency"])
        self.logout_maybe()


class Verifier(SignedIn):
    """The agency's verifier: DITERIMA or DITOLAK (with a reason) on the document page."""

    kind = "verifiers"
    fixed_count = people("verifiers")
    weight = share("verifiers")

    def next_document(self) -> str | None:
        waiting = WAITING.get(self.account["agency"])
        if waiting:
            return waiting.popleft()
        mine = [e for e in ACCOUNTS["employees"] if e["agency"] == self.account["agency"]]
        documents = self.dossier_api(random.choice(mine)["nip"])
        found = [d["id"] for d in documents if d["status"] == "menunggu"]
        return random.choice(found) if found else None

    @task(6)
    def decide(self) -> None:
        document = self.next_document()
        if document is None:
            return self.logout_maybe()
        self.call("GET", f"/dokumen/{document}/", "GET /dokumen/[id]/ (document page)")
        accept = random.random() < 0.75
        form = {"csrfmiddlewaretoken": self.csrf(), "back": "document"}
        if not accept:
            form["reason"] = "Berkas tidak terbaca jelas, mohon unggah ulang."
        self.call(
            "POST",
            f"/dokumen/{document}/{'terima' if accept else 'tolak'}/",
            f"POST /dokumen/[id]/{'terima' if accept else 'tolak'}/ (decision)",
            expect=(302,),
            data=form,
        )
        TALLY["decisions"] += 1
        self.logout_maybe()

    @task(1)
    def employee_list(self) -> None:
        self.call("GET", "/pegawai/", "GET /pegawai/ (employee list)")
        self.logout_maybe()


class Public(Person):
    """Anyone holding a printed copy: checks its code online, sometimes compares the file."""

    fixed_count = people("public")
    weight = share("public")
    wait_time = between(3, 8)

    @task(5)
    def check_code(self) -> None:
        code, sha = random.choice(list(CODES.items()))
        self.call(
            "GET", f"/verifikasi/?kode={code}", "GET /verifikasi/?kode= (code typed)", expect=(302,)
        )
        r = self.call("GET", f"/verifikasi/{code}/", "GET /verifikasi/[code]/")
        if r.status_code == 200 and sha not in r.text:
            integrity_error(f"verification page of {code} does not show its SHA-256")

    @task(2)
    def compare_copy(self) -> None:
        known = [(c, s) for c, s in CODES.items() if s in FILES]
        if not known:
            return
        code, sha = random.choice(known)
        data = FILES[sha]
        changed = random.random() < 0.3
        if changed:
            data = data.replace(b"baris 1)", b"baris 9)", 1)
        self.call("GET", f"/verifikasi/{code}/", "GET /verifikasi/[code]/")
        r = self.call(
            "POST",
            f"/verifikasi/{code}/",
            "POST /verifikasi/[code]/ (compare a copy)",
            data={"csrfmiddlewaretoken": self.csrf()},
            files={"copy": ("salinan.pdf", data, "application/pdf")},
        )
        if r.status_code == 200:
            verdict = (r.text or "").split('id="compare-result"', 1)[-1].split("</div>", 1)[0]
            identical = 'class="verdict ok"' in verdict
            if identical == changed:
                integrity_error(
                    f"copy of {code} judged {'identical' if identical else 'different'}"
                )

    @task(1)
    def unknown_code(self) -> None:
        code = "".join(random.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(24))
        self.call("GET", f"/verifikasi/{code}/", "GET /verifikasi/[code]/ (unknown)", expect=(404,))

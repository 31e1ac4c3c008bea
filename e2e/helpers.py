"""What the end-to-end tests share: the people, the mailbox, the authenticator app, signing in.
The fixtures that start the server and the browser are in conftest.py."""

from __future__ import annotations

import email
import email.policy
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyotp

REPO = Path(__file__).resolve().parents[1]

E2E_VAR = REPO / "var" / "e2e"
SCREENSHOTS = E2E_VAR / "screenshots"  # failures, named after the test
PAGES = E2E_VAR / "pages"  # the main pages along the flows, for people to look at
LOGS = E2E_VAR / "logs"  # the server's and the worker's output of the last run
PASSWORD = "Demo-ASN-2026!"  # noqa: S105 - seed_demo's published demo password
DEMO_ASN_NIP = "199605122024051001"
STEP = 30  # TOTP period (RFC 6238), as the server uses
WAIT_MS = 30_000  # Playwright's default wait: generous, the machine is shared
MAIL_WAIT_S = 60  # the worker polls every second; a loaded machine may take a while


@dataclass(frozen=True)
class Person:
    nip: str
    name: str
    email: str
    status: str = "aktif"
    tmt_status: str = ""


# Employees imported for the suite (through the real importer, as SIASN data arrives), one per
# flow so that the tests do not depend on each other. Valid NIPs: birth date, appointment month,
# sex, serial (the 9xx serials are not used by the demo generator's few rows per agency).
PEOPLE = {
    "reset": Person("199101152016031901", "Wulan Sari", "wulan.sari@bandung.go.id"),
    "documents": Person("198807202014021902", "Yudi Permana", "yudi.permana@bandung.go.id"),
    "bulk": Person("199203102017011903", "Rina Marlina", "rina.marlina@bandung.go.id"),
    "transfer": Person("198512012010121904", "Agus Setiawan", "agus.setiawan@bandung.go.id"),
    "retired": Person(
        "195801011980031905",
        "Ujang Suryana",
        "ujang.suryana@bandung.go.id",
        status="pensiun",
        tmt_status="01-02-2016",
    ),
}


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}")


# --- Mail: a local SMTP server that keeps every message ---------------------------------------


@dataclass
class Mailbox:
    messages: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def wait_for(self, to: str, *, after: int = 0, subject: str = "") -> email.message.Message:
        """The first message to ``to`` received after the first ``after`` ones."""

        def find():
            with self.lock:
                for rcpts, message in self.messages[after:]:
                    if to in rcpts and subject.lower() in str(message["Subject"]).lower():
                        return message
            return None

        return wait_until(find, timeout=MAIL_WAIT_S, what=f"an e-mail to {to}", interval=0.3)

    @staticmethod
    def text(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    def code_in(self, message) -> str:
        """The reset code: 8 characters of the unambiguous alphabet the server uses."""
        found = re.search(r"\b([A-HJ-NP-Z2-9]{8})\b", self.text(message))
        assert found, self.text(message)
        return found.group(1)


def shot(page, name: str) -> None:
    """Keep a picture of a page along the flow (var/e2e/pages/NAME.png) for people to look at."""
    PAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(PAGES / f"{name}.png"), full_page=True)


# --- Signing in ---------------------------------------------------------------------------------


class Authenticators:
    """The authenticator apps of the people in the suite: the secret read on the activation page
    and the last step used, since the server accepts each code once (and one step either side)."""

    def __init__(self):
        self.secrets: dict[str, str] = {}
        self.last_step: dict[str, int] = {}

    def add(self, username: str, secret: str) -> None:
        self.secrets[username] = secret
        self.last_step[username] = -1

    def forget(self, username: str) -> None:
        self.secrets.pop(username, None)
        self.last_step.pop(username, None)

    def code(self, username: str) -> str:
        """A code the server has not seen yet: the current step's, or the next one's (a phone a
        little ahead), or after waiting for the next step. Never within 3 s of a step's end, so
        the step cannot change between typing and checking."""
        totp = pyotp.TOTP(self.secrets[username])
        deadline = time.monotonic() + 3 * STEP
        while time.monotonic() < deadline:
            now = time.time()
            current = int(now // STEP)
            if STEP - now % STEP < 3:
                time.sleep(STEP - now % STEP + 0.1)
                continue
            chosen = max(current, self.last_step[username] + 1)
            if chosen > current + 1:  # both this step and the next are used: wait for time
                time.sleep(STEP - now % STEP + 0.1)
                continue
            self.last_step[username] = chosen
            return totp.at(chosen * STEP)
        raise AssertionError("no fresh code within 90 s")


def submit_password(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/akun/masuk/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")


def activate_mfa(page, authenticators, username: str, *, screenshot: str = "") -> list[str]:
    """On the activation page: read the key shown for manual entry, send the first code with a
    device name; returns the recovery codes shown once."""
    page.wait_for_url("**/akun/masuk/aktivasi-mfa/")
    assert page.locator(".qr svg").count() == 1
    if screenshot:
        shot(page, screenshot)
    authenticators.add(username, page.inner_text("#secret-key").replace(" ", ""))
    page.fill("#id_code", authenticators.code(username))
    page.fill("#id_name", "HP Android saya")
    page.click("main button:has-text('Kirim')")
    page.wait_for_url("**/akun/kode-pemulihan/")
    codes = [c.strip() for c in page.locator("#recovery-codes li").all_inner_texts()]
    assert len(codes) == 10
    if screenshot:
        shot(page, f"{screenshot}-recovery-codes")
    page.click("main button:has-text('Sudah saya simpan')")
    return codes


def sign_in(page, authenticators, username: str, password: str = PASSWORD) -> None:
    """Sign in as a person would: password, then either the first-time activation or a code."""
    submit_password(page, username, password)
    page.wait_for_url(re.compile(r".*/akun/masuk/(kode|aktivasi-mfa)/$"))
    if page.url.endswith("/aktivasi-mfa/"):
        activate_mfa(page, authenticators, username)
    else:
        assert username in authenticators.secrets, f"{username} has MFA the suite does not know"
        page.fill("#id_code", authenticators.code(username))
        page.click("main button:has-text('Masuk')")
    page.wait_for_url(lambda url: "/akun/" not in url)


def log_out(page) -> None:
    page.click("header form button:has-text('Keluar')")
    page.wait_for_url(lambda url: "/akun/" not in url and "/pegawai/" not in url)


def open_employee(page, nip: str) -> None:
    """From the employee list, search the NIP and open the employee's page."""
    page.goto(f"/pegawai/?q={nip}")
    page.locator("#employee-table a[href*='/pegawai/']").first.click()
    page.wait_for_url(re.compile(r".*/pegawai/[0-9a-f-]{36}/$"))

"""Fault 2: PostgreSQL restarts under load (the suite's own cluster on 5433, never 5432).

Clients keep reading through the API, uploading through the API and opening a public page
that needs the database, while PostgreSQL is stopped (once `-m fast`, once `-m immediate`, a
crash) and started again. While it is down every request gets a clean 503: the site's page in
Indonesian, or JSON with the stable code `unavailable` under /api/; never a 500 or a
traceback, never a dropped connection. Once it is back the same gunicorn workers (no restart)
answer normally again. Nothing half-written stays behind (after `cleanup_uploads`), every
acknowledged upload downloads with its SHA-256, and the audit chain verifies."""

from __future__ import annotations

import hashlib
import http.client
import json
import random
import threading
import time

from faults.conftest import Gunicorn, api_upload, appctl, manage, request, wait_until
from faults.pdfs import unique_pdf

PORT = 8301
CLIENTS = 3
UNKNOWN_CODE = "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF"
KINDS = ("api_read", "api_upload", "page")
EXPECTED_UP = {"api_read": {200}, "api_upload": {201}, "page": {404}}
PHASE_SECONDS = 4
RECOVERY_BOUND = 90  # seconds


def test_requests_fail_cleanly_while_postgres_is_down_and_recover_by_themselves(
    template, postgres, record
):
    env, var_dir = template.new_fault("pgrestart")
    env["ASN_VERIFY_FREE_MISSES"] = "1000000"  # the page is asked for an unknown code often
    seeded = appctl(env, "inventory")["versions"]
    server = Gunicorn(env, PORT, var_dir / "gunicorn.log", workers=2)
    workers_before = server.workers()
    lock = threading.Lock()
    stop = threading.Event()
    phase = ["up"]
    seen: list[dict] = []
    acknowledged: list[dict] = []

    def one(kind: str, rng: random.Random) -> dict:
        if kind == "api_read":
            status, headers, body = request(
                PORT, "GET", "/api/v1/employees?page_size=5", token=template.token
            )
        elif kind == "api_upload":
            content = unique_pdf(rng.randint(5_000, 60_000))
            status, headers, body = api_upload(
                PORT, template.token, rng.choice(template.nips), content
            )
            if status == 201:
                acknowledged.append(json.loads(body))
        else:
            status, headers, body = request(PORT, "GET", f"/verifikasi/{UNKNOWN_CODE}/")
        return {"status": status, "type": headers.get("Content-Type", ""), "body": body}

    def client(seed: int) -> None:
        rng = random.Random(seed)
        while not stop.is_set():
            kind = rng.choice(KINDS)
            started_in = phase[0]
            try:
                answer = one(kind, rng)
            except (OSError, http.client.HTTPException) as exc:
                answer = {"status": None, "type": "", "body": repr(exc).encode()}
            with lock:
                seen.append({"kind": kind, "phase": started_in, "ended": phase[0], **answer})
            time.sleep(0.02)

    def answered_normally(kind: str) -> bool:
        return one(kind, random.Random())["status"] in EXPECTED_UP[kind]

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    cycles = []
    try:
        for mode in ("fast", "immediate"):
            phase[0] = "up"
            time.sleep(PHASE_SECONDS)
            phase[0] = "stopping"
            postgres.stop(mode)
            phase[0] = "down"
            time.sleep(PHASE_SECONDS)
            phase[0] = "starting"
            postgres.start()
            phase[0] = "recovering"
            started = time.monotonic()
            for kind in KINDS:
                wait_until(lambda k=kind: answered_normally(k), timeout=RECOVERY_BOUND, what=kind)
            cycles.append({"mode": mode, "recovered_after_s": round(time.monotonic() - started, 2)})
            phase[0] = "up"
            time.sleep(PHASE_SECONDS)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    try:
        workers_after = server.workers()
        manage(env, "cleanup_uploads", "--min-age", "0")
        state = appctl(env, "inventory")
        for ack in acknowledged:
            status, _headers, body = request(
                PORT,
                "GET",
                f"/api/v1/documents/{ack['document']}/versions/{ack['version']}/file",
                token=template.token,
            )
            assert status == 200 and hashlib.sha256(body).hexdigest() == ack["sha256"]
    finally:
        server.stop()
    audit = manage(env, "verify_audit").strip()

    def count(rows) -> dict:
        out: dict[str, int] = {}
        for row in rows:
            key = f"{row['kind']} {row['status']}"
            out[key] = out.get(key, 0) + 1
        return dict(sorted(out.items()))

    down = [r for r in seen if r["phase"] == "down" and r["ended"] == "down"]
    record(
        "fault 2 (PostgreSQL restarted under load)",
        cycles=cycles,
        requests=len(seen),
        while_down=count(down),
        all_answers=count(seen),
        acknowledged_uploads=len(acknowledged),
        stored_uploads=state["versions"] - seeded,
        gunicorn_workers_unchanged=workers_before == workers_after,
        verify_audit=audit.splitlines()[-1] if audit else "",
    )
    assert not [r for r in seen if r["status"] is None], "a connection was dropped"
    assert not [r for r in seen if r["status"] == 500]
    assert not [r for r in seen if b"Traceback" in r["body"] or b"Error at" in r["body"]]
    assert down, "no request was made while PostgreSQL was down"
    assert {r["status"] for r in down} == {503}
    for row in (r for r in seen if r["status"] == 503):
        if row["kind"] == "page":
            text = row["body"].decode()
            assert "Layanan sedang tidak tersedia untuk sementara" in text
            assert 'class="topbar"' in text and row["type"].startswith("text/html")
        else:
            assert row["type"] == "application/json"
            assert json.loads(row["body"])["code"] == "unavailable"
    for row in seen:  # anything else is what the request gets when the database is up
        if row["status"] != 503:
            assert row["status"] in EXPECTED_UP[row["kind"]], row
    assert workers_before == workers_after, "the workers were restarted"
    assert state["rows_without_file"] == [] and state["files_without_row"] == []
    assert state["tmp_files"] == [] and state["bad_stored_hash"] == []
    assert state["versions"] == state["upload_events"] == state["document_events"]
    # A 503 never hides a stored upload: what was stored is exactly what was acknowledged.
    assert state["versions"] - seeded == len(acknowledged)

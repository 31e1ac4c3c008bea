"""Fault 1: kill -9 gunicorn workers during uploads, 100 times.

Clients upload unique PDFs through the API (a write token) to gunicorn (2 sync workers) while
a worker is SIGKILLed at random moments, mostly while uploads are in flight. Afterwards, after
`manage.py cleanup_uploads`: no file without a row, no row without a file, no temporary file
left, every stored file matches the hash recorded for it, every upload acknowledged with a 201
is there and downloads with its SHA-256, and the audit chain verifies."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import random
import signal
import threading
import time
from collections import Counter

from faults.conftest import Gunicorn, api_upload, appctl, manage, request, wait_until
from faults.pdfs import unique_pdf

PORT = 8300
KILLS = 100
CLIENTS = 4
TIME_BOUND = 420  # seconds: the kill loop stops here whatever happened (then the test fails)


def test_killing_workers_during_uploads_loses_nothing_and_leaves_nothing(template, record):
    env, var_dir = template.new_fault("kill")
    seeded = appctl(env, "inventory")["versions"]
    server = Gunicorn(env, PORT, var_dir / "gunicorn.log", workers=2)
    lock = threading.Lock()
    stop = threading.Event()
    acknowledged: list[dict] = []
    answers: Counter = Counter()
    in_flight = [0]
    durations: list[float] = []

    def client(seed: int) -> None:
        rng = random.Random(seed)
        while not stop.is_set():
            content = unique_pdf(rng.randint(20_000, 800_000))
            sha256 = hashlib.sha256(content).hexdigest()
            with lock:
                in_flight[0] += 1
            started = time.monotonic()
            try:
                status, _headers, body = api_upload(
                    PORT, template.token, rng.choice(template.nips), content
                )
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    answers[f"connection lost ({type(exc).__name__})"] += 1
                continue
            finally:
                with lock:
                    in_flight[0] -= 1
            with lock:
                answers[status] += 1
                if status == 201:
                    durations.append(time.monotonic() - started)
                    data = json.loads(body)
                    acknowledged.append({**data, "expected": sha256})
                else:
                    answers[f"{status}: {body[:200]!r}"] += 1

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    rng = random.Random()
    kills = kills_in_flight = 0
    end = time.monotonic() + TIME_BOUND
    try:
        while kills < KILLS and time.monotonic() < end:
            # Both workers up and an upload on its way, then a random moment of its life.
            wait_until(lambda: len(server.workers()) == 2, timeout=60, what="workers")
            wait_until(lambda: in_flight[0] > 0, timeout=60, step=0.01, what="an upload")
            time.sleep(rng.uniform(0, 1.5))
            victim = rng.choice(server.workers())
            busy = in_flight[0] > 0
            os.kill(victim, signal.SIGKILL)
            kills += 1
            kills_in_flight += busy
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    try:
        assert kills == KILLS, f"only {kills} kills within {TIME_BOUND} s"
        found = manage(env, "cleanup_uploads", "--min-age", "0", "--dry-run").strip()
        removed = manage(env, "cleanup_uploads", "--min-age", "0").strip()
        state = appctl(env, "inventory")
        downloaded = 0
        for ack in acknowledged:
            assert ack["sha256"] == ack["expected"]
            assert state["by_sha256"].get(ack["sha256"]) == [ack["document"], ack["version"]]
            status, headers, body = request(
                PORT,
                "GET",
                f"/api/v1/documents/{ack['document']}/versions/{ack['version']}/file",
                token=template.token,
            )
            assert status == 200
            assert hashlib.sha256(body).hexdigest() == ack["sha256"]
            assert headers.get("X-Checksum-SHA256") == ack["sha256"]
            downloaded += 1
    finally:
        server.stop()
    audit = manage(env, "verify_audit").strip()
    record(
        "fault 1 (kill -9 workers during uploads)",
        kills=kills,
        kills_while_uploads_in_flight=kills_in_flight,
        answers=dict(answers),
        acknowledged=len(acknowledged),
        median_upload_seconds=round(sorted(durations)[len(durations) // 2], 3)
        if durations
        else None,
        downloaded_and_hash_checked=downloaded,
        # Committed, but the worker died before it answered: stored once; a client's retry
        # of the same bytes is refused as a duplicate.
        stored_but_not_acknowledged=state["versions"] - seeded - len(acknowledged),
        cleanup_dry_run=found,
        cleanup=removed,
        verify_audit=audit.splitlines()[-1] if audit else "",
    )
    assert state["rows_without_file"] == []
    assert state["files_without_row"] == []
    assert state["tmp_files"] == []
    assert state["bad_stored_hash"] == []
    assert state["documents_without_current_version"] == 0
    # Every version row came with its document event and its audit event (same transaction).
    assert state["versions"] == state["upload_events"] == state["document_events"]
    assert set(answers) <= {201} | {k for k in answers if str(k).startswith("connection lost")}

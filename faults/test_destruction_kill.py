"""Fault 4: kill -9 the process carrying out a destruction, again and again, at random moments,
then let it finish. The approved proposal lists 60 documents (30 employees who left in 2010,
two documents each). Each run is SIGKILLed a random time after it starts working (between
items, inside an item's transaction after its files were deleted, while the berita acara is
written...) until a run finishes by itself; one more run afterwards changes nothing.

Proven: every document destroyed exactly once (one `destroyed` event and one audit event each),
every version's file and data key gone, one `destruction.started` and one
`destruction.executed`, one berita acara whose file matches its recorded SHA-256, and the
audit chain verifies (`manage.py verify_audit`)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time

from faults.conftest import PYTHON, ROOT, WITNESSES, appctl, manage, wait_until

EMPLOYEES = 30
MAX_KILLS = 25  # bound: then one run is left to finish
RUN_BOUND = 180  # seconds a single run may take before the suite gives up


def _run(env, proposal: int, *, kill_after: float | None, in_finish: float | None = None) -> dict:
    """One destruction run; SIGKILLed ``kill_after`` seconds after it is ready, if still alive,
    or (``in_finish``) that many seconds after it starts writing the berita acara."""
    child = subprocess.Popen(
        [PYTHON, str(ROOT / "faults" / "appctl.py"), "destroy", str(proposal)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(child.stdout), daemon=True)
    reader.start()
    try:
        wait_until(
            lambda: "ready\n" in lines or child.poll() is not None, timeout=RUN_BOUND, what="ready"
        )
        killed = False
        if kill_after is not None:
            deadline = time.monotonic() + kill_after
            while child.poll() is None and time.monotonic() < deadline:
                if in_finish is not None and "finishing\n" in lines:
                    deadline = min(deadline, time.monotonic() + in_finish)
                    in_finish = None
                time.sleep(0.002)
            if child.poll() is None:
                os.kill(child.pid, signal.SIGKILL)
                killed = True
        child.wait(timeout=RUN_BOUND)
        reader.join(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    stderr = child.stderr.read()
    if not killed and child.returncode != 0:
        raise RuntimeError(f"a destruction run failed:\n{stderr[-3000:]}")
    return {
        "killed": killed,
        "items": lines.count("item\n"),
        "in_finish": "finishing\n" in lines,
        "finished": any(line.startswith("{") for line in lines),
    }


def test_a_destruction_killed_midway_finishes_exactly_once(template, record):
    env, _var_dir = template.new_fault("destroy")
    env["FAULT_WITNESSES"] = WITNESSES
    setup = appctl(env, "destruction-setup", str(EMPLOYEES))
    proposal = setup["proposal"]
    rng = random.Random()
    runs = []
    while len(runs) < MAX_KILLS:
        # Random moments; the first run that reaches the berita acara is killed while (or
        # just after) writing it.
        reached = any(r["in_finish"] for r in runs)
        run = _run(
            env,
            proposal,
            kill_after=rng.uniform(0, 0.6),
            in_finish=None if reached else rng.uniform(0, 0.08),
        )
        runs.append(run)
        if run["finished"]:
            break
    if not runs[-1]["finished"]:
        runs.append(_run(env, proposal, kill_after=None))
    again = _run(env, proposal, kill_after=None)  # a run after the end does nothing
    manage(env, "cleanup_uploads", "--min-age", "0")
    report = appctl(env, "destruction-report", str(proposal))
    audit = manage(env, "verify_audit").strip()
    killed = [r for r in runs if r["killed"]]
    record(
        "fault 4 (kill -9 a destruction run)",
        items=setup["items"],
        runs=len(runs),
        kills=len(killed),
        kills_between_or_inside_items=sum(1 for r in killed if not r["in_finish"]),
        kills_while_writing_the_berita_acara=sum(
            1 for r in killed if r["in_finish"] and not r["finished"]
        ),
        kills_after_it_had_finished=sum(1 for r in killed if r["finished"]),
        items_done_per_run=[r["items"] for r in runs],
        run_after_the_end_did_items=again["items"],
        report=report,
        verify_audit=audit.splitlines()[-1] if audit else "",
    )
    items = setup["items"]
    assert items == 2 * EMPLOYEES and killed
    assert report["status"] == "dilaksanakan"
    assert report["outcomes"] == {"dimusnahkan": items}
    assert report["documents_destroyed"] == items
    assert report["versions_destroyed"] == report["versions"] == items
    assert report["versions_with_key"] == 0 and report["files_left"] == 0
    assert report["destroyed_document_events"] == items
    assert report["destroyed_audit_events"] == items
    assert report["documents_with_more_than_one_audit_event"] == 0
    assert report["started_events"] == 1 and report["executed_events"] == 1
    assert report["record_folder"] == ["berita-acara.pdf"]
    assert report["record_sha256"] == report["record_file_sha256"]
    assert report["verification_code"]
    assert again["items"] == 0 and not again["in_finish"]

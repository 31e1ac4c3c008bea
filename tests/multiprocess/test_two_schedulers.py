"""Two schedulers started by accident against one database (two `run_schedule --once`, then two
loops): every job still runs once per interval. The witnesses are rows the jobs themselves
write: one signed audit checkpoint, one fixity run of each kind, one line in the checkpoint file
kept outside the database. On PostgreSQL the test database is shared; otherwise a SQLite file
both processes open."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shared(tmp_path):
    """(environment of the processes, count(sql) on their database)."""
    env = dict(
        os.environ,
        ASN_ENV="test",
        SECRET_KEY=settings.SECRET_KEY,
        ASN_VAR_DIR=str(tmp_path),
        ASN_AUDIT_CHECKPOINT_FILE=str(tmp_path / "checkpoints.jsonl"),
    )
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"

        def count(sql):
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchone()[0]

    else:
        path = tmp_path / "db.sqlite3"
        env["DATABASE_URL"] = f"sqlite:///{path}"
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )

        def count(sql):
            with sqlite3.connect(path) as db:
                return db.execute(sql).fetchone()[0]

    return env, count


def start(env, *args):
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_schedule", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(process, text: str, seconds: float = 60) -> None:
    """Read the process's log until ``text`` appears. Lines are read in a thread: a ``select``
    on the pipe would miss a line that arrived with the one before it (already in the reader's
    buffer, no longer in the pipe)."""
    found = threading.Event()

    def read() -> None:
        for line in process.stderr:
            if text in line:
                found.set()
                return

    threading.Thread(target=read, daemon=True).start()
    if not found.wait(seconds):
        pytest.fail(f"the scheduler did not say {text!r}")


def witnesses(count, tmp_path) -> tuple[int, int, int, int]:
    return (
        count("SELECT COUNT(*) FROM audit_checkpoint"),
        count("SELECT COUNT(*) FROM records_fixityrun WHERE scope = 'all'"),
        count("SELECT COUNT(*) FROM records_fixityrun WHERE scope LIKE 'sample:%'"),
        len((tmp_path / "checkpoints.jsonl").read_text().splitlines()),
    )


def test_two_schedulers_run_each_job_once(shared, tmp_path):
    env, count = shared
    both = [start(env, "--once"), start(env, "--once")]
    outputs = [process.communicate(timeout=120) for process in both]
    assert [process.returncode for process in both] == [0, 0], outputs
    ran = [line for out, _err in outputs for line in out.splitlines() if ": " in line]
    names = [line.split(":")[0] for line in ran]
    assert "audit_checkpoint" in names and len(names) == len(set(names)), ran  # none twice
    assert all(line.endswith(": succeeded") for line in ran), outputs
    assert witnesses(count, tmp_path) == (1, 1, 1, 1)
    # Two loops now: nothing is due again within its interval, and SIGTERM stops each.
    loops = [start(env, "--tick", "0.2"), start(env, "--tick", "0.2")]
    for process in loops:
        wait_for(process, "scheduler started")
    time.sleep(1)  # a few ticks each
    for process in loops:
        process.send_signal(signal.SIGTERM)
    outputs = [process.communicate(timeout=60) for process in loops]
    assert [process.returncode for process in loops] == [0, 0], outputs
    assert all("scheduler stopped" in err for _out, err in outputs), outputs
    assert witnesses(count, tmp_path) == (1, 1, 1, 1)
    assert count("SELECT COUNT(*) FROM schedule_scheduledjob WHERE claim != ''") == 0

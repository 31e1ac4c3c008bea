"""What the benchmarks share: a fresh PostgreSQL database, the environment for the app's
processes, and running `manage.py` (scripts in bench/ import this as `common`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PG_SERVER = "postgres://postgres@127.0.0.1:5432"


def recreate_database(name: str) -> str:
    """Drop and create ``name`` on the local PostgreSQL; its URL."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return f"{PG_SERVER}/{name}"


def django_env(database_url: str, **extra: str) -> dict[str, str]:
    """Development posture on ``database_url``; DEBUG off (it keeps every query in memory)."""
    env = dict(os.environ, ASN_ENV="development", DATABASE_URL=database_url, **extra)
    env.pop("DEBUG", None)
    return env


def manage(args: list[str], env: dict[str, str], timeout: float | None = None) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=timeout)


def shell_result(script: str, env: dict[str, str], timeout: float | None = None) -> dict:
    """Run ``script`` in `manage.py shell` (within ``timeout`` seconds if given); its progress
    lines go to stderr, and the JSON after its ``RESULT `` line is returned."""
    done = subprocess.run(
        [PYTHON, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-3000:])
        raise SystemExit("the benchmark's script failed")
    result = None
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[7:])
        else:
            print(f"[bench] {line}", file=sys.stderr)
    if result is None:
        raise SystemExit("the benchmark's script printed no result")
    return result


def print_report(rows: list[tuple[str, str]], result: dict) -> None:
    """The readable table (name, value), then the one JSON line with every figure."""
    width = max(len(name) for name, _value in rows)
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")
    print(json.dumps(result))

"""Employee import benchmark: `manage.py import_employees` on SQLite and PostgreSQL.

For N generated rows (default 1,000,000 over 500 agencies) it times, per database, a first import
into a fresh database and a second import of the same file (every row "unchanged"), each as its
own `manage.py` process whose peak RSS comes from os.wait4. On PostgreSQL it also times a plain
COPY of the same CSV into an all-text table: the floor an import cannot beat.

    .venv/bin/python bench/import_employees.py [--rows N] [--skip-sqlite] [--skip-postgres]
        [--pg-database NAME]

Prints a table, then one JSON line with every figure. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the generator is importable without Django settings

from common import PG_SERVER, django_env, recreate_database  # noqa: E402

from asndigital.demo.generator import (  # noqa: E402 - needs the path above
    COLUMNS,
    generate_agencies,
    generate_employee_rows,
    unit_lists,
    write_import_csv,
)

BENCH_DIR = ROOT / "var" / "bench"
PG_DATABASE = "asn_bench_import"  # --pg-database: engineers sharing a server use their own
SUMMARY = re.compile(r"imported (\d+), updated (\d+), unchanged (\d+), rejected (\d+)")

# Runs inside `manage.py shell`: creates the agencies and units through the services, as an
# operator would before the first import (the import then finds every unit it needs).
SETUP_AGENCIES = """
from asndigital.demo.generator import generate_agencies
from asndigital.personnel.services import upsert_agency, upsert_unit
for spec in generate_agencies({count}, seed={seed}):
    agency = upsert_agency(actor=None, code=spec.code, name=spec.name, kind=spec.kind,
                           region_office=spec.region_office)
    units = {{}}
    for unit in spec.units:
        units[unit.code] = upsert_unit(actor=None, agency=agency, code=unit.code, name=unit.name,
                                       parent=units.get(unit.parent))
"""


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def ensure_csv(rows: int, seed: int, agencies: int) -> tuple[Path, float | None]:
    """The CSV for these parameters, generated unless an earlier run left it; (path, seconds)."""
    path = BENCH_DIR / f"employees-{rows}-a{agencies}-s{seed}.csv"
    if path.exists():
        log(f"reusing {path.relative_to(ROOT)}")
        return path, None
    log(f"generating {rows:,} rows into {path.relative_to(ROOT)}")
    start = time.perf_counter()
    specs = generate_agencies(agencies, seed=seed)
    partial = path.with_suffix(".partial")
    write_import_csv(partial, generate_employee_rows(rows, seed=seed, agencies=unit_lists(specs)))
    partial.rename(path)  # an interrupted run never leaves a truncated file under the real name
    seconds = time.perf_counter() - start
    log(f"generated in {seconds:.1f} s ({rows / seconds:,.0f} rows/s including CSV writing)")
    return path, seconds


def manage(args: list[str], env: dict[str, str], label: str) -> tuple[float, int, str]:
    """Run `manage.py ARGS`; (wall seconds, peak RSS of that process in KiB, stdout)."""
    out_path = BENCH_DIR / f"{label}.out"
    err_path = BENCH_DIR / f"{label}.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=out, stderr=err
        )
        # wait4 reaps the child and returns ITS resource usage (ru_maxrss in KiB on Linux).
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.stderr.write(err_path.read_text(encoding="utf-8", errors="replace")[-3000:])
        raise SystemExit(f"manage.py {args[0]} failed with exit code {process.returncode}")
    return seconds, usage.ru_maxrss, out_path.read_text(encoding="utf-8")


def prepare(env: dict[str, str], label: str, agencies: int, seed: int) -> None:
    seconds, _rss, _out = manage(["migrate", "--no-input", "-v", "0"], env, f"{label}-migrate")
    log(f"{label}: migrated in {seconds:.1f} s")
    setup = SETUP_AGENCIES.format(count=agencies, seed=seed)
    seconds, _rss, _out = manage(["shell", "-c", setup], env, f"{label}-agencies")
    log(f"{label}: {agencies} agencies and their units created in {seconds:.1f} s")


def import_twice(env: dict[str, str], label: str, csv_path: Path, rows: int) -> list[dict]:
    results = []
    for run in ("first", "unchanged"):
        report = BENCH_DIR / f"{label}-{run}-report.csv"
        log(f"{label}: import ({run}) ...")
        seconds, rss_kib, out = manage(
            ["import_employees", str(csv_path), "--report", str(report)], env, f"{label}-{run}"
        )
        match = SUMMARY.search(out)
        counts = dict(
            zip(
                ("imported", "updated", "unchanged", "rejected"),
                map(int, match.groups()) if match else (),
                strict=False,
            )
        )
        expected = {"first": "imported", "unchanged": "unchanged"}[run]
        if counts.get(expected) != rows:
            log(f"{label}: WARNING: expected {rows} {expected}, got {out.strip()!r}; see {report}")
        results.append(
            {
                "database": label,
                "run": run,
                "rows": rows,
                "seconds": round(seconds, 2),
                "rows_per_s": round(rows / seconds),
                "peak_rss_mb": round(rss_kib / 1024, 1),
                **counts,
            }
        )
        log(f"{label}: {run}: {seconds:.1f} s, peak RSS {rss_kib / 1024:.0f} MB: {out.strip()}")
    return results


def bench_sqlite(csv_path: Path, rows: int, agencies: int, seed: int) -> list[dict]:
    db = BENCH_DIR / "import.sqlite3"
    for leftover in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        leftover.unlink(missing_ok=True)
    env = django_env(f"sqlite:///{db}")
    prepare(env, "sqlite", agencies, seed)
    return import_twice(env, "sqlite", csv_path, rows)


def pg_copy_seconds(csv_path: Path, database: str) -> float:
    """Seconds for PostgreSQL's COPY of the CSV into a plain all-text table, commit included."""
    import psycopg

    columns = ", ".join(f"{name} text" for name in COLUMNS)
    with psycopg.connect(f"{PG_SERVER}/{database}") as conn:
        conn.execute("DROP TABLE IF EXISTS bench_copy")
        conn.execute(f"CREATE TABLE bench_copy ({columns})")
        conn.commit()
        start = time.perf_counter()
        with (
            csv_path.open("rb") as handle,
            conn.cursor() as cursor,
            cursor.copy("COPY bench_copy FROM STDIN (FORMAT csv, HEADER true)") as copy,
        ):
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        conn.commit()
        seconds = time.perf_counter() - start
        copied = conn.execute("SELECT count(*) FROM bench_copy").fetchone()[0]
    log(f"postgresql: COPY of {copied:,} rows in {seconds:.1f} s")
    return seconds


def bench_postgres(
    csv_path: Path, rows: int, agencies: int, seed: int, database: str
) -> tuple[list[dict], float]:
    recreate_database(database)
    env = django_env(f"{PG_SERVER}/{database}")
    prepare(env, "postgresql", agencies, seed)
    results = import_twice(env, "postgresql", csv_path, rows)
    return results, pg_copy_seconds(csv_path, database)


def print_table(results: list[dict], copy_seconds: float | None, rows: int) -> None:
    header = ("database", "run", "rows", "seconds", "rows/s", "peak RSS MB", "x COPY")
    table = [header]
    for r in results:
        ratio = f"{r['ratio_to_copy']:.1f}" if r.get("ratio_to_copy") else "-"
        table.append(
            (
                r["database"],
                r["run"],
                f"{r['rows']:,}",
                f"{r['seconds']:.1f}",
                f"{r['rows_per_s']:,}",
                f"{r['peak_rss_mb']:.0f}",
                ratio,
            )
        )
    if copy_seconds:
        table.append(
            (
                "postgresql",
                "COPY (text table)",
                f"{rows:,}",
                f"{copy_seconds:.1f}",
                f"{round(rows / copy_seconds):,}",
                "-",
                "1.0",
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for i, row in enumerate(table):
        print(
            "  ".join(
                cell.rjust(w) if j >= 2 else cell.ljust(w)
                for j, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if i == 0:
            print("  ".join("-" * w for w in widths))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows to import (1,000,000)")
    parser.add_argument("--agencies", type=int, default=500, help="agencies in the data (500)")
    parser.add_argument("--seed", type=int, default=2026, help="generator seed (2026)")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument(
        "--pg-database",
        default=PG_DATABASE,
        help=f"PostgreSQL database to recreate ({PG_DATABASE})",
    )
    args = parser.parse_args()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)

    csv_path, generate_seconds = ensure_csv(args.rows, args.seed, args.agencies)
    results: list[dict] = []
    copy_seconds = None
    if not args.skip_sqlite:
        results += bench_sqlite(csv_path, args.rows, args.agencies, args.seed)
    if not args.skip_postgres:
        pg_results, copy_seconds = bench_postgres(
            csv_path, args.rows, args.agencies, args.seed, args.pg_database
        )
        results += pg_results
    for result in results:
        result["ratio_to_copy"] = (
            round(result["seconds"] / copy_seconds, 2) if copy_seconds else None
        )

    print_table(results, copy_seconds, args.rows)
    print(
        json.dumps(
            {
                "benchmark": "import_employees",
                "rows": args.rows,
                "agencies": args.agencies,
                "seed": args.seed,
                "csv_mb": round(csv_path.stat().st_size / 1e6, 1),
                "generate_seconds": round(generate_seconds, 2) if generate_seconds else None,
                "copy_seconds": round(copy_seconds, 2) if copy_seconds else None,
                "results": results,
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()

"""Audit trail: appends per second under concurrent writers, and events verified per second.

Both on a fresh PostgreSQL database (127.0.0.1).

1. Appends: P processes (default 4) each run for S seconds (default 15) a loop of short
   transactions that each record one event through ``audit.record()`` (which seals the chain
   right after the commit, as in the application). Counted: events committed and sealed; the
   chain is then verified (it must be intact, with no gap).
2. Verification: N events (default 1,000,000) are written with their chain by bulk insert, then
   ``verify_audit``'s check (every link, the head, and the column projection) is timed.

Goals: >= 2,000 appends/s under concurrency, >= 400,000 events/s verified.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from common import PYTHON, ROOT, django_env, manage, recreate_database, shell_result

PG_DATABASE = "asn_bench_audit"

APPENDER = """
import time
from django.db import transaction
from asndigital.audit.services import record
stop = {start} + {seconds}
time.sleep(max(0, {start} - time.time()))
count = 0
while time.time() < stop:
    with transaction.atomic():
        record(None, "bench.append", None, process={process}, number=count)
    count += 1
print("COUNT", count)
"""

CHECK = """
import json, time
from asndigital.audit import chain
from asndigital.audit.models import AuditEvent
t = time.perf_counter()
chain.seal()
sealed_after = time.perf_counter() - t
report = chain.verify()
print("RESULT " + json.dumps({"events": AuditEvent.objects.count(), "intact": report.intact,
                             "problems": report.problems[:3], "final_seal_s": sealed_after}))
"""

FILL = """
import json, time, uuid
from datetime import timedelta
from django.db import connection
from django.utils import timezone
from asndigital.audit import chain, signing
from asndigital.audit.models import AuditEvent, AuditLink, ChainHead, SealBatch
from asndigital.core.bulk import insert_rows
N = {events}
base = timezone.now() - timedelta(days=30)
previous, position, rows, links = chain.GENESIS, 0, [], []
actions = ["document.viewed", "document.downloaded", "document.uploaded", "login.succeeded"]
t = time.perf_counter()
for i in range(N):
    at = base + timedelta(microseconds=i * 997)
    employee = uuid.UUID(int=(i * 7919) % 1_000_003 + 1)
    data = {{"number": i, "version": str(uuid.UUID(int=i + 1))}}
    action = actions[i % 4]
    text = chain.canonical(occurred_at=at, actor_id=None, action=action,
                           target_type="documents.document", target_id=str(i),
                           employee_id=employee, data=data)
    position += 1
    current = chain.link(position, previous, text)
    rows.append((i + 1, at, None, action, "documents.document", str(i), employee, text))
    links.append((position, i + 1, at, current))
    previous = current
    if len(rows) == 50_000 or i == N - 1:
        insert_rows(AuditEvent, ("id", "occurred_at", "actor_id", "action", "target_type",
                                 "target_id", "employee_id", "canonical"), rows)
        insert_rows(AuditLink, ("position", "event_id", "occurred_at", "hash"), links)
        rows, links = [], []
ChainHead.objects.update_or_create(pk=1, defaults={{"position": position, "hash": previous}})
# Generated as the sealer would chain them: one signed seal covers them (chain.seal's job).
SealBatch.objects.create(first=1, last=position, hash=previous,
                         mac=signing.seal_mac(1, position, previous))
with connection.cursor() as cursor:
    cursor.execute("SELECT setval(pg_get_serial_sequence('audit_auditevent', 'id'), %s)", [N])
    cursor.execute("VACUUM ANALYZE audit_auditevent")
    cursor.execute("VACUUM ANALYZE audit_auditlink")
fill_s = time.perf_counter() - t
timings = []
for _ in range(2):
    t = time.perf_counter()
    report = chain.verify()
    timings.append(time.perf_counter() - t)
    assert report.intact, report.problems
    assert report.events == N
# The same on one connection (ASN_AUDIT_VERIFY_WORKERS=1) for comparison.
from django.conf import settings
workers = settings.ASN_AUDIT_VERIFY_WORKERS
settings.ASN_AUDIT_VERIFY_WORKERS = 1
t = time.perf_counter()
assert chain.verify().intact
one_s = time.perf_counter() - t
print("RESULT " + json.dumps({{"events": N, "fill_s": fill_s, "verify_s": timings,
                              "workers": workers, "one_connection_s": one_s}}))
"""


def appends(env: dict[str, str], processes: int, seconds: float) -> dict:
    start = time.time() + 3  # every process is up by then
    runners = [
        subprocess.Popen(
            [
                PYTHON,
                "manage.py",
                "shell",
                "--no-imports",
                "-c",
                APPENDER.format(start=start, seconds=seconds, process=p),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for p in range(processes)
    ]
    counts = []
    for runner in runners:
        out, _ = runner.communicate(timeout=seconds + 120)
        counts += [int(line.split()[1]) for line in out.splitlines() if line.startswith("COUNT")]
    if len(counts) != processes:
        raise SystemExit("an appender failed")
    check = shell_result(CHECK, env)
    return {"processes": processes, "seconds": seconds, "appended": sum(counts), **check}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--processes", type=int, default=4, help="appenders; 0: verification only")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()

    if args.processes:
        env = django_env(recreate_database(PG_DATABASE))
        manage(["migrate", "-v", "0"], env)
        append = appends(env, args.processes, args.seconds)
        if not append["intact"] or append["events"] != append["appended"]:
            raise SystemExit(f"the chain is not intact after concurrent appends: {append}")
        rate = append["appended"] / args.seconds
    else:  # verification alone
        append, rate = {"appended": 0, "events": 0}, 0.0

    env = django_env(recreate_database(PG_DATABASE))
    manage(["migrate", "-v", "0"], env)
    filled = shell_result(FILL.format(events=args.events), env)
    best = min(filled["verify_s"])
    verified = args.events / best

    result = {
        "benchmark": "audit",
        "append_processes": args.processes,
        "appends_per_s": round(rate),
        "appends_goal": 2000,
        "events_verified": args.events,
        "verify_seconds": [round(s, 2) for s in filled["verify_s"]],
        "verified_per_s": round(verified),
        "verify_goal": 400_000,
        "verify_workers": filled["workers"],
        "one_connection_seconds": round(filled["one_connection_s"], 2),
    }
    print(f"concurrent appends ({args.processes} processes, {args.seconds:.0f} s, PostgreSQL)")
    print(f"  events committed and sealed   {append['appended']:,}")
    print(f"  appends per second            {rate:,.0f}   (goal 2,000)")
    print(f"  chain afterwards              intact, positions 1..{append['events']:,}")
    print(f"verification of {args.events:,} events")
    print(f"  verify (best of 2)            {best:.2f} s")
    print(f"  events verified per second    {verified:,.0f}   (goal 400,000)")
    print(f"  connections                   {filled['workers']} (ASN_AUDIT_VERIFY_WORKERS)")
    print(f"  on one connection             {filled['one_connection_s']:.2f} s")
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""The audit trail at 50,000,000 events on PostgreSQL, partitioned by month.

Prepares `asn_bench_audit_scale` (recreated): 2,000 employees with accounts (one agency),
2,000 acting users, and `--events` (50,000,000) sealed events over the last `--months` (24)
months, each about one of 1,000,000 employees (the 2,000 real ones among them), with a
realistic mix of actions (views, previews and downloads most; uploads, logins, decisions; a
few destruction events). The events are generated with their canonical text and hash chain
exactly as `audit.record` and `chain.seal` write them (the first thousand are compared with
`chain.canonical`, and verification checks every one), loaded by COPY into the monthly
partitions (and their links into `audit_auditlink`) with the secondary indexes built
afterwards, and signed by a checkpoint.

Then it measures, through the real views with Django's test client:
- an employee's own access history (`/jejak-audit/akses-dokumen-saya/`), `--samples`
  employees: p50/p95;
- the auditors' searches (`/jejak-audit/`) as a national auditor: by actor, by employee (NIP),
  by a common action, by a rare action, by a date range, and an action in a date range: p50/p95;
- `verify_audit`'s full verification of the chain: events per second;
- the table's size, its partitions, and EXPLAIN ANALYZE of the access history and a search.

Run: `make bench-audit-scale` or `.venv/bin/python bench/audit_scale.py [--events N]`; with
`--reuse`, measure the database an earlier run generated again (after migrating it).
"""

from __future__ import annotations

import argparse
import json
import sys

from common import PG_SERVER, django_env, manage, recreate_database, shell_result

PG_DATABASE = "asn_bench_audit_scale"  # not bench/audit.py's: that one is recreated by make bench

SETUP = r"""
import hashlib, json, random, statistics, time, uuid
from datetime import UTC, timedelta
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from asndigital.accounts.models import Role, User
from asndigital.accounts.services import grant_role
from asndigital.audit import chain, partitions, signing
from asndigital.audit.models import AuditEvent, ChainHead, SealBatch
from asndigital.audit.services import make_checkpoint
from asndigital.demo.generator import generate_employee_rows
from asndigital.personnel.importer import import_employees
from asndigital.personnel.models import Employee
from asndigital.personnel.services import upsert_agency

EVENTS, MONTHS, SAMPLES = {events}, {months}, {samples}
rng = random.Random(13)
"""

GENERATE = r"""
upsert_agency(actor=None, code="AUDIT-1", name="Instansi Audit", kind="regional")
rows = generate_employee_rows(2000, seed=5, agencies=[("AUDIT-1", [("U1", "Dinas A")])])
import_employees(actor=None, rows=((i, r) for i, r in enumerate(rows, start=2)))
real = list(Employee.objects.filter(user__is_active=True).values_list("id", "nip", "user_id"))
pool = [e[0] for e in real] + [uuid.UUID(int=rng.getrandbits(128)) for _ in range(998_000)]
actors = User.objects.bulk_create(
    User(username=f"bench.actor{{n}}", password="!") for n in range(2000))
actor_ids = [a.pk for a in actors]
busy = actor_ids[:20]  # a few operators do a large share of the work

now = timezone.now().astimezone(UTC).replace(microsecond=0)
start = partitions.add_months(partitions.month_start(now.date()), -MONTHS + 1)
first = now.replace(year=start.year, month=start.month, day=1, hour=0, minute=0, second=0)
step = (now - first) / EVENTS
partitions.ensure(since=start)

MIX = ([("document.viewed", "documents.document")] * 45
       + [("document.previewed", "documents.document")] * 20
       + [("document.downloaded", "documents.document")] * 15
       + [("login.succeeded", "")] * 10
       + [("document.uploaded", "documents.document")] * 6
       + [("document.accepted", "documents.document")] * 3
       + [("document.rejected", "documents.document")] * 1)
RARE = ("destruction.executed", "records.destructionproposal")

with connection.cursor() as cursor:
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'audit_auditevent' "
        "AND indexname <> 'audit_auditevent_pkey'")
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {{name}}")

# The setup above recorded events of its own: the generated ones follow them in the chain.
chain.seal()
head = ChainHead.objects.get(pk=1)
with connection.cursor() as cursor:
    cursor.execute("SELECT coalesce(max(id), 0) FROM audit_auditevent")
    (id_offset,) = cursor.fetchone()

# Pools of ready-made text (formatting a UUID per event would be most of the generation's time).
pool = [(str(e), e.hex) for e in pool]
actor_text = {{a: (str(a), a.hex) for a in actor_ids}}
targets = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(2_000_000)]

def events():
    previous = head.hash
    at = first
    for n in range(1, EVENTS + 1):
        position, event_id = head.position + n, id_offset + n
        if n % 100_000 == 0:
            action, target_type = RARE
        else:
            action, target_type = MIX[rng.randrange(100)]
        actor = rng.choice(busy) if rng.random() < 0.3 else rng.choice(actor_ids)
        actor_str, actor_hex = actor_text[actor]
        employee_str, employee_hex = pool[rng.randrange(len(pool))]
        target_id = targets[rng.randrange(len(targets))] if target_type else ""
        data = {{"version": 1 + n % 3}} if target_type == "documents.document" else {{}}
        stamp = at.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
        text = (
            '{{"action":"' + action + '","actor":"' + actor_hex + '","at":"' + stamp
            + '","data":' + json.dumps(data, separators=(",", ":")) + ',"employee":"'
            + employee_hex + '","target_id":"' + target_id + '","target_type":"'
            + target_type + '"}}'
        )
        if n <= 1000:
            assert text == chain.canonical(
                occurred_at=at, actor_id=actor, action=action, target_type=target_type,
                target_id=target_id, employee_id=uuid.UUID(employee_str), data=data), text
        current = hashlib.sha256(f"{{position}}\n{{previous}}\n{{text}}".encode()).hexdigest()
        yield (f"{{event_id}}\t{{stamp}}\t{{actor_str}}\t{{action}}\t{{target_type}}\t"
               f"{{target_id}}\t{{employee_str}}\t{{text}}\n",
               f"{{position}}\t{{event_id}}\t{{stamp}}\t{{current}}\n")
        previous = current
        at += step

t = time.perf_counter()
import psycopg
db = connection.settings_dict
# The links go in at the same time, by a second connection (both COPYs stream side by side).
links_connection = psycopg.connect(
    host=db["HOST"], port=db["PORT"] or None, user=db["USER"], password=db["PASSWORD"] or None,
    dbname=db["NAME"], autocommit=True)
with connection.cursor() as cursor:
    with cursor.cursor.copy(
        "COPY audit_auditevent (id, occurred_at, actor_id, action, target_type, target_id, "
        "employee_id, canonical) FROM STDIN"
    ) as copy, links_connection.cursor().copy(
        "COPY audit_auditlink (position, event_id, occurred_at, hash) FROM STDIN"
    ) as link_copy:
        batch, links = [], []
        for line, link_line in events():
            batch.append(line)
            links.append(link_line)
            if len(batch) == 20_000:
                copy.write("".join(batch)); link_copy.write("".join(links)); batch, links = [], []
        copy.write("".join(batch)); link_copy.write("".join(links))
    links_connection.close()
    load_s = time.perf_counter() - t
    print("loaded", EVENTS, round(load_s), "s", flush=True)
    t = time.perf_counter()
    cursor.execute("SET maintenance_work_mem = '1GB'")
    for name, definition in indexes:
        cursor.execute(definition.replace(" ON ONLY ", " ON "))
    cursor.execute("ANALYZE audit_auditevent")
    cursor.execute("ANALYZE audit_auditlink")
    last = head.position + EVENTS
    cursor.execute("SELECT hash FROM audit_auditlink WHERE position = %s", [last])
    (last_hash,) = cursor.fetchone()
    cursor.execute("SELECT setval(pg_get_serial_sequence('audit_auditevent', 'id'), %s)",
                   [id_offset + EVENTS])
index_s = time.perf_counter() - t
print("indexed", round(index_s), "s", flush=True)
ChainHead.objects.update_or_create(pk=1, defaults={{"position": last, "hash": last_hash}})
# Generated as the sealer would chain them: one signed seal covers them (chain.seal's job).
SealBatch.objects.create(first=head.position + 1, last=last, hash=last_hash,
                         mac=signing.seal_mac(head.position + 1, last, last_hash))
make_checkpoint()
"""

REUSE = r"""
# The generated database as it is: its people, actors and first event.
real = list(Employee.objects.filter(user__is_active=True).values_list("id", "nip", "user_id"))
named = User.objects.filter(username__startswith="bench.actor").values_list("pk", "username")
actor_ids = [pk for pk, _ in sorted(named, key=lambda row: int(row[1][len("bench.actor"):]))]
busy = actor_ids[:20]
with connection.cursor() as cursor:
    cursor.execute("SELECT occurred_at FROM audit_auditevent WHERE actor_id = %s ORDER BY id "
                   "LIMIT 1", [actor_ids[0]])
    (first,) = cursor.fetchone()
EVENTS = AuditEvent.objects.count()
load_s = index_s = None
"""

MEASURE = r"""
def timed(requests):
    times = []
    for client, path in requests:
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    times.sort()
    return {{"p50_ms": statistics.median(times), "p95_ms": times[int(len(times) * 0.95) - 1],
             "max_ms": times[-1], "n": len(times)}}

figures = {{}}
sample = rng.sample(real, SAMPLES)
requests = []
for employee_id, nip, user_id in sample:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(pk=user_id))
    requests.append((client, "/jejak-audit/akses-dokumen-saya/"))
figures["access_history"] = timed(requests)

auditor, _ = User.objects.get_or_create(username="bench.auditor")
grant_role(actor=None, user=auditor, role=Role.AUDITOR, agency=None)
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(auditor)
names = dict(User.objects.filter(pk__in=actor_ids).values_list("pk", "username"))
def days(d):
    return (first + timedelta(days=d)).date().isoformat()
searches = {{
    "by_actor": [f"/jejak-audit/?actor={{names[rng.choice(actor_ids)]}}" for _ in range(20)],
    "by_busy_actor": [f"/jejak-audit/?actor={{names[a]}}" for a in busy],
    "by_employee_nip": [f"/jejak-audit/?nip={{e[1]}}" for e in rng.sample(real, 20)],
    "by_common_action": ["/jejak-audit/?action=document.downloaded"] * 20,
    "by_rare_action": ["/jejak-audit/?action=destruction."] * 20,
    "by_week": [f"/jejak-audit/?since={{days(d)}}&until={{days(d + 6)}}"
                for d in rng.sample(range(20, MONTHS * 30 - 20), 20)],
    "rare_action_in_month": [
        f"/jejak-audit/?action=document.rejected&since={{days(d)}}&until={{days(d + 30)}}"
        for d in rng.sample(range(0, MONTHS * 30 - 40), 20)],
    "next_page": [],
}}
for name, paths in searches.items():
    if paths:
        figures[name] = timed([(client, path) for path in paths])
page = client.get("/jejak-audit/?action=document.").content.decode()
import re
before = re.search(r"sebelum=(\d+)", page)
following = f"/jejak-audit/?action=document.&sebelum={{before[1]}}"
figures["next_page"] = timed([(client, following)] * 20)

t = time.perf_counter()
report = chain.verify()
verify_s = time.perf_counter() - t
assert report.intact, report.problems
with connection.cursor() as cursor:
    cursor.execute("SELECT pg_total_relation_size('audit_auditevent'::regclass), "
                   "(SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits "
                   "WHERE inhparent = 'audit_auditevent'::regclass)")
    size = int(cursor.fetchone()[1])
    employee_id = sample[0][0]
    cursor.execute(
        "EXPLAIN ANALYZE SELECT * FROM audit_auditevent WHERE employee_id = %s AND action IN "
        "('document.viewed', 'document.downloaded', 'document.previewed') "
        "ORDER BY id DESC LIMIT 200", [employee_id])
    plan_history = "\n".join(r[0] for r in cursor.fetchall())
    cursor.execute(
        "EXPLAIN ANALYZE SELECT * FROM audit_auditevent WHERE actor_id = %s "
        "ORDER BY id DESC LIMIT 101", [busy[0]])
    plan_actor = "\n".join(r[0] for r in cursor.fetchall())
print("PLAN access history\n" + plan_history)
print("PLAN search by actor\n" + plan_actor)
print("RESULT " + json.dumps({{
    "events": EVENTS, "months": MONTHS, "partitions": len(partitions.partitions()),
    "load_s": load_s, "index_s": index_s, "verify_s": verify_s,
    "verified_per_s": report.events / verify_s, "verified": report.events,
    "table_bytes": size, **figures}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=50_000_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the database an earlier run generated (after migrating it) instead of "
        "generating it again",
    )
    args = parser.parse_args()
    if args.reuse:
        env = django_env(f"{PG_SERVER}/{PG_DATABASE}")
    else:
        env = django_env(recreate_database(PG_DATABASE))
    manage(["migrate", "-v", "0"], env)
    manage(["createcachetable"], env)
    script = SETUP + (REUSE if args.reuse else GENERATE) + MEASURE
    data = shell_result(
        script.format(events=args.events, months=args.months, samples=args.samples), env
    )
    print(
        f"events / months / partitions   {data['events']:,} / {data['months']} / "
        f"{data['partitions']}"
    )
    if data["load_s"] is not None:
        print(f"load (COPY), indexes           {data['load_s']:.0f} s, {data['index_s']:.0f} s")
    print(f"table with indexes             {data['table_bytes'] / 2**30:.1f} GiB")
    print("query                          p50 / p95 / max ms")
    for name in (
        "access_history",
        "by_actor",
        "by_busy_actor",
        "by_employee_nip",
        "by_common_action",
        "by_rare_action",
        "by_week",
        "rare_action_in_month",
        "next_page",
    ):
        f = data[name]
        print(f"{name:30} {f['p50_ms']:.0f} / {f['p95_ms']:.0f} / {f['max_ms']:.0f}")
    print(
        f"verification                   {data['verified']:,} events in {data['verify_s']:.0f} s:"
        f" {data['verified_per_s']:,.0f} events/s"
    )
    print(json.dumps({"benchmark": "audit_scale", **data}))


if __name__ == "__main__":
    sys.exit(main())

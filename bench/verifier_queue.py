#!/usr/bin/env python
"""Benchmark: the verifier's queue (antrean verifikasi) for one agency of N employees with N
waiting documents.

Prepares `asn_bench_queue` on the local PostgreSQL: one agency of N employees (100,000, through
the real importer) over 20 units, each with ``--decided`` accepted documents (4: about 500,000
documents in all with the waiting ones) and one waiting document, waiting since a random moment
of the last 60 days, uploaded by the employee or one of five operators; a second agency of N/5
employees with as many waiting documents (the index holds other agencies' rows too); another
verifier holding claims on 1,000 of the oldest waiting documents (those "next" must skip).
Rows only: the queue never reads the files. Then, in one process, through the whole Django
stack (test client), as the agency's verifier:
- the queue's first page (50 rows, with the counts per group), unfiltered and with filters;
- "next" from a random position in the queue (POST, as the page's N key does), and from the
  start (GET);
- opening a document (claim, the employee's record, the read recorded);
- accepting it (the decision, then the next document found).
Prints p50/p95 of each, the query plans of the first page and of "next" (var/bench/), a table
and one JSON line. Goal: first page and each "next" under 300 ms p95.

Run: `make bench-queue` or `.venv/bin/python bench/verifier_queue.py [--employees 100000]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the standard library's ``queue``, and a script's folder comes first on
# sys.path: take the folder out before anything (psycopg, for one) imports the real ``queue``.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse  # noqa: E402 (after the path fix above)
import importlib.util  # noqa: E402
import os  # noqa: E402

_spec = importlib.util.spec_from_file_location("common", _HERE / "common.py")
common = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(common)
ROOT, django_env, manage = common.ROOT, common.django_env, common.manage
print_report, recreate_database, shell_result = (
    common.print_report,
    common.recreate_database,
    common.shell_result,
)

PG_DATABASE = "asn_bench_queue"

INNER = r"""
import json, os, random, statistics, time
from datetime import timedelta
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.utils import timezone
from asndigital.accounts.models import Role, User
from asndigital.accounts.services import grant_role
from asndigital.core.bulk import insert_rows
from asndigital.core.ids import uuid7_many
from asndigital.documents import queue
from asndigital.documents.models import (Document, DocumentEvent, DocumentType,
                                          DocumentVersion, QueueClaim)
from asndigital.documents.services import load_catalogue
from asndigital.personnel.generator import generate_employee_rows
from asndigital.personnel.importer import import_employees
from asndigital.personnel.models import Employee, Unit
from asndigital.personnel.services import upsert_agency

N, DECIDED, SAMPLES, PLANS = {employees}, {decided}, {samples}, {plans!r}
rng = random.Random(11)
load_catalogue()
units = [(f"U{{i:02d}}", f"Dinas {{i}}") for i in range(20)]
main = upsert_agency(actor=None, code="PEMKAB-QUEUE", name="Pemerintah Kabupaten Antrean",
                     kind="regional")
other = upsert_agency(actor=None, code="PEMKOT-LAIN", name="Pemerintah Kota Lain",
                      kind="regional")
t = time.perf_counter()
# One call (NIPs are unique within a call): five rows of the agency for one of the other.
spread = [("PEMKAB-QUEUE", units)] * 5 + [("PEMKOT-LAIN", units[:3])]
rows = generate_employee_rows(N + N // 5, seed=11, agencies=spread)
import_employees(actor=None, rows=((i, r) for i, r in enumerate(rows, start=2)))
print("employees", Employee.objects.count(), round(time.perf_counter() - t, 1), "s", flush=True)

verifier = User.objects.create_user("bench.verifier", full_name="Vera Bench")
grant_role(actor=None, user=verifier, role=Role.VERIFIER, agency=main)
colleague = User.objects.create_user("bench.verifier2", full_name="Wawan Bench")
grant_role(actor=None, user=colleague, role=Role.VERIFIER, agency=main)
operators = []
for i in range(5):
    op = User.objects.create_user(f"bench.operator{{i}}", full_name=f"Operator {{i}}")
    grant_role(actor=None, user=op, role=Role.OPERATOR, agency=main)
    operators.append(op.pk)
types = {{kind: [t for t in DocumentType.objects.filter(is_active=True) if t.applies_to_type(kind)]
         for kind in ("CPNS", "PNS", "PPPK")}}
now = timezone.now()
docs, versions, events = [], [], []
waiting_count = 0
people = Employee.objects.values_list("id", "employment_type", "user_id", "agency_id")
for employee_id, kind, user_id, agency_id in people.iterator(5000):
    chosen = rng.sample(types[kind], min(len(types[kind]), DECIDED + 1))
    for n, doc_type in enumerate(chosen):
        doc_id, version_id = uuid7_many(2)
        uploader = user_id if user_id and rng.random() < 0.5 else rng.choice(operators)
        uploaded = now - timedelta(seconds=rng.randint(60, 60 * 86400))
        waiting = n == 0
        if not waiting and agency_id != main.pk:
            continue
        status = "menunggu" if waiting else "diterima"
        decided = uploaded + timedelta(seconds=rng.randint(600, 10 * 86400))
        updated = uploaded if waiting else min(decided, now)
        docs.append((doc_id, employee_id, doc_type.pk, status, version_id, uploaded, updated))
        versions.append((version_id, doc_id, 1, f"documents/{{employee_id}}/{{version_id}}",
                         "0" * 64, 1000, "application/pdf", 2, "x.pdf", "scan", {{}},
                         uploader, uploaded, False, "", "failed"))
        if waiting:
            waiting_count += 1
        else:
            events.append((doc_id, version_id, "accepted", "", verifier.pk, updated))
t = time.perf_counter()
with transaction.atomic():  # the circular FK (document -> current version) is checked at commit
    insert_rows(Document, ("id", "employee_id", "doc_type_id", "status", "current_version_id",
                           "created_at", "updated_at"), docs)
    insert_rows(DocumentVersion, ("id", "document_id", "number", "storage_key", "sha256", "size",
                                  "media_type", "page_count", "original_name", "source",
                                  "metadata", "uploaded_by_id", "uploaded_at", "is_encrypted",
                                  "stored_sha256", "thumbnail_state"), versions)
    insert_rows(DocumentEvent, ("document_id", "version_id", "kind", "reason", "actor_id", "at"),
                events)
print("documents", len(docs), "waiting", waiting_count, round(time.perf_counter() - t, 1), "s",
      flush=True)
# Another verifier is looking at 1,000 of the oldest waiting documents of the agency (a tenth
# of them in a small run).
CLAIMED = min(1000, N // 10)
oldest = list(Document.objects.filter(status="menunggu", employee__agency=main)
              .exclude(current_version__uploaded_by=colleague)
              .order_by("updated_at", "id").values_list("pk", flat=True)[:CLAIMED])
QueueClaim.objects.bulk_create(
    QueueClaim(document_id=pk, claimed_by=colleague, claimed_at=now,
               expires_at=now + timedelta(hours=8)) for pk in oldest)
with connection.cursor() as cursor:  # what autovacuum does soon after a load this size
    cursor.execute("VACUUM ANALYZE")
del docs, versions, events


def timed(run, count):
    times = []
    for _ in range(count):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {{"p50_ms": round(statistics.median(times), 1),
             "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
             "max_ms": round(times[-1], 1), "samples": count}}


load_before = [round(x, 2) for x in os.getloadavg()]
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(verifier)
first = client.get("/antrean/")
assert first.status_code == 200, first.status_code
unit = Unit.objects.filter(agency=main).order_by("code").first()


def page(query=""):
    answer = client.get("/antrean/" + query)
    assert answer.status_code == 200 and b"queue-table" in answer.content, query


waiting_rows = list(Document.objects.filter(status="menunggu", employee__agency=main)
                    .values_list("pk", "updated_at"))
positions = iter(rng.sample(waiting_rows, min(len(waiting_rows), SAMPLES * 3)))


def next_from_random():
    pk, since = next(positions)
    answer = client.post("/antrean/berikutnya/",
                         {{"setelah": queue.Position(since=since, pk=pk).token()}})
    assert answer.status_code == 302 and "/antrean/" in answer.url, answer.status_code


def next_from_start():
    answer = client.get("/antrean/berikutnya/")
    assert answer.status_code == 302 and "/antrean/" in answer.url


def open_and_decide():
    answer = client.get("/antrean/berikutnya/")
    start = time.perf_counter()
    opened = client.get(answer.url)
    middle = time.perf_counter()
    assert opened.status_code == 200, opened.status_code
    pk = answer.url.split("/")[2]
    decided = client.post(f"/antrean/{{pk}}/terima/")
    assert decided.status_code == 302, decided.status_code
    end = time.perf_counter()
    return (middle - start) * 1000, (end - middle) * 1000


results = {{
    "first_page": timed(page, SAMPLES),
    "first_page_unit_filter": timed(lambda: page(f"?unit={{unit.pk}}"), SAMPLES // 2),
    "first_page_group_age_filter": timed(lambda: page("?kelompok=utama&umur=30"), SAMPLES // 2),
    "first_page_newest_first": timed(lambda: page("?urut=baru"), SAMPLES // 2),
    "next_from_random_position": timed(next_from_random, SAMPLES),
    "next_from_start_skipping_claims": timed(next_from_start, SAMPLES // 2),
}}
opened, decided = [], []
for _ in range(SAMPLES // 2):
    o, d = open_and_decide()
    opened.append(o)
    decided.append(d)
for name, values in (("open_document", opened), ("accept_then_next", decided)):
    values.sort()
    results[name] = {{"p50_ms": round(statistics.median(values), 1),
                      "p95_ms": round(values[max(0, int(len(values) * 0.95) - 1)], 1),
                      "max_ms": round(values[-1], 1), "samples": len(values)}}
figures_time = timed(lambda: queue.figures(main.pk), 10)
results["agency_figures"] = figures_time

# The query plans, for the record (EXPLAIN ANALYZE of the first page and of "next").
filters = queue.Filters()
plans = []
middle = rng.choice(waiting_rows)
scoped = queue._narrowed(queue._in_scope(verifier), filters, group=False).order_by()
for label, qs in (
    ("first page", queue._ordered(queue._narrowed(queue.waiting(verifier), filters), "lama")[:50]),
    ("counts: all in scope, per group", scoped.values("doc_type__group").annotate(n=Count("id"))),
    ("counts: minus one's own uploads",
     scoped.filter(current_version__uploaded_by_id=verifier.pk)
     .values("doc_type__group").annotate(n=Count("id"))),
    ("next, from the start (skipping the claimed)",
     queue._ordered(queue._free_for(verifier, queue.waiting(verifier)), "lama")[:1]),
    ("next, from a position in the middle",
     queue._ordered(queue._free_for(verifier, queue.waiting(verifier)), "lama")
     .filter(queue._later(queue.Position(since=middle[1], pk=middle[0]), "lama"))[:1]),
):
    plans.append(f"== {{label}}\n{{qs.explain(analyze=True)}}\n")
with open(PLANS, "w") as out:
    out.write("\n".join(plans))
print("RESULT " + json.dumps({{
    "employees": N, "other_agency_employees": N // 5,
    "documents": Document.objects.count(),
    "waiting_in_agency": Document.objects.filter(status="menunggu",
                                                 employee__agency=main).count(),
    "claims_by_another_verifier": CLAIMED,
    "load_average_before_timing": load_before,
    **results,
}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--decided", type=int, default=4, help="accepted documents per employee")
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    plans = ROOT / "var" / "bench" / "queue-plans.txt"
    plans.parent.mkdir(parents=True, exist_ok=True)
    env = django_env(recreate_database(PG_DATABASE))
    manage(["migrate", "-v", "0"], env)
    manage(["createcachetable"], env)
    data = shell_result(
        INNER.format(
            employees=args.employees,
            decided=args.decided,
            samples=args.samples,
            plans=str(plans),
        ),
        env,
    )
    load = os.getloadavg()
    result = {
        "benchmark": "queue",
        **data,
        "load_average_1_5_15": [round(x, 2) for x in load],
        "goal_p95_ms": 300,
    }

    def ms(key: str) -> str:
        entry = data[key]
        return f"{entry['p50_ms']} / {entry['p95_ms']} ms (max {entry['max_ms']})"

    rows = [
        (
            "employees (agency / another agency)",
            f"{data['employees']:,} / {data['other_agency_employees']:,}",
        ),
        (
            "documents (all) / waiting in the agency",
            f"{data['documents']:,} / {data['waiting_in_agency']:,}",
        ),
        ("first page, 50 rows + counts (p50 / p95)", ms("first_page")),
        ("first page, one unit", ms("first_page_unit_filter")),
        ("first page, Arsip Utama waiting >= 30 days", ms("first_page_group_age_filter")),
        ("first page, newest first", ms("first_page_newest_first")),
        ("next, from a random position", ms("next_from_random_position")),
        (
            f"next, from the start ({data['claims_by_another_verifier']:,} claimed skipped)",
            ms("next_from_start_skipping_claims"),
        ),
        ("open a document (claim, record, read)", ms("open_document")),
        ("accept, then find the next", ms("accept_then_next")),
        ("agency figures (queue, decisions)", ms("agency_figures")),
        (
            "load average (1, 5, 15 min) at the end",
            " ".join(str(x) for x in result["load_average_1_5_15"]),
        ),
        ("query plans", str(plans.relative_to(ROOT))),
    ]
    print_report(rows, result)


if __name__ == "__main__":
    sys.exit(main())

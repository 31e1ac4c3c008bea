#!/usr/bin/env python
"""Benchmark: the missing-documents report for one agency of N employees (100,000).

Prepares `asn_bench_report` on the local PostgreSQL: the catalogue, one agency, N employees
(through the real importer) and, per employee, documents for most mandatory types (about 70%
accepted, 15% waiting, 5% rejected with a reason, 10% missing; rows only, the files are not
needed). Then times building the whole report and writing it as CSV (what the export streams),
in one process, as the export streams it (every cell neutralised, encoded). Goal: under
1 second. Besides the wall-clock time it prints the CPU seconds spent by the app's process and by
its PostgreSQL backend (read from /proc: the database is local), which the machine's load does
not inflate; the CSV's SHA-256 shows two versions write the same report.

Run: `make bench-report` or `.venv/bin/python bench/missing_report.py [--employees 100000]
[--database asn_bench_report] [--reuse]` (`--reuse`: measure the database an earlier run generated
again, after migrating it).
"""

from __future__ import annotations

import argparse
import json
import sys

from common import PG_SERVER, django_env, manage, recreate_database, shell_result

PG_DATABASE = "asn_bench_report"

SETUP = r"""
import csv, hashlib, io, json, random, time
from django.db import connection
from asndigital.accounts.models import User
from asndigital.core.bulk import insert_rows
from asndigital.core.ids import uuid7_many
from asndigital.documents.models import Document, DocumentEvent, DocumentVersion
from asndigital.documents.report import gaps
from asndigital.documents.selectors import mandatory_types
from asndigital.documents.services import load_catalogue
from asndigital.demo.generator import generate_employee_rows
from asndigital.personnel.importer import import_employees
from asndigital.personnel.models import Agency, Employee
from asndigital.personnel.services import upsert_agency
from django.utils import timezone

"""
GENERATE = r"""
N = {employees}
load_catalogue()
agency = upsert_agency(actor=None, code="PEMKAB-BENCH", name="Pemerintah Kabupaten Bench",
                       kind="regional")
rows = generate_employee_rows(N, seed=5, agencies=[("PEMKAB-BENCH", [("U1", "Dinas A"),
                                                                     ("U2", "Dinas B")])])
t = time.perf_counter()
result = import_employees(actor=None, rows=((i, r) for i, r in enumerate(rows, start=2)))
print("imported", result.summary, round(time.perf_counter() - t, 1), "s", flush=True)
uploader = User.objects.create_user("bench.operator")
types = {{kind: mandatory_types(kind) for kind in ("CPNS", "PNS", "PPPK")}}
rng = random.Random(5)
now = timezone.now()
docs, versions, events = [], [], []
for employee_id, kind in Employee.objects.values_list("id", "employment_type").iterator(2000):
    for doc_type in types[kind]:
        roll = rng.random()
        if roll < 0.10:
            continue
        status = "diterima" if roll < 0.80 else "menunggu" if roll < 0.95 else "ditolak"
        doc_id, version_id = uuid7_many(2)
        docs.append((doc_id, employee_id, doc_type.pk, status, None, now, now))
        versions.append((version_id, doc_id, 1, f"documents/{{employee_id}}/{{version_id}}",
                         "0" * 64, 1000, "application/pdf", 1, "x.pdf", "scan", {{}},
                         uploader.pk, now, "pending", False, "", ""))
        if status == "ditolak":
            events.append((doc_id, version_id, "rejected", "Tidak terbaca", uploader.pk, now))
t = time.perf_counter()
insert_rows(Document, ("id", "employee_id", "doc_type_id", "status", "current_version_id",
                       "created_at", "updated_at"), docs)
insert_rows(DocumentVersion, ("id", "document_id", "number", "storage_key", "sha256", "size",
                              "media_type", "page_count", "original_name", "source", "metadata",
                              "uploaded_by_id", "uploaded_at", "thumbnail_state", "is_encrypted",
                              "stored_sha256", "signature_state"), versions)
insert_rows(DocumentEvent, ("document_id", "version_id", "kind", "reason", "actor_id", "at"),
            events)
with connection.cursor() as cursor:
    cursor.execute("VACUUM ANALYZE")  # as autovacuum leaves a settled table: visibility map set
print("documents", len(docs), round(time.perf_counter() - t, 1), "s", flush=True)
written = len(docs)
"""
REUSE = r"""
agency = Agency.objects.get(code="PEMKAB-BENCH")
N = Employee.objects.filter(agency=agency).count()
written = Document.objects.filter(employee__agency=agency).count()
with connection.cursor() as cursor:
    cursor.execute("VACUUM ANALYZE")
"""
MEASURE = r"""
import os
from asndigital.core.spreadsheet import csv_response
from asndigital.documents.report import HEADER, cells

TICK = os.sysconf("SC_CLK_TCK")


def server_cpu():
    # The database runs on this machine: its backend's CPU seconds (user + system) from /proc.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = open(f"/proc/{{pid}}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


timings = []
for _ in range(3):
    server, app = server_cpu(), time.process_time()
    start = time.perf_counter()
    found = list(gaps(Employee.objects.filter(agency=agency)))
    built = time.perf_counter()
    # What the export sends: the streamed response, every cell neutralised, as bytes.
    response = csv_response("kekurangan-berkas.csv", HEADER, (cells(gap) for gap in found))
    digest, size = hashlib.sha256(), 0
    for piece in response.streaming_content:
        digest.update(piece)
        size += len(piece)
    timings.append((time.perf_counter() - start, built - start, time.process_time() - app,
                    server_cpu() - server))
    count = len(found)
print("RESULT " + json.dumps({{"employees": N, "documents": written,
                               "employees_with_gaps": count, "csv_bytes": size,
                               "csv_sha256": digest.hexdigest(),
                               "seconds": [t[0] for t in timings],
                               "built_seconds": [t[1] for t in timings],
                               "app_cpu_seconds": [t[2] for t in timings],
                               "database_cpu_seconds": [t[3] for t in timings]}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--database", default=PG_DATABASE, help="PostgreSQL database to use")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the database an earlier run generated (after migrating it) instead of "
        "generating it again",
    )
    args = parser.parse_args()
    if args.reuse:
        env = django_env(f"{PG_SERVER}/{args.database}")
    else:
        env = django_env(recreate_database(args.database))
    manage(["migrate", "-v", "0"], env)
    script = SETUP + (REUSE if args.reuse else GENERATE) + MEASURE
    data = shell_result(script.format(employees=args.employees), env)
    best, worst = min(data["seconds"]), max(data["seconds"])
    cpu = min(
        a + d for a, d in zip(data["app_cpu_seconds"], data["database_cpu_seconds"], strict=True)
    )
    result = {
        "benchmark": "missing_report",
        **data,
        "best_seconds": round(best, 2),
        "worst_seconds": round(worst, 2),
        "best_cpu_seconds": round(cpu, 2),
        "goal_seconds": 1,
    }
    print(f"employees in the agency        {data['employees']:,}")
    print(f"mandatory documents (rows)     {data['documents']:,}")
    print(f"employees with gaps            {data['employees_with_gaps']:,}")
    print(f"CSV written                    {data['csv_bytes']:,} bytes")
    print(f"CSV SHA-256                    {data['csv_sha256']}")
    built = min(data["built_seconds"])
    print(f"report built (best)             {built:.2f} s")
    print(f"report built and written (CSV) best {best:.2f} s, worst {worst:.2f} s of 3 runs")
    print(f"CPU: app + database (best)     {cpu:.2f} s (what it costs whatever the machine's load)")
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())

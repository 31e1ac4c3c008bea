#!/usr/bin/env python
"""Scale proof: the archive at national size on PostgreSQL.

Prepares `asn_bench_scale` (or `--database`; dropped and recreated): the catalogue,
`--agencies` (500) agencies, `--employees` (1,000,000) employees through the real importer (with
their accounts), and `--docs` (10) documents per employee with one version each (rows only,
written by the database with INSERT ... SELECT: the files are not needed for these figures; every
version has its own key; `--keep-employees` writes them again over an earlier run's employees).
Then measures, in one process with Django's test client against the real views and selectors:

- the dossier page (`/pegawai/<id>/`) of `--samples` random employees, as themselves: p50/p95;
- the employee search (`/pegawai/?q=<NIP prefix or name>`) as a national admin: p50/p95;
- one agency's missing-documents report (built and written as CSV);
- the national dashboard: the refresh of every agency's figures, and the page;
- the database's size; and EXPLAIN ANALYZE of the dossier and search queries (printed).

Run: `make bench-scale` or `.venv/bin/python bench/scale.py [--employees N --docs N]`.
A full run takes long (the import alone is about a minute per 1,000,000 rows; the documents
are written by COPY).
"""

from __future__ import annotations

import argparse
import json
import sys

from common import PG_SERVER, django_env, manage, recreate_database, shell_result

PG_DATABASE = "asn_bench_scale"

INNER = r"""
import csv, io, json, random, statistics, sys, time, uuid
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from asndigital.accounts.models import Role, User
from asndigital.accounts.services import grant_role
from asndigital.core.bulk import insert_rows
from asndigital.core.ids import uuid7_many
from asndigital.documents.models import Document, DocumentType, DocumentVersion
from asndigital.documents.report import gaps
from asndigital.documents.services import load_catalogue
from asndigital.dashboards.figures import refresh
from asndigital.demo.generator import generate_employee_rows
from asndigital.personnel.importer import import_employees
from asndigital.personnel.models import Agency, Employee
from asndigital.personnel.services import upsert_agency

N, AGENCIES, DOCS, SAMPLES = {employees}, {agencies}, {docs}, {samples}
rng = random.Random(7)
codes = [f"BENCH-{{i:03d}}" for i in range(AGENCIES)]
"""
GENERATE = r"""
load_catalogue()
for code in codes:
    upsert_agency(actor=None, code=code, name=f"Instansi {{code}}", kind="regional")
t = time.perf_counter()
rows = generate_employee_rows(N, seed=11, agencies=[(c, [("U1", "Dinas A"), ("U2", "Dinas B")])
                                                    for c in codes])
result = import_employees(actor=None, rows=((i, r) for i, r in enumerate(rows, start=2)))
import_s = time.perf_counter() - t
print("imported", result.summary, round(import_s), "s", flush=True)

"""
# The documents and their versions are written by the database itself (INSERT ... SELECT over
# the employees), with the two tables' indexes and keys dropped meanwhile and built again after,
# and the triggers off (the dashboards' notes: the load ends with a note "everything changed").
DOCUMENTS = r"""
uploader, _new = User.objects.get_or_create(username="bench.operator")
types = list(DocumentType.objects.all())
by_kind = {{k: [t.pk for t in types if t.applies_to_type(k)] for k in ("CPNS", "PNS", "PPPK")}}
t = time.perf_counter()
TABLES = ("documents_document", "documents_documentversion")
# One transaction: a failure leaves the tables, their keys and indexes as they were.
with transaction.atomic(), connection.cursor() as cursor:
    cursor.execute("SET maintenance_work_mem = '512MB'")
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype "
        "FROM pg_constraint WHERE contype IN ('p', 'u', 'f') AND (conrelid = ANY(%s::regclass[]) "
        "OR confrelid = ANY(%s::regclass[])) ORDER BY contype = 'f' DESC",
        [list(TABLES), list(TABLES)])
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) AND indexname "
        "NOT IN (SELECT conname FROM pg_constraint)", [list(TABLES)])
    indexes = cursor.fetchall()
    for table, name, _definition, _kind in constraints:
        cursor.execute(f"ALTER TABLE {{table}} DROP CONSTRAINT {{name}}")
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {{name}}")
    cursor.execute("TRUNCATE documents_documentversion, documents_document")
    cursor.execute("SET session_replication_role = replica")
    cursor.execute("CREATE TEMP TABLE bench_types (kind text, idx int, type_id bigint, n int)")
    for kind, ids in by_kind.items():
        for idx, type_id in enumerate(ids):
            cursor.execute("INSERT INTO bench_types VALUES (%s, %s, %s, %s)",
                           [kind, idx, type_id, len(ids)])
    # 7 in 10 accepted, 2 waiting, 1 rejected; created over the last 60 days.
    cursor.execute(
        "INSERT INTO documents_document (id, employee_id, doc_type_id, status, "
        "current_version_id, created_at, updated_at) "
        "SELECT gen_random_uuid(), e.id, t.type_id, (ARRAY['diterima', 'diterima', 'diterima', "
        "'diterima', 'diterima', 'diterima', 'diterima', 'menunggu', 'menunggu', 'ditolak'])"
        "[1 + (g * 7 + abs(hashtext(e.id::text))) %% 10], gen_random_uuid(), at, at "
        "FROM personnel_employee e CROSS JOIN generate_series(0, %s - 1) g "
        "JOIN bench_types t ON t.kind = e.employment_type AND t.idx = g %% t.n "
        "CROSS JOIN LATERAL (SELECT now() - random() * interval '60 days' + g * interval '0 s'"
        " AS at) w", [DOCS])
    written = cursor.rowcount
    cursor.execute(
        "INSERT INTO documents_documentversion (id, document_id, number, storage_key, sha256, "
        "size, media_type, page_count, original_name, source, metadata, uploaded_by_id, "
        "uploaded_at, thumbnail_state, is_encrypted, stored_sha256, signature_state) "
        "SELECT current_version_id, id, 1, 'documents/' || employee_id || '/' || "
        "current_version_id, repeat('0', 64), 100000, 'application/pdf', 2, 'x.pdf', 'scan', "
        "jsonb_build_object('tahun', 2020), %s, created_at, 'ready', true, repeat('0', 64), '' "
        "FROM documents_document", [uploader.pk])
    cursor.execute("SET session_replication_role = DEFAULT")
    cursor.execute("INSERT INTO dashboards_figurechange (employee_id) VALUES (NULL)")
    for table, name, definition, kind in reversed(constraints):
        if kind != "f":
            cursor.execute(f"ALTER TABLE {{table}} ADD CONSTRAINT {{name}} {{definition}}")
    for _name, definition in indexes:
        cursor.execute(definition)
    for table, name, definition, kind in constraints:
        if kind == "f":
            cursor.execute(f"ALTER TABLE {{table}} ADD CONSTRAINT {{name}} {{definition}}")
    cursor.execute("ANALYZE")
docs_s = time.perf_counter() - t
print("documents", written, round(docs_s), "s", file=sys.stderr, flush=True)
"""
REUSE = r"""
N, written = Employee.objects.count(), Document.objects.count()
import_s = docs_s = None
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")
"""
MEASURE = r"""

def timed(client, url, count):
    times = []
    for path in url:
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    times.sort()
    return {{"p50_ms": statistics.median(times), "p95_ms": times[int(len(times) * 0.95) - 1],
             "n": len(times)}}

ids = list(Employee.objects.filter(user__is_active=True).order_by("?")
           .values_list("id", "user_id")[:SAMPLES])
dossier = []
for employee_id, user_id in ids:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(pk=user_id))
    dossier.append((client, f"/pegawai/{{employee_id}}/"))
times = []
for client, path in dossier:
    start = time.perf_counter()
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code, response.get("Location"))
    times.append((time.perf_counter() - start) * 1000)
times.sort()
dossier_figures = {{"p50_ms": statistics.median(times), "p95_ms": times[int(len(times) * .95) - 1]}}

# Monitors see figures only: the national reader of employee records is the national admin.
reader, new = User.objects.get_or_create(username="bench.national")
if new:
    grant_role(actor=None, user=reader, role=Role.BKN_ADMIN, agency=None)
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(reader)
nips = list(Employee.objects.order_by("?").values_list("nip", "name")[:SAMPLES])
queries = [f"/pegawai/?q={{nip[:8]}}" if i % 2 else f"/pegawai/?q={{name.split()[0]}}"
           for i, (nip, name) in enumerate(nips)]
search_figures = timed(client, queries, len(queries))

agency = Agency.objects.get(code=codes[0])
start = time.perf_counter()
out = io.StringIO(); writer = csv.writer(out); rows_out = 0
for gap in gaps(Employee.objects.filter(agency=agency)):
    writer.writerow([gap.nip, gap.name, "; ".join(gap.missing)]); rows_out += 1
report_s = time.perf_counter() - start

start = time.perf_counter(); refresh(); refresh_s = time.perf_counter() - start
national, new = User.objects.get_or_create(username="bench.bkn")
if new:
    grant_role(actor=None, user=national, role=Role.BKN_ADMIN, agency=None)
client = Client(HTTP_HOST="127.0.0.1"); client.force_login(national)
dashboard_figures = timed(client, ["/dasbor/"] * 20, 20)

with connection.cursor() as cursor:
    cursor.execute("SELECT pg_database_size(current_database())")
    size = cursor.fetchone()[0]
    employee_id = ids[0][0]
    cursor.execute(
        "EXPLAIN ANALYZE SELECT d.id FROM documents_document d "
        "JOIN documents_documenttype t ON t.id = d.doc_type_id "
        "LEFT JOIN documents_documentversion v ON v.id = d.current_version_id "
        "WHERE d.employee_id = %s ORDER BY t.group, t.sort_order, d.created_at", [employee_id])
    plan_dossier = "\n".join(r[0] for r in cursor.fetchall())
    cursor.execute(
        "EXPLAIN ANALYZE SELECT id FROM personnel_employee WHERE nip >= %s AND nip <= %s "
        "ORDER BY name, nip LIMIT 50",
        [nips[0][0][:8].ljust(18, "0"), nips[0][0][:8].ljust(18, "9")])
    plan_search = "\n".join(r[0] for r in cursor.fetchall())
    name = nips[0][1].split()[0]
    cursor.execute(
        "EXPLAIN ANALYZE SELECT id FROM personnel_employee WHERE UPPER(name::text) LIKE UPPER(%s) "
        "ORDER BY name, nip LIMIT 50", [f"%{{name}}%"])
    plan_name = "\n".join(r[0] for r in cursor.fetchall())
print("PLAN dossier\n" + plan_dossier)
print("PLAN search by NIP\n" + plan_search)
print("PLAN search by name\n" + plan_name)
print("RESULT " + json.dumps({{
    "employees": N, "agencies": AGENCIES, "documents": written, "import_s": import_s,
    "documents_s": docs_s, "dossier": dossier_figures, "search": search_figures,
    "report_s": report_s, "report_rows": rows_out, "report_agency_employees":
    Employee.objects.filter(agency=agency).count(), "refresh_s": refresh_s,
    "dashboard": dashboard_figures, "database_bytes": size}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--employees", type=int, default=1_000_000)
    parser.add_argument("--agencies", type=int, default=500)
    parser.add_argument("--docs", type=int, default=10)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument(
        "--database", default=PG_DATABASE, help=f"the PostgreSQL database (default {PG_DATABASE})"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the database an earlier run generated (after migrating it) instead of "
        "generating it again",
    )
    parser.add_argument(
        "--keep-employees",
        action="store_true",
        help="write the documents again over the employees an earlier run imported",
    )
    args = parser.parse_args()
    if args.reuse or args.keep_employees:
        env = django_env(f"{PG_SERVER}/{args.database}")
    else:
        env = django_env(recreate_database(args.database))
    manage(["migrate", "-v", "0"], env)
    manage(["createcachetable"], env)
    if args.reuse:
        generate = REUSE
    elif args.keep_employees:
        generate = "N = Employee.objects.count()\nimport_s = None\n" + DOCUMENTS
    else:
        generate = GENERATE + DOCUMENTS
    script = INNER + generate + MEASURE
    data = shell_result(
        script.format(
            employees=args.employees, agencies=args.agencies, docs=args.docs, samples=args.samples
        ),
        env,
    )
    result = {"benchmark": "scale", **data}
    print(
        f"employees / agencies / documents   {data['employees']:,} / {data['agencies']} / "
        f"{data['documents']:,}"
    )
    if data["import_s"] is None and data["documents_s"] is not None:
        print(f"documents written                  {data['documents_s']:.0f} s")
    if data["import_s"] is not None:
        print(
            f"import, documents written          {data['import_s']:.0f} s, "
            f"{data['documents_s']:.0f} s"
        )
    print(
        f"dossier page p50 / p95              {data['dossier']['p50_ms']:.0f} / "
        f"{data['dossier']['p95_ms']:.0f} ms"
    )
    print(
        f"employee search p50 / p95           {data['search']['p50_ms']:.0f} / "
        f"{data['search']['p95_ms']:.0f} ms"
    )
    print(
        f"missing report, one agency          {data['report_s']:.2f} s "
        f"({data['report_agency_employees']:,} employees)"
    )
    print(
        f"dashboard refresh / page p95        {data['refresh_s']:.1f} s / "
        f"{data['dashboard']['p95_ms']:.0f} ms"
    )
    print(f"database size                       {data['database_bytes'] / 2**30:.2f} GiB")
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())

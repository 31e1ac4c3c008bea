#!/usr/bin/env python
"""The national dashboard's refresh at scale: incremental against a full recount.

Works on the database `bench/scale.py` generated (`--database`, default `asn_bench_scale`:
1,000,000 employees, 10,000,000 documents), after migrating it. Measures, in one process:

- the full recount (``figures.compute``: the grouped queries the refresh ran before it was
  incremental, and the reference the tests compare with);
- ``refresh(full=True)``: every employee's share counted again and stored (the first refresh
  after the migration, a catalogue change, a very large import);
- the incremental ``refresh()`` after no change, and after `--changes` (1,000 and 10,000)
  changes made in the database: accepted, rejected and destroyed documents, uploads (a document
  and its version), transfers between agencies and departures, spread over random employees.
  The database's triggers note them as they would a service's writes. After each, the stored
  figures are compared with a full recount (``match``).

Run: `make bench-dashboard` or `.venv/bin/python bench/dashboard_refresh.py [--database NAME]
[--changes 1000,10000]`. Changes are written into the database: run `bench/scale.py` again for a
pristine one.
"""

from __future__ import annotations

import argparse
import os
import sys

from common import PG_SERVER, django_env, manage, print_report, shell_result

SCRIPT = r"""
import json, os, time
from django.db import connection, transaction
from asndigital.dashboards import figures
from asndigital.dashboards.models import AgencyFigures

FIELDS = [*figures.SHARES, "oldest_waiting_at", "uploads_by_day", "destruction"]

def timed(call):
    start = time.perf_counter()
    value = call()
    return value, time.perf_counter() - start

def matches():
    computed = figures.compute()
    stored = {{row.agency_id: {{k: getattr(row, k) for k in FIELDS}}
              for row in AgencyFigures.objects.all()}}
    return stored == computed

def change(count):
    # Shares of the mix: accepts 40 %, uploads 25 %, rejects 10 %, transfers 10 %, departures
    # 5 %, destructions 10 %.
    parts = {{"accept": 40, "upload": 25, "reject": 10, "transfer": 10, "depart": 5,
              "destroy": 10}}
    n = {{k: max(1, count * v // 100) for k, v in parts.items()}}
    # One transaction (the documents' keys to their versions are checked at commit).
    with transaction.atomic(), connection.cursor() as cursor:
        def sample(table, k):
            # Rows picked one by one (not by pages: a page holds one employee's documents).
            cursor.execute("SELECT greatest(reltuples, 1) FROM pg_class WHERE relname = %s",
                           [table])
            percent = min(100, 100 * 5 * k / cursor.fetchone()[0])
            return f"{{table}} TABLESAMPLE BERNOULLI ({{percent}})"

        def documents(status, k):
            cursor.execute(
                f"SELECT id FROM {{sample('documents_document', k)}} WHERE status = %s "
                "LIMIT %s", [status, k])
            return [row[0] for row in cursor.fetchall()]
        accept = documents("menunggu", n["accept"] + n["reject"])
        cursor.execute("UPDATE documents_document SET status = 'diterima', updated_at = now() "
                       "WHERE id = ANY(%s)", [accept[: n["accept"]]])
        cursor.execute("UPDATE documents_document SET status = 'ditolak', updated_at = now() "
                       "WHERE id = ANY(%s)", [accept[n["accept"]:]])
        cursor.execute("UPDATE documents_document SET status = 'dimusnahkan', updated_at = now() "
                       "WHERE id = ANY(%s)", [documents("diterima", n["destroy"])])
        cursor.execute("SELECT id, employee_id, doc_type_id FROM "
                       f"{{sample('documents_document', n['upload'])}} LIMIT %s", [n["upload"]])
        uploads = cursor.fetchall()
        cursor.execute(
            "CREATE TEMP TABLE bench_uploads AS SELECT gen_random_uuid() AS id, "
            "gen_random_uuid() AS version_id, u.employee_id, u.doc_type_id "
            "FROM unnest(%s::uuid[], %s::bigint[]) AS u(employee_id, doc_type_id)",
            [[u[1] for u in uploads], [u[2] for u in uploads]])
        cursor.execute(
            "INSERT INTO documents_document (id, employee_id, doc_type_id, status, "
            "current_version_id, created_at, updated_at) SELECT id, employee_id, doc_type_id, "
            "'menunggu', version_id, now(), now() FROM bench_uploads")
        cursor.execute(
            "INSERT INTO documents_documentversion (id, document_id, number, storage_key, sha256,"
            " size, media_type, page_count, original_name, source, metadata, uploaded_by_id, "
            "uploaded_at, thumbnail_state, is_encrypted, stored_sha256, signature_state) "
            "SELECT version_id, id, 1, 'documents/' || employee_id || '/' || version_id, "
            "repeat('0', 64), 100000, 'application/pdf', 2, 'x.pdf', 'scan', '{{}}', "
            "(SELECT id FROM "
            "accounts_user WHERE username = 'bench.operator'), now(), 'ready', true, "
            "repeat('0', 64), '' FROM bench_uploads")
        cursor.execute("DROP TABLE bench_uploads")
        cursor.execute(
            "UPDATE personnel_employee e SET agency_id = (SELECT a.id FROM personnel_agency a "
            "WHERE a.id <> e.agency_id ORDER BY random() + (e.nip IS NULL)::int LIMIT 1), "
            "unit_id = NULL WHERE id IN (SELECT id FROM "
            f"{{sample('personnel_employee', n['transfer'])}} LIMIT %s)", [n["transfer"]])
        cursor.execute(
            "UPDATE personnel_employee SET status = 'pensiun' WHERE id IN (SELECT id FROM "
            f"{{sample('personnel_employee', n['depart'])}} WHERE status = 'aktif' LIMIT %s)",
            [n["depart"]])
        cursor.execute("SELECT count(*), count(DISTINCT employee_id) FROM dashboards_figurechange")
        return cursor.fetchone()

result = {{"load_start": os.getloadavg()}}
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM personnel_employee")
    result["employees"] = cursor.fetchone()[0]
    cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'documents_document'")
    result["documents"] = cursor.fetchone()[0]
CHECK = {check}
if CHECK:
    _computed, result["full_recount_s"] = timed(figures.compute)
    print("full recount", round(result["full_recount_s"], 1), "s", flush=True)
    _n, result["rebuild_s"] = timed(lambda: figures.refresh(full=True))
    print("rebuild", round(result["rebuild_s"], 1), "s", flush=True)
else:  # timings only: the pending notes are dropped, the shares are not counted first
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM dashboards_figurechange")
    result["full_recount_s"] = result["rebuild_s"] = None
_n, result["no_change_s"] = timed(figures.refresh)
result["runs"] = []
for count in [{changes}]:
    notes, employees = change(count)
    _n, seconds = timed(figures.refresh)
    run = {{"changes": count, "notes": notes, "employees": employees, "refresh_s": seconds,
            "match": matches() if CHECK else None, "load": os.getloadavg()}}
    print(run, flush=True)
    result["runs"].append(run)
result["load_end"] = os.getloadavg()
print("RESULT " + json.dumps(result))
"""


MATCH = {True: "yes", False: "NO", None: "not checked"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="asn_bench_scale")
    parser.add_argument("--changes", default="1000,10000")
    parser.add_argument(
        "--no-check",
        action="store_true",
        help="time the incremental refreshes only: no full recount, no first counting of every "
        "employee's share, no comparison (the figures are then not right, the timings are)",
    )
    args = parser.parse_args()
    env = django_env(f"{PG_SERVER}/{args.database}")
    manage(["migrate", "-v", "0"], env)
    counts = ", ".join(str(int(c)) for c in args.changes.split(","))
    load = os.getloadavg()
    data = shell_result(SCRIPT.format(changes=counts, check=not args.no_check), env)
    result = {"benchmark": "dashboard_refresh", "database": args.database, **data}
    rows = [("employees / documents", f"{data['employees']:,} / {data['documents']:,}")]
    if data["full_recount_s"] is not None:
        rows.append(("full recount (compute)", f"{data['full_recount_s']:.1f} s"))
        rows.append(("refresh(full=True)", f"{data['rebuild_s']:.1f} s"))
    rows.append(("incremental, no change", f"{data['no_change_s']:.2f} s"))
    for run in data["runs"]:
        rows.append(
            (
                f"incremental after {run['changes']:,} changes",
                f"{run['refresh_s']:.2f} s ({run['employees']:,} employees; "
                f"equal to a full recount: {MATCH[run['match']]})",
            )
        )
    rows.append(("load average (1/5/15 min) at start", " / ".join(f"{x:.1f}" for x in load)))
    print_report(rows, result)
    if any(run["match"] is False for run in data["runs"]):
        sys.exit(1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Benchmark: what recording every read of personal data costs (UU 27/2022 access history).

Prepares `asn_bench_reads` on the local PostgreSQL: one agency of N employees (the real
importer), an agency admin, and a trail already holding the reads of many page views and
exports (``--history`` events, each export naming ``--subjects`` people). Then, in one process:
- an employee's page opened by the agency admin through the whole Django stack (test client),
  with the read recorded, and again with recording switched off: the difference is the cost per
  page view;
- recording one read alone (``audit.reads.one``), and one export of ``--subjects`` people
  (``audit.reads.many``: the event and its ReadSubject rows), per person;
- the employee's "Who accessed my data" page (newest 50, from events and ReadSubject rows).
Prints a table and one JSON line. Run: `make bench-reads` or
`.venv/bin/python bench/reads.py [--employees 20000 --history 20000 --subjects 5000]`.
"""

from __future__ import annotations

import argparse
import sys

from common import django_env, manage, print_report, recreate_database, shell_result

PG_DATABASE = "asn_bench_reads"

INNER = r"""
import json, random, statistics, time
from django.db import connection
from django.test import Client
from asndigital.accounts.models import Role, User
from asndigital.accounts.services import grant_role
from asndigital.audit import reads
from asndigital.demo.generator import generate_employee_rows
from asndigital.personnel.importer import import_employees
from asndigital.personnel.models import Employee
from asndigital.personnel.services import upsert_agency

N, HISTORY, SUBJECTS, SAMPLES = {employees}, {history}, {subjects}, {samples}
agency = upsert_agency(actor=None, code="PEMKAB-READS", name="Pemerintah Kabupaten Reads",
                       kind="regional")
rows = generate_employee_rows(N, seed=7, agencies=[("PEMKAB-READS", [("U1", "Dinas A")])])
import_employees(actor=None, rows=((i, r) for i, r in enumerate(rows, start=2)))
admin = User.objects.create_user("bench.admin", full_name="Admin Bench")
grant_role(actor=None, user=admin, role=Role.AGENCY_ADMIN, agency=agency)
people = list(Employee.objects.values_list("pk", flat=True))
rng = random.Random(7)
t = time.perf_counter()
for i in range(HISTORY):  # an existing trail: page views of random people, and a few exports
    if i % 1000 == 999:
        reads.many(admin, "report.exported", rng.sample(people, SUBJECTS), report="missing")
    else:
        reads.one(admin, "employee.viewed", Employee(pk=rng.choice(people), user_id=None))
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")
print("history", HISTORY, round(time.perf_counter() - t, 1), "s", flush=True)


def timed(run, count):
    times = []
    for _ in range(count):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {{"p50_ms": round(statistics.median(times), 2),
             "p95_ms": round(times[int(len(times) * 0.95) - 1], 2)}}


client = Client(HTTP_HOST="127.0.0.1")
client.force_login(admin)
sample = rng.sample(people, SAMPLES)
pages = iter(sample * 4)
page = lambda: client.get(f"/pegawai/{{next(pages)}}/")
assert page().status_code == 200
recorded = timed(page, SAMPLES)
original = reads.one
reads.one = lambda *a, **k: None
not_recorded = timed(page, SAMPLES)
reads.one = original
one = timed(lambda: reads.one(admin, "employee.viewed", Employee(pk=rng.choice(people),
                                                                   user_id=None)), SAMPLES)
many = timed(lambda: reads.many(admin, "report.exported", rng.sample(people, SUBJECTS),
                                report="missing"), 5)
owners = list(Employee.objects.filter(pk__in=sample[: SAMPLES // 2], user__is_active=True)
              .select_related("user")[: SAMPLES // 4])
own = iter(owners * 4)
def history():
    person = next(own)
    c = Client(HTTP_HOST="127.0.0.1")
    c.force_login(person.user)
    answer = c.get("/jejak-audit/akses-dokumen-saya/")
    assert answer.status_code == 200, (answer.status_code, answer.get("Location"))
history_page = timed(history, len(owners))
print("RESULT " + json.dumps({{"employees": N, "history_events": HISTORY,
                               "subjects_per_export": SUBJECTS,
                               "page_recorded": recorded, "page_not_recorded": not_recorded,
                               "record_one": one, "record_export": many,
                               "access_history_page": history_page}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--employees", type=int, default=20_000)
    parser.add_argument("--history", type=int, default=20_000)
    parser.add_argument("--subjects", type=int, default=5_000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    env = django_env(recreate_database(PG_DATABASE))
    manage(["migrate", "-v", "0"], env)
    manage(["createcachetable"], env)
    data = shell_result(
        INNER.format(
            employees=args.employees,
            history=args.history,
            subjects=args.subjects,
            samples=args.samples,
        ),
        env,
    )
    page, bare = data["page_recorded"], data["page_not_recorded"]
    per_person = data["record_export"]["p50_ms"] / data["subjects_per_export"]
    result = {
        "benchmark": "reads",
        **data,
        "page_view_cost_ms": round(page["p50_ms"] - bare["p50_ms"], 2),
        "export_ms_per_person": round(per_person, 4),
    }
    rows = [
        (
            "employees / events already in the trail",
            f"{data['employees']:,} / {data['history_events']:,}",
        ),
        ("employee page, read recorded (p50 / p95)", f"{page['p50_ms']} / {page['p95_ms']} ms"),
        ("employee page, not recorded (p50 / p95)", f"{bare['p50_ms']} / {bare['p95_ms']} ms"),
        ("cost of recording per page view (p50)", f"{result['page_view_cost_ms']} ms"),
        (
            "reads.one alone (p50 / p95)",
            f"{data['record_one']['p50_ms']} / {data['record_one']['p95_ms']} ms",
        ),
        (
            f"export of {data['subjects_per_export']:,} people recorded (p50)",
            f"{data['record_export']['p50_ms']} ms ({result['export_ms_per_person']} ms a person)",
        ),
        (
            "'Who accessed my data' page (p50 / p95)",
            f"{data['access_history_page']['p50_ms']} / {data['access_history_page']['p95_ms']} ms",
        ),
    ]
    print_report(rows, result)


if __name__ == "__main__":
    sys.exit(main())

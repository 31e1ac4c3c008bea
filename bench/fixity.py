"""Fixity check speed against `sha256sum` over the same stored files.

A fresh PostgreSQL database (127.0.0.1) gets N stored versions (default 1,000 files of 1 MB of
random bytes, written straight into a temporary storage folder with their rows). Then, twice
each and alternating (so both read from a warm page cache), ``manage.py check_fixity`` re-hashes
them all (two threads, every result written to the database) and ``sha256sum`` hashes the same
files (one process, as an operator would run it). Reported: MB/s of both and the ratio
(check_fixity speed / sha256sum speed; goal >= 0.7).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import PYTHON, ROOT, django_env, manage, recreate_database, shell_result

PG_DATABASE = "asn_bench_fixity"

FILL = """
import hashlib, json, os, uuid
from django.utils import timezone
from asndigital.accounts.models import User
from asndigital.core.bulk import insert_rows
from asndigital.documents.models import Document, DocumentType, DocumentVersion
from asndigital.documents.services import load_catalogue
from asndigital.documents import storage
from asndigital.demo.generator import generate_employee_rows
from asndigital.personnel.importer import import_employees
from asndigital.personnel.models import Employee
from asndigital.personnel.services import upsert_agency
load_catalogue()
upsert_agency(actor=None, code="BENCH", name="Bench", kind="regional")
rows = generate_employee_rows(1, seed=5, agencies=[("BENCH", [("U1", "Dinas A")])])
import_employees(actor=None, rows=((i, r) for i, r in enumerate(rows, start=2)))
employee = Employee.objects.get()
user = User.objects.create_user("bench.operator")
doc_type = DocumentType.objects.get(code="ijazah")
now = timezone.now()
docs, versions = [], []
root = storage.root()
for i in range({files}):
    data = os.urandom({size})
    doc_id, version_id = uuid.uuid4(), uuid.uuid4()
    key = f"documents/{{employee.pk}}/{{version_id}}"
    path = root / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    docs.append((doc_id, employee.pk, doc_type.pk, "menunggu", None, now, now))
    versions.append((version_id, doc_id, 1, key, hashlib.sha256(data).hexdigest(), len(data),
                     "application/pdf", 1, "x.pdf", "scan", {{}}, user.pk, now, "ready"))
insert_rows(Document, ("id", "employee_id", "doc_type_id", "status", "current_version_id",
                       "created_at", "updated_at"), docs)
insert_rows(DocumentVersion, ("id", "document_id", "number", "storage_key", "sha256", "size",
                              "media_type", "page_count", "original_name", "source", "metadata",
                              "uploaded_by_id", "uploaded_at", "thumbnail_state"), versions)
print("RESULT " + json.dumps({{"folder": str(root / "documents")}}))
"""


def timed(command: list[str], env: dict[str, str] | None = None, expect: str = "") -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if expect not in done.stdout:
        raise SystemExit(f"unexpected output: {done.stdout[-500:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--size-kb", type=int, default=1024)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="asn-fixity-") as folder:
        files = Path(folder) / "files"
        env = django_env(recreate_database(PG_DATABASE), ASN_VAR_DIR=folder)
        manage(["migrate", "-v", "0"], env)
        filled = shell_result(FILL.format(files=args.files, size=args.size_kb * 1024), env)
        paths = sorted(str(p) for p in Path(filled["folder"]).rglob("*") if p.is_file())
        total_mb = args.files * args.size_kb / 1024
        ours, theirs = [], []
        for _ in range(2):
            ours.append(
                timed(
                    [PYTHON, "manage.py", "check_fixity"],
                    env,
                    expect=f"{args.files} file(s) checked, 0 failed",
                )
            )
            theirs.append(timed(["sha256sum", *paths]))
        assert files.exists()
    best_ours, best_theirs = min(ours), min(theirs)
    ratio = best_theirs / best_ours
    result = {
        "benchmark": "fixity",
        "files": args.files,
        "megabytes": round(total_mb),
        "check_fixity_seconds": [round(s, 2) for s in ours],
        "sha256sum_seconds": [round(s, 2) for s in theirs],
        "check_fixity_mb_s": round(total_mb / best_ours),
        "sha256sum_mb_s": round(total_mb / best_theirs),
        "ratio": round(ratio, 2),
        "goal_ratio": 0.7,
    }
    print(f"files                 {args.files:,} of {args.size_kb} KB ({total_mb:,.0f} MB)")
    print(f"check_fixity (best)   {best_ours:.2f} s   {total_mb / best_ours:,.0f} MB/s")
    print(f"sha256sum (best)      {best_theirs:.2f} s   {total_mb / best_theirs:,.0f} MB/s")
    print(f"ratio                 {ratio:.2f}   (goal 0.7; includes Django start-up and writes)")
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())

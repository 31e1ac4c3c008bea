"""Queue claims across app processes: two processes, each a verifier, claim the same forty
waiting documents at the same moment, in opposite orders. Each document ends with exactly one
holder, and both processes agree on who it is: the claim lives in a database row taken by
conditional writes, never in a process's memory.

PostgreSQL only (SQLite serialises writers anyway); skipped elsewhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from asndigital.accounts.models import Role
from asndigital.documents import services
from asndigital.documents.models import QueueClaim
from tests.documents.queue_helpers import waiting_document
from tests.factories import EmployeeFactory

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)

CLAIMER = r"""
import json, os, time
from pathlib import Path
from asndigital.accounts.models import User
from asndigital.documents import queue_services
from asndigital.documents.models import Document
user = User.objects.get(username=os.environ["CLAIMER"])
ids = json.loads(os.environ["CLAIM_IDS"])
folder = Path(os.environ["CLAIM_DIR"])
documents = [Document.objects.select_related("employee", "current_version").get(pk=pk)
             for pk in ids]
(folder / f"ready-{user.username}").touch()
while not (folder / "go").exists():  # both start together
    time.sleep(0.01)
held = {}
for document in documents:
    claim = queue_services.claim(actor=user, document=document)
    held[str(document.pk)] = str(claim.claimed_by_id)
print(json.dumps(held))
"""


def test_two_processes_never_both_hold_a_document(agency, make_staff, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("two processes writing at once need PostgreSQL")
    services.load_catalogue()
    first = make_staff(Role.VERIFIER, agency, username="verifikator.satu")
    second = make_staff(Role.VERIFIER, agency, username="verifikator.dua")
    documents = [
        waiting_document(EmployeeFactory(agency=agency), days=1 + i % 5) for i in range(40)
    ]
    ids = [str(d.pk) for d in documents]
    db = connection.settings_dict
    env = dict(
        os.environ,
        ASN_ENV="test",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        SECRET_KEY=settings.SECRET_KEY,
        ASN_VAR_DIR=str(tmp_path),
    )
    runs = [
        subprocess.Popen(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", CLAIMER],
            cwd=ROOT,
            env=dict(
                env,
                CLAIMER=user.username,
                CLAIM_IDS=json.dumps(order),
                CLAIM_DIR=str(tmp_path),
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for user, order in ((first, ids), (second, ids[::-1]))
    ]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("ready-*"))) < 2:
        assert time.monotonic() < deadline and all(r.poll() is None for r in runs)
        time.sleep(0.05)
    (tmp_path / "go").touch()
    answers = []
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err[-2000:]
        answers.append(json.loads(out.strip().splitlines()[-1]))
    stored = {
        str(pk): str(holder)
        for pk, holder in QueueClaim.objects.values_list("document_id", "claimed_by_id")
    }
    assert set(stored) == set(ids)
    # Both processes were told the same holder for every document: the one the row names.
    assert answers[0] == stored and answers[1] == stored
    # And each got some: they really raced (each started from its own end of the list).
    assert {str(first.pk), str(second.pk)} == set(stored.values())

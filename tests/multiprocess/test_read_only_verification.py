"""verify_audit under a read-only database session, as on a read replica: it reads the whole
trail and writes nothing, so it passes where every write would be refused, and an event
INSERTed by hand is reported instead of being sealed by the check."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from asndigital.audit import chain
from asndigital.audit.models import AuditEvent, AuditLink
from asndigital.audit.services import record

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def verify_read_only() -> subprocess.CompletedProcess:
    db = connection.settings_dict
    env = dict(
        os.environ,
        ASN_ENV="test",
        SECRET_KEY=settings.SECRET_KEY,
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        # Every transaction of the process is READ ONLY: any write fails at once.
        PGOPTIONS="-c default_transaction_read_only=on",
    )
    return subprocess.run(
        [sys.executable, "manage.py", "verify_audit"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_verify_audit_runs_under_a_read_only_session():
    if connection.vendor != "postgresql":
        pytest.skip("a read-only session is PostgreSQL's (default_transaction_read_only)")
    for n in range(3):
        record(None, "test.happened", None, number=n)
    chain.seal()
    intact = verify_read_only()
    assert intact.returncode == 0, intact.stderr
    assert "audit trail intact: 3 events" in intact.stdout
    with connection.cursor() as cursor:  # an insider's back-dated INSERT, without the key
        cursor.execute(
            "INSERT INTO audit_auditevent (occurred_at, action, target_type, target_id, "
            "canonical) VALUES (%s, 'document.downloaded', '', '', '{}')",
            [timezone.now() - timedelta(days=3)],
        )
    broken = verify_read_only()
    assert broken.returncode == 1
    assert "not sealed into the chain" in broken.stderr
    assert AuditEvent.objects.count() == AuditLink.objects.count() + 1  # verify sealed nothing

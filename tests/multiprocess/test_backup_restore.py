"""The backup-and-restore drill of docs/deployment.md: back up the database (pg_dump) and the
files, wipe them, restore both, and prove the audit trail and every file intact."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from asndigital.audit.services import make_checkpoint
from asndigital.documents import services as documents
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory
from tests.helpers import upload

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def manage(args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_back_up_wipe_restore_and_verify(agency, files_in_tmp, tmp_path):
    if connection.vendor != "postgresql" or shutil.which("pg_dump") is None:
        pytest.skip("the drill uses PostgreSQL's pg_dump and pg_restore")
    documents.load_catalogue()
    employee = EmployeeFactory(agency=agency)
    upload(employee.user, employee, pdf_bytes(1))
    upload(
        employee.user,
        employee,
        pdf_bytes(2),
        code="ijazah",
        meta={"jenjang": "S1", "institusi": "UI", "tahun": "2010"},
    )
    make_checkpoint()
    db = connection.settings_dict
    server = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}"
    env = dict(os.environ, ASN_ENV="test", SECRET_KEY=settings.SECRET_KEY)
    checkpoints = tmp_path / "checkpoints.jsonl"
    exported = manage(
        ["export_audit_checkpoints", "--output", str(checkpoints)],
        dict(env, DATABASE_URL=f"{server}/{db['NAME']}"),
    )
    assert exported.returncode == 0, exported.stderr

    # Back up: the database and the files.
    dump = tmp_path / "asn.dump"
    subprocess.run(["pg_dump", "-Fc", "-f", str(dump), f"{server}/{db['NAME']}"], check=True)
    shutil.copytree(files_in_tmp, tmp_path / "files-backup")

    # Wipe the files; restore both into a fresh database and folder.
    shutil.rmtree(files_in_tmp)
    restored = f"{db['NAME']}_restored"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{restored}"')
        admin.execute(f'CREATE DATABASE "{restored}"')
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", "-d", f"{server}/{restored}", str(dump)], check=True
        )
        var = tmp_path / "restored"
        shutil.copytree(tmp_path / "files-backup", var / "files")
        env = dict(env, DATABASE_URL=f"{server}/{restored}", ASN_VAR_DIR=str(var))
        assert manage(["migrate", "--check"], env).returncode == 0
        verified = manage(["verify_audit", "--checkpoints", str(checkpoints)], env)
        assert verified.returncode == 0, verified.stderr
        assert "audit trail intact" in verified.stdout
        fixity = manage(["check_fixity", "--deep"], env)
        assert fixity.returncode == 0, fixity.stderr
        assert "2 file(s) checked, 0 failed" in fixity.stdout
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')

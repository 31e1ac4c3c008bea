"""Anyone can check: the trail verifies from the auditors' CSV export and the exported
checkpoints with tools/verify-audit-export.sh (bash, coreutils, openssl), no project code.

The project prepares the data here; the verification is the script's alone, run in a clean
environment (no PYTHONPATH, no project directory)."""

import base64
import csv
import datetime
import hashlib
import io
import json
import subprocess
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from asndigital.accounts.models import Role
from asndigital.audit import chain, signing
from asndigital.audit.services import make_checkpoint, record
from tests.factories import EmployeeFactory

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "verify-audit-export.sh"
pytestmark = pytest.mark.django_db


def run(tmp_path, *args, chunk=None):
    """The script as an outside auditor runs it: its own directory, a bare environment.
    (``chunk``: events hashed per sha256sum call, small to cross the chunks' boundaries.)"""
    return subprocess.run(
        [str(SCRIPT), *args],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", **({"VERIFY_AUDIT_CHUNK": str(chunk)} if chunk else {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def write_csv(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_text("\ufeff" + buffer.getvalue(), encoding="utf-8", newline="")


@pytest.fixture
def exported(client, make_staff, agency, tmp_path):
    """A few events (non-ASCII text, a nested object) sealed and checkpointed through the app,
    one more sealed after the checkpoint; the auditor's CSV and the checkpoint file."""
    employee = EmployeeFactory(agency=agency)
    auditor = make_staff(Role.AUDITOR)
    record(auditor, "test.viewed", employee, note="Dédé ✓ — “kutipan”, koma", n=1)
    record(None, "test.nested", None, nested={"b": [1, 2.5, None], "a": {"z": "ü", "y": True}})
    record(auditor, "test.quote", employee, text='say "hi", \\ then\nnew line\t tab')
    make_checkpoint()
    record(None, "test.after_checkpoint", employee, n=4)
    chain.seal()
    client.force_login(auditor)
    response = client.get(reverse("audit:search"), {"export": "csv"})
    export = tmp_path / "jejak-audit.csv"
    export.write_bytes(b"".join(response.streaming_content))
    checkpoints = tmp_path / "checkpoints.jsonl"
    call_command("export_audit_checkpoints", "--output", str(checkpoints))
    return export, checkpoints


def positions(rows):
    position = rows[0].index("Posisi")
    return {int(row[position]): row for row in rows[1:] if row[position]}


def test_the_script_verifies_the_export_and_the_latest_checkpoint(tmp_path, exported):
    export, checkpoints = exported
    rows = read_csv(export)
    assert rows[0][-2:] == ["Hash", "Hash sebelumnya"] and len(positions(rows)) == 4
    result = run(tmp_path, export.name, checkpoints.name)
    assert result.returncode == 0, result.stderr
    assert "audit export verified: " in result.stdout
    assert "chained from position 1, 1 signed checkpoint(s) valid" in result.stdout
    # The auditor's own export is recorded after the file's query: not sealed yet, skipped.
    assert "not sealed yet" in result.stdout
    assert f"compare its id {signing.key_id()} with the one the archive publishes" in result.stdout
    pinned = run(tmp_path, "--key-id", signing.key_id(), "--all", export.name, checkpoints.name)
    assert pinned.returncode == 0, pinned.stderr
    again = run(tmp_path, "--public-key", signing.public_text(), export.name, checkpoints.name)
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize("chunk", [None, 1, 2])
def test_an_event_altered_in_the_file_is_named_by_its_position(tmp_path, exported, chunk):
    export, checkpoints = exported
    assert run(tmp_path, export.name, checkpoints.name, chunk=chunk).returncode == 0
    rows = read_csv(export)
    data = rows[0].index("Data")
    target = next(p for p, row in positions(rows).items() if '"test.nested"' in row[data])
    positions(rows)[target][data] = positions(rows)[target][data].replace("2.5", "3.5")
    write_csv(export, rows)
    result = run(tmp_path, export.name, checkpoints.name, chunk=chunk)
    assert result.returncode == 1
    assert f"broken link at position {target}: its content does not match its hash" in (
        result.stderr
    )


def test_a_removed_event_is_named_by_its_position(tmp_path, exported):
    export, checkpoints = exported
    rows = read_csv(export)
    write_csv(export, [row for row in rows if row[rows[0].index("Posisi")] != "2"])
    result = run(tmp_path, export.name, checkpoints.name)
    assert result.returncode == 1 and "broken link at position 2" in result.stderr


def test_a_file_rewritten_with_every_hash_recomputed_is_caught_by_the_checkpoint(
    tmp_path, exported
):
    export, checkpoints = exported
    rows = read_csv(export)
    data, chained, previous = rows[0].index("Data"), positions(rows), chain.GENESIS
    chained[1][data] = chained[1][data].replace("test.viewed", "test.other")
    for position in sorted(chained):
        row = chained[position]
        row[-1] = previous
        text = f"{position}\n{previous}\n{row[data]}".encode()
        row[-2] = previous = hashlib.sha256(text).hexdigest()
    write_csv(export, rows)
    result = run(tmp_path, export.name, checkpoints.name)
    assert result.returncode == 1
    assert "does not match the chain: it was rewritten" in result.stderr


def forge(checkpoints: Path, change) -> None:
    lines = checkpoints.read_text().splitlines()
    entry = json.loads(lines[-1])
    change(entry)
    checkpoints.write_text("\n".join([*lines[:-1], json.dumps(entry)]) + "\n")


def flipped(signature: str) -> str:
    raw = bytearray(base64.b64decode(signature))
    raw[10] ^= 1
    return base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize(
    "change",
    [
        lambda entry: entry.update(signature=flipped(entry["signature"])),
        lambda entry: entry.update(hash="a" * 64),  # a checkpoint claiming another chain
        lambda entry: entry.update(signed_at="2020-01-01T00:00:00+00:00"),
    ],
    ids=["signature", "hash", "time"],
)
def test_a_forged_checkpoint_is_refused(tmp_path, exported, change):
    export, checkpoints = exported
    forge(checkpoints, change)
    result = run(tmp_path, export.name, checkpoints.name)
    assert result.returncode == 1 and "the signature is not valid" in result.stderr


def test_another_key_is_refused_when_the_key_is_pinned(tmp_path, exported):
    export, checkpoints = exported
    result = run(tmp_path, "--key-id", "0" * 16, export.name, checkpoints.name)
    assert result.returncode == 1 and "not the expected 0000000000000000" in result.stderr
    other = base64.b64encode(bytes(range(32))).decode()
    result = run(tmp_path, "--public-key", other, export.name, checkpoints.name)
    assert result.returncode == 1


def test_the_worked_example_in_the_specification_holds():
    """docs/audit-format.md's byte-level example is what the code computes."""
    text = chain.canonical(
        occurred_at=datetime.datetime(
            2026, 1, 15, 10, 4, 5, 123456, tzinfo=datetime.timezone(datetime.timedelta(hours=7))
        ),
        actor_id=uuid.UUID("5f0c2a1e-8d3b-4c6f-9a71-2b4e6d8f0a13"),
        action="document.downloaded",
        target_type="documents.document",
        target_id="8e4b1f0c-7a2d-4e6b-9c3f-1d5a7b9e2c40",
        employee_id=uuid.UUID("9b2d4f6a-1c3e-4a5b-8d7f-0e1a2b3c4d5e"),
        data={
            "version": "v1",
            "purpose": "verifikasi",
            "note": "Dédé ✓",
            "detail": {"b": [1, 2.5, True], "a": None},
        },
    )
    spec = (ROOT / "docs" / "audit-format.md").read_text(encoding="utf-8")
    assert text in spec
    assert chain.link(1, chain.GENESIS, text) in spec
    prefix = bytes.fromhex("302a300506032b6570032100")
    assert base64.b64encode(prefix).decode() == "MCowBQYDK2VwAyEA" and "MCowBQYDK2VwAyEA" in spec

"""The audit trail: append-only in the database, hash-chained, checkpointed and verifiable."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from asndigital.audit import chain, services, signing
from asndigital.audit.models import AuditEvent, AuditLink, ChainHead, Checkpoint
from asndigital.audit.services import make_checkpoint, record
from tests.factories import EmployeeFactory, UserFactory
from tests.helpers import AT, change_event, rewrite_everything, tamper

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def events(n, actor=None):
    return [
        record(actor, "test.happened", None, number=i, nested={"b": 2, "a": [1, "x"]})
        for i in range(n)
    ]


def verify(**kwargs):
    chain.seal()
    return chain.verify(**kwargs)


def position_of(event_id):
    """The event's place in the chain (its link), or None while it is not chained."""
    found = AuditLink.objects.filter(event_id=event_id).values_list("position", flat=True)
    return found.first()


def test_events_are_chained_in_order_after_commit(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = record(user, "test.one", user, note="é ✓")
        second = record(None, "test.two")
    one, two = AuditLink.objects.order_by("position")
    assert (one.position, one.event_id, two.position, two.event_id) == (1, first.pk, 2, second.pk)
    assert one.hash == chain.link(1, chain.GENESIS, first.canonical)
    assert two.hash == chain.link(2, one.hash, second.canonical)
    assert one.occurred_at == first.occurred_at
    assert ChainHead.objects.get().position == 2
    assert verify().intact


def test_one_seal_is_scheduled_per_transaction(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        events(3)
    assert callbacks == [services.seal_quietly]


def test_the_employee_of_a_document_event_is_recorded(agency):
    employee = EmployeeFactory(agency=agency)
    event = record(None, "test.viewed", employee)
    assert event.employee_id == employee.pk


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET action = 'hidden'",
        "UPDATE audit_auditevent SET canonical = canonical || ' '",
        "DELETE FROM audit_auditevent",
    ],
)
def test_the_database_refuses_changes_to_events(statement):
    events(2)
    chain.seal()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEvent.objects.count() == 2 and verify().intact


def test_an_event_is_never_updated_and_its_link_never_changes():
    """Sealing writes a link row; the event row is never touched again, sealed or not."""
    (event,) = events(1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="edited")
    chain.seal()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="edited")
    for change in (
        lambda links: links.update(hash="f" * 64),
        lambda links: links.update(position=9),
        lambda links: links.delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            change(AuditLink.objects.all())
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE audit_auditlink")
    assert verify().intact
    assert chain.seal() == 0 and AuditLink.objects.count() == 1  # never chained twice


def test_checkpoints_cannot_be_changed_or_removed():
    events(1)
    make_checkpoint()
    with pytest.raises(DatabaseError), transaction.atomic():
        Checkpoint.objects.update(hash="0" * 64)
    with pytest.raises(DatabaseError), transaction.atomic():
        Checkpoint.objects.all().delete()


def test_the_chain_head_only_moves_forward_and_read_subjects_stay(
    django_capture_on_commit_callbacks,
):
    """Rewinding the head (to hide events cut off the end) and removing whom an export
    included are refused by the database, like edits of events."""
    from asndigital.audit import reads
    from asndigital.audit.models import ReadSubject

    events(3)
    chain.seal()
    head = ChainHead.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        ChainHead.objects.update(position=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        ChainHead.objects.update(hash="0" * 64)  # same position, another hash
    with pytest.raises(DatabaseError), transaction.atomic():
        ChainHead.objects.all().delete()
    ChainHead.objects.update(sealed_at=head.sealed_at)  # a seal's stamp is allowed
    employee = EmployeeFactory()
    reads.many(None, "report.exported", [employee.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        ReadSubject.objects.all().delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        ReadSubject.objects.update(employee_id=EmployeeFactory().pk)
    events(2)
    chain.seal()  # sealing still moves it forward
    assert ChainHead.objects.get().position == 6  # three, the export, two more


def test_an_edited_event_is_found_at_its_position():
    events(5)
    chain.seal()
    change_event("canonical = replace(canonical, '\"number\":2', '\"number\":7')", 3)
    report = verify()
    assert not report.intact
    assert "position 3" in report.problems[0] and "does not match its hash" in report.problems[0]


@pytest.mark.parametrize(
    "change",
    [
        "action = 'document.nothing'",
        "target_id = '99'",
        "occurred_at = occurred_at - interval '1 day'",
        "employee_id = NULL",
    ],
)
def test_an_edited_column_is_found_even_if_the_chain_holds(change, agency):
    if "interval" in change and connection.vendor == "sqlite":
        change = "occurred_at = '2020-01-01 00:00:00'"
    employee = EmployeeFactory(agency=agency)
    for _ in range(3):
        record(None, "test.viewed", employee)
    chain.seal()
    assert verify().intact
    change_event(change, 2)
    report = verify()
    assert report.problems == [
        "the event at position 2: its columns were changed after it was written (they no "
        "longer match its sealed content)"
    ]


def test_only_plain_identifiers_are_recorded_as_actions():
    with pytest.raises(ValueError, match="plain identifiers"):
        record(None, 'bad"action')


def test_a_removed_event_breaks_the_chain():
    events(4)
    chain.seal()
    tamper("DELETE FROM audit_auditevent WHERE " + AT, [2])  # noqa: S608
    report = verify()
    assert "position 2" in report.problems[0] and "missing" in report.problems[0]


def test_a_removed_link_breaks_the_chain():
    events(4)
    chain.seal()
    tamper("DELETE FROM audit_auditlink WHERE position = 2")
    report = verify()
    assert "position 2" in report.problems[0] and "missing" in report.problems[0]


@pytest.mark.parametrize("position", [1, 2, 4])
def test_a_link_whose_hash_was_changed_is_found_at_its_position(position):
    events(4)
    chain.seal()
    tamper("UPDATE audit_auditlink SET hash = %s WHERE position = %s", ["a" * 64, position])
    report = verify()
    assert f"position {position}" in report.problems[0]
    assert "does not match its hash" in report.problems[0]


def test_a_link_pointing_to_another_event_is_found():
    """Two links swapped between events (each keeps its hash): the content no longer matches."""
    events(3)
    chain.seal()
    one, two = AuditLink.objects.order_by("position")[:2]
    tamper("UPDATE audit_auditlink SET event_id = -1 WHERE position = 1")
    tamper("UPDATE audit_auditlink SET event_id = %s WHERE position = 2", [one.event_id])
    tamper("UPDATE audit_auditlink SET event_id = %s WHERE position = 1", [two.event_id])
    report = verify()
    assert "position 1" in report.problems[0] and "does not match" in report.problems[0]


def test_a_link_inserted_by_hand_for_a_forged_event_is_found():
    """A link added after the head (for an event written by hand) without moving the head."""
    events(2)
    chain.seal()
    head = ChainHead.objects.get()
    text = AuditEvent.objects.order_by("id").first().canonical.replace("0", "1", 1)
    forged = _insert_by_hand(text, "0" * 64, minutes_ago=1)
    _link_by_hand(head.position + 1, forged, chain.link(head.position + 1, head.hash, text))
    report = chain.verify()
    assert any("head says 2" in p for p in report.problems), report.problems


def test_events_cut_off_the_end_are_found_by_the_head_and_the_checkpoints():
    events(4)
    make_checkpoint()
    tamper(
        "DELETE FROM audit_auditevent WHERE id IN "
        "(SELECT event_id FROM audit_auditlink WHERE position > 2)"
    )
    tamper("DELETE FROM audit_auditlink WHERE position > 2")
    report = verify()
    assert any("beyond the chain's end" in p for p in report.problems)
    tamper(
        "UPDATE audit_chainhead SET position = 2, "
        "hash = (SELECT hash FROM audit_auditlink WHERE position = 2)"
    )
    tamper("DELETE FROM audit_checkpoint")
    # A thorough attacker also fixed the head and deleted the checkpoints: the application's
    # signed seals still cover positions that are gone, and removing them uncovers the rest.
    assert any("removed from the end" in p for p in verify().problems)
    tamper("DELETE FROM audit_sealbatch")
    assert any("not sealed by the application" in p for p in verify().problems)


def test_a_wholesale_rewrite_is_caught_by_the_signed_checkpoints(tmp_path):
    events(3)
    make_checkpoint()
    exported = tmp_path / "checkpoints.jsonl"
    call_command("export_audit_checkpoints", "--output", str(exported))
    rewrite_everything()
    report = verify()
    assert any("does not match the chain" in p for p in report.problems)
    # Even with the stored checkpoints deleted (or re-signed with another key), the exported
    # copy still proves it.
    tamper("DELETE FROM audit_checkpoint")
    # From the database alone the application's signed seals show it too.
    assert any("the chain was rewritten" in p for p in verify().problems)
    with pytest.raises(CommandError) as failed:
        call_command("verify_audit", "--checkpoints", str(exported))
    assert failed.value.returncode == 1


def test_a_forged_checkpoint_signature_is_refused():
    events(2)
    checkpoint = make_checkpoint()
    forged = {
        "position": checkpoint.position,
        "hash": "a" * 64,
        "signed_at": checkpoint.signed_at.isoformat(),
        "signature": checkpoint.signature,
    }
    report = verify(extra_checkpoints=[forged])
    assert any("signature is not valid" in p for p in report.problems)


def test_a_checkpoint_of_the_empty_trail_verifies():
    """The schedule signs a checkpoint as soon as it first starts, before any event."""
    first = make_checkpoint()
    assert (first.position, first.hash) == (0, chain.GENESIS)
    assert verify().intact
    events(2)
    make_checkpoint()
    assert verify().intact
    forged = {
        "position": 0,
        "hash": "b" * 64,
        "signed_at": first.signed_at.isoformat(),
        "signature": signing.sign(0, "b" * 64, first.signed_at.isoformat()),
    }
    assert verify(extra_checkpoints=[forged]).problems == [
        "checkpoint at position 0 does not match the chain: it was rewritten"
    ]


def test_verify_audit_says_intact_or_names_the_first_broken_link(capsys):
    events(3)
    chain.seal()  # the writers' and the worker's job, never the verifier's
    call_command("verify_audit")
    assert "audit trail intact: 3 events" in capsys.readouterr().out
    change_event("canonical = canonical || ' '", 2)
    with pytest.raises(CommandError) as failed:
        call_command("verify_audit")
    assert failed.value.returncode == 1
    assert "position 2" in capsys.readouterr().err


def test_the_public_key_is_printed_for_verifiers(capsys):
    call_command("audit_checkpoint", "--public-key")
    assert capsys.readouterr().out.strip() == signing.public_text()


APPENDER = """
from django.db import transaction
from asndigital.audit.services import record
for i in range({n}):
    with transaction.atomic():
        record(None, "test.parallel", None, process={p}, number=i)
print("DONE")
"""


@pytest.mark.django_db(transaction=True)
def test_parallel_processes_append_one_unbroken_chain():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL matter (SQLite has one writer)")
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = dict(os.environ, ASN_ENV="test", DATABASE_URL=url, SECRET_KEY=settings.SECRET_KEY)
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "shell",
                "--no-imports",
                "-c",
                APPENDER.format(n=60, p=p),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for p in range(4)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert all("DONE" in out for out in outputs), outputs
    chain.seal()
    assert AuditEvent.objects.count() == 240
    links = AuditLink.objects.order_by("position").values_list("position", "event_id")
    assert [position for position, _ in links] == list(range(1, 241))
    assert sorted(e for _, e in links) == sorted(AuditEvent.objects.values_list("pk", flat=True))
    report = chain.verify()
    assert report.intact, report.problems
    numbers = {(e.data["process"], e.data["number"]) for e in AuditEvent.objects.all()}
    assert len(numbers) == 240 and json.loads(AuditEvent.objects.first().canonical)


def test_an_event_on_a_whole_second_verifies(monkeypatch):
    from datetime import UTC, datetime

    from asndigital.audit import services

    monkeypatch.setattr(services.timezone, "now", lambda: datetime(2026, 3, 1, 8, 0, 0, tzinfo=UTC))
    record(None, "test.whole_second")
    assert verify().intact


def test_only_events_left_unsealed_for_minutes_are_a_problem(monkeypatch):
    """Writers go on while the check runs: an event of the last moments may await its seal."""
    from datetime import timedelta

    from asndigital.audit import services

    record(None, "test.sealed")
    chain.seal()
    record(None, "test.just_now")  # its seal would follow the commit
    assert chain.verify().intact
    earlier = services.timezone.now() - chain.UNSEALED_GRACE - timedelta(seconds=1)
    monkeypatch.setattr(services.timezone, "now", lambda: earlier)
    record(None, "test.forgotten")
    monkeypatch.undo()
    assert chain.verify().problems == [
        "1 event(s) written more than 5 minutes ago are not sealed into the chain"
    ]


def test_a_broken_link_is_the_finding_not_the_checkpoints_after_it():
    events(5)
    make_checkpoint()  # at position 5
    change_event("canonical = replace(canonical, '\"number\":2', '\"number\":7')", 3)
    (problem,) = verify().problems  # nothing about the checkpoint at 5, past the break
    assert "position 3" in problem and "does not match its hash" in problem


def test_verification_never_writes_so_a_hand_made_insert_is_not_sealed_into_the_chain(capsys):
    """An insider INSERTs a back-dated event ("the admin downloaded it last month") while no
    writer seals: verify_audit must report it, not chain it and call the trail intact."""
    from datetime import timedelta
    from unittest import mock

    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    events(2)
    chain.seal()
    month_ago = timezone.now() - timedelta(days=30)
    with mock.patch.object(timezone, "now", return_value=month_ago):
        forged = record(None, "document.downloaded", None, forged=True)
    with CaptureQueriesContext(connection) as queries, pytest.raises(CommandError):
        call_command("verify_audit")
    assert "AUDIT TRAIL BROKEN" in capsys.readouterr().err
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert position_of(forged.pk) is None  # still outside the chain


@pytest.fixture
def kept_outside(settings, tmp_path):
    settings.ASN_AUDIT_CHECKPOINT_FILE = str(tmp_path / "audit" / "checkpoints.jsonl")
    return Path(settings.ASN_AUDIT_CHECKPOINT_FILE)


def test_checkpoints_are_signed_after_sealing_and_kept_outside_the_database(
    kept_outside, settings, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(services, "_last_look", 0.0)
    settings.ASN_AUDIT_CHECKPOINT_SECONDS = 300
    with django_capture_on_commit_callbacks(execute=True):
        events(2)  # sealed after commit; no checkpoint yet, so one is due
    lines = [json.loads(line) for line in kept_outside.read_text().splitlines()]
    assert [(c["type"], c["position"]) for c in lines] == [("checkpoint", 2)]
    assert Checkpoint.objects.get().hash == lines[0]["hash"]
    monkeypatch.setattr(services, "_last_look", 0.0)
    with django_capture_on_commit_callbacks(execute=True):
        events(1)  # the last checkpoint is seconds old: none due
    assert Checkpoint.objects.count() == 1 and len(kept_outside.read_text().splitlines()) == 1


def test_verify_audit_reads_the_checkpoints_kept_outside_by_default(
    kept_outside, capsys, django_capture_on_commit_callbacks
):
    """A database insider rewrites the whole chain and deletes the stored checkpoints, or cuts
    events off the end and rewinds the head: the copies outside the database still tell."""
    events(3)
    with django_capture_on_commit_callbacks(execute=True):
        make_checkpoint()
    outside_copy = kept_outside.read_text()
    assert outside_copy.count('"type": "checkpoint"') == 1
    call_command("verify_audit")
    assert "audit trail intact" in capsys.readouterr().out
    rewrite_everything()
    tamper("DELETE FROM audit_checkpoint")
    assert any("the chain was rewritten" in p for p in verify().problems)  # the seals
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert "does not match the chain" in capsys.readouterr().err


def test_events_cut_off_the_end_are_reported_from_the_checkpoints_kept_outside(
    kept_outside, capsys, django_capture_on_commit_callbacks
):
    events(4)
    with django_capture_on_commit_callbacks(execute=True):
        make_checkpoint()
    tamper(
        "DELETE FROM audit_auditevent WHERE id IN "
        "(SELECT event_id FROM audit_auditlink WHERE position > 2)"
    )
    tamper("DELETE FROM audit_auditlink WHERE position > 2")
    tamper(
        "UPDATE audit_chainhead SET position = 2, "
        "hash = (SELECT hash FROM audit_auditlink WHERE position = 2)"
    )
    tamper("DELETE FROM audit_checkpoint")
    assert any("removed from the end" in p for p in verify().problems)  # the seals
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert "beyond the chain's end" in capsys.readouterr().err


def _insert_by_hand(text: str, mac: str | None = None, minutes_ago: int = 30) -> int:
    """An insider's INSERT, as the application's own writer does it but without its key."""
    from datetime import timedelta

    from django.utils import timezone

    occurred_at = timezone.now() - timedelta(minutes=minutes_ago)
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (occurred_at, actor_id, action, target_type, "
            "target_id, employee_id, canonical, mac) "
            "VALUES (%s, NULL, 'document.downloaded', '', '', NULL, %s, %s) "
            "RETURNING id",
            [adapt(occurred_at), text, mac],
        )
        return cursor.fetchone()[0]


def _link_by_hand(position: int, event_id: int, chain_hash: str) -> None:
    tamper(
        "INSERT INTO audit_auditlink (position, event_id, occurred_at, hash) "
        "SELECT %s, id, occurred_at, %s FROM audit_auditevent WHERE id = %s",
        [position, chain_hash, event_id],
    )


def test_an_event_inserted_by_hand_is_never_sealed_and_is_reported():
    events(2)
    chain.seal()
    forged_text = AuditEvent.objects.order_by("id").first().canonical.replace("0", "1", 1)
    for mac in (None, "", "0" * 64):  # none, empty, guessed
        forged = _insert_by_hand(forged_text, mac)
        events(1)  # the application goes on writing and sealing
        chain.seal()
        assert position_of(forged) is None
    assert AuditLink.objects.count() == 5
    report = chain.verify()
    assert any(
        "3 event(s) written more than 5 minutes ago are not sealed" in p for p in report.problems
    )


def test_an_event_inserted_and_sealed_by_hand_is_found_without_any_checkpoint():
    """The insider writes a forged event and chains it themselves, with correct hashes, and
    moves the head: the chain recomputes, but no seal of the application covers it."""
    events(2)
    chain.seal()
    head = ChainHead.objects.get()
    text = AuditEvent.objects.order_by("id").first().canonical.replace("0", "1", 1)
    forged = _insert_by_hand(text, "0" * 64)
    new_hash = chain.link(head.position + 1, head.hash, text)
    _link_by_hand(head.position + 1, forged, new_hash)
    tamper("UPDATE audit_chainhead SET position = %s, hash = %s", [head.position + 1, new_hash])
    report = chain.verify()
    assert (
        "positions 3-3 were not sealed by the application (no signed seal covers them): "
        "events were sealed by hand"
    ) in report.problems
    events(1)
    chain.seal()  # the application's next seal does not bless it either
    assert any("not sealed by the application" in p for p in chain.verify().problems)


def test_a_seal_signed_with_another_key_is_refused(settings):
    from asndigital.audit.models import SealBatch

    events(2)
    chain.seal()
    tamper("UPDATE audit_sealbatch SET mac = %s", ["f" * 64])
    assert verify().problems == ["the seal of positions 1-2 is not signed by the application"]
    assert SealBatch.objects.count() == 1

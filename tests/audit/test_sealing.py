"""Sealing writes each event once: its link goes into a table of its own, and the sealer finds
the events to chain by its bookmark (the last id taken and the ids not yet committed then),
never chaining one twice and never losing one that commits late or after its hole was given up."""

import json
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from asndigital.audit import chain, signing
from asndigital.audit.models import GENESIS, AuditEvent, AuditLink, ChainHead, SealBatch
from asndigital.audit.services import record

pytestmark = pytest.mark.django_db


def chained() -> list[int]:
    """The event ids in chain order."""
    return list(AuditLink.objects.order_by("position").values_list("event_id", flat=True))


def bookmark() -> tuple[int, list[list[int]]]:
    through, holes = SealBatch.objects.order_by("-first").values_list("through", "holes").first()
    return through, json.loads(holes)


def canonical(at, action: str, data: dict) -> str:
    return chain.canonical(
        occurred_at=at,
        actor_id=None,
        action=action,
        target_type="",
        target_id="",
        employee_id=None,
        data=data,
    )


def written_by_the_application(event_id: int, *, minutes_ago: int = 0) -> None:
    """An event with this id, as ``record`` writes it (a valid MAC): what a transaction that got
    its id earlier commits later."""
    at = timezone.now() - timedelta(minutes=minutes_ago)
    text = canonical(at, "test.late", {"id": event_id})
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (id, occurred_at, actor_id, action, target_type, "
            "target_id, employee_id, canonical, mac) VALUES (%s, %s, NULL, 'test.late', '', "
            "'', NULL, %s, %s)",
            [event_id, connection.ops.adapt_datetimefield_value(at), text, signing.event_mac(text)],
        )


def test_a_rolled_back_event_leaves_no_gap_in_the_chain():
    first = record(None, "test.kept")
    with pytest.raises(RuntimeError), transaction.atomic():
        record(None, "test.rolled_back")
        raise RuntimeError("the change failed")
    last = record(None, "test.kept")
    assert chain.seal() == 2
    assert chained() == [first.pk, last.pk]
    assert chain.verify().intact
    through, holes = bookmark()
    assert through == last.pk
    if last.pk - first.pk == 2:  # PostgreSQL: the id stays used, a hole the sealer looks into
        assert [hole[:2] for hole in holes] == [[first.pk + 1, first.pk + 1]]
    assert chain.seal() == 0 and chained() == [first.pk, last.pk]


def test_an_event_committed_after_later_ones_were_sealed_is_chained_once_after_them():
    first = record(None, "test.one")
    written_by_the_application(first.pk + 2)  # committed while first.pk + 1 is not yet
    chain.seal()
    assert chained() == [first.pk, first.pk + 2]
    assert [hole[:2] for hole in bookmark()[1]] == [[first.pk + 1, first.pk + 1]]
    written_by_the_application(first.pk + 1)  # its transaction commits now
    assert chain.seal() == 1
    assert chained() == [first.pk, first.pk + 2, first.pk + 1]
    assert bookmark() == (first.pk + 2, [])  # the hole is filled
    assert chain.seal() == 0 and AuditLink.objects.count() == 3  # never chained twice
    report = chain.verify()
    assert report.intact and report.events == 3


def test_an_event_committed_after_its_hole_was_given_up_is_swept_into_the_chain(monkeypatch):
    first = record(None, "test.one")
    written_by_the_application(first.pk + 2)
    chain.seal()
    monkeypatch.setattr(chain, "HOLE_SECONDS", -1)  # given up at the next seal
    written_by_the_application(first.pk + 1, minutes_ago=10)  # a very long transaction
    written_by_the_application(first.pk + 3)
    assert chain.seal() == 1 and chained() == [first.pk, first.pk + 2, first.pk + 3]
    assert bookmark() == (first.pk + 3, [])
    assert chain.verify().problems == [
        "1 event(s) written more than 5 minutes ago are not sealed into the chain"
    ]
    assert chain.sweep() == 1  # audit_checkpoint's hourly sweep
    assert chained()[-1] == first.pk + 1
    assert chain.verify().intact
    assert chain.sweep() == 0


def test_the_hourly_checkpoint_command_sweeps(monkeypatch, capsys):
    from django.core.management import call_command

    first = record(None, "test.one")
    written_by_the_application(first.pk + 2)
    chain.seal()
    monkeypatch.setattr(chain, "HOLE_SECONDS", -1)
    written_by_the_application(first.pk + 1)
    written_by_the_application(first.pk + 3)
    chain.seal()
    call_command("audit_checkpoint")
    assert "1 event(s) committed late were sealed by the sweep" in capsys.readouterr().out
    assert sorted(chained()) == [first.pk, first.pk + 1, first.pk + 2, first.pk + 3]


def test_only_the_newest_holes_are_kept(monkeypatch):
    monkeypatch.setattr(chain, "HOLE_RANGES", 2)
    first = record(None, "test.one")
    for gap in (2, 4, 6, 8):
        written_by_the_application(first.pk + gap)
    chain.seal()
    assert [hole[:2] for hole in bookmark()[1]] == [[first.pk + 5] * 2, [first.pk + 7] * 2]


def test_a_seal_that_finds_nothing_writes_nothing():
    record(None, "test.one")
    chain.seal()
    seals, head = SealBatch.objects.count(), ChainHead.objects.get()
    assert chain.seal() == 0
    assert SealBatch.objects.count() == seals
    assert ChainHead.objects.get().sealed_at == head.sealed_at


def test_the_trail_shows_each_events_link(client, make_staff):
    """The search page, its CSV export and the API read position and hashes from the links."""
    import csv
    import io

    from django.urls import reverse

    from asndigital.accounts.models import Role
    from asndigital.audit import selectors

    first, second = record(None, "test.one"), record(None, "test.two")
    chain.seal()
    third = record(None, "test.three")  # not sealed yet
    shown = {e.pk: e for e in selectors.with_links(AuditEvent.objects.all())}
    one, two = AuditLink.objects.order_by("position")
    assert (shown[first.pk].position, shown[first.pk].prev_hash) == (1, GENESIS)
    assert (shown[first.pk].hash, shown[second.pk].hash) == (one.hash, two.hash)
    assert (shown[second.pk].position, shown[second.pk].prev_hash) == (2, one.hash)
    assert (shown[third.pk].position, shown[third.pk].hash, shown[third.pk].prev_hash) == (
        None,
        "",
        "",
    )
    client.force_login(make_staff(Role.AUDITOR))
    response = client.get(reverse("audit:search"), {"action": "test.", "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    by_action = {row[2]: row[-3:] for row in rows[1:]}
    assert by_action["test.two"] == ["2", two.hash, one.hash]
    assert by_action["test.three"] == ["", "", ""]
    page = client.get(reverse("audit:search"), {"action": "test."}).content.decode()
    assert '<td class="mono">2</td>' in page


def _columns() -> dict[int, tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, position, prev_hash, hash FROM audit_auditevent")
        return {row[0]: row[1:] for row in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_the_links_out_of_the_events_and_back():
    """Sealed events' positions and hashes become links; events not chained yet (one below the
    last chained id, one above) are sealed after them; going back puts every link into the
    event columns, and forward again makes the same links."""
    executor = MigrationExecutor(connection)
    before = [("audit", "0010_event_macs_and_seals")]
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        at = timezone.now()
        texts = [canonical(at, "test.old", {"n": n}) for n in range(4)]
        one = chain.link(1, GENESIS, texts[0])
        two = chain.link(2, one, texts[2])
        links = {0: (1, GENESIS, one), 2: (2, one, two)}  # events 1 and 3 not sealed yet
        ids = []
        with connection.cursor() as cursor:
            for n, text in enumerate(texts):
                position, prev_hash, chain_hash = links.get(n, (None, "", ""))
                cursor.execute(
                    "INSERT INTO audit_auditevent (occurred_at, action, target_type, target_id, "
                    "canonical, mac, position, prev_hash, hash) VALUES "
                    "(%s, 'test.old', '', '', %s, %s, %s, %s, %s) RETURNING id",
                    [
                        connection.ops.adapt_datetimefield_value(at),
                        text,
                        signing.event_mac(text),
                        position,
                        prev_hash,
                        chain_hash,
                    ],
                )
                ids.append(cursor.fetchone()[0])
        old.get_model("audit", "ChainHead").objects.update_or_create(
            pk=1, defaults={"position": 2, "hash": two}
        )
        old.get_model("audit", "SealBatch").objects.create(
            first=1, last=2, hash=two, mac=signing.seal_mac(1, 2, two)
        )
        executor.loader.build_graph()
        executor.migrate([("audit", "0011_chain_links_table")])
        assert list(AuditLink.objects.values_list("position", "event_id", "hash")) == [
            (1, ids[0], one),
            (2, ids[2], two),
        ]
        assert chain.verify().intact
        through, holes = bookmark()
        assert through == ids[2] and [hole[:2] for hole in holes] == [[ids[1], ids[1]]]
        assert chain.seal() == 2
        assert chained() == [ids[0], ids[2], ids[1], ids[3]]
        assert chain.verify().intact
        sealed = {link.event_id: link for link in AuditLink.objects.all()}

        executor.loader.build_graph()
        executor.migrate(before)
        previous, expected = GENESIS, {}
        for event_id in chained_order(sealed):
            expected[event_id] = (sealed[event_id].position, previous, sealed[event_id].hash)
            previous = sealed[event_id].hash
        assert _columns() == expected
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes("audit"))
    assert {link.event_id: link.hash for link in AuditLink.objects.all()} == {
        event_id: link.hash for event_id, link in sealed.items()
    }
    assert chain.verify().intact


def chained_order(links: dict) -> list[int]:
    return sorted(links, key=lambda event_id: links[event_id].position)


@pytest.mark.django_db(transaction=True)
def test_two_connections_committing_out_of_order_are_chained_in_commit_order():
    """A transaction that got its id first commits after another connection's later event was
    committed and sealed: the sealer takes it from its hole, once, after the later one."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL matter (SQLite has one writer)")
    from tests.helpers import committed_late

    first = record(None, "test.first")
    later = []

    def meanwhile():
        later.append(record(None, "test.later").pk)
        chain.seal()
        through, holes = bookmark()
        assert through == later[0] and [h[:2] for h in holes] == [[later[0] - 1] * 2]

    late = committed_late(meanwhile)
    assert late == later[0] - 1
    assert chained() == [first.pk, later[0], late]
    assert chain.seal() == 0 and AuditLink.objects.count() == 3
    assert chain.verify().intact

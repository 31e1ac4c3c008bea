"""Each event is written once: its chain link (position and hash) moves into ``audit_auditlink``,
an insert-only table of its own, and the events refuse every UPDATE (``audit/guard.py``).

Sealing used to UPDATE each event row (on PostgreSQL a monthly partition with nine indexes and a
guard trigger); a link is one narrow INSERT. The links are copied from the events' columns
(``prev_hash`` is the previous link's hash, so it is not kept), then the columns and their
indexes go. Reversible: going back puts the links into the event columns again.

On SQLite, dropping ``position`` (UNIQUE) rebuilds the events' table, so the events' triggers are
taken off first and put back afterwards; on PostgreSQL dropping columns only changes the
catalogue (no partition is rewritten).
"""

from django.db import migrations, models

from asndigital.audit.migrations import _guard as guard

GENESIS = "0" * 64
TABLE = "audit_auditevent"


def remove_event_guard(apps, schema_editor):
    guard.remove_event_guard_for_links(schema_editor)


def restore_event_guard(apps, schema_editor):
    guard.restore_event_guard_before_links(schema_editor)


def copy_links(apps, schema_editor):
    """The links, and the sealer's first bookmark (``chain.seal``) on the last seal: every event
    up to the highest one chained is taken, but for those not chained yet, left as holes."""
    import json
    import time

    schema_editor.execute(
        "INSERT INTO audit_auditlink (position, event_id, occurred_at, hash) "
        f"SELECT position, id, occurred_at, hash FROM {TABLE} WHERE position IS NOT NULL",
        params=None,
    )
    SealBatch = apps.get_model("audit", "SealBatch")
    last = SealBatch.objects.order_by("-first").first()
    if last is None:
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {TABLE} WHERE position IS NOT NULL")
        (through,) = cursor.fetchone()
        cursor.execute(
            f"SELECT id FROM {TABLE} WHERE position IS NULL AND id < %s ORDER BY id", [through]
        )
        holes, now = [], int(time.time())
        for (event_id,) in cursor.fetchall():
            if holes and holes[-1][1] == event_id - 1:
                holes[-1][1] = event_id
            else:
                holes.append([event_id, event_id, now])
    with guard.maintenance(schema_editor.connection.alias):
        SealBatch.objects.filter(pk=last.pk).update(through=through, holes=json.dumps(holes))


def copy_links_back(apps, schema_editor):
    schema_editor.execute(
        f"UPDATE {TABLE} SET position = l.position, prev_hash = l.prev_hash, hash = l.hash "
        "FROM (SELECT position, event_id, occurred_at, hash, "
        "lag(hash, 1, %s) OVER (ORDER BY position) AS prev_hash FROM audit_auditlink) l "
        f"WHERE {TABLE}.id = l.event_id AND {TABLE}.occurred_at = l.occurred_at",
        params=[GENESIS],
    )


def drop_chain_columns(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS audit_unsealed", params=None)
    if schema_editor.connection.vendor == "postgresql":
        # The parent's index takes its partitions' along; no partition is rewritten.
        schema_editor.execute(
            f"ALTER TABLE {TABLE} DROP COLUMN position, DROP COLUMN prev_hash, DROP COLUMN hash",
            params=None,
        )
        return
    # SQLite cannot drop a UNIQUE column in place: Django rebuilds the table without it (and
    # without the partial index on it, already dropped), then drops the other two in place.
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditEvent._meta.indexes = [i for i in AuditEvent._meta.indexes if i.name != "audit_unsealed"]
    for name in ("position", "prev_hash", "hash"):
        schema_editor.remove_field(AuditEvent, AuditEvent._meta.get_field(name))


def add_chain_columns(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    # On PostgreSQL as migration 0006 left them (position indexed, not unique: a unique index
    # on the partitioned trail would have to include occurred_at).
    unique = "" if postgresql else "UNIQUE "
    for statement in (
        f"ALTER TABLE {TABLE} ADD COLUMN position bigint NULL",
        f"ALTER TABLE {TABLE} ADD COLUMN prev_hash varchar(64) NOT NULL DEFAULT ''",
        f"ALTER TABLE {TABLE} ADD COLUMN hash varchar(64) NOT NULL DEFAULT ''",
        f"CREATE {unique}INDEX audit_auditevent_position_key ON {TABLE} (position)",
        f"CREATE INDEX audit_unsealed ON {TABLE} (id) WHERE position IS NULL",
    ):
        schema_editor.execute(statement, params=None)


def install(apps, schema_editor):
    guard.install_link_guard(schema_editor)


def remove(apps, schema_editor):
    guard.remove_link_guard(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0010_event_macs_and_seals")]

    operations = [
        migrations.RunPython(remove_event_guard, restore_event_guard),
        migrations.CreateModel(
            name="AuditLink",
            fields=[
                ("position", models.BigIntegerField(primary_key=True, serialize=False)),
                ("event_id", models.BigIntegerField(unique=True)),
                ("occurred_at", models.DateTimeField()),
                ("hash", models.CharField(max_length=64)),
            ],
            options={"ordering": ["position"]},
        ),
        migrations.AddField(
            model_name="sealbatch",
            name="through",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="sealbatch",
            name="holes",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.RunPython(copy_links, copy_links_back),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="auditevent", name="audit_unsealed"),
                migrations.RemoveField(model_name="auditevent", name="position"),
                migrations.RemoveField(model_name="auditevent", name="prev_hash"),
                migrations.RemoveField(model_name="auditevent", name="hash"),
            ],
            database_operations=[migrations.RunPython(drop_chain_columns, add_chain_columns)],
        ),
        migrations.RunPython(install, remove),
    ]

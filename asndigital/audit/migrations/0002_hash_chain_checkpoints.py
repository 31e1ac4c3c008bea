"""The audit trail becomes a hash chain with signed checkpoints (issue 6).

Existing events get their canonical text from their columns (their details move into it); they
are chained by the first seal.
"""

import json
from datetime import UTC

from django.db import migrations, models
from django.db.models import Q


def canonical(*, occurred_at, actor_id, action, target_type, target_id, employee_id, data) -> str:
    """An event's fixed text as audit/chain.py made it when this migration was written (copied,
    so that a later change there cannot change what this migration did)."""
    return json.dumps(
        {
            "action": action,
            "actor": actor_id.hex if actor_id is not None else None,
            "at": occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"),
            "data": data,
            "employee": employee_id.hex if employee_id is not None else None,
            "target_id": target_id,
            "target_type": target_type,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )


def fill_canonical(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    ChainHead = apps.get_model("audit", "ChainHead")
    ChainHead.objects.get_or_create(pk=1)
    for event in AuditEvent.objects.filter(canonical="").iterator(chunk_size=2000):
        event.canonical = canonical(
            occurred_at=event.occurred_at,
            actor_id=event.actor_id,
            action=event.action,
            target_type=event.target_type,
            target_id=event.target_id,
            employee_id=None,
            data=json.loads(json.dumps(event.data, sort_keys=True)),
        )
        event.save(update_fields=["canonical"])


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="employee_id",
            field=models.UUIDField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="canonical",
            field=models.TextField(default="", editable=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="position",
            field=models.BigIntegerField(blank=True, editable=False, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["employee_id", "occurred_at"], name="audit_employee"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["actor", "occurred_at"], name="audit_actor"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                fields=["id"], condition=Q(position__isnull=True), name="audit_unsealed"
            ),
        ),
        migrations.CreateModel(
            name="ChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.BigIntegerField(default=0)),
                ("hash", models.CharField(default="0" * 64, max_length=64)),
                ("sealed_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(condition=Q(id=1), name="audit_head_single_row")
                ]
            },
        ),
        migrations.CreateModel(
            name="Checkpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.BigIntegerField()),
                ("hash", models.CharField(max_length=64)),
                ("signed_at", models.DateTimeField()),
                ("key_id", models.CharField(max_length=16)),
                ("signature", models.CharField(max_length=100)),
            ],
            options={"ordering": ["position"]},
        ),
        migrations.RunPython(fill_canonical, migrations.RunPython.noop),
        # The details now live only in the canonical text (one source of truth, chained).
        migrations.RemoveField(model_name="auditevent", name="data"),
    ]

"""Events authenticated by the application, and the application's seals (docs/integrity.md).

Each event gets an HMAC of its canonical text with a key outside the database; the sealer chains
only events whose MAC is right, and signs each run it seals (``SealBatch``). Events already
sealed keep no MAC: one seal, made here and signed with the same key, covers them; events
written but not yet sealed get their MAC here, so the sealer takes them. The guard triggers
then fix the MAC like the other columns and make the seals append-only.
"""

import django.utils.timezone
from django.db import migrations, models


def authenticate_existing(apps, schema_editor):
    from asndigital.audit import signing

    AuditEvent = apps.get_model("audit", "AuditEvent")
    ChainHead = apps.get_model("audit", "ChainHead")
    SealBatch = apps.get_model("audit", "SealBatch")
    for event_id, text in AuditEvent.objects.filter(position__isnull=True).values_list(
        "id", "canonical"
    ):
        AuditEvent.objects.filter(id=event_id).update(mac=signing.event_mac(text))
    head = ChainHead.objects.filter(pk=1).first()
    if head is not None and head.position > 0:
        SealBatch.objects.create(
            first=1,
            last=head.position,
            hash=head.hash,
            mac=signing.seal_mac(1, head.position, head.hash),
        )


def install(apps, schema_editor):
    from asndigital.audit import guard

    guard.install_mac_guard(schema_editor)


def remove(apps, schema_editor):
    from asndigital.audit import guard

    guard.remove_mac_guard(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0009_guard_head_and_read_subjects"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="mac",
            field=models.CharField(blank=True, editable=False, max_length=64, null=True),
        ),
        migrations.CreateModel(
            name="SealBatch",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("first", models.BigIntegerField()),
                ("last", models.BigIntegerField()),
                ("hash", models.CharField(max_length=64)),
                ("mac", models.CharField(max_length=64)),
                ("sealed_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "ordering": ["first"],
                "constraints": [
                    models.UniqueConstraint(fields=("first",), name="audit_seal_first_once")
                ],
            },
        ),
        migrations.RunPython(authenticate_existing, migrations.RunPython.noop),
        migrations.RunPython(install, remove),
    ]

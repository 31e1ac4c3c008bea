"""Events authenticated by the application, and the application's seals (docs/integrity.md).

Each event gets an HMAC of its canonical text with a key outside the database; the sealer chains
only events whose MAC is right, and signs each run it seals (``SealBatch``). Events already
sealed keep no MAC: one seal, made here and signed with the same key, covers them; events
written but not yet sealed get their MAC here, so the sealer takes them. The guard triggers
then fix the MAC like the other columns and make the seals append-only.
"""

import base64
import hmac
from functools import cache

import django.utils.timezone
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import migrations, models

from asndigital.audit.migrations import _guard as guard


# The event and seal MACs as audit/signing.py made them when this migration was written (copied,
# so that a later change there cannot change what this migration did).
@cache
def _mac_key() -> bytes:
    raw = settings.ASN_AUDIT_SIGNING_KEY
    if raw:
        try:
            seed = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        except ValueError:
            seed = b""
        if len(seed) != 32:
            raise ImproperlyConfigured("ASN_AUDIT_SIGNING_KEY must be 32 bytes, base64.")
    elif settings.IS_PRODUCTION:
        raise ImproperlyConfigured("Production needs ASN_AUDIT_SIGNING_KEY.")
    else:
        seed = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"asn-digital audit signing"
        ).derive(settings.SECRET_KEY.encode())
    private = Ed25519PrivateKey.from_private_bytes(seed).private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"asn-digital audit mac"
    ).derive(private)


def event_mac(canonical: str) -> str:
    return hmac.new(_mac_key(), b"event\n" + canonical.encode(), "sha256").hexdigest()


def seal_mac(first: int, last: int, chain_hash: str) -> str:
    text = f"seal\n{first}\n{last}\n{chain_hash}".encode()
    return hmac.new(_mac_key(), text, "sha256").hexdigest()


def authenticate_existing(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    ChainHead = apps.get_model("audit", "ChainHead")
    SealBatch = apps.get_model("audit", "SealBatch")
    for event_id, text in AuditEvent.objects.filter(position__isnull=True).values_list(
        "id", "canonical"
    ):
        AuditEvent.objects.filter(id=event_id).update(mac=event_mac(text))
    head = ChainHead.objects.filter(pk=1).first()
    if head is not None and head.position > 0:
        SealBatch.objects.create(
            first=1,
            last=head.position,
            hash=head.hash,
            mac=seal_mac(1, head.position, head.hash),
        )


def install(apps, schema_editor):
    guard.install_mac_guard(schema_editor)


def remove(apps, schema_editor):
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

"""The database refuses UPDATE and DELETE on the audit trail (see ``audit/guard.py``).

On SQLite, a later migration that alters these tables rebuilds them and loses the triggers: such
a migration must install them again (``tests/audit`` fails if they are missing).
"""

from django.db import migrations

from asndigital.audit.migrations import _guard as guard


def install(apps, schema_editor):
    guard.install(schema_editor)


def remove(apps, schema_editor):
    guard.remove(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_hash_chain_checkpoints")]

    operations = [migrations.RunPython(install, remove)]

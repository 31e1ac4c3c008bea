"""The chain head only moves forward, and ReadSubject rows are append-only (``audit/guard.py``).

On SQLite, a later migration that alters these tables rebuilds them and loses the triggers: such
a migration must install them again (``tests/audit`` fails if they are missing).
"""

from django.db import migrations

from asndigital.audit.migrations import _guard as guard


def install(apps, schema_editor):
    guard.install_head_guard(schema_editor)


def remove(apps, schema_editor):
    guard.remove_head_guard(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0008_read_subjects")]

    operations = [migrations.RunPython(install, remove)]

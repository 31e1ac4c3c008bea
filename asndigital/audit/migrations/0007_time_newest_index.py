"""A btree on ``(occurred_at, id)`` on PostgreSQL, for the auditors' searches by date alone:
read newest first from the end of the range instead of scanning a month's primary key back
from its end (1.3 s at 50,000,000 events). Created on the partitioned table, so every month
has it, and every month made later too. SQLite's index on ``occurred_at`` already ends in the
rowid, which is ``id``."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS audit_time_newest ON audit_auditevent (occurred_at, id)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS audit_time_newest")


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_partition_by_month")]

    operations = [migrations.RunPython(create, drop, elidable=False)]

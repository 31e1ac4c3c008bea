"""On PostgreSQL, the audit trail becomes a table partitioned by month (``audit/partitions.py``):
the events are copied as they are (ids, positions and hashes), this month and the next twelve get
their partitions, and the append-only triggers are put back. Nothing changes on SQLite."""

from django.db import migrations

from asndigital.audit.migrations import _partitions as partitions


def partition(apps, schema_editor):
    partitions.partition(apps, schema_editor)


def unpartition(apps, schema_editor):
    partitions.unpartition(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_newest_first_indexes")]

    operations = [migrations.RunPython(partition, unpartition)]

"""PostgreSQL: searching employees by part of a name (``name__icontains``, i.e.
``UPPER(name::text) LIKE UPPER('%...%')``) uses a trigram index instead of reading every row
(measured at 1,000,000 employees in docs/performance.md). pg_trgm is a trusted extension: the
database's owner may create it. SQLite keeps the plain scan (small archives)."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS employee_name_trigram ON personnel_employee "
    "USING gin ((upper((name)::text)) gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS employee_name_trigram"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("personnel", "0003_nip_unique_constraint_drop_agency_status_index")]

    operations = [migrations.RunPython(create, drop)]

"""Drop the index on the action alone (searches filter by actor, employee or time first; every
index costs each of the trail's many appends). SQLite rebuilds the table for this and loses its
triggers, so they are installed again."""

from django.db import migrations, models

from asndigital.audit.migrations import _guard as guard


def reinstall(apps, schema_editor):
    guard.remove(schema_editor)
    guard.install(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_append_only_triggers")]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(max_length=64, verbose_name="action"),
        ),
        migrations.RunPython(reinstall, reinstall),
    ]

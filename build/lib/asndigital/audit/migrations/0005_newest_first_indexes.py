"""Indexes for "newest first" within one employee, actor or action (the access history and the
auditors' searches at tens of millions of events). The actor's own foreign-key index goes: the
new actor index starts with the same column. It is dropped by name rather than by AlterField,
which on SQLite would rebuild the table and lose the append-only triggers."""

from django.conf import settings
import django.db.models.deletion
from django.db import migrations, models


def drop_actor_index(apps, schema_editor):
    _actor_index(schema_editor, drop=True)


def add_actor_index(apps, schema_editor):
    _actor_index(schema_editor, drop=False)


def _actor_index(schema_editor, *, drop):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "audit_auditevent")
    single = [
        name
        for name, info in constraints.items()
        if info["index"] and not info["unique"] and info["columns"] == ["actor_id"]
    ]
    if drop:
        for name in single:
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")
    elif not single:
        schema_editor.execute(
            "CREATE INDEX audit_auditevent_actor_id ON audit_auditevent (actor_id)"
        )


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0004_drop_action_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                )
            ],
            database_operations=[migrations.RunPython(drop_actor_index, add_actor_index)],
        ),
        migrations.RemoveIndex(
            model_name='auditevent',
            name='audit_employee',
        ),
        migrations.RemoveIndex(
            model_name='auditevent',
            name='audit_actor',
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['employee_id', 'id'], name='audit_employee_newest'),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['actor', 'id'], name='audit_actor_newest'),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['action', 'id'], name='audit_action_newest'),
        ),
    ]

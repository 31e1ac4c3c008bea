"""API tokens get explicit scopes, and their service accounts a role of their own (SERVICE)
instead of monitor (read) and operator (write).

Existing tokens keep what their roles let them do, except what the monitor role gave: a read
token (monitor) keeps employee records and the missing-documents report but loses documents and
files, which monitors no longer read; a write token (monitor + operator) keeps reading
documents through the operator role. Reversible: documents:write becomes "write", else "read".
"""

from django.db import migrations, models

READ = "employees:read reports:read"
WRITE = "employees:read documents:read documents:write reports:read"
OLD_ROLES = ("monitor", "operator")


def to_scopes(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    RoleAssignment = apps.get_model("accounts", "RoleAssignment")
    for token in ApiToken.objects.all():
        token.scopes = WRITE if token.scope == "write" else READ
        token.save(update_fields=["scopes"])
        RoleAssignment.objects.filter(user_id=token.user_id, role__in=OLD_ROLES).delete()
        RoleAssignment.objects.get_or_create(
            user_id=token.user_id, role="service", agency_id=token.agency_id
        )


def to_scope(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    RoleAssignment = apps.get_model("accounts", "RoleAssignment")
    for token in ApiToken.objects.all():
        write = "documents:write" in token.scopes.split()
        token.scope = "write" if write else "read"
        token.save(update_fields=["scope"])
        RoleAssignment.objects.filter(user_id=token.user_id, role="service").delete()
        for role in ("monitor", "operator") if write else ("monitor",):
            RoleAssignment.objects.get_or_create(
                user_id=token.user_id, role=role, agency_id=token.agency_id
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_passkeys"),
    ]

    operations = [
        migrations.AlterField(
            model_name="roleassignment",
            name="role",
            field=models.CharField(
                choices=[
                    ("operator", "Operator"),
                    ("verifier", "Verifier"),
                    ("agency_admin", "Agency administrator (BKPSDM / Biro SDM)"),
                    ("monitor", "Monitor"),
                    ("records_officer", "Records officer (arsiparis)"),
                    ("bkn_admin", "National administrator (BKN)"),
                    ("auditor", "Auditor"),
                    ("service", "API service account"),
                ],
                max_length=32,
                verbose_name="role",
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="scopes",
            field=models.CharField(default="", max_length=200, verbose_name="scopes"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="scope",
            field=models.CharField(
                choices=[("read", "read"), ("write", "read and write")],
                default="read",
                max_length=8,
                verbose_name="scope",
            ),
        ),
        migrations.RunPython(to_scopes, to_scope),
        migrations.RemoveField(model_name="apitoken", name="scope"),
    ]

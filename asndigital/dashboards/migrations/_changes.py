"""A frozen copy of ``dashboards/changes.py`` (the triggers that note whose dashboard figures may
have changed) as migration 0002 installs it: migrations carry their own code, so a later change
to the application cannot change what they did. Never edit it. A module whose name starts with
``_`` is not a migration. (After every ``migrate`` the application installs its own current
triggers again: ``dashboards/apps.py``.)"""

from __future__ import annotations

LOG = "dashboards_figurechange"

# (name, table, the employee ids a row concerns as a SELECT over {row}, columns whose change
# matters on UPDATE, one more condition for UPDATE or "")
WATCHED = [
    (
        "employee",
        "personnel_employee",
        "SELECT {row}.id",
        ["agency_id", "status", "employment_type", "user_id"],
        "",
    ),
    (
        "document",
        "documents_document",
        "SELECT {row}.employee_id",
        ["status", "employee_id", "doc_type_id"],
        # The oldest waiting document is found by ``updated_at``.
        "NEW.status = 'menunggu' AND OLD.updated_at {differs} NEW.updated_at",
    ),
    (
        "version",
        "documents_documentversion",
        "SELECT employee_id FROM documents_document WHERE id = {row}.document_id",
        ["document_id", "uploaded_at"],
        "",
    ),
    (
        "device",
        "accounts_authenticatordevice",
        "SELECT id FROM personnel_employee WHERE user_id = {row}.user_id",
        ["user_id", "confirmed"],
        "",
    ),
    (
        "doctype",
        "documents_documenttype",
        "SELECT CAST(NULL AS uuid)",
        ["is_active", "requirement", "applies_to"],
        "",
    ),
]


def _changed(columns: list[str], extra: str, differs: str) -> str:
    conditions = [f"OLD.{c} {differs} NEW.{c}" for c in columns]
    if extra:
        conditions.append(f"({extra.format(differs=differs)})")
    return " OR ".join(conditions)


def _postgresql(name, table, select, columns, extra) -> list[str]:
    function = f"dashboards_{name}_changed"
    insert = f"INSERT INTO {LOG} (employee_id)"
    old, new = select.format(row="OLD"), select.format(row="NEW")
    return [
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $f$\n"
        f"BEGIN\n"
        f"  IF TG_OP = 'INSERT' THEN {insert} {new};\n"
        f"  ELSIF TG_OP = 'DELETE' THEN {insert} {old};\n"
        f"  ELSE {insert} {old} UNION {new};\n"
        f"  END IF;\n"
        f"  RETURN NULL;\n"
        f"END $f$",
        f"DROP TRIGGER IF EXISTS dashboards_{name}_written ON {table}",
        f"CREATE TRIGGER dashboards_{name}_written AFTER INSERT OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}()",
        f"DROP TRIGGER IF EXISTS dashboards_{name}_updated ON {table}",
        f"CREATE TRIGGER dashboards_{name}_updated AFTER UPDATE ON {table} FOR EACH ROW "
        f"WHEN ({_changed(columns, extra, 'IS DISTINCT FROM')}) EXECUTE FUNCTION {function}()",
    ]


def _sqlite(name, table, select, columns, extra) -> list[str]:
    insert = f"INSERT INTO {LOG} (employee_id)"
    old, new = select.format(row="OLD"), select.format(row="NEW")
    statements = []
    for event, body in (
        ("inserted", f"AFTER INSERT ON {table} BEGIN {insert} {new}; END"),
        ("deleted", f"AFTER DELETE ON {table} BEGIN {insert} {old}; END"),
        (
            "updated",
            f"AFTER UPDATE ON {table} WHEN {_changed(columns, extra, 'IS NOT')} "
            f"BEGIN {insert} {old} UNION {new}; END",
        ),
    ):
        statements.append(f"DROP TRIGGER IF EXISTS dashboards_{name}_{event}")
        statements.append(f"CREATE TRIGGER dashboards_{name}_{event} {body}")
    return statements


def trigger_names(vendor: str) -> set[str]:
    """The names of the triggers ``install`` creates on ``vendor``."""
    events = (
        ("written", "updated") if vendor == "postgresql" else ("inserted", "deleted", "updated")
    )
    return {f"dashboards_{w[0]}_{event}" for w in WATCHED for event in events}


def install(connection) -> bool:
    """(Re)create the triggers; False (and nothing done) while a watched table is missing."""
    tables = set(connection.introspection.table_names())
    if not {LOG, *(w[1] for w in WATCHED)} <= tables:
        return False
    build = _postgresql if connection.vendor == "postgresql" else _sqlite
    with connection.cursor() as cursor:
        for watched in WATCHED:
            for statement in build(*watched):
                cursor.execute(statement)
    return True


def remove(connection) -> None:
    with connection.cursor() as cursor:
        for name, table, *_rest in WATCHED:
            if connection.vendor == "postgresql":
                for event in ("written", "updated"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS dashboards_{name}_{event} ON {table}")
                cursor.execute(f"DROP FUNCTION IF EXISTS dashboards_{name}_changed()")
            else:
                for event in ("inserted", "deleted", "updated"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS dashboards_{name}_{event}")

"""A frozen copy of ``audit/guard.py`` (the triggers that keep the audit trail append-only) as
migrations 0003, 0004, 0009, 0010 and 0011 need it: migrations carry their own code, so a later
change to the application cannot change what they did. Never edit it; a migration that needs
other triggers gets a copy of its own. A module whose name starts with ``_`` is not a migration.

The application's guard module registers the SQLite function the triggers call; ``maintenance``
here lifts it without importing that module."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connections
from django.db.backends.signals import connection_created


@contextmanager
def maintenance(using: str = "default"):
    """Lift the guard for the current connection. PostgreSQL: the session setting the triggers
    read. SQLite: the function the triggers call answers 0 meanwhile; afterwards the
    application's own is registered again (``connection_created`` sent once more)."""
    connection = connections[using]
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET asn.audit_maintenance = 'on'")
    else:
        connection.connection.create_function("asn_audit_guarded", 0, lambda: 0)
    try:
        yield
    finally:
        if connection.vendor == "postgresql" and connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("RESET asn.audit_maintenance")
        elif connection.connection is not None:
            connection.connection.create_function("asn_audit_guarded", 0, lambda: 1)
            connection_created.send(sender=type(connection), connection=connection)


SEALABLE_COLUMNS_UNCHANGED_PG = " AND ".join(
    f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}"
    for c in (
        "id",
        "occurred_at",
        "actor_id",
        "action",
        "target_type",
        "target_id",
        "employee_id",
        "canonical",
    )
)
SEALABLE_COLUMNS_UNCHANGED_SQLITE = SEALABLE_COLUMNS_UNCHANGED_PG.replace(
    "IS NOT DISTINCT FROM", "IS"
)

# The events' own triggers (``partitions`` puts them back after rebuilding the table; on a
# partitioned table PostgreSQL clones the row trigger onto every partition).
POSTGRESQL_EVENT_INSTALL = [
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_auditevent "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_guard()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()",
]
POSTGRESQL_EVENT_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent",
]
POSTGRESQL_INSTALL = [
    """
    CREATE OR REPLACE FUNCTION audit_event_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('asn.audit_maintenance', true) = 'on' THEN
            RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        END IF;
        IF TG_OP = 'UPDATE' AND OLD.position IS NULL AND {unchanged} THEN
            RETURN NEW;  -- sealing: position and hashes, once
        END IF;
        RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$;
    """.replace("{unchanged}", SEALABLE_COLUMNS_UNCHANGED_PG),
    """
    CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('asn.audit_maintenance', true) = 'on' THEN
            RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        END IF;
        RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$;
    """,
    *POSTGRESQL_EVENT_INSTALL,
    "CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_checkpoint "
    "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()",
    "CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()",
]
POSTGRESQL_REMOVE = [
    *POSTGRESQL_EVENT_REMOVE,
    "DROP TRIGGER IF EXISTS audit_checkpoint_append_only ON audit_checkpoint",
    "DROP TRIGGER IF EXISTS audit_checkpoint_no_truncate ON audit_checkpoint",
    "DROP FUNCTION IF EXISTS audit_event_guard()",
    "DROP FUNCTION IF EXISTS audit_refuse_change()",
]
_REFUSE = "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: {op} refused'); END"
SQLITE_INSTALL = [
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent "
    "WHEN asn_audit_guarded() " + _REFUSE.format(op="DELETE"),
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent "
    "WHEN asn_audit_guarded() AND NOT (OLD.position IS NULL AND "
    + SEALABLE_COLUMNS_UNCHANGED_SQLITE
    + ") "
    + _REFUSE.format(op="UPDATE"),
    "CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON audit_checkpoint "
    "WHEN asn_audit_guarded() " + _REFUSE.format(op="DELETE"),
    "CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON audit_checkpoint "
    "WHEN asn_audit_guarded() " + _REFUSE.format(op="UPDATE"),
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_checkpoint_no_delete",
    "DROP TRIGGER IF EXISTS audit_checkpoint_no_update",
]


def _run(schema_editor, postgresql: list[str], sqlite: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": postgresql, "sqlite": sqlite}.get(vendor, []):
        schema_editor.execute(statement, params=None)


def install(schema_editor) -> None:
    _run(schema_editor, POSTGRESQL_INSTALL, SQLITE_INSTALL)


def remove(schema_editor) -> None:
    _run(schema_editor, POSTGRESQL_REMOVE, SQLITE_REMOVE)


# The chain's head only moves forward (rewinding it would hide events cut off the end), and the
# rows that say whom an export included are append-only like the events (migration 0009).
POSTGRESQL_HEAD_INSTALL = [
    """
    CREATE OR REPLACE FUNCTION audit_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('asn.audit_maintenance', true) = 'on' THEN
            RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        END IF;
        IF TG_OP = 'UPDATE' AND NEW.position >= OLD.position
           AND (NEW.position > OLD.position OR NEW.hash = OLD.hash) THEN
            RETURN NEW;  -- sealing moves it forward (or only stamps sealed_at)
        END IF;
        RAISE EXCEPTION 'the audit chain head only moves forward: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$;
    """,
    "CREATE TRIGGER audit_head_forward_only BEFORE UPDATE OR DELETE ON audit_chainhead "
    "FOR EACH ROW EXECUTE FUNCTION audit_head_guard()",
    "CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_chainhead "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()",
    "CREATE TRIGGER audit_read_subject_append_only BEFORE UPDATE OR DELETE ON "
    "audit_readsubject FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()",
    "CREATE TRIGGER audit_read_subject_no_truncate BEFORE TRUNCATE ON audit_readsubject "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()",
]
POSTGRESQL_HEAD_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_head_forward_only ON audit_chainhead",
    "DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_chainhead",
    "DROP TRIGGER IF EXISTS audit_read_subject_append_only ON audit_readsubject",
    "DROP TRIGGER IF EXISTS audit_read_subject_no_truncate ON audit_readsubject",
    "DROP FUNCTION IF EXISTS audit_head_guard()",
]
SQLITE_HEAD_INSTALL = [
    "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_chainhead "
    "WHEN asn_audit_guarded() " + _REFUSE.format(op="DELETE"),
    "CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_chainhead "
    "WHEN asn_audit_guarded() AND NOT (NEW.position >= OLD.position AND "
    "(NEW.position > OLD.position OR NEW.hash = OLD.hash)) " + _REFUSE.format(op="UPDATE"),
    "CREATE TRIGGER audit_read_subject_no_delete BEFORE DELETE ON audit_readsubject "
    "WHEN asn_audit_guarded() " + _REFUSE.format(op="DELETE"),
    "CREATE TRIGGER audit_read_subject_no_update BEFORE UPDATE ON audit_readsubject "
    "WHEN asn_audit_guarded() " + _REFUSE.format(op="UPDATE"),
]
SQLITE_HEAD_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_head_no_delete",
    "DROP TRIGGER IF EXISTS audit_head_forward_only",
    "DROP TRIGGER IF EXISTS audit_read_subject_no_delete",
    "DROP TRIGGER IF EXISTS audit_read_subject_no_update",
]


def install_head_guard(schema_editor) -> None:
    _run(schema_editor, POSTGRESQL_HEAD_INSTALL, SQLITE_HEAD_INSTALL)


def remove_head_guard(schema_editor) -> None:
    _run(schema_editor, POSTGRESQL_HEAD_REMOVE, SQLITE_HEAD_REMOVE)


# Migration 0010: an event's MAC is fixed when it is written, like its other columns (sealing
# may still only add position and hashes), and the application's seals are append-only.
_WITH_MAC_PG = SEALABLE_COLUMNS_UNCHANGED_PG + " AND NEW.mac IS NOT DISTINCT FROM OLD.mac"
_WITH_MAC_SQLITE = SEALABLE_COLUMNS_UNCHANGED_SQLITE + " AND NEW.mac IS OLD.mac"
POSTGRESQL_MAC_INSTALL = [
    POSTGRESQL_INSTALL[0].replace(SEALABLE_COLUMNS_UNCHANGED_PG, _WITH_MAC_PG),
    "CREATE TRIGGER audit_seal_append_only BEFORE UPDATE OR DELETE ON audit_sealbatch "
    "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()",
    "CREATE TRIGGER audit_seal_no_truncate BEFORE TRUNCATE ON audit_sealbatch "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()",
]
POSTGRESQL_MAC_REMOVE = [
    POSTGRESQL_INSTALL[0],  # the function as migration 0003 made it
    "DROP TRIGGER IF EXISTS audit_seal_append_only ON audit_sealbatch",
    "DROP TRIGGER IF EXISTS audit_seal_no_truncate ON audit_sealbatch",
]
SQLITE_MAC_INSTALL = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent "
    "WHEN asn_audit_guarded() AND NOT (OLD.position IS NULL AND "
    + _WITH_MAC_SQLITE
    + ") "
    + _REFUSE.format(op="UPDATE"),
    "CREATE TRIGGER audit_seal_no_delete BEFORE DELETE ON audit_sealbatch "
    "WHEN asn_audit_guarded() " + _REFUSE.format(op="DELETE"),
    "CREATE TRIGGER audit_seal_no_update BEFORE UPDATE ON audit_sealbatch "
    "WHEN asn_audit_guarded() " + _REFUSE.format(op="UPDATE"),
]
SQLITE_MAC_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    SQLITE_INSTALL[1],
    "DROP TRIGGER IF EXISTS audit_seal_no_delete",
    "DROP TRIGGER IF EXISTS audit_seal_no_update",
]


def install_mac_guard(schema_editor) -> None:
    _run(schema_editor, POSTGRESQL_MAC_INSTALL, SQLITE_MAC_INSTALL)


def remove_mac_guard(schema_editor) -> None:
    _run(schema_editor, POSTGRESQL_MAC_REMOVE, SQLITE_MAC_REMOVE)


# Migration 0011: an event is written once (its chain link is an ``audit_auditlink`` row of its
# own), so the events refuse every UPDATE; the links are insert-only like the seals.
_REFUSE_PG = """
    CREATE OR REPLACE FUNCTION audit_event_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('asn.audit_maintenance', true) = 'on' THEN
            RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        END IF;
        RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$;
"""
POSTGRESQL_LINK_INSTALL = [
    _REFUSE_PG,
    "CREATE TRIGGER audit_link_append_only BEFORE UPDATE OR DELETE ON audit_auditlink "
    "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()",
    "CREATE TRIGGER audit_link_no_truncate BEFORE TRUNCATE ON audit_auditlink "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()",
]
POSTGRESQL_LINK_REMOVE = [
    POSTGRESQL_MAC_INSTALL[0],  # sealing may UPDATE an event again, as migration 0010 made it
    "DROP TRIGGER IF EXISTS audit_link_append_only ON audit_auditlink",
    "DROP TRIGGER IF EXISTS audit_link_no_truncate ON audit_auditlink",
]
_SQLITE_INSERT_ONLY = {
    f"audit_{name}_no_{op.lower()}": (
        f"CREATE TRIGGER audit_{name}_no_{op.lower()} BEFORE {op} ON {table} "
        "WHEN asn_audit_guarded() " + _REFUSE.format(op=op)
    )
    for name, table in (("event", "audit_auditevent"), ("link", "audit_auditlink"))
    for op in ("DELETE", "UPDATE")
}
SQLITE_LINK_INSTALL = list(_SQLITE_INSERT_ONLY.values())
SQLITE_LINK_REMOVE = [f"DROP TRIGGER IF EXISTS {name}" for name in _SQLITE_INSERT_ONLY]
# SQLite refuses to drop a column a trigger names: the event's triggers go before the chain's
# columns leave the table, and come back (as migration 0010 made them) after they return.
SQLITE_EVENT_REMOVE = SQLITE_LINK_REMOVE[:2]
SQLITE_EVENT_BEFORE_LINKS = [SQLITE_INSTALL[0], SQLITE_MAC_INSTALL[1]]


def install_link_guard(schema_editor) -> None:
    _run(schema_editor, POSTGRESQL_LINK_INSTALL, SQLITE_LINK_INSTALL)


def remove_link_guard(schema_editor) -> None:
    _run(schema_editor, POSTGRESQL_LINK_REMOVE, SQLITE_LINK_REMOVE)


def remove_event_guard_for_links(schema_editor) -> None:
    _run(schema_editor, [], SQLITE_EVENT_REMOVE)


def restore_event_guard_before_links(schema_editor) -> None:
    _run(schema_editor, [], SQLITE_EVENT_BEFORE_LINKS)

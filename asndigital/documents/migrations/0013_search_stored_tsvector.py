from django.db import migrations

# PostgreSQL: the index terms' tsvector is stored (a generated column, kept by the database on
# every insert and update of SearchEntry.terms), with its GIN index. A GIN index on tsvector
# holds words, not their positions: a phrase ("a <-> b") is rechecked on each candidate row,
# which used to mean parsing ``terms`` again (to_tsvector per row); now the stored vector,
# positions included, is read instead. ANALYZE also keeps word frequencies for the stored
# column, so the planner knows a frequent word from a rare one: with the default statistics
# target it keeps 1,000 words and guesses every other term (an NIP) at 0.5 % of the rows, so
# at 1,000,000 documents it walked an agency's documents for an NIP (1.2 s) instead of asking
# the index (0.04 ms); with 1,000 it keeps 10,000 words and guesses well (docs/performance.md).
# Adding the column rewrites the table once.
# SQLite keeps its FTS5 table (0009), which stores positions already; what cost time there was
# going from each FTS5 row id to its version through the wide SearchEntry rows (their terms
# beside them): a narrow index of (id, version_id) answers that alone (search.SQLITE_MATCHING
# names it, as the planner prefers the row id).
POSTGRES = [
    "ALTER TABLE documents_searchentry ADD COLUMN terms_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', terms)) STORED",
    "ALTER TABLE documents_searchentry ALTER COLUMN terms_vector SET STATISTICS 1000",
    "CREATE INDEX documents_searchentry_vector ON documents_searchentry USING gin (terms_vector)",
    "DROP INDEX IF EXISTS documents_searchentry_terms_fts",
]
POSTGRES_UNDO = [
    "CREATE INDEX documents_searchentry_terms_fts ON documents_searchentry "
    "USING gin (to_tsvector('simple', terms))",
    "DROP INDEX IF EXISTS documents_searchentry_vector",
    "ALTER TABLE documents_searchentry DROP COLUMN IF EXISTS terms_vector",
]
SQLITE = [
    "CREATE INDEX documents_searchentry_id_version ON documents_searchentry (id, version_id)",
]
SQLITE_UNDO = ["DROP INDEX IF EXISTS documents_searchentry_id_version"]


def _run(statements):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0012_document_index_carries_status"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRES_UNDO, "sqlite": SQLITE_UNDO}),
        ),
    ]

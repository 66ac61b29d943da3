"""PostgreSQL: store an event's large text (body and payload) out of line without compressing it.

The large events are ballots.sealed, which list SHA-256 commitments in hex: compression cannot
shrink them (pglz tries and gives up, lz4 saves 5%), yet the attempt made storing the seal of
100,000 ballots at a round's close, inside its transaction, take 1.27 s instead of 0.38 s.
Small events are stored in the row as before; nothing a reader or the verifier sees changes. A
change of storage only: no table rewrite, and on SQLite nothing to do.
"""

from django.db import migrations

COLUMNS = ("body", "payload")


def uncompressed(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for column in COLUMNS:
            schema_editor.execute(
                f"ALTER TABLE audit_event ALTER COLUMN {column} SET STORAGE EXTERNAL", params=None
            )


def compressed(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for column in COLUMNS:
            schema_editor.execute(
                f"ALTER TABLE audit_event ALTER COLUMN {column} SET STORAGE EXTENDED", params=None
            )


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_append_only_triggers")]

    operations = [migrations.RunPython(uncompressed, compressed)]

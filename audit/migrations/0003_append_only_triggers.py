"""Make the database refuse UPDATE and DELETE on events and checkpoints (see audit/guard.py).

Careful: on SQLite, a later migration that alters audit_event or audit_checkpoint makes Django
rebuild the table, which drops these triggers; such a migration must re-install them. The test
tests/audit/test_append_only.py fails if they are missing.
"""

from django.db import migrations

from audit import guard


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = guard.postgresql_install_sql()
    elif vendor == "sqlite":
        statements = guard.sqlite_install_sql()
    else:
        raise NotImplementedError(f"append-only triggers are not written for {vendor}")
    for sql in statements:
        schema_editor.execute(sql, params=None)


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = guard.postgresql_remove_sql()
    elif vendor == "sqlite":
        statements = guard.sqlite_remove_sql()
    else:
        statements = []
    for sql in statements:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_checkpoint")]

    operations = [migrations.RunPython(install, remove)]

"""Trigram indexes for substring search on PostgreSQL; SQLite uses the plain b-tree."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS member_search_name_trgm ON members_member USING gin (search_name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS email_address_trgm ON members_email USING gin (address gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS member_search_name_trgm",
    "DROP INDEX IF EXISTS email_address_trgm",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("members", "0002_initial")]
    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]

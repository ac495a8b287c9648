"""Covered periods of one sponsorship never overlap: a PostgreSQL exclusion constraint.

SQLite has no exclusion constraints; there the rules layer (premiums.rules.check_next_period,
called under a row lock) is the guard, as it is everywhere.
"""

from django.db import migrations

CONSTRAINT = "payment_periods_never_overlap"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"ALTER TABLE premiums_premiumpayment ADD CONSTRAINT {CONSTRAINT} "
        "EXCLUDE USING gist (sponsorship_id WITH =, "
        "daterange(first_month, last_month, '[]') WITH &&) "
        "WHERE (status <> 'cancelled')"
    )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE premiums_premiumpayment DROP CONSTRAINT IF EXISTS {CONSTRAINT}"
    )


class Migration(migrations.Migration):
    dependencies = [("premiums", "0001_initial")]

    operations = [migrations.RunPython(add_constraint, drop_constraint, elidable=False)]

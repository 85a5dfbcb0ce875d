"""Keep what search reads of a product in the row itself rather than in the TOAST table.

pgvector's type defaults to EXTERNAL storage, so every vector lived out of line: reading one (an exact
scan under a narrow filter, the distance in the HNSW query's output, the re-ranker's similarity) cost
a TOAST index lookup, ~7 µs a row. Now the text vector, the attributes (filters) and the full-text
vector (ranking) are MAIN: inline, moved out only when a row cannot fit otherwise, so a larger model
(EMBEDDING_MODEL) still works. A row is toasted only past 4,080 bytes (toast_tuple_target; the default
2,032 would push the vector back out of a row holding two of them). The heap grows (24 → 60 MB at 20,000
products), the TOAST table empties. Measured on the demo's search (SQL per query, 300 warm queries):
exact scans 4.7 → 3.5 ms a query on average, the HNSW walk 3.4 → 2.9, re-ranking features 4.2 → 3.6
(BENCHMARKS.md, "Search latency, fourth pass").

A new storage setting applies to rows written after it. The rows already there are rewritten here by
VACUUM FULL when the table is small (under a second at 20,000 products); it locks the table and rebuilds
every index, the HNSW one included (about 6 minutes at 1,000,000 products on a 2-core machine), so a
larger catalog is left as it is, with a notice: rows move inline as they are next written (an edit, a
re-embedding), or all at once with ``VACUUM FULL catalog_product`` (or pg_repack) in a quiet hour.
"""

from django.db import migrations

REWRITE_LIMIT = 100_000  # products; above this the rewrite is left to the operator


def rewrite_existing_rows(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_product")
        (rows,) = cursor.fetchone()
        if rows <= REWRITE_LIMIT:
            cursor.execute("VACUUM FULL catalog_product")
            cursor.execute("ANALYZE catalog_product")
        else:
            print(
                f"\n  catalog_product holds {rows:,} rows: not rewritten now (VACUUM FULL would lock it while it "
                "rebuilds every index). Rows move inline as they are written; to move them all at once, run "
                "VACUUM FULL catalog_product in a quiet hour."
            )


class Migration(migrations.Migration):
    atomic = False  # VACUUM cannot run inside a transaction

    dependencies = [
        ("catalog", "0002_product_title_embedding"),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE catalog_product ALTER COLUMN embedding SET STORAGE MAIN, "
            "ALTER COLUMN attributes SET STORAGE MAIN, ALTER COLUMN search_vector SET STORAGE MAIN, "
            "SET (toast_tuple_target = 4080)",
            "ALTER TABLE catalog_product ALTER COLUMN embedding SET STORAGE EXTERNAL, "
            "ALTER COLUMN attributes SET STORAGE EXTENDED, ALTER COLUMN search_vector SET STORAGE EXTENDED, "
            "RESET (toast_tuple_target)",
        ),
        migrations.RunPython(rewrite_existing_rows, migrations.RunPython.noop, elidable=True),
    ]

"""How the product table stores what search reads (catalog/migrations/0003_inline_embedding_storage.py)."""

import pytest
from django.db import connection

from catalog.models import Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _storage(column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = 'catalog_product'::regclass AND attname = %s",
            [column],
        )
        return cursor.fetchone()[0]


def test_search_columns_are_kept_inline_and_rows_toasted_only_when_wide():
    assert {c: _storage(c) for c in ("embedding", "attributes", "search_vector")} == dict.fromkeys(
        ("embedding", "attributes", "search_vector"), "m"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE oid = 'catalog_product'::regclass")
        assert "toast_tuple_target=4080" in cursor.fetchone()[0]


def _toast_chunks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltoastrelid::regclass::text FROM pg_class WHERE oid = 'catalog_product'::regclass")
        (toast,) = cursor.fetchone()
        cursor.execute(f"SELECT count(*) FROM {toast}")
        return cursor.fetchone()[0]


def _add_vectors(sku: str) -> None:
    product = ProductFactory(sku=sku, description="A long description. " * 20)
    Product.objects.filter(pk=product.pk).update(embedding=[0.05] * 384, title_embedding=[0.04] * 384)


def test_a_product_with_both_vectors_writes_nothing_to_the_toast_table():
    before = _toast_chunks()
    _add_vectors("INLINE-1")
    assert _toast_chunks() == before
    # The control: with pgvector's default storage the same row sends its vectors out of line.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no ALTER TABLE while foreign-key checks are pending
        cursor.execute(
            "ALTER TABLE catalog_product ALTER COLUMN embedding SET STORAGE EXTERNAL, RESET (toast_tuple_target)"
        )
    _add_vectors("INLINE-2")
    assert _toast_chunks() > before


def test_a_large_catalog_is_not_rewritten_by_the_migration_but_told_how(monkeypatch, capsys):
    """Above the limit the migration leaves the rows alone (VACUUM FULL would lock the table for minutes)."""
    import importlib

    from django.db import connection

    migration = importlib.import_module("catalog.migrations.0003_inline_embedding_storage")
    ProductFactory(sku="BIG-1")
    monkeypatch.setattr(migration, "REWRITE_LIMIT", 0)
    # Inside the test's transaction a VACUUM would raise: reaching the notice proves none was sent.
    migration.rewrite_existing_rows(None, type("Editor", (), {"connection": connection})())
    out = capsys.readouterr().out
    assert "catalog_product holds 1 rows: not rewritten now" in out and "VACUUM FULL catalog_product" in out

"""A saved product gets its embedding from a real Celery worker, through the real broker."""

from __future__ import annotations

import time
from decimal import Decimal

import numpy as np
import pytest
from django.db import transaction

from catalog import services
from catalog.models import Product
from shopguide import embedding


def _wait_for(predicate, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
def test_saved_product_is_embedded_by_worker(celery_worker_thread):
    with transaction.atomic():
        result = services.product_upsert_many(
            items=[
                services.ProductInput(
                    sku="W-1",
                    title="Waterproof hiking boots",
                    description="Leather boots with a grippy sole.",
                    category_path="Shoes > Boots",
                    brand="Trailcraft",
                    price=Decimal("129.00"),
                    attributes={"color": "brown", "material": "leather"},
                )
            ]
        )
        # Nothing is sent before commit: the worker must not race the transaction.
        assert Product.objects.get(sku="W-1").embedding is None

    product_id = result.product_ids[0]
    assert _wait_for(lambda: Product.objects.get(pk=product_id).embedding is not None)

    product = Product.objects.select_related("brand", "category").get(pk=product_id)
    assert product.embedding_is_current
    expected = embedding.encode([services.embedding_text(product)])[0]
    assert float(np.dot(np.asarray(product.embedding), expected)) > 0.999


@pytest.mark.slow
def test_edit_reembeds_and_unchanged_content_is_skipped(celery_worker_thread):
    services.product_upsert_many(items=[services.ProductInput(sku="W-2", title="Red cotton t-shirt")])
    assert _wait_for(lambda: Product.objects.get(sku="W-2").embedding is not None)
    first = np.asarray(Product.objects.get(sku="W-2").embedding)

    # Same content again: the hash is unchanged, so nothing is re-embedded.
    services.product_upsert_many(items=[services.ProductInput(sku="W-2", title="Red cotton t-shirt")], embed=False)
    assert services.product_embed() == 0

    services.product_upsert_many(items=[services.ProductInput(sku="W-2", title="Blue wool sweater")])
    assert _wait_for(lambda: Product.objects.get(sku="W-2").embedding_is_current)
    second = np.asarray(Product.objects.get(sku="W-2").embedding)
    assert float(np.dot(first, second)) < 0.95

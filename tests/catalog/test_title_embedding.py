"""Every product gets a second vector, of its title alone, from the same model and the same hash."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from catalog import services
from catalog.models import Product
from shopguide import embedding

pytestmark = pytest.mark.django_db


def _cosine(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_product_embed_writes_a_title_vector_apart_from_the_text_vector(embedding_model):
    services.product_upsert_many(
        items=[
            services.ProductInput(
                sku="T-1",
                title="Cast iron skillet",
                brand="Hearthstone",
                category_path="Home & Kitchen > Cookware",
                price=Decimal("35.00"),
                description="Pre-seasoned, oven-safe; sears steaks and bakes cornbread.",
            ),
            services.ProductInput(sku="T-2", title="Garden hose 50 ft"),  # its whole text is its title
        ],
        embed=False,
    )
    assert services.product_embed() == 2
    skillet, hose = Product.objects.get(sku="T-1"), Product.objects.get(sku="T-2")
    assert skillet.embedding_is_current and hose.embedding_is_current
    title_vector = embedding.encode(["Cast iron skillet"])[0]
    # The int8 backend moves a vector slightly with its batch; another text would be far off.
    assert _cosine(skillet.title_embedding, title_vector) > 0.98
    assert _cosine(skillet.embedding, title_vector) < _cosine(skillet.title_embedding, title_vector) - 0.02
    assert services.embedding_text(hose) == hose.title
    assert np.array_equal(np.asarray(hose.title_embedding), np.asarray(hose.embedding))  # one vector serves both


def test_a_catalog_embedded_before_title_vectors_gets_them_without_new_text_vectors(embedding_model):
    services.product_upsert_many(
        items=[services.ProductInput(sku="T-3", title="Wool socks", description="Warm merino hiking socks.")],
        embed=False,
    )
    services.product_embed()
    before = Product.objects.get(sku="T-3")
    Product.objects.filter(sku="T-3").update(title_embedding=None)  # as the migration leaves it
    assert not Product.objects.get(sku="T-3").embedding_is_current
    assert Product.objects.embedding_stale(embedding.model_name()).filter(sku="T-3").exists()

    assert services.product_embed() == 1
    after = Product.objects.get(sku="T-3")
    assert np.array_equal(np.asarray(after.embedding), np.asarray(before.embedding))  # kept, not re-encoded
    assert _cosine(after.title_embedding, before.title_embedding) > 0.98
    assert after.embedding_is_current and services.product_embed() == 0

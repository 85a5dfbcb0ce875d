"""A small embedded catalog of clearly different products, for events and profiles."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog import services
from catalog.models import Product

P = services.ProductInput

PROFILE_CATALOG = [
    P(sku="RUN1", title="Stride Women's Running Shoes", category_path="Shoes > Running Shoes", brand="Norvik",
      price=Decimal("75.00"), attributes={"color": "blue", "material": "mesh", "features": ["breathable", "cushioned"]},
      description="Cushioned, breathable running shoes for daily road runs."),
    P(sku="RUN2", title="Tempo Men's Road Running Shoes", category_path="Shoes > Running Shoes", brand="Norvik",
      price=Decimal("89.00"), attributes={"color": "black", "material": "mesh", "features": ["cushioned"]},
      description="Light road running shoes with a responsive foam sole."),
    P(sku="BOOT1", title="Ridge Waterproof Hiking Boots", category_path="Shoes > Hiking Boots", brand="Trailcraft",
      price=Decimal("129.00"), attributes={"color": "brown", "material": "leather", "features": ["waterproof"]},
      description="Leather hiking boots with a grippy sole."),
    P(sku="HEAD1", title="Quietwave Wireless Noise-Cancelling Headphones", category_path="Electronics > Headphones",
      brand="Sonance", price=Decimal("199.00"), attributes={"color": "black", "features": ["wireless", "noise-cancelling"]},
      description="Over-ear wireless headphones with active noise cancelling."),
    P(sku="HEAD2", title="Budget Wired Earbuds", category_path="Electronics > Headphones", brand="Sonance",
      price=Decimal("12.00"), attributes={"color": "white", "features": ["wired"]},
      description="Simple wired earbuds with an inline microphone."),
    P(sku="PAN1", title="Cast Iron Skillet 12 inch", category_path="Home & Kitchen > Cookware", brand="Hearthstone",
      price=Decimal("35.00"), attributes={"material": "cast iron", "features": ["oven-safe"]},
      description="Pre-seasoned cast iron skillet for searing and baking."),
    P(sku="PAN2", title="Stainless Steel Saucepan", category_path="Home & Kitchen > Cookware", brand="Hearthstone",
      price=Decimal("45.00"), attributes={"material": "stainless steel", "style": "classic"},
      description="A two-quart saucepan with a lid."),
]  # fmt: skip


def _load() -> dict[str, Product]:
    result = services.product_upsert_many(items=PROFILE_CATALOG, embed=False)
    services.product_embed(product_ids=result.product_ids)
    services.catalog_version_bump()  # as the upsert's commit would: this catalog's own search vocabulary
    return {p.sku: p for p in Product.objects.filter(pk__in=result.product_ids).select_related("brand", "category")}


@pytest.fixture
def catalog(db, embedding_model) -> dict[str, Product]:
    """Products by sku, embedded with the real model."""
    return _load()


@pytest.fixture
def committed_catalog(transactional_db, embedding_model) -> dict[str, Product]:
    """The same, committed, for tests with a real worker (its own database connection)."""
    return _load()

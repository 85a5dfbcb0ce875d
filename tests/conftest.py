"""A small, embedded catalog for search tests (tests/recommend, tests/e2e): real model, real Postgres, real vectors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog import services
from recommend.search import vocabulary

P = services.ProductInput

SEARCH_CATALOG = [
    P(sku="B1", title="Alpine Women's Waterproof Hiking Boots", category_path="Shoes > Hiking Boots", brand="Trailcraft",
      price=Decimal("110.00"), rating=Decimal("4.6"), review_count=210, stock=4,
      attributes={"color": "brown", "material": "suede", "gender": "women", "features": ["waterproof", "ankle support"], "sizes": ["7", "8", "9"]},
      description="Waterproof suede hiking boots for women with ankle support and a grippy sole."),
    P(sku="B2", title="Summit Women's Leather Hiking Boots", category_path="Shoes > Hiking Boots", brand="Trailcraft",
      price=Decimal("115.00"), rating=Decimal("4.4"), review_count=90, stock=2,
      attributes={"color": "black", "material": "leather", "gender": "women", "features": ["waterproof"], "sizes": ["6", "7", "8"]},
      description="Full-grain leather hiking boots, waterproof membrane, for women."),
    P(sku="B3", title="Ridge Men's Waterproof Hiking Boots", category_path="Shoes > Hiking Boots", brand="Norvik",
      price=Decimal("99.00"), rating=Decimal("4.3"), review_count=55, stock=8,
      attributes={"color": "grey", "material": "mesh", "gender": "men", "features": ["waterproof"], "sizes": ["9", "10", "11"]},
      description="Lightweight waterproof hiking boots for men with a breathable mesh upper."),
    P(sku="B4", title="Peak Women's Waterproof Mountaineering Boots", category_path="Shoes > Hiking Boots", brand="Norvik",
      price=Decimal("240.00"), rating=Decimal("4.8"), review_count=40, stock=1,
      attributes={"color": "red", "material": "nylon", "gender": "women", "features": ["waterproof", "insulated"], "sizes": ["7", "8"]},
      description="Insulated waterproof boots for women, built for snow and ice."),
    P(sku="R1", title="Stride Women's Running Shoes", category_path="Shoes > Running Shoes", brand="Norvik",
      price=Decimal("75.00"), rating=Decimal("4.5"), review_count=300, stock=10,
      attributes={"color": "blue", "material": "mesh", "gender": "women", "features": ["breathable", "cushioned"], "sizes": ["6", "7", "8", "9"]},
      description="Cushioned, breathable running shoes for women, light mesh upper for daily road runs."),
    P(sku="R2", title="Tempo Women's Leather Running Shoes", category_path="Shoes > Running Shoes", brand="Altura",
      price=Decimal("70.00"), rating=Decimal("4.0"), review_count=45, stock=5,
      attributes={"color": "white", "material": "leather", "gender": "women", "features": ["cushioned"], "sizes": ["7", "8"]},
      description="Classic leather running shoes with a cushioned sole."),
    P(sku="R3", title="Velocity Men's Running Shoes", category_path="Shoes > Running Shoes", brand="Altura",
      price=Decimal("95.00"), rating=Decimal("4.2"), review_count=80, stock=3,
      attributes={"color": "black", "material": "mesh", "gender": "men", "features": ["breathable"], "sizes": ["9", "10", "11", "12"]},
      description="Breathable mesh running shoes for men."),
    P(sku="H1", title="Quietwave Wireless Noise-Cancelling Headphones", category_path="Electronics > Headphones", brand="Sonance",
      price=Decimal("199.00"), rating=Decimal("4.7"), review_count=1200, stock=20,
      attributes={"color": "black", "features": ["wireless", "noise-cancelling"], "battery_hours": 30},
      description="Over-ear wireless headphones with active noise cancelling and 30-hour battery."),
    P(sku="H2", title="Budget Wired Earbuds", category_path="Electronics > Headphones", brand="Sonance",
      price=Decimal("12.00"), rating=Decimal("3.6"), review_count=400, stock=50,
      attributes={"color": "white", "features": ["wired"]},
      description="Simple wired earbuds with an inline microphone."),
    P(sku="K1", title="Cast Iron Skillet 12 inch", category_path="Home & Kitchen > Cookware", brand="Hearthstone",
      price=Decimal("35.00"), rating=Decimal("4.8"), review_count=5000, stock=30,
      attributes={"material": "cast iron", "features": ["oven-safe"]},
      description="Pre-seasoned cast iron skillet, oven-safe, for searing and baking."),
]  # fmt: skip


def load_search_products(items: list[P]) -> None:
    """Upsert and embed ``items``, then make search read the catalog they leave."""
    services.product_upsert_many(items=items, embed=False)
    services.product_embed()
    # The upsert bumps the catalog version on commit, which a rolled-back test never reaches: bump it here, or
    # the vocabulary another test's catalog left in the (shared, persistent) Redis under that version is used.
    services.catalog_version_bump()
    vocabulary.reset()


@pytest.fixture
def search_catalog(db, embedding_model):
    load_search_products(SEARCH_CATALOG)
    yield
    vocabulary.reset()


@pytest.fixture
def fresh_popular_searches():
    """Popular searches are cached for a minute in the (real, shared) cache: start each test without them."""
    from django.core.cache import cache

    from recommend.search.suggest import POPULAR_KEY

    cache.delete(POPULAR_KEY)
    yield
    cache.delete(POPULAR_KEY)


@pytest.fixture(autouse=True)
def no_open_after_response_queue():
    """A test client's streaming response that is never read never finishes its request, leaving that request's
    after-response queue open in this thread: a later direct ``search(log=True)`` would queue its log there."""
    from shopguide import after_response

    after_response._pending.set(None)
    yield


@pytest.fixture(autouse=True)
def fresh_ranking_knobs():
    """The ranking knobs are snapshotted per process; a test's rolled-back experiment must not leak into the next."""
    from recommend.experiments import knobs

    knobs.reset()
    yield
    knobs.reset()

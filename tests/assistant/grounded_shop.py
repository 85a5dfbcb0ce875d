"""A small catalog whose descriptions hold checkable sentences, for grounded answers, comparisons and
references: real model, real Postgres, real vectors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from catalog import services
from catalog.models import Product
from recommend.search import vocabulary

P = services.ProductInput

GROUNDED_CATALOG = [
    P(sku="G-BOOT", title="Alpine Women's Waterproof Hiking Boots", category_path="Shoes > Hiking Boots", brand="Trailcraft",
      price=Decimal("110.00"), rating=Decimal("4.6"), review_count=210, stock=4,
      attributes={"color": "brown", "material": "suede", "gender": "women", "features": ["waterproof", "ankle support"],
                  "sizes": ["7", "8", "9"]},
      description="Waterproof suede hiking boots with ankle support. The lugged Vibram outsole grips on wet rock. "
                  "A padded collar keeps grit out on long descents."),
    P(sku="G-ROAD", title="Stride Women's Road Running Shoes", category_path="Shoes > Running Shoes", brand="Norvik",
      price=Decimal("75.00"), rating=Decimal("4.2"), review_count=300, stock=10,
      attributes={"color": "white", "material": "mesh", "gender": "women", "features": ["breathable", "cushioned"],
                  "sizes": ["6", "7", "8", "9"]},
      description="Cushioned, breathable running shoes for daily road runs. The knit upper keeps feet cool on hot "
                  "summer pavements."),
    P(sku="G-TRAIL", title="Scree Trail Running Shoes", category_path="Shoes > Running Shoes", brand="Altura",
      price=Decimal("95.00"), rating=Decimal("4.5"), review_count=80, stock=0,
      attributes={"color": "green", "material": "mesh", "gender": "unisex", "features": ["grippy", "rock plate"],
                  "sizes": ["8", "9", "10", "11"]},
      description="Deep lugs bite into mud and loose gravel on steep mountain trails. A rock plate shields the "
                  "foot on rocky single track."),
    P(sku="G-PACK", title="Metro Laptop Backpack", category_path="Bags > Backpacks", brand="Carryall",
      price=Decimal("64.50"), rating=Decimal("4.4"), review_count=95, stock=12,
      attributes={"color": "crème", "material": "nylon", "features": ["water-resistant", "padded"]},
      description="A padded sleeve holds laptops up to 15.6 inches. The water-resistant nylon shell shrugs off "
                  "drizzle on the commute. A luggage strap slides over a suitcase handle."),
    P(sku="G-HEAD", title="Quietwave Wireless Noise-Cancelling Headphones", category_path="Electronics > Headphones",
      brand="Sonance", price=Decimal("199.00"), rating=Decimal("4.7"), review_count=1200, stock=20,
      attributes={"color": "black", "features": ["wireless", "noise-cancelling"], "battery_hours": 30,
                  "connectivity": "Bluetooth 5.3"},
      description="Over-ear headphones with active noise cancelling. Memory-foam ear cushions stay comfortable "
                  "on long flights."),
    P(sku="G-BUDS", title="Budget Wired Earbuds", category_path="Electronics > Headphones", brand="Sonance",
      price=Decimal("12.00"), rating=Decimal("3.6"), review_count=400, stock=50,
      attributes={"color": "white", "features": ["wired"]},
      description="Simple wired earbuds with an inline microphone."),
]  # fmt: skip


def load() -> dict[str, Product]:
    """Load and embed the catalog above; products by sku. Call vocabulary.reset() when done (see shop())."""
    services.product_upsert_many(items=GROUNDED_CATALOG, embed=False)
    services.product_embed()
    vocabulary.reset()
    return {p.sku: p for p in Product.objects.select_related("brand", "category")}


@contextmanager
def shop() -> Iterator[dict[str, Product]]:
    try:
        yield load()
    finally:
        vocabulary.reset()

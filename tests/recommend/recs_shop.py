"""A small shop with a crowd whose habits the recommender can learn: real model, real Postgres, real signals.

Hikers view Ridge boots, then the Stormline jacket, then the daypack (some buy boots and jacket together, one
buys two pairs of boots); brewers view the burr grinder, then the beans, then the kettle (some buy grinder and
beans together). The Glacier boots have no events at all (cold start). ``build_shop()`` loads it, records the
crowd's events over the last two days and trains the signals exactly as ``manage.py train_recommendations``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from catalog import services
from catalog.models import Product
from profiles.models import Event, Shopper
from recommend.recs import training

P = services.ProductInput

SHOP_CATALOG = [
    P(sku="BOOT1", title="Ridge Waterproof Hiking Boots", category_path="Outdoor > Hiking Boots", brand="Trailcraft",
      price=Decimal("129.00"), rating=Decimal("4.5"), review_count=120, stock=10,
      attributes={"color": "brown", "material": "leather", "features": ["waterproof"]},
      description="Leather hiking boots with a waterproof membrane and a grippy sole."),
    P(sku="BOOT2", title="Summit Lightweight Hiking Boots", category_path="Outdoor > Hiking Boots", brand="Trailcraft",
      price=Decimal("99.00"), rating=Decimal("4.2"), review_count=60, stock=10,
      attributes={"color": "grey", "material": "mesh", "features": ["breathable"]},
      description="Light mesh hiking boots for summer trails."),
    P(sku="BOOT3", title="Glacier Insulated Winter Hiking Boots", category_path="Outdoor > Hiking Boots",
      brand="Norvik", price=Decimal("189.00"), rating=Decimal("4.7"), review_count=30, stock=10,
      attributes={"color": "brown", "material": "leather", "features": ["waterproof", "insulated"]},
      description="Insulated waterproof leather hiking boots for snow and ice."),
    P(sku="JACKET1", title="Stormline Packable Rain Jacket", category_path="Outdoor > Rain Jackets", brand="Norvik",
      price=Decimal("89.00"), rating=Decimal("4.4"), review_count=80, stock=10,
      attributes={"color": "blue", "material": "nylon", "features": ["waterproof", "packable"]},
      description="A light waterproof rain jacket that packs into its own pocket."),
    P(sku="JACKET2", title="Drizzle Women's Rain Shell", category_path="Outdoor > Rain Jackets", brand="Norvik",
      price=Decimal("119.00"), rating=Decimal("4.1"), review_count=25, stock=10,
      attributes={"color": "yellow", "material": "nylon", "features": ["waterproof"]},
      description="A breathable rain shell with a hood."),
    P(sku="PACK1", title="Trailhead 30L Hiking Daypack", category_path="Outdoor > Backpacks", brand="Trailcraft",
      price=Decimal("69.00"), rating=Decimal("4.6"), review_count=200, stock=10,
      attributes={"color": "green", "material": "nylon", "features": ["rain cover"]},
      description="A 30 litre daypack with a rain cover and hip belt."),
    P(sku="GRIND1", title="Precision Burr Coffee Grinder", category_path="Kitchen > Coffee Grinders",
      brand="Brewcraft", price=Decimal("149.00"), rating=Decimal("4.6"), review_count=400, stock=10,
      attributes={"color": "black", "material": "steel", "features": ["40 grind settings"]},
      description="A conical burr coffee grinder with 40 grind settings for espresso to French press."),
    P(sku="GRIND2", title="Hand Crank Coffee Mill", category_path="Kitchen > Coffee Grinders", brand="Brewcraft",
      price=Decimal("45.00"), rating=Decimal("4.3"), review_count=150, stock=10,
      attributes={"color": "silver", "material": "steel"},
      description="A manual ceramic burr coffee mill for travel."),
    P(sku="BEANS1", title="Ethiopia Yirgacheffe Whole Bean Coffee 1 lb", category_path="Kitchen > Coffee",
      brand="Roastery", price=Decimal("18.00"), rating=Decimal("4.8"), review_count=900, stock=50,
      description="Light roast whole bean coffee with notes of blueberry and jasmine."),
    P(sku="KETTLE1", title="Gooseneck Pour-Over Kettle", category_path="Kitchen > Kettles", brand="Brewcraft",
      price=Decimal("59.00"), rating=Decimal("4.5"), review_count=300, stock=10,
      attributes={"color": "black", "material": "steel"},
      description="A gooseneck kettle for precise pour-over coffee."),
    P(sku="HEAD1", title="Quietwave Wireless Noise-Cancelling Headphones", category_path="Electronics > Headphones",
      brand="Sonance", price=Decimal("199.00"), rating=Decimal("4.7"), review_count=1200, stock=10,
      attributes={"color": "black", "features": ["wireless", "noise-cancelling"]},
      description="Over-ear wireless headphones with active noise cancelling."),
]  # fmt: skip

HIKERS = 6
BREWERS = 5


@dataclass
class Shop:
    products: dict[str, Product]  # by sku

    def __getitem__(self, sku: str) -> Product:
        return self.products[sku]

    def id(self, sku: str) -> int:
        return self.products[sku].pk


def record(shopper: Shopper, steps: list[tuple[str, Product]], *, start, order_id: str = "") -> None:
    """``steps`` as events a minute apart from ``start``: (kind, product)."""
    Event.objects.bulk_create(
        Event(
            shopper=shopper,
            kind=kind,
            product=product,
            order_id=order_id if kind == Event.Kind.PURCHASE else "",
            created_at=start + timedelta(minutes=i),
        )
        for i, (kind, product) in enumerate(steps)
    )


def anonymous_shopper() -> Shopper:
    return Shopper.objects.create(session_key=uuid.uuid4().hex)


def train() -> None:
    training.signals_train()
    training.popularity_refresh()


def build_shop() -> Shop:
    result = services.product_upsert_many(items=SHOP_CATALOG, embed=False)
    services.product_embed(product_ids=result.product_ids)
    products = Product.objects.filter(pk__in=result.product_ids).select_related("brand", "category")
    shop = Shop({p.sku: p for p in products})
    view, buy = Event.Kind.VIEW, Event.Kind.PURCHASE
    start = timezone.now() - timedelta(days=2)
    for i in range(HIKERS):
        steps = [(view, shop["BOOT1"])]
        if i < 2:
            steps.append((view, shop["BOOT2"]))  # a leaf-category mate: an alternative, never a complement
        steps += [(view, shop["JACKET1"]), (view, shop["PACK1"])]
        if i < 3:
            steps += [(buy, shop["BOOT1"]), (buy, shop["JACKET1"])]
        elif i == 3:
            steps += [(buy, shop["BOOT1"]), (buy, shop["BOOT2"])]
        record(anonymous_shopper(), steps, start=start + timedelta(hours=i), order_id=f"SG-H{i}")
    for i in range(BREWERS):
        steps = [(view, shop["GRIND1"]), (view, shop["BEANS1"]), (view, shop["KETTLE1"])]
        if i < 3:
            steps += [(buy, shop["GRIND1"]), (buy, shop["BEANS1"])]
        record(anonymous_shopper(), steps, start=start + timedelta(hours=10 + i), order_id=f"SG-B{i}")
    train()
    return shop

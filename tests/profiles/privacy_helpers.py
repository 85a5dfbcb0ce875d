"""Shoppers with everything a person can leave behind, for the privacy tests (not a conftest: other
modules in this folder have their own fixtures)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.utils import timezone

from catalog.models import Product
from orders.models import Cart, CartLine, Order, OrderLine
from profiles.models import Event, Profile, Shopper
from recommend.models import SearchLog
from tests.factories import BrandFactory, CategoryFactory, EventFactory, ProductFactory, ShopperFactory, UserFactory

_serial = itertools.count(1)


@dataclass
class Person:
    user: AbstractUser
    shopper: Shopper
    products: list[Product]
    order: Order
    secret_query: str


def catalog_for_interests() -> dict[str, object]:
    running = CategoryFactory(name="Running Shoes", tree_key="/running-shoes/", slug="running-shoes")
    hiking = CategoryFactory(name="Hiking Boots", tree_key="/hiking-boots/", slug="hiking-boots")
    acme = BrandFactory(name="Acme", slug="acme")
    trailco = BrandFactory(name="Trailco", slug="trailco")
    return {"running": running, "hiking": hiking, "acme": acme, "trailco": trailco}


def affinities() -> dict:
    return {
        "category": {"hiking-boots": 0.6, "running-shoes": 0.9},  # not in weight order: jsonb reorders anyway
        "brand": {"acme": 1.0, "trailco": 0.5},
        "price_band": {"25-50": 0.8, "50-100": 0.3},
        "attribute": {"color:red": 0.7, "material:leather": 0.4},
    }


def person(username: str, *, staff: bool = False, with_profile: bool = True) -> Person:
    """An account that has browsed, searched, filled a cart and ordered; its profile is filled in."""
    names = catalog_for_interests()
    user = UserFactory(username=username, email=f"{username}@mail.example", is_staff=staff, first_name=username.title())
    shopper = ShopperFactory(user=user, session_key=f"anon-key-{username}")
    n = next(_serial)  # products are the shop's, not the person's: nothing in them may name the person
    products = [
        ProductFactory(sku=f"PRIV-{n}-1", title=f"Trail Runner {n}", category=names["running"], brand=names["acme"]),
        ProductFactory(sku=f"PRIV-{n}-2", title=f"Summit Boot {n}", category=names["hiking"], brand=names["trailco"]),
    ]
    secret = f"size 11 insoles for {username}"
    now = timezone.now()
    for i, product in enumerate(products):
        EventFactory(shopper=shopper, product=product, kind=Event.Kind.VIEW, created_at=now - timedelta(minutes=10 - i))
    EventFactory(shopper=shopper, product=None, kind=Event.Kind.SEARCH, query=secret, created_at=now)
    if with_profile:
        Profile.objects.create(
            shopper=shopper,
            vector=[0.05] * 384,
            graph_vector=[0.1] * 64,
            affinities=affinities(),
            recent_product_ids=[products[1].pk, products[0].pk],
            removed_interests=[],
            event_count=3,
            refreshed_at=now - timedelta(hours=2),
        )
    cart = Cart.objects.create(shopper=shopper)
    CartLine.objects.create(cart=cart, product=products[0], quantity=2)
    order = Order.objects.create(shopper=shopper, number=f"SG-{username[:6].upper()}-1", total=Decimal("79.98"))
    OrderLine.objects.create(
        order=order, product=products[1], sku=products[1].sku, title=products[1].title,
        unit_price=Decimal("39.99"), quantity=2,
    )  # fmt: skip
    SearchLog.objects.create(
        query=secret, parsed={"raw": secret}, result_ids=[products[0].pk], total=1, latency_ms=3.0,
        shopper=shopper, session_key=f"sess-{username}",
    )  # fmt: skip
    return Person(user=user, shopper=shopper, products=products, order=order, secret_query=secret)

"""Recommendations on every surface, from real events, real embeddings and the real database.

Each test writes the events that shoppers would leave, trains the signals as the periodic tasks do
(``signals_train``, ``popularity_refresh``) and reads a surface as the shop does.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog import services
from catalog.models import Product
from profiles.models import Event, ProductGraphVector, Profile, Shopper
from recommend.recs import engine, training
from tests.factories import ShopperFactory

P = services.ProductInput


def _p(sku: str, title: str, category: str, brand: str, **extra) -> services.ProductInput:
    return P(
        sku=sku,
        title=title,
        category_path=category,
        brand=brand,
        price=extra.pop("price", Decimal("30.00")),
        stock=extra.pop("stock", 5),
        rating=extra.pop("rating", Decimal("4.0")),
        review_count=extra.pop("review_count", 10),
        **extra,
    )


SHOP = [
    _p("RUN1", "Stride Women's Running Shoes", "Shoes > Running Shoes", "Norvik"),
    _p("RUN2", "Tempo Men's Road Running Shoes", "Shoes > Running Shoes", "Norvik"),
    _p("BOOT1", "Ridge Waterproof Hiking Boots", "Shoes > Hiking Boots", "Trailcraft"),
    _p("HEAD1", "Quietwave Wireless Noise-Cancelling Headphones", "Electronics > Headphones", "Sonance"),
    _p("HEAD2", "Budget Wired Earbuds", "Electronics > Headphones", "Sonance"),
    _p("HEAD3", "Sport Wireless Earbuds", "Electronics > Headphones", "Pulse"),
    _p("HEAD4", "Studio Monitor Headphones", "Electronics > Headphones", "Pulse"),
    _p("CASE1", "Hard Carrying Case for Over-Ear Headphones", "Electronics > Headphone Accessories", "Caseworks"),
    _p("CHG1", "USB-C Fast Wall Charger", "Electronics > Chargers", "Voltix"),
    _p("CBL1", "Braided USB-C Charging Cable", "Electronics > Cables", "Voltix"),
    _p("PAN1", "Cast Iron Skillet 12 inch", "Home & Kitchen > Cookware", "Hearthstone",
       attributes={"material": "cast iron", "features": ["oven-safe"]}),
    _p("PAN2", "Stainless Steel Saucepan with Lid", "Home & Kitchen > Cookware", "Hearthstone",
       attributes={"material": "stainless steel", "features": ["oven-safe"]}),
    _p("PAN3", "Nonstick Frying Pan 10 inch", "Home & Kitchen > Cookware", "Hearthstone",
       attributes={"material": "aluminum", "features": ["oven-safe", "nonstick"]}),
    _p("UT1", "Silicone Spatula Set", "Home & Kitchen > Utensils", "Kitchenly"),
    _p("UT2", "Wooden Cooking Spoon Set", "Home & Kitchen > Utensils", "Kitchenly"),
    _p("CL1", "Chainmail Cast Iron Scrubber", "Home & Kitchen > Cleaning", "Kitchenly"),
]  # fmt: skip


@pytest.fixture
def shop(db, embedding_model) -> dict[str, Product]:
    result = services.product_upsert_many(items=SHOP, embed=False)
    services.product_embed(product_ids=result.product_ids)
    products = Product.objects.filter(pk__in=result.product_ids).select_related("brand", "category")
    return {p.sku: p for p in products}


@pytest.fixture(autouse=True)
def _half_life(settings):
    settings.TRENDING_HALF_LIFE_DAYS = 3.0


class Clock:
    """Event times a little in the past, strictly increasing in the order events are written."""

    def __init__(self) -> None:
        self.now = timezone.now() - timedelta(hours=6)

    def tick(self) -> datetime:
        self.now += timedelta(seconds=30)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def act(shopper: Shopper, product: Product, clock: Clock, kind: str = Event.Kind.VIEW, order_id: str = "") -> Event:
    return Event.objects.create(shopper=shopper, kind=kind, product=product, order_id=order_id, created_at=clock.tick())


def crowd(path: list[Product], clock: Clock, *, shoppers: int) -> None:
    """``shoppers`` other shoppers, each viewing the path in order."""
    for _ in range(shoppers):
        shopper = ShopperFactory()
        for product in path:
            act(shopper, product, clock)


def orders(items: list[Product], clock: Clock, *, times: int) -> None:
    """``times`` other shoppers, each buying these products in one order."""
    for n in range(times):
        shopper = ShopperFactory()
        for product in items:
            act(shopper, product, clock, Event.Kind.PURCHASE, order_id=f"order-{n}-{items[0].sku}")


def train() -> None:
    training.signals_train()
    training.popularity_refresh()


def skus(recommendations: list[engine.Recommendation]) -> list[str]:
    return [r.product.sku for r in recommendations]


# --------------------------------------------------------------------------------------------
# for_you
# --------------------------------------------------------------------------------------------


def test_for_you_offers_what_others_went_on_to_and_says_why(shop, clock):
    crowd([shop["HEAD1"], shop["CASE1"]], clock, shoppers=5)
    shopper = ShopperFactory()
    act(shopper, shop["HEAD1"], clock)
    train()

    recs = engine.for_you(shopper=shopper)

    assert skus(recs)[0] == "CASE1"
    reason = recs[0].reasons[0]
    assert reason.text == "because you viewed Quietwave Wireless Noise-Cancelling Headphones"
    assert (reason.kind, reason.product_id) == ("viewed", shop["HEAD1"].pk)
    assert len(recs) == 12  # a full row: content neighbours and trending fill it


def test_the_reason_says_what_the_shopper_did(shop, clock):
    crowd([shop["HEAD1"], shop["CASE1"]], clock, shoppers=5)
    shopper = ShopperFactory()
    act(shopper, shop["HEAD1"], clock)
    act(shopper, shop["HEAD1"], clock, Event.Kind.CART_ADD)
    train()

    recs = engine.for_you(shopper=shopper)

    assert skus(recs)[0] == "CASE1"
    assert recs[0].reasons[0].text == "because you added Quietwave Wireless Noise-Cancelling Headphones to your cart"


def test_what_the_shopper_saw_or_bought_never_comes_back(shop, clock):
    crowd([shop["HEAD1"], shop["CASE1"]], clock, shoppers=5)
    crowd([shop["HEAD1"], shop["CHG1"]], clock, shoppers=3)
    crowd([shop["HEAD1"], shop["CBL1"]], clock, shoppers=4)
    shopper = ShopperFactory()
    # Bought the case long ago, then a long browse of earbuds: the purchase is older than the events
    # the history reads, and still never offered again.
    act(shopper, shop["CASE1"], clock, Event.Kind.PURCHASE, order_id="mine")
    Event.objects.bulk_create(
        Event(shopper=shopper, kind=Event.Kind.VIEW, product=shop["HEAD2"], created_at=clock.tick())
        for _ in range(engine.HISTORY_EVENTS)
    )
    act(shopper, shop["CHG1"], clock)
    act(shopper, shop["HEAD1"], clock)
    train()

    recs = engine.for_you(shopper=shopper, limit=50)

    assert not {"CASE1", "HEAD2", "CHG1", "HEAD1"} & set(skus(recs))
    assert skus(recs)[0] == "CBL1"  # the best path from HEAD1 the shopper has not taken yet


def test_exclude_is_honoured(shop, clock):
    crowd([shop["HEAD1"], shop["CASE1"]], clock, shoppers=5)
    shopper = ShopperFactory()
    act(shopper, shop["HEAD1"], clock)
    train()

    recs = engine.for_you(shopper=shopper, limit=50, exclude={shop["CASE1"].pk, shop["HEAD4"].pk})

    assert recs
    assert not {"CASE1", "HEAD4"} & set(skus(recs))


def test_unavailable_products_are_never_offered(shop, clock):
    crowd([shop["HEAD1"], shop["CASE1"]], clock, shoppers=5)
    crowd([shop["HEAD1"], shop["CHG1"]], clock, shoppers=5)
    shopper = ShopperFactory()
    act(shopper, shop["HEAD1"], clock)
    train()
    assert {"CASE1", "CHG1"} <= set(skus(engine.for_you(shopper=shopper)))

    Product.objects.filter(pk=shop["CASE1"].pk).update(stock=0)
    Product.objects.filter(pk=shop["CHG1"].pk).update(is_active=False)

    recs = engine.for_you(shopper=shopper, limit=50)
    assert recs
    assert not {"CASE1", "CHG1"} & set(skus(recs))


@pytest.mark.parametrize(
    ("removed", "hidden_skus"),
    [
        (lambda shop: f"brand:{shop['CASE1'].brand.slug}", {"CASE1"}),
        (lambda shop: f"brand:{shop['HEAD1'].brand.slug}", {"HEAD1", "HEAD2"}),  # Sonance
        (lambda shop: f"category:{shop['CHG1'].category.slug}", {"CHG1"}),  # the leaf
        (lambda shop: "category:electronics", {"HEAD2", "HEAD3", "HEAD4", "CASE1", "CHG1", "CBL1"}),  # the top
    ],
    ids=["brand", "brand-of-many", "leaf-category", "top-category"],
)
def test_a_removed_interest_hides_its_products(shop, clock, removed, hidden_skus):
    crowd([shop["HEAD1"], shop["CASE1"]], clock, shoppers=5)
    crowd([shop["HEAD1"], shop["CHG1"]], clock, shoppers=4)
    crowd([shop["HEAD1"], shop["HEAD2"]], clock, shoppers=3)
    shopper = ShopperFactory()
    act(shopper, shop["HEAD1"], clock)
    train()
    before = set(skus(engine.for_you(shopper=shopper, limit=50)))
    assert hidden_skus - {"HEAD1"} <= before  # each would be offered

    Profile.objects.create(shopper=shopper, removed_interests=[removed(shop)])

    after = set(skus(engine.for_you(shopper=shopper, limit=50)))
    assert not hidden_skus & after
    assert after  # the rest of the shop is still there


def test_a_new_shopper_gets_trending(shop, clock):
    crowd([shop["PAN1"], shop["UT1"]], clock, shoppers=3)
    crowd([shop["PAN1"]], clock, shoppers=1)
    crowd([shop["RUN1"]], clock, shoppers=2)
    train()

    assert skus(engine.trending()) == ["PAN1", "UT1", "RUN1"]
    for shopper in (ShopperFactory(), None):
        recs = engine.for_you(shopper=shopper)
        # What trends first; the best rated complete a newcomer's row, each saying so.
        assert skus(recs)[:3] == ["PAN1", "UT1", "RUN1"] and len(recs) > 3
        assert [r.reasons[0].kind for r in recs] == ["trending"] * 3 + ["rated"] * (len(recs) - 3)


def test_a_paused_shopper_gets_trending_and_no_recently_viewed(shop, clock):
    crowd([shop["PAN1"], shop["UT1"]], clock, shoppers=3)
    crowd([shop["HEAD1"], shop["CASE1"]], clock, shoppers=1)
    shopper = ShopperFactory(personalization_paused=True)
    act(shopper, shop["HEAD1"], clock)
    train()

    recs = engine.for_you(shopper=shopper)

    trending = skus(engine.trending())
    assert trending and skus(recs)[: len(trending)] == trending
    assert {r.reasons[0].kind for r in recs} <= {"trending", "rated"}  # nothing personal
    assert engine.recently_viewed(shopper=shopper) == []
    assert engine.because_you_viewed(shopper=shopper) == []


def test_for_you_follows_the_shoppers_newest_interest(shop, clock):
    crowd([shop["HEAD1"], shop["CASE1"]], clock, shoppers=5)
    crowd([shop["PAN1"], shop["UT1"]], clock, shoppers=5)
    shopper = ShopperFactory()
    act(shopper, shop["HEAD1"], clock)
    train()
    before = engine.for_you(shopper=shopper)
    assert skus(before)[0] == "CASE1"

    act(shopper, shop["PAN1"], clock)
    after = engine.for_you(shopper=shopper)

    assert skus(after)[0] == "UT1"
    assert after[0].reasons[0].text == "because you viewed Cast Iron Skillet 12 inch"
    assert skus(after).index("CASE1") > 0  # the older interest still counts, for less
    assert "PAN1" not in skus(after)


def test_one_leaf_category_does_not_take_the_whole_row(shop, clock):
    # From HEAD1 shoppers went on to other headphones above all, and to a charger now and then.
    for other in ("HEAD2", "HEAD3", "HEAD4"):
        crowd([shop["HEAD1"], shop[other]], clock, shoppers=6)
    crowd([shop["HEAD1"], shop["CHG1"]], clock, shoppers=1)
    shopper = ShopperFactory()
    act(shopper, shop["HEAD1"], clock)
    train()

    recs = engine.for_you(shopper=shopper, limit=3)

    leaves = [r.product.category.name for r in recs]
    assert len(recs) == 3
    assert leaves.count("Headphones") == 2
    assert set(skus(recs[:2])) <= {"HEAD2", "HEAD3", "HEAD4"}


def test_the_shoppers_graph_vector_brings_products_of_similar_taste(shop, clock, settings):
    crowd([shop["HEAD1"], shop["CASE1"]], clock, shoppers=5)
    shopper = ShopperFactory()
    act(shopper, shop["HEAD1"], clock)
    train()
    dim = settings.GRAPH_EMBEDDING_DIM
    taste = [1.0] + [0.0] * (dim - 1)
    Profile.objects.create(shopper=shopper, graph_vector=taste)
    trained = timezone.now()
    ProductGraphVector.objects.create(product=shop["RUN2"], vector=taste, trained_at=trained)
    ProductGraphVector.objects.create(product=shop["BOOT1"], vector=[-1.0] + [0.0] * (dim - 1), trained_at=trained)

    recs = {r.product.sku: r for r in engine.for_you(shopper=shopper, limit=50)}

    assert recs["RUN2"].reasons[0].kind == "taste"
    assert recs["RUN2"].reasons[0].text == "popular with shoppers whose taste is like yours"
    assert "taste" not in {reason.kind for reason in recs["BOOT1"].reasons}  # opposite taste: no graph score
    assert recs["RUN2"].score > recs["BOOT1"].score


# --------------------------------------------------------------------------------------------
# because_you_viewed
# --------------------------------------------------------------------------------------------


def test_because_you_viewed_gives_a_row_per_newest_product_without_repeats(shop, clock):
    crowd([shop["HEAD1"], shop["CASE1"]], clock, shoppers=5)
    crowd([shop["PAN1"], shop["UT1"]], clock, shoppers=5)
    shopper = ShopperFactory()
    act(shopper, shop["HEAD1"], clock)
    act(shopper, shop["PAN1"], clock)
    train()

    rows = engine.because_you_viewed(shopper=shopper)

    assert [seed.sku for seed, _ in rows] == ["PAN1", "HEAD1"]
    (_, pan_row), (_, head_row) = rows
    assert skus(pan_row)[0] == "UT1" and skus(head_row)[0] == "CASE1"
    assert not set(skus(pan_row)) & set(skus(head_row))
    assert head_row[0].reasons[0].text == "because you viewed Quietwave Wireless Noise-Cancelling Headphones"


# --------------------------------------------------------------------------------------------
# similar_items
# --------------------------------------------------------------------------------------------


def test_a_product_nobody_has_seen_gets_content_neighbours_from_its_department(shop):
    pan = shop["PAN3"]

    recs = engine.similar_items(product=pan)

    assert recs
    assert "PAN3" not in skus(recs)
    assert all(r.product.category.tree_key.startswith("/home-kitchen/") for r in recs)
    assert skus(recs)[0] in {"PAN1", "PAN2"}  # another pan first
    first = recs[0].reasons[0]
    assert first.kind == "similar" and first.product_id == pan.pk
    assert first.text.startswith("similar to this: ")
    assert "same brand (Hearthstone)" in first.text and "also cookware" in first.text
    assert "oven-safe" in first.text
    other_brand = next(r for r in recs if r.product.brand.name == "Kitchenly")
    assert "same brand" not in other_brand.reasons[0].text


def test_similar_items_add_what_viewers_went_on_to(shop, clock):
    crowd([shop["PAN3"], shop["CL1"]], clock, shoppers=5)
    train()

    recs = engine.similar_items(product=shop["PAN3"])

    assert skus(recs)[0] == "CL1"
    assert "also_viewed" in {reason.kind for reason in recs[0].reasons}


# --------------------------------------------------------------------------------------------
# bought_together and complete_purchase
# --------------------------------------------------------------------------------------------


def test_bought_together_offers_co_purchases_never_the_product_or_its_category_mates(shop, clock):
    orders([shop["HEAD1"], shop["CASE1"]], clock, times=4)
    orders([shop["HEAD1"], shop["CHG1"]], clock, times=2)
    orders([shop["HEAD1"], shop["HEAD2"]], clock, times=5)  # another headphone: an alternative, not a complement
    train()

    recs = engine.bought_together(product=shop["HEAD1"])

    assert skus(recs)[:2] == ["CASE1", "CHG1"]
    assert not {"HEAD1", "HEAD2", "HEAD3", "HEAD4"} & set(skus(recs))
    assert recs[0].reasons[0].kind == "bought_together"
    assert recs[0].reasons[0].text == "often bought together with this"


def test_complete_purchase_skips_the_cart_and_what_was_bought_before(shop, clock):
    orders([shop["HEAD1"], shop["CASE1"]], clock, times=4)
    orders([shop["HEAD1"], shop["CHG1"]], clock, times=3)
    orders([shop["PAN1"], shop["UT1"]], clock, times=3)
    orders([shop["PAN1"], shop["HEAD1"]], clock, times=1)
    shopper = ShopperFactory()
    act(shopper, shop["CHG1"], clock, Event.Kind.PURCHASE, order_id="earlier")
    train()

    recs = engine.complete_purchase(product_ids=[shop["HEAD1"].pk, shop["PAN1"].pk], shopper=shopper)

    offered = set(skus(recs))
    assert {"CASE1", "UT1"} <= offered
    assert not {"HEAD1", "PAN1", "CHG1"} & offered
    case = next(r for r in recs if r.product.sku == "CASE1")
    assert case.reasons[0].text == "goes with Quietwave Wireless Noise-Cancelling Headphones in your cart"


def test_complete_purchase_still_offers_a_complement_the_shopper_only_looked_at(shop, clock):
    orders([shop["HEAD1"], shop["CASE1"]], clock, times=4)
    shopper = ShopperFactory()
    act(shopper, shop["CASE1"], clock)  # looked at the case, did not buy it
    act(shopper, shop["HEAD1"], clock, Event.Kind.CART_ADD)
    train()

    recs = engine.complete_purchase(product_ids=[shop["HEAD1"].pk], shopper=shopper)

    assert skus(recs)[:1] == ["CASE1"]


def test_an_empty_cart_gets_nothing(shop):
    assert engine.complete_purchase(product_ids=[]) == []


# --------------------------------------------------------------------------------------------
# trending and recently_viewed
# --------------------------------------------------------------------------------------------


def test_trending_orders_by_decayed_popularity_and_counts_this_weeks_shoppers(shop):
    now = timezone.now()

    def by(n: int, product: Product, kind: str, days_ago: float) -> None:
        for _ in range(n):
            Event.objects.create(
                shopper=ShopperFactory(),
                kind=kind,
                product=product,
                order_id="o",
                created_at=now - timedelta(days=days_ago),
            )

    by(3, shop["CASE1"], Event.Kind.PURCHASE, 0.1)  # 15
    by(2, shop["PAN1"], Event.Kind.VIEW, 0.1)  # 2
    by(1, shop["RUN1"], Event.Kind.VIEW, 0.1)  # 1
    by(6, shop["BOOT1"], Event.Kind.VIEW, 10)  # 6 × 0.5^(10/3) ≈ 0.6, nobody this week
    training.popularity_refresh(now=now)

    recs = engine.trending()

    assert skus(recs) == ["CASE1", "PAN1", "RUN1", "BOOT1"]
    assert [r.reasons[0].text for r in recs] == [
        "trending: 3 shoppers this week",
        "trending: 2 shoppers this week",
        "trending: 1 shopper this week",
        "trending",
    ]
    assert skus(engine.trending(exclude={shop["PAN1"].pk})) == ["CASE1", "RUN1", "BOOT1"]


def test_trending_in_a_department_lists_only_its_products(shop, clock):
    crowd([shop["HEAD1"], shop["CASE1"]], clock, shoppers=3)
    crowd([shop["PAN1"]], clock, shoppers=2)
    train()
    kitchen = shop["PAN1"].category.parent

    assert skus(engine.trending(category=kitchen)) == ["PAN1"]
    assert skus(engine.trending(category=shop["RUN1"].category)) == ["RUN1", "RUN2"]  # nothing trends: best rated


def test_trending_skips_what_cannot_be_bought(shop, clock):
    crowd([shop["CASE1"]], clock, shoppers=3)
    crowd([shop["PAN1"]], clock, shoppers=2)
    train()
    Product.objects.filter(pk=shop["CASE1"].pk).update(stock=0)

    assert skus(engine.trending()) == ["PAN1"]


def test_before_anything_happened_trending_is_the_best_rated(shop):
    Product.objects.filter(pk=shop["UT2"].pk).update(rating=Decimal("4.9"))
    Product.objects.filter(pk=shop["RUN2"].pk).update(rating=Decimal("4.7"))

    recs = engine.trending(limit=2)

    assert skus(recs) == ["UT2", "RUN2"]
    assert recs[0].reasons[0].text == "rated 4.9 by 10 shoppers"


def test_recently_viewed_is_the_shoppers_own_newest_first(shop, clock):
    shopper, other = ShopperFactory(), ShopperFactory()
    act(shopper, shop["RUN1"], clock)
    act(other, shop["PAN1"], clock)
    act(shopper, shop["HEAD1"], clock)
    act(shopper, shop["BOOT1"], clock, Event.Kind.PURCHASE, order_id="o")
    act(shopper, shop["RUN1"], clock)  # seen again: moves to the front, once
    act(other, shop["UT1"], clock)

    recs = engine.recently_viewed(shopper=shopper)

    assert skus(recs) == ["RUN1", "BOOT1", "HEAD1"]
    texts = [r.reasons[0].text for r in recs]
    assert texts[0].startswith("you viewed this ") and texts[0].endswith(" ago")
    assert texts[1].startswith("you bought this ")
    assert skus(engine.recently_viewed(shopper=other)) == ["UT1", "PAN1"]
    assert skus(engine.recently_viewed(shopper=shopper, exclude={shop["RUN1"].pk}, limit=1)) == ["BOOT1"]
    assert engine.recently_viewed(shopper=None) == []

"""The demo generator: deterministic, plausible products; coherent shoppers; an idempotent command."""

from __future__ import annotations

import re
import statistics
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from catalog import demo
from catalog.models import Brand, Category, Product
from profiles.demo import HISTORY_DAYS, generate_shoppers
from profiles.models import Event, Shopper

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
NOW_ARG = "2025-06-01T12:00:00+00:00"


@pytest.fixture(scope="module")
def products() -> list:
    return list(demo.generate_products(3000, 42))


def _top(product) -> str:
    return product.category_path.split(" > ")[0]


# --- determinism ------------------------------------------------------------------------------


def test_same_seed_gives_identical_products_and_a_longer_run_extends_a_shorter_one():
    first = list(demo.generate_products(400, 7))
    assert first == list(demo.generate_products(400, 7))
    # Growing the demo must not rewrite the products already there.
    assert list(demo.generate_products(150, 7)) == first[:150]
    assert [p.sku for p in first[:3]] == ["DEMO-0000000", "DEMO-0000001", "DEMO-0000002"]


def test_different_seed_gives_different_products_with_the_same_skus_and_brand_names():
    a = list(demo.generate_products(400, 7))
    b = list(demo.generate_products(400, 8))
    assert [p.sku for p in a] == [p.sku for p in b]
    same_titles = sum(x.title == y.title for x, y in zip(a, b, strict=True))
    assert same_titles < 20
    # Brand names come from a fixed seed: whatever seed the user picks, they are the same brands.
    assert {p.brand for p in a} | {p.brand for p in b} <= set(demo.BRAND_BY_NAME)
    assert demo._make_brands() == demo.BRANDS


# --- breadth and vocabulary -------------------------------------------------------------------


def test_a_3000_product_run_spans_16_top_categories_and_120_brands(products):
    tops = Counter(_top(p) for p in products)
    assert len(tops) >= 16
    for required in ("Women's Clothing", "Men's Clothing", "Shoes", "Electronics", "Books", "Pet Supplies", "Jewelry"):
        assert tops[required] > 0, required
    assert all(" > " in p.category_path for p in products)
    assert len({p.brand for p in products}) >= 120
    assert len(demo.BRANDS) >= 120


def test_brands_sell_only_in_their_one_to_three_categories_and_tiers_shift_prices(products):
    assert all(1 <= len(b.tops) <= 3 for b in demo.BRANDS)
    assert {b.tier for b in demo.BRANDS} == {"budget", "mid", "premium"}
    position: dict[str, list[float]] = defaultdict(list)
    for p in products:
        brand = demo.BRAND_BY_NAME[p.brand]
        assert _top(p) in brand.tops, (p.sku, p.brand, p.category_path)
        position[brand.tier].append(demo.price_position(demo.SUBCATEGORIES[p.category_path], float(p.price)))
    budget, mid, premium = (statistics.mean(position[t]) for t in ("budget", "mid", "premium"))
    assert budget + 0.15 < mid < premium - 0.1


# --- attributes and descriptions --------------------------------------------------------------

SHOE_SIZES = {g: set(demo.SIZE_CHARTS[c]) for g, c in demo.SHOE_CHART_BY_GENDER.items()}
SIZE_RE = re.compile(r"^\d+(\.\d+)? (GB|TB)$")


def test_every_product_has_the_attributes_its_subcategory_promises(products):
    for p in products:
        sub = demo.SUBCATEGORIES[p.category_path]
        attrs = p.attributes
        missing = demo.attribute_keys(sub) - set(attrs)
        assert not missing, (p.sku, p.category_path, missing)
        features = attrs["features"]
        assert 1 <= len(features) <= 4 and len(set(features)) == len(features)
        assert set(features) <= set(sub.features)
        if "color" in attrs:
            assert isinstance(attrs["color"], str) and attrs["color"]


def test_apparel_and_shoes_carry_gender_and_sizes_from_the_right_chart(products):
    shoes = [p for p in products if _top(p) == "Shoes"]
    assert {p.attributes["gender"] for p in shoes} == {"women", "men", "unisex"}
    for p in shoes:
        sizes = p.attributes["sizes"]
        assert sizes and all(isinstance(s, str) for s in sizes)
        assert set(sizes) <= SHOE_SIZES[p.attributes["gender"]], (p.sku, sizes)
    for p in products:
        top = _top(p)
        if top == "Women's Clothing":
            assert p.attributes["gender"] == "women" and p.attributes["sizes"]
        elif top == "Men's Clothing":
            assert p.attributes["gender"] == "men" and p.attributes["sizes"]
        elif p.category_path == "Baby > Baby Clothing":
            assert p.attributes["gender"] == "kids"
        elif top not in ("Shoes",):
            assert "gender" not in p.attributes


def test_electronics_carry_flat_specs(products):
    by_sub = defaultdict(list)
    for p in products:
        by_sub[p.category_path].append(p)
    laptops = by_sub["Electronics > Laptops"]
    assert laptops
    for p in laptops:
        a = p.attributes
        assert SIZE_RE.match(a["storage"]) and SIZE_RE.match(a["ram"]), a
        assert re.match(r"^\d+(\.\d)? in$", a["screen_size"]), a
        assert isinstance(a["battery_hours"], int) and 4 <= a["battery_hours"] <= 24
        assert "Wi-Fi" in a["connectivity"]
    for path, keys in {
        "Electronics > Smartphones": {"storage", "ram", "screen_size", "battery_hours", "connectivity"},
        "Electronics > Tablets": {"storage", "ram", "screen_size", "battery_hours", "connectivity"},
        "Electronics > Headphones": {"battery_hours", "connectivity"},
        "Electronics > Smartwatches": {"battery_hours", "screen_size", "connectivity"},
        "Electronics > Speakers": {"battery_hours", "connectivity"},
    }.items():
        assert by_sub[path], path
        assert all(keys <= set(p.attributes) for p in by_sub[path]), path
    # Dearer laptops have more memory: specs follow the price.
    cheap = [p for p in laptops if p.price < 700]
    dear = [p for p in laptops if p.price > 1500]
    gb = {"8 GB": 8, "16 GB": 16, "32 GB": 32, "64 GB": 64}
    assert statistics.mean(gb[p.attributes["ram"]] for p in dear) > statistics.mean(
        gb[p.attributes["ram"]] for p in cheap
    )


def test_descriptions_are_two_to_four_sentences_naming_colour_material_and_features(products):
    for p in products:
        text = p.description.lower()
        sentences = re.findall(r"[.!?](?:\s|$)", p.description)
        assert 2 <= len(sentences) <= 4, (p.sku, p.description)
        if "color" in p.attributes:
            assert p.attributes["color"].lower() in text, (p.sku, p.description)
        if "material" in p.attributes:
            assert p.attributes["material"].lower() in text, (p.sku, p.description)
        assert p.attributes["features"][0].lower() in text, (p.sku, p.description)
        assert p.title and len(p.title) <= 400
        if demo.SUBCATEGORIES[p.category_path].kind != "book":
            assert p.brand in p.title, p.title


# --- prices, ratings, stock -------------------------------------------------------------------


def test_prices_lie_in_their_subcategory_range_and_end_in_99_or_49(products):
    assert (demo.SUBCATEGORIES["Shoes > Running Shoes"].low, demo.SUBCATEGORIES["Shoes > Running Shoes"].high) == (
        40,
        180,
    )
    assert (demo.SUBCATEGORIES["Electronics > Laptops"].low, demo.SUBCATEGORIES["Electronics > Laptops"].high) == (
        350,
        2500,
    )
    phone_cases = demo.SUBCATEGORIES["Computer Accessories > Phone Cases"]
    assert (phone_cases.low, phone_cases.high) == (8, 40)
    for p in products:
        sub = demo.SUBCATEGORIES[p.category_path]
        assert isinstance(p.price, Decimal)
        assert sub.low <= p.price <= sub.high, (p.sku, p.category_path, p.price)
        assert str(p.price).endswith((".99", ".49")), p.price


def test_ratings_reviews_stock_and_activity_look_like_a_real_shop(products):
    ratings = [p.rating for p in products]
    assert all(
        isinstance(r, Decimal) and Decimal("1.0") <= r <= Decimal("5.0") and r == r.quantize(Decimal("0.1"))
        for r in ratings
    )
    assert sum(Decimal("3.8") <= r <= Decimal("4.8") for r in ratings) / len(ratings) > 0.7
    by_tier = defaultdict(list)
    for p in products:
        by_tier[demo.BRAND_BY_NAME[p.brand].tier].append(float(p.rating))
    assert statistics.mean(by_tier["premium"]) > statistics.mean(by_tier["budget"]) + 0.2
    reviews = sorted(p.review_count for p in products)
    assert reviews[-1] > 20 * statistics.median(reviews)  # long tail
    assert 0.01 < sum(p.stock == 0 for p in products) / len(products) < 0.15
    assert 0.005 < sum(not p.is_active for p in products) / len(products) < 0.04
    assert all(p.image_url == "" for p in products)
    assert all(re.fullmatch(r"DEMO-\d{7}", p.sku) for p in products)


def test_generation_is_fast_enough_for_a_million_products():
    # Measured ~25k products/s on a busy 2-core machine; this guards against accidental slow paths.
    started = time.perf_counter()
    count = sum(1 for _ in demo.generate_products(20_000, 3))
    assert count == 20_000
    assert time.perf_counter() - started < 10


# --- the command and the shoppers -------------------------------------------------------------


def _run(*args: str) -> str:
    out = StringIO()
    call_command("generate_demo_catalog", *args, "--now", NOW_ARG, "--no-progress", stdout=out)
    return out.getvalue()


def _catalog_snapshot() -> dict[str, tuple]:
    return {
        sku: rest
        for sku, *rest in Product.objects.values_list(
            "sku",
            "content_hash",
            "title",
            "description",
            "price",
            "rating",
            "review_count",
            "stock",
            "is_active",
            "attributes",
            "category__path",
            "brand__name",
        )  # fmt: skip
    }


def _events_snapshot() -> list[tuple]:
    return list(
        Event.objects.order_by("id").values_list(
            "id",
            "shopper__user__username",
            "kind",
            "product__sku",
            "query",
            "surface",
            "position",
            "order_id",
            "price",
            "created_at",
            "client_event_id",
        )  # fmt: skip
    )


def _counts() -> dict[str, int]:
    return {
        "products": Product.objects.count(),
        "categories": Category.objects.count(),
        "brands": Brand.objects.count(),
        "users": get_user_model().objects.count(),
        "shoppers": Shopper.objects.count(),
        "events": Event.objects.count(),
    }


@pytest.mark.django_db
def test_command_run_twice_changes_nothing_and_a_new_seed_rewrites_without_duplicates():
    first_output = _run("--products", "300", "--shoppers", "10", "--seed", "5")
    counts, catalog, events = _counts(), _catalog_snapshot(), _events_snapshot()
    assert counts["products"] == 300 and counts["shoppers"] == 10 and counts["events"] > 100
    assert counts["brands"] >= 100 and counts["categories"] > 20
    assert "Products: 300 created, 0 updated" in first_output
    assert sorted(get_user_model().objects.values_list("username", flat=True)) == [
        f"shopper{i:03d}" for i in range(1, 11)
    ]
    assert not Product.objects.filter(embedding__isnull=False).exists()  # the launcher embeds afterwards

    second_output = _run("--products", "300", "--shoppers", "10", "--seed", "5")
    assert _counts() == counts
    assert _catalog_snapshot() == catalog
    assert _events_snapshot() == events  # same rows, same ids: nothing deleted and re-inserted
    assert "Products: 0 created, 300 updated" in second_output
    assert re.search(r"\b0 with rewritten history", second_output) and "(0 written, 0 replaced)" in second_output

    # A person's own click as shopper001 is theirs, not the generator's: a rerun must keep it.
    shopper = Shopper.objects.get(user__username="shopper001")
    own = Event.objects.create(shopper=shopper, kind=Event.Kind.VIEW, product=Product.objects.first(), created_at=NOW)
    _run("--products", "300", "--shoppers", "10", "--seed", "6")
    assert _catalog_snapshot() != catalog
    assert Event.objects.filter(pk=own.pk).exists()
    rows = _events_snapshot()
    generated = [r for r in rows if r[0] != own.pk]
    assert {r[1:] for r in generated} != {r[1:] for r in events}
    # No duplicates: one row per (shopper, moment, kind, product), and client ids are unique.
    keys = [(r[1], r[9], r[2], r[3]) for r in generated]
    assert len(keys) == len(set(keys))
    assert len({r[10] for r in generated}) == len(generated)
    assert Product.objects.count() == 300 and Shopper.objects.count() == 10


@pytest.mark.django_db
def test_shoppers_behave_according_to_their_tastes():
    _run("--products", "400", "--shoppers", "12", "--seed", "9")
    summary = generate_shoppers(count=12, seed=9, now=NOW)
    assert summary.shoppers_rewritten == 0 and summary.events_created == 0  # the command already wrote them
    tastes = summary.tastes
    assert len(tastes) == 12

    events = list(Event.objects.select_related("shopper__user", "product__category", "product__brand"))
    by_user: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        by_user[e.shopper.user.username].append(e)
    assert set(by_user) == set(tastes)

    pool_tops = Counter(p.split(" > ")[0] for p in Product.objects.active().values_list("category__path", flat=True))
    in_taste = total = 0
    baseline = []
    for username, evs in by_user.items():
        taste = tastes[username]
        views = [e for e in evs if e.kind == Event.Kind.VIEW]
        tops = [e.product.category.path.split(" > ")[0] for e in views]
        in_taste += sum(t in taste.tops for t in tops)
        total += len(tops)
        baseline.append(sum(pool_tops[t] for t in taste.tops) / sum(pool_tops.values()))
        # Without knowing the taste: a few categories hold most of a shopper's attention.
        if len(tops) >= 8:
            top3 = sum(n for _, n in Counter(tops).most_common(3))
            assert top3 / len(tops) >= 0.6, (username, Counter(tops))
        # Clothing and shoes always suit the shopper's gender.
        for e in views:
            gender = e.product.attributes.get("gender")
            assert gender in (None, "unisex", "kids", taste.gender), (username, taste.gender, gender)
    share = in_taste / total
    assert share >= 0.7, share
    assert share > 2 * statistics.mean(baseline), (share, statistics.mean(baseline))

    purchases = [e for e in events if e.kind == Event.Kind.PURCHASE]
    views_count = sum(e.kind == Event.Kind.VIEW for e in events)
    assert purchases and 0.01 < len(purchases) / views_count < 0.3
    carted: dict[tuple[int, int], list[datetime]] = defaultdict(list)
    for e in events:
        if e.kind == Event.Kind.CART_ADD:
            carted[(e.shopper_id, e.product_id)].append(e.created_at)
    for e in purchases:
        assert e.order_id and e.price == e.product.price
        assert any(t < e.created_at for t in carted[(e.shopper_id, e.product_id)]), e
    searches = [e for e in events if e.kind == Event.Kind.SEARCH]
    assert searches and all(e.query and e.product_id is None for e in searches)
    assert all(e.position for e in events if e.kind == Event.Kind.CLICK)
    assert all(NOW - timedelta(days=HISTORY_DAYS) <= e.created_at < NOW for e in events)


def test_shopper_history_needs_an_aware_now():
    with pytest.raises(ValueError, match="timezone-aware"):
        generate_shoppers(count=1, seed=1, now=datetime(2025, 6, 1))

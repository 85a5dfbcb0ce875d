"""Training the recommender's tables from the shop's events: item neighbours and trending."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

from catalog import services
from catalog.models import Product
from profiles.models import Event, Shopper
from recommend.models import ItemNeighbor, ProductPopularity
from recommend.recs import signals, training
from tests.factories import EventFactory, ProductFactory, ShopperFactory

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return NOW + timedelta(minutes=minutes)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def neighbours(kind: str) -> dict[tuple[int, int], float]:
    return {
        (source, target): score
        for source, target, score in ItemNeighbor.objects.filter(kind=kind).values_list(
            "product_id", "neighbor_id", "score"
        )
    }


def all_rows() -> list[tuple[int, int, str, float]]:
    return sorted(ItemNeighbor.objects.values_list("product_id", "neighbor_id", "kind", "score"))


def expected_next(sequences: list[list[int]]) -> dict[tuple[int, int], float]:
    """What signals.transitions gives on these product-id sequences, keyed by product ids."""
    ids = sorted({pk for sequence in sequences for pk in sequence})
    index = {pk: i for i, pk in enumerate(ids)}
    matrix = signals.transitions([[index[pk] for pk in s] for s in sequences], n_items=len(ids)).tocoo()
    return {(ids[r], ids[c]): float(v) for r, c, v in zip(matrix.row, matrix.col, matrix.data, strict=True)}


@pytest.fixture
def products(db) -> list[Product]:
    return [ProductFactory(title=f"Product {i}") for i in range(8)]


def _committed_products(n: int) -> list[Product]:
    """Products for tests that commit (no embedding queued: these tests are not about content)."""
    result = services.product_upsert_many(
        items=[services.ProductInput(sku=f"C{i}", title=f"Committed product {i}", stock=3) for i in range(n)],
        embed=False,
    )
    return list(Product.objects.filter(pk__in=result.product_ids).order_by("pk"))


@pytest.fixture
def committed_products(transactional_db) -> list[Product]:
    # Each training run commits its own transaction here, as in a worker: the advisory lock it takes
    # is released at its commit, not held to the end of the test as inside the `db` fixture's transaction.
    return _committed_products(8)


# --------------------------------------------------------------------------------------------
# signals_train: "next"
# --------------------------------------------------------------------------------------------


def test_next_neighbours_follow_each_shoppers_events_in_time_order(products):
    p = [product.pk for product in products]
    alice, bob = ShopperFactory(), ShopperFactory()
    # Recorded out of order (a late batch): time decides the sequence, not the row id.
    EventFactory(shopper=alice, product=products[2], created_at=at(30))
    EventFactory(shopper=alice, product=products[0], created_at=at(10))
    EventFactory(shopper=alice, product=products[1], created_at=at(20))
    EventFactory(shopper=bob, product=products[0], created_at=at(5))
    EventFactory(shopper=bob, product=products[1], created_at=at(6))
    # Events that name no product, or say nothing about interest, are not steps.
    EventFactory(shopper=bob, kind=Event.Kind.SEARCH, product=None, query="shoes", created_at=at(7))
    EventFactory(shopper=bob, kind=Event.Kind.CART_REMOVE, product=products[5], created_at=at(8))

    report = training.signals_train()

    stored = neighbours(ItemNeighbor.Kind.NEXT)
    expected = expected_next([[p[0], p[1], p[2]], [p[0], p[1]]])
    assert stored.keys() == expected.keys()
    assert stored == pytest.approx(expected, rel=1e-6)
    # What a shopper would notice: after product 0 comes product 1, then 2; not the other way round.
    assert stored[p[0], p[1]] > stored[p[0], p[2]]
    assert stored[p[0], p[1]] > stored[p[1], p[0]]
    assert not any(p[5] in pair for pair in stored)
    assert (report.shoppers, report.products, report.next_rows) == (2, 3, len(expected))


def test_repeated_events_of_one_product_are_one_step(products):
    p = [product.pk for product in products]
    shopper = ShopperFactory()
    EventFactory(shopper=shopper, product=products[0], created_at=at(0))
    # View, cart, save and buy the same product: one step, so product 0 still reaches product 2 in the window.
    for minute, kind in enumerate((Event.Kind.VIEW, Event.Kind.CART_ADD, Event.Kind.WISHLIST, Event.Kind.PURCHASE)):
        EventFactory(shopper=shopper, kind=kind, product=products[1], order_id="o1", created_at=at(1 + minute))
    EventFactory(shopper=shopper, product=products[2], created_at=at(10))

    training.signals_train()

    stored = neighbours(ItemNeighbor.Kind.NEXT)
    assert stored == pytest.approx(expected_next([[p[0], p[1], p[2]]]), rel=1e-6)
    assert (p[0], p[2]) in stored
    assert not any(source == target for source, target in stored)


def test_paused_shoppers_are_left_out(products):
    p = [product.pk for product in products]
    active = ShopperFactory()
    paused = ShopperFactory(personalization_paused=True)
    EventFactory(shopper=active, product=products[0], created_at=at(0))
    EventFactory(shopper=active, product=products[1], created_at=at(1))
    for minute, product in enumerate((products[3], products[4], products[0])):
        EventFactory(shopper=paused, product=product, created_at=at(minute))
        EventFactory(shopper=paused, kind=Event.Kind.PURCHASE, product=product, order_id="p1", created_at=at(minute))

    report = training.signals_train()

    involved = {pk for pair in neighbours(ItemNeighbor.Kind.NEXT) for pk in pair}
    assert involved == {p[0], p[1]}
    assert not neighbours(ItemNeighbor.Kind.BOUGHT)
    assert report.shoppers == 1


# --------------------------------------------------------------------------------------------
# signals_train: "bought"
# --------------------------------------------------------------------------------------------


def test_bought_together_comes_from_purchases_sharing_an_order(products):
    p = [product.pk for product in products]
    alice, bob = ShopperFactory(), ShopperFactory()

    def buy(shopper: Shopper, product: Product, order_id: str, minute: float) -> None:
        EventFactory(
            shopper=shopper, kind=Event.Kind.PURCHASE, product=product, order_id=order_id, created_at=at(minute)
        )

    buy(alice, products[0], "A-1", 0)
    buy(alice, products[1], "A-1", 0)
    buy(alice, products[2], "A-2", 60)  # a later order: not bought together with 0 or 1
    buy(bob, products[0], "B-1", 0)
    buy(bob, products[3], "B-1", 0)
    # Carted together but not bought: no evidence of a basket.
    EventFactory(shopper=bob, kind=Event.Kind.CART_ADD, product=products[4], created_at=at(1))
    EventFactory(shopper=bob, kind=Event.Kind.CART_ADD, product=products[5], created_at=at(2))

    report = training.signals_train()

    stored = neighbours(ItemNeighbor.Kind.BOUGHT)
    # Product 0 is in two orders, 1 and 3 in one each: cosine 1/√2 with each; symmetric.
    assert stored == pytest.approx(
        {
            (p[0], p[1]): 2**-0.5,
            (p[1], p[0]): 2**-0.5,
            (p[0], p[3]): 2**-0.5,
            (p[3], p[0]): 2**-0.5,
        },
        rel=1e-6,
    )
    assert report.orders == 3


def test_purchases_without_an_order_id_form_one_basket_per_shopper(products):
    p = [product.pk for product in products]
    shopper = ShopperFactory()
    EventFactory(shopper=shopper, kind=Event.Kind.PURCHASE, product=products[0], order_id="", created_at=at(0))
    EventFactory(shopper=shopper, kind=Event.Kind.PURCHASE, product=products[1], order_id="", created_at=at(90))
    other = ShopperFactory()
    EventFactory(shopper=other, kind=Event.Kind.PURCHASE, product=products[2], order_id="", created_at=at(0))

    training.signals_train()

    assert set(neighbours(ItemNeighbor.Kind.BOUGHT)) == {(p[0], p[1]), (p[1], p[0])}


# --------------------------------------------------------------------------------------------
# signals_train: reruns and concurrency
# --------------------------------------------------------------------------------------------


def _some_history(products: list[Product], *, start: datetime = NOW) -> list[Shopper]:
    def when(minutes: float) -> datetime:
        return start + timedelta(minutes=minutes)

    shoppers = [ShopperFactory() for _ in range(3)]
    for s, shopper in enumerate(shoppers):
        for step in range(4):
            EventFactory(shopper=shopper, product=products[(s + step) % 6], created_at=when(step))
        for product in (products[s], products[s + 1]):
            EventFactory(
                shopper=shopper, kind=Event.Kind.PURCHASE, product=product, order_id=f"o{s}", created_at=when(9)
            )
    return shoppers


def test_a_rerun_replaces_the_rows_with_the_same_rows(products):
    _some_history(products)
    training.signals_train()
    first = all_rows()
    assert first

    training.signals_train()

    assert all_rows() == first  # no duplicates, nothing lost


def test_a_rerun_reflects_what_changed_since(products):
    shoppers = _some_history(products)
    training.signals_train()
    before = set(neighbours(ItemNeighbor.Kind.NEXT))

    Shopper.objects.filter(pk=shoppers[0].pk).update(personalization_paused=True)
    EventFactory(shopper=shoppers[1], product=products[7], created_at=at(100))
    training.signals_train()

    after = set(neighbours(ItemNeighbor.Kind.NEXT))
    assert after != before
    assert any(products[7].pk in pair for pair in after)
    # Shopper 0 alone walked 0 → 1; paused, that path is gone.
    assert (products[0].pk, products[1].pk) in before
    assert (products[0].pk, products[1].pk) not in after


def test_a_product_deleted_while_training_is_left_out(products, monkeypatch):
    p = [product.pk for product in products]
    shopper = ShopperFactory()
    for minute, product in enumerate(products[:3]):
        EventFactory(shopper=shopper, product=product, created_at=at(minute))
    read = training._product_events

    def read_then_delete():
        yield from read()
        Product.objects.filter(pk=p[1]).delete()  # an admin deletes it between the read and the write

    monkeypatch.setattr(training, "_product_events", read_then_delete)

    training.signals_train()

    assert set(neighbours(ItemNeighbor.Kind.NEXT)) == {(p[0], p[2]), (p[2], p[0])}


@pytest.fixture
def advisory_lock_elsewhere():
    """Hold an advisory lock from a second connection to the same (test) database, as another worker would."""
    other = connections.create_connection("default")
    held: list[int] = []

    def hold(key: int) -> None:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [key])
        held.append(key)

    yield hold
    with other.cursor() as cursor:
        for key in held:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
    other.close()


def test_a_run_while_another_is_in_progress_raises_busy_and_keeps_the_table(
    committed_products, advisory_lock_elsewhere
):
    products = committed_products
    _some_history(products)
    training.signals_train()
    before = all_rows()
    EventFactory(shopper=ShopperFactory(), product=products[7], created_at=at(50))
    EventFactory(shopper=ShopperFactory(), product=products[6], created_at=at(51))

    advisory_lock_elsewhere(training.SIGNALS_LOCK)
    with pytest.raises(training.SignalsBusy):
        training.signals_train()

    assert all_rows() == before


# --------------------------------------------------------------------------------------------
# popularity_refresh
# --------------------------------------------------------------------------------------------


@pytest.fixture
def half_life(settings) -> float:
    settings.TRENDING_HALF_LIFE_DAYS = 3.0
    return 3.0


def popularity() -> dict[int, tuple[float, int]]:
    return {
        pk: (score, n)
        for pk, score, n in ProductPopularity.objects.values_list("product_id", "score", "recent_shoppers")
    }


def test_a_recent_purchase_outweighs_older_views(products, half_life):
    fresh, stale, halved = products[0], products[1], products[2]
    EventFactory(kind=Event.Kind.PURCHASE, product=fresh, order_id="o", created_at=NOW)
    for _ in range(4):  # four views two half-lives ago: 4 × 1 × ¼ = 1
        EventFactory(product=stale, created_at=days_ago(2 * half_life))
    EventFactory(kind=Event.Kind.PURCHASE, product=halved, order_id="o", created_at=days_ago(half_life))

    scored = training.popularity_refresh(now=NOW)

    scores = {pk: score for pk, (score, _) in popularity().items()}
    assert scored == 3
    assert scores[fresh.pk] == pytest.approx(5.0)
    assert scores[stale.pk] == pytest.approx(1.0)
    assert scores[halved.pk] == pytest.approx(2.5)  # a purchase one half-life ago counts half
    assert ProductPopularity.objects.get(pk=fresh.pk).updated_at == NOW


def test_each_kind_of_event_weighs_as_documented(products, half_life):
    weights = {
        Event.Kind.VIEW: 1.0,
        Event.Kind.CLICK: 1.0,
        Event.Kind.WISHLIST: 2.0,
        Event.Kind.CART_ADD: 3.0,
        Event.Kind.PURCHASE: 5.0,
        Event.Kind.CART_REMOVE: None,  # not interest: not read
        Event.Kind.SEARCH: None,
    }
    for product, kind in zip(products, weights, strict=False):
        EventFactory(kind=kind, product=product, created_at=NOW)

    training.popularity_refresh(now=NOW)

    scores = {pk: score for pk, (score, _) in popularity().items()}
    expected = {product.pk: w for product, w in zip(products, weights.values(), strict=False) if w is not None}
    assert scores == pytest.approx(expected)


def test_recent_shoppers_counts_distinct_shoppers_of_the_last_week(products, half_life):
    product = products[0]
    regular, visitor, old_friend = ShopperFactory(), ShopperFactory(), ShopperFactory()
    for hours in (1, 2, 3):  # one shopper, three views: one shopper
        EventFactory(shopper=regular, product=product, created_at=NOW - timedelta(hours=hours))
    EventFactory(shopper=visitor, kind=Event.Kind.CART_ADD, product=product, created_at=days_ago(6.5))
    EventFactory(shopper=old_friend, product=product, created_at=days_ago(8))  # outside the week, still scored

    training.popularity_refresh(now=NOW)

    score, recent = popularity()[product.pk]
    assert recent == 2
    assert score > 3.0  # the old view still adds a little to the score


def test_events_after_now_and_beyond_the_horizon_are_not_read(products, half_life):
    EventFactory(product=products[0], created_at=NOW + timedelta(hours=1))
    EventFactory(product=products[1], created_at=days_ago(half_life * training.POPULARITY_HORIZON_HALF_LIVES + 1))
    EventFactory(product=products[2], created_at=days_ago(1))

    training.popularity_refresh(now=NOW)

    assert set(popularity()) == {products[2].pk}


def test_paused_shoppers_do_not_make_anything_trend(products, half_life):
    paused = ShopperFactory(personalization_paused=True)
    active = ShopperFactory()
    EventFactory(shopper=paused, kind=Event.Kind.PURCHASE, product=products[0], order_id="o", created_at=NOW)
    EventFactory(shopper=paused, product=products[1], created_at=NOW)
    EventFactory(shopper=active, product=products[1], created_at=NOW)

    training.popularity_refresh(now=NOW)

    assert popularity() == {products[1].pk: (pytest.approx(1.0), 1)}


def test_a_popularity_rerun_replaces_the_rows(products, half_life):
    EventFactory(product=products[0], created_at=days_ago(1))
    EventFactory(product=products[1], created_at=days_ago(1))
    training.popularity_refresh(now=NOW)
    first = popularity()

    assert training.popularity_refresh(now=NOW) == 2
    assert popularity() == first

    Event.objects.filter(product=products[0]).delete()
    training.popularity_refresh(now=NOW)
    assert set(popularity()) == {products[1].pk}


def test_a_popularity_run_while_another_is_in_progress_changes_nothing(
    committed_products, half_life, advisory_lock_elsewhere
):
    products = committed_products
    EventFactory(product=products[0], created_at=days_ago(1))
    training.popularity_refresh(now=NOW)
    before = popularity()
    EventFactory(product=products[1], created_at=days_ago(1))

    advisory_lock_elsewhere(training.POPULARITY_LOCK)
    assert training.popularity_refresh(now=NOW) == 0

    assert popularity() == before


# --------------------------------------------------------------------------------------------
# manage.py train_recommendations
# --------------------------------------------------------------------------------------------


def test_the_command_trains_both_tables_and_says_what_it_did(products):
    _some_history(products, start=timezone.now() - timedelta(hours=1))  # trending reads the last weeks
    out = io.StringIO()

    call_command("train_recommendations", stdout=out)

    next_rows = ItemNeighbor.objects.filter(kind=ItemNeighbor.Kind.NEXT).count()
    bought_rows = ItemNeighbor.objects.filter(kind=ItemNeighbor.Kind.BOUGHT).count()
    assert next_rows and bought_rows and ProductPopularity.objects.exists()
    text = out.getvalue()
    assert "18 events of 3 shoppers over 6 products, 3 orders" in text
    assert f"{next_rows} next-item rows, {bought_rows} bought-together rows" in text
    assert f"trending: {ProductPopularity.objects.count()} products" in text


def test_the_command_says_so_when_another_run_holds_the_lock(products, advisory_lock_elsewhere):
    _some_history(products)
    advisory_lock_elsewhere(training.SIGNALS_LOCK)
    out, err = io.StringIO(), io.StringIO()

    call_command("train_recommendations", stdout=out, stderr=err)

    assert "another worker is training the recommendation signals" in err.getvalue()
    assert not ItemNeighbor.objects.exists()


# --------------------------------------------------------------------------------------------
# The periodic tasks, through the real broker and a real worker
# --------------------------------------------------------------------------------------------


def _wait_for(predicate, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
def test_the_tasks_fill_the_tables_through_a_real_worker(celery_worker_thread):
    from recommend import tasks

    p = [product.pk for product in _committed_products(3)]
    now = datetime.now(tz=UTC)
    for s in range(2):
        shopper = Shopper.objects.create(session_key=f"worker-{s}")
        for step, pk in enumerate(p):
            Event.objects.create(
                shopper=shopper, kind=Event.Kind.VIEW, product_id=pk, created_at=now - timedelta(minutes=10 - step)
            )
        Event.objects.create(
            shopper=shopper, kind=Event.Kind.PURCHASE, product_id=p[0], order_id=f"w{s}", created_at=now
        )
        Event.objects.create(
            shopper=shopper, kind=Event.Kind.PURCHASE, product_id=p[2], order_id=f"w{s}", created_at=now
        )

    tasks.train_recommendation_signals.delay()
    tasks.refresh_trending.delay()

    assert _wait_for(lambda: ItemNeighbor.objects.filter(kind=ItemNeighbor.Kind.BOUGHT).exists())
    assert _wait_for(lambda: ProductPopularity.objects.count() == 3)
    assert ItemNeighbor.objects.filter(kind=ItemNeighbor.Kind.NEXT, product_id=p[0], neighbor_id=p[1]).exists()
    assert set(ItemNeighbor.objects.filter(kind=ItemNeighbor.Kind.BOUGHT).values_list("product_id", "neighbor_id")) == {
        (p[0], p[2]),
        (p[2], p[0]),
    }
    assert ProductPopularity.objects.get(pk=p[0]).recent_shoppers == 2

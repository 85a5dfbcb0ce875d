"""Knowledge-graph embeddings (profiles/graph.py) trained on a small real catalog and real events."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from django.conf import settings
from django.core.management import call_command

from catalog import services
from catalog.models import Product
from profiles import graph
from profiles.models import Event, ProductGraphVector, Profile
from profiles.tasks import train_graph_embeddings
from tests.factories import EventFactory, ShopperFactory

EPOCHS = 60
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _products() -> dict[str, int]:
    """Boots by Trailcraft and cookware by Panmaster, all 'durable' (so the two halves of the graph touch)."""
    items = []
    for i in range(1, 6):
        items.append(
            services.ProductInput(
                sku=f"BOOT-{i}",
                title=f"Leather boot {i}",
                category_path="Shoes > Boots",
                brand="Trailcraft",
                attributes={"color": "brown", "material": "leather", "features": ["waterproof", "durable"]},
            )
        )
        items.append(
            services.ProductInput(
                sku=f"PAN-{i}",
                title=f"Cast iron pan {i}",
                category_path="Home & Kitchen > Cookware",
                brand="Panmaster",
                attributes={"color": "black", "material": "cast iron", "features": ["oven-safe", "durable"]},
            )
        )
    # Nobody has touched these two yet: they must be placed by their category, brand and attributes.
    items.append(
        services.ProductInput(
            sku="BOOT-NEW",
            title="New boot",
            category_path="Shoes > Boots",
            brand="Trailcraft",
            attributes={"color": "brown", "material": "leather", "features": ["waterproof"]},
        )
    )
    items.append(
        services.ProductInput(
            sku="PAN-NEW",
            title="New pan",
            category_path="Home & Kitchen > Cookware",
            brand="Panmaster",
            attributes={"color": "black", "material": "cast iron", "features": ["oven-safe"]},
        )
    )
    services.product_upsert_many(items=items, embed=False)
    return dict(Product.objects.values_list("sku", "id"))


def _shop(shopper, product_id: int, kinds: tuple[str, ...], day: int) -> None:
    product = Product.objects.get(pk=product_id)
    for n, kind in enumerate(kinds):
        EventFactory(shopper=shopper, product=product, kind=kind, created_at=NOW - timedelta(days=day, minutes=n))


@pytest.fixture
def shop(db):
    """Three boot lovers, three cooks (each has seen four of the five of their kind), one who looks at both."""
    ids = _products()
    shoppers = {}
    for s in range(3):
        boots = ShopperFactory(user__username=f"hiker{s}")
        cook = ShopperFactory(user__username=f"cook{s}")
        for i in range(1, 6):
            if i == s + 1:
                continue  # each leaves one of the five out, which the others have seen
            _shop(boots, ids[f"BOOT-{i}"], ("view", "cart_add", "purchase") if i % 2 else ("click", "view"), day=i)
            _shop(cook, ids[f"PAN-{i}"], ("view", "cart_add", "purchase") if i % 2 else ("click", "view"), day=i)
        shoppers[f"hiker{s}"], shoppers[f"cook{s}"] = boots, cook
    wanderer = ShopperFactory(user__username="wanderer")
    _shop(wanderer, ids["BOOT-3"], ("view",), day=1)
    _shop(wanderer, ids["PAN-3"], ("view",), day=2)
    shoppers["wanderer"] = wanderer
    shoppers["idle"] = ShopperFactory(user__username="idle")  # no events at all
    return ids, shoppers


def _cos(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def _product_vectors() -> dict[int, np.ndarray]:
    return {row.product_id: np.asarray(row.vector) for row in ProductGraphVector.objects.all()}


def _shopper_vector(shopper) -> np.ndarray:
    return np.asarray(Profile.objects.get(shopper=shopper).graph_vector)


def test_shopper_vector_ranks_their_taste_first(shop):
    ids, shoppers = shop
    report = graph.graph_train(epochs=EPOCHS, seed=1)
    assert report.shoppers == 7 and report.products_trained == 10 and report.products_inferred == 2

    vectors = _product_vectors()
    boots = [ids[f"BOOT-{i}"] for i in range(1, 6)] + [ids["BOOT-NEW"]]
    pans = [ids[f"PAN-{i}"] for i in range(1, 6)] + [ids["PAN-NEW"]]
    for name, mine, theirs in [("hiker0", boots, pans), ("hiker2", boots, pans), ("cook1", pans, boots)]:
        me = _shopper_vector(shoppers[name])
        ranked = sorted(vectors, key=lambda pid, me=me: -_cos(me, vectors[pid]))
        # Every product of their kind, including the one they never saw and the brand-new one, comes first.
        assert set(ranked[: len(mine)]) == set(mine), name
        assert set(ranked[len(mine) :]) == set(theirs), name
    # The one product of five that hiker0 left out is close to them, and every pan far.
    hiker0 = _shopper_vector(shoppers["hiker0"])
    assert _cos(hiker0, vectors[ids["BOOT-1"]]) > 0.8
    assert max(_cos(hiker0, vectors[p]) for p in pans) < 0.0


def test_cold_product_lands_beside_its_brand_and_category(shop):
    ids, shoppers = shop
    graph.graph_train(epochs=EPOCHS, seed=1)
    vectors = _product_vectors()
    new_boot, new_pan = vectors[ids["BOOT-NEW"]], vectors[ids["PAN-NEW"]]
    assert not Event.objects.filter(product_id__in=[ids["BOOT-NEW"], ids["PAN-NEW"]]).exists()

    for i in range(1, 6):
        # Close to every product of its brand and category, away from the others (a random 64-d vector
        # would sit near 0 with all of them).
        assert _cos(new_boot, vectors[ids[f"BOOT-{i}"]]) > 0.8
        assert _cos(new_pan, vectors[ids[f"PAN-{i}"]]) > 0.8
        assert _cos(new_boot, vectors[ids[f"PAN-{i}"]]) < 0.0
        assert _cos(new_pan, vectors[ids[f"BOOT-{i}"]]) < 0.0
    for s in range(3):
        hiker, cook = _shopper_vector(shoppers[f"hiker{s}"]), _shopper_vector(shoppers[f"cook{s}"])
        assert _cos(hiker, new_boot) > 0.8 > 0.0 > _cos(hiker, new_pan)
        assert _cos(cook, new_pan) > 0.8 > 0.0 > _cos(cook, new_boot)


def test_vectors_are_stored_with_configured_dimension(shop):
    ids, shoppers = shop
    assert not Profile.objects.exists()
    graph.graph_train(epochs=3, seed=1)

    # Profiles are created for shoppers with events; the idle shopper gets none.
    assert Profile.objects.filter(graph_vector__isnull=False).count() == 7
    assert not Profile.objects.filter(shopper=shoppers["idle"]).exists()
    for profile in Profile.objects.all():
        assert len(profile.graph_vector) == settings.GRAPH_EMBEDDING_DIM
        assert profile.graph_trained_at is not None
    rows = list(ProductGraphVector.objects.all())
    assert {row.product_id for row in rows} == set(ids.values())
    assert all(len(row.vector) == settings.GRAPH_EMBEDDING_DIM for row in rows)


def test_other_dimensions_are_refused(shop):
    with pytest.raises(graph.GraphTrainingError):
        graph.graph_train(epochs=1, dim=settings.GRAPH_EMBEDDING_DIM + 1)
    assert not ProductGraphVector.objects.exists()


def test_rerun_replaces_and_is_deterministic(shop):
    ids, shoppers = shop
    graph.graph_train(epochs=5, seed=3)
    first_at = ProductGraphVector.objects.get(product_id=ids["BOOT-1"]).trained_at
    first = _product_vectors()
    first_hiker = _shopper_vector(shoppers["hiker0"])

    graph.graph_train(epochs=5, seed=3)
    assert ProductGraphVector.objects.count() == len(ids)
    assert Profile.objects.count() == 7
    assert set(ProductGraphVector.objects.values_list("trained_at", flat=True)) != {first_at}
    assert len(set(ProductGraphVector.objects.values_list("trained_at", flat=True))) == 1
    second = _product_vectors()
    for pid in ids.values():
        np.testing.assert_allclose(second[pid], first[pid], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_shopper_vector(shoppers["hiker0"]), first_hiker, rtol=1e-5, atol=1e-6)

    # The wanderer's events are erased: the next run clears their vector instead of keeping a stale one.
    Event.objects.filter(shopper=shoppers["wanderer"]).delete()
    graph.graph_train(epochs=5, seed=3)
    wanderer = Profile.objects.get(shopper=shoppers["wanderer"])
    assert wanderer.graph_vector is None and wanderer.graph_trained_at is None
    assert Profile.objects.filter(graph_vector__isnull=False).count() == 6


def test_paused_shopper_is_left_out(shop):
    ids, shoppers = shop
    shoppers["hiker1"].personalization_paused = True
    shoppers["hiker1"].save(update_fields=["personalization_paused"])
    report = graph.graph_train(epochs=2, seed=1)
    assert report.shoppers == 6
    assert not Profile.objects.filter(shopper=shoppers["hiker1"], graph_vector__isnull=False).exists()


def test_command_prints_summary(shop):
    from io import StringIO

    out = StringIO()
    call_command("train_graph", "--epochs", "2", "--seed", "4", "--no-progress", stdout=out)
    text = out.getvalue()
    assert "7 shoppers" in text and "10 products trained" in text and "2 placed from" in text
    assert ProductGraphVector.objects.count() == 12


def test_nothing_to_train_on_is_reported(db):
    _products()
    report = graph.graph_train(epochs=2)
    assert report.skipped and not ProductGraphVector.objects.exists()


def _wait_for(predicate, timeout: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
def test_task_trains_through_real_worker(celery_worker_thread, shop):
    ids, shoppers = shop
    assert not ProductGraphVector.objects.exists()
    train_graph_embeddings.delay(epochs=3, seed=2)
    assert _wait_for(lambda: ProductGraphVector.objects.count() == len(ids))
    assert _wait_for(lambda: Profile.objects.filter(graph_vector__isnull=False).count() == 7)
    # It went through the `training` queue (settings.CELERY_TASK_ROUTES), which scales on its own machines.
    route = celery_worker_thread.amqp.router.route({}, train_graph_embeddings.name)
    assert route["queue"].name == "training"

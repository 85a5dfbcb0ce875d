"""The knobs reach the engines: a shopper's variant changes their search and recommendation rankings.

Real model, real Postgres, the small search catalog of tests/conftest.py.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from catalog import services as catalog_services
from catalog.models import Product
from profiles.models import Event, Profile
from profiles.services import price_band
from recommend.experiments import knobs
from recommend.experiments.knobs import Knobs
from recommend.models import ProductPopularity, RankingSettings
from recommend.recs import engine as recs
from recommend.search import personal
from recommend.search.engine import search
from tests.recommend.experiments_setup import experiment, shoppers_in

pytestmark = pytest.mark.django_db


def skus(result) -> list[str]:
    return [hit.product.sku for hit in result.hits]


def test_without_personalisation_a_variant_gets_no_personal_lift(search_catalog):
    plain = skus(search(q="running shoes", log=False))
    exp = experiment(B={"personalization": 0.0})
    off, on = shoppers_in(exp, "B", 1)[0], shoppers_in(exp, "control", 1)[0]
    for shopper in (off, on):
        Profile.objects.create(shopper=shopper, affinities={"brand": {"altura": 1.0}})
    lifted = search(q="running shoes", shopper_id=on.pk, log=False)
    assert skus(lifted) != plain and lifted.hits[0].product.brand.slug == "altura"  # the control still lifts
    unlifted = search(q="running shoes", shopper_id=off.pk, log=False)
    assert skus(unlifted) == plain
    assert not any(r.kind == "personal" for h in unlifted.hits for r in h.reasons)


def test_personalisation_strength_scales_the_bound(search_catalog):
    hits = search(q="shoes", log=False).hits
    plain = [h.product.sku for h in hits]
    liked = hits[-1].product  # the least relevant: room to rise further than 3 places
    exp = experiment(B={"personalization": 2.0})
    strong, normal = shoppers_in(exp, "B", 1)[0], shoppers_in(exp, "control", 1)[0]
    for shopper in (strong, normal):
        Profile.objects.create(
            shopper=shopper,
            affinities={"brand": {liked.brand.slug: 1.0}, "category": {liked.category.slug: 1.0},
                        "price_band": {price_band(liked.price): 1.0}},
        )  # fmt: skip

    def rises(shopper) -> dict[str, int]:
        lifted = skus(search(q="shoes", shopper_id=shopper.pk, log=False))
        assert sorted(lifted) == sorted(plain)
        return {sku: plain.index(sku) - lifted.index(sku) for sku in plain}

    normal_rises, strong_rises = rises(normal), rises(strong)
    assert max(normal_rises.values()) <= personal.MAX_LIFT
    assert strong_rises[liked.sku] > normal_rises[liked.sku]  # twice the strength: the liked boot climbs further
    assert max(strong_rises.values()) <= 2 * personal.MAX_LIFT


def test_a_variant_without_the_dense_retriever_ranks_by_keyword_fusion(search_catalog, settings):
    settings.SEARCH_RERANK = False  # the fusion order itself
    exp = experiment(B={"dense_weight": 0.0})
    words_only, control = shoppers_in(exp, "B", 1)[0], shoppers_in(exp, "control", 1)[0]
    fused = search(q="boots for rain", shopper_id=control.pk, log=False)
    by_words = search(q="boots for rain", shopper_id=words_only.pk, log=False)
    assert skus(by_words) != skus(fused)
    assert sorted(skus(by_words)) == sorted(skus(fused))  # the same candidates, ordered differently
    ranks = [h.keyword_rank for h in by_words.hits]
    matched = [r for r in ranks if r is not None]
    assert matched == sorted(matched) and len(matched) >= 2  # the full-text order...
    assert ranks[: len(matched)] == matched  # ...and products the words did not find come last
    # The control ranks by both: somewhere a product the words ranked lower leads.
    control_ranks = [h.keyword_rank for h in fused.hits if h.keyword_rank is not None]
    assert control_ranks != sorted(control_ranks)


def test_the_fusion_weights_reach_the_learned_re_ranker(search_catalog):
    """The weights scale the re-ranker's two fusion features (how much the order then moves depends on the
    learned weights of those features, retrained whenever the ranker is)."""
    control = search(q="leather", log=False)
    by_words = search(q="leather", log=False, knobs=Knobs(dense_weight=0.0))
    assert sorted(skus(by_words)) == sorted(skus(control))
    assert any(hit.features["rrf_dense"] > 0 for hit in control.hits)
    assert all(hit.features["rrf_dense"] == 0 for hit in by_words.hits)
    keyword = {h.product.sku: h.features["rrf_keyword"] for h in control.hits}
    assert {h.product.sku: h.features["rrf_keyword"] for h in by_words.hits} == keyword  # only the dense term moved
    assert search(q="leather", log=False, knobs=Knobs()).hits[0].product.sku == control.hits[0].product.sku


MUGS = [
    catalog_services.ProductInput(
        sku=f"MUG{i}", title=f"{colour} Stoneware Coffee Mug", category_path="Kitchen > Mugs", brand="Clayworks",
        price=Decimal("14.00"), stock=10, description=f"A {colour.lower()} stoneware mug for coffee and tea.",
    )
    for i, colour in enumerate(["Blue", "Green", "Red", "White", "Black", "Grey", "Yellow", "Pink"])
] + [
    catalog_services.ProductInput(
        sku=f"CUP{i}", title=f"{kind} Coffee Cup", category_path="Kitchen > Cups", brand="Clayworks",
        price=Decimal("12.00"), stock=10, description=f"A {kind.lower()} cup for coffee.",
    )
    for i, kind in enumerate(["Glass", "Espresso", "Travel", "Paper"])
] + [
    catalog_services.ProductInput(
        sku=f"POT{i}", title=f"{kind} Teapot", category_path="Kitchen > Teapots", brand="Clayworks",
        price=Decimal("30.00"), stock=10, description=f"A {kind.lower()} teapot for loose leaf tea.",
    )
    for i, kind in enumerate(["Cast Iron", "Glass", "Ceramic", "Clay"])
]  # fmt: skip


@pytest.fixture
def mug_shelf(db, embedding_model):
    catalog_services.product_upsert_many(items=MUGS, embed=False)
    catalog_services.product_embed()
    now = timezone.now()
    products = list(Product.objects.order_by("sku"))
    ProductPopularity.objects.bulk_create(
        # The mugs are the most popular.
        ProductPopularity(product=p, score=(10.0 if p.sku.startswith("MUG") else 1.0) + i / 100, recent_shoppers=1,
                          updated_at=now)
        for i, p in enumerate(products)
    )  # fmt: skip
    return {p.sku: p for p in products}


def _mugs(recommendations) -> int:
    return sum(r.product.sku.startswith("MUG") for r in recommendations)


def test_the_diversity_knob_caps_a_category_in_recommendations(mug_shelf):
    exp = experiment(B={"recs_diversity": 1})  # no cap
    capped, uncapped = shoppers_in(exp, "control", 1)[0], shoppers_in(exp, "B", 1)[0]
    for shopper in (capped, uncapped):
        Event.objects.create(
            shopper=shopper, kind=Event.Kind.VIEW, product=mug_shelf["MUG0"], created_at=timezone.now()
        )
    assert _mugs(recs.for_you(shopper=capped, limit=6)) == 2  # a third of six: cups and teapots fill the rest
    assert _mugs(recs.for_you(shopper=uncapped, limit=6)) > 2


def test_the_live_diversity_applies_to_rows_without_a_shopper(mug_shelf):
    assert _mugs(recs.trending(limit=6)) == 2
    RankingSettings.objects.create(pk=1, recs_diversity=1)
    knobs.reset()
    assert _mugs(recs.trending(limit=6)) == 6  # the eight mugs are the most popular

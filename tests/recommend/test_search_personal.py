"""Personal re-rank of search: a shopper's affinities lift results a bounded number of places, never past
what the query asked for."""

from __future__ import annotations

import pytest

from profiles.models import Profile
from profiles.services import price_band
from recommend.search import personal
from recommend.search.engine import search
from tests.factories import ShopperFactory

pytestmark = pytest.mark.django_db


def skus(result) -> list[str]:
    return [hit.product.sku for hit in result.hits]


def _profile(shopper, **affinities) -> Profile:
    return Profile.objects.create(shopper=shopper, affinities=affinities)


def test_a_liked_brand_rises_with_a_reason(search_catalog):
    plain = skus(search(q="running shoes", log=False))
    shopper = ShopperFactory()
    _profile(shopper, brand={"altura": 1.0})
    lifted = search(q="running shoes", shopper_id=shopper.pk, log=False)
    altura = [h.product.sku for h in lifted.hits if h.product.brand.slug == "altura"]
    assert altura and plain != skus(lifted)
    assert skus(lifted)[0] in altura  # an Altura shoe now leads
    assert set(skus(lifted)) == set(plain)  # nothing added, nothing dropped
    reasons = {r.text for h in lifted.hits if h.product.sku in altura for r in h.reasons if r.kind == "personal"}
    assert reasons == {"you often choose Altura"}


def test_the_lift_is_bounded_in_places(search_catalog):
    hits = search(q="shoes", log=False).hits
    plain = [h.product.sku for h in hits]
    liked = hits[-1].product  # the least relevant: the most room to rise
    assert len(plain) > personal.MAX_LIFT + 1
    shopper = ShopperFactory()
    # Everything the profile can like about it, at full strength: the largest lift there is.
    _profile(shopper, brand={liked.brand.slug: 1.0}, category={liked.category.slug: 1.0},
             price_band={price_band(liked.price): 1.0})  # fmt: skip
    lifted = skus(search(q="shoes", shopper_id=shopper.pk, log=False))
    moves = {sku: plain.index(sku) - lifted.index(sku) for sku in plain}
    assert max(moves.values()) >= 1  # something rose...
    assert max(moves.values()) <= personal.MAX_LIFT  # ...never more than the bound
    assert sorted(lifted) == sorted(plain)


def test_the_query_still_rules(search_catalog):
    """A liked brand that does not match the query never enters the results."""
    shopper = ShopperFactory()
    _profile(shopper, brand={"sonance": 1.0}, category={"electronics-headphones": 1.0})
    result = search(q="women's running shoes under $80", shopper_id=shopper.pk, log=False)
    assert result.hits
    assert all(h.product.brand.slug != "sonance" for h in result.hits)
    assert all(h.product.price <= 80 for h in result.hits)


def test_paused_or_unknown_shoppers_and_other_sorts_are_not_personalised(search_catalog):
    plain = skus(search(q="running shoes", log=False))
    shopper = ShopperFactory(personalization_paused=True)
    _profile(shopper, brand={"altura": 1.0})
    assert skus(search(q="running shoes", shopper_id=shopper.pk, log=False)) == plain
    assert skus(search(q="running shoes", shopper_id=None, log=False)) == plain
    active = ShopperFactory()
    _profile(active, brand={"altura": 1.0})
    by_price = search(q="running shoes", shopper_id=active.pk, sort="price", log=False)
    assert skus(by_price) == skus(search(q="running shoes", sort="price", log=False))
    assert not any(r.kind == "personal" for h in by_price.hits for r in h.reasons)

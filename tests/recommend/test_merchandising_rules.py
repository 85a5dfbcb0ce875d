"""Merchandising rules on the real engines: pin, boost, bury, hide and redirect, by query, category or
everywhere, within their times, named in every moved result's reasons — in search and in recommendations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Brand, Category, Product
from recommend.merchandising import rules as merch_rules
from recommend.merchandising import state
from recommend.models import Rule
from recommend.recs import engine as recs
from recommend.search.engine import search
from tests.recommend.recs_shop import build_shop

pytestmark = pytest.mark.django_db


def skus(result) -> list[str]:
    return [hit.product.sku for hit in result.hits]


def rule(**fields) -> Rule:
    fields.setdefault("name", "test rule")
    created = Rule.objects.create(**fields)
    state.reset()  # as recommend.services.merchandising_changed does on commit
    return created


def product(sku: str) -> Product:
    return Product.objects.get(sku=sku)


def rule_reasons(hit) -> list[str]:
    return [r.text for r in hit.reasons if r.kind == "rule"]


def test_pin_for_an_exact_query_puts_the_product_first_and_says_so(search_catalog):
    before = skus(search(q="running shoes", log=False))
    last = before[-1]
    pinned = rule(name="Spring launch", action="pin", scope="query", query="Running Shoes", product=product(last))

    result = search(q="running shoes", log=False)

    assert skus(result)[0] == last
    assert sorted(skus(result)) == sorted(before)  # moved, nothing added or lost
    assert rule_reasons(result.hits[0]) == [f"pinned at #1 by merchandising rule “Spring launch” (rule {pinned.pk})"]
    assert all(not rule_reasons(h) for h in result.hits[1:])
    other = search(q="women's running shoes", log=False)  # exact: another query, the rule does not fire
    assert not [r for h in other.hits for r in h.reasons if r.kind == "rule"]


def test_contains_rule_matches_whole_words_and_a_corrected_query(search_catalog):
    rule(action="pin", scope="query", query="running shoes", match="contains", product=product("R3"), position=1)
    assert skus(search(q="cheap running shoes", log=False))[0] == "R3"
    assert skus(search(q="runing shoes", log=False))[0] == "R3"  # the typo is fixed before rules match


def test_query_rules_ignore_filler_words_as_the_assistant_speaks_in_sentences(search_catalog):
    rule(action="pin", scope="query", query="Running shoes", product=product("R3"), position=1)
    assert merch_rules.query_key("I need some running shoes, please") == "running shoes"
    assert skus(search(q="I need running shoes", log=False))[0] == "R3"
    other = search(q="running shoes for men", log=False)  # exact: more words is another query
    assert not [r for h in other.hits for r in h.reasons if r.kind == "rule"]
    assert merch_rules.query_key("running shoes for men") == "running shoes men"


def test_pin_never_breaks_the_shoppers_filters(search_catalog):
    rule(action="pin", scope="query", query="running shoes under 80", product=product("R3"))  # R3 costs 95
    result = search(q="running shoes under 80", log=False)
    assert "R3" not in skus(result)


def test_boost_a_brand_moves_its_products_up_and_bury_moves_one_down(search_catalog):
    before = skus(search(q="hiking boots", log=False))
    rule(name="Norvik week", action="boost", scope="everywhere", brand=Brand.objects.get(name="Norvik"), strength=10)
    boosted = search(q="hiking boots", log=False)
    norvik = [s for s in skus(boosted) if product(s).brand.name == "Norvik"]
    assert skus(boosted)[: len(norvik)] == [s for s in before if s in norvik]
    assert all("moved up 10 places by merchandising rule “Norvik week”" in rule_reasons(h)[0] for h in boosted.hits[:2])

    rule(name="Clearance", action="bury", scope="query", query="hiking boots", product=product(norvik[0]), strength=50)
    buried = search(q="hiking boots", log=False)
    assert skus(buried)[-1] == norvik[0]
    assert any("moved down 50 places" in text for text in rule_reasons(buried.hits[-1]))


def test_hide_takes_products_out_of_results_totals_and_facets(search_catalog):
    total = search(q="boots", log=False).total
    rule(action="hide", scope="everywhere", product=product("B4"))
    result = search(q="boots", log=False)
    assert "B4" not in skus(result)
    assert result.total == total - 1
    assert sum(o.count for o in result.facets.brands) == result.total
    assert not [c for c in result.constraints if c.source == "rule"]  # never a chip
    # A sort other than relevance still hides; pins and boosts only reorder relevance.
    assert "B4" not in skus(search(q="boots", sort="price", log=False))


def test_pin_and_boost_leave_a_price_sort_alone(search_catalog):
    rule(action="pin", scope="query", query="boots", product=product("B4"))
    result = search(q="boots", sort="price", log=False)
    prices = [h.product.price for h in result.hits]
    assert prices == sorted(prices)


def test_category_rule_applies_inside_its_category_only(search_catalog):
    shoes = Category.objects.get(name="Shoes")
    rule(name="Shoes pin", action="pin", scope="category", category=shoes, product=product("B3"), position=1)
    assert skus(search(q="hiking boots", log=False))[0] == "B3"  # Hiking Boots is under Shoes
    assert "B3" not in skus(search(q="headphones", log=False))[:1]


def test_rules_outside_their_times_or_disabled_do_nothing(search_catalog):
    now = timezone.now()
    baseline = skus(search(q="running shoes", log=False))
    target = product(baseline[-1])
    rule(action="pin", scope="query", query="running shoes", product=target, starts_at=now + timedelta(hours=1))
    rule(action="pin", scope="query", query="running shoes", product=target, ends_at=now - timedelta(minutes=1))
    rule(action="pin", scope="query", query="running shoes", product=target, enabled=False)
    assert skus(search(q="running shoes", log=False)) == baseline
    rule(action="pin", scope="query", query="running shoes", product=target, starts_at=now - timedelta(minutes=1))
    assert skus(search(q="running shoes", log=False))[0] == target.sku


def test_redirect_rule_is_reported_with_the_results(search_catalog):
    rule(name="Returns page", action="redirect", scope="query", query="returns", url="/pages/returns/")
    result = search(q="Returns", log=False)
    assert result.redirect is not None and result.redirect.url == "/pages/returns/"
    assert search(q="boots", log=False).redirect is None


def test_rules_apply_to_recommendation_rows_with_their_reasons(db, embedding_model):
    shop = build_shop()
    anchor = shop["BOOT1"]
    similar = [r.product.sku for r in recs.similar_items(product=anchor) if r.product.brand.name != "Norvik"]
    assert len(similar) >= 2
    last = similar[-1]
    rule(name="Boot of the week", action="pin", scope="category", category=anchor.category, product=shop[last])
    rule(name="No Norvik", action="hide", scope="everywhere", brand=Brand.objects.get(name="Norvik"))

    pinned = recs.similar_items(product=anchor)
    assert pinned[0].product.sku == last
    assert any(r.kind == "rule" and "Boot of the week" in r.text for r in pinned[0].reasons)
    assert all(r.product.brand.name != "Norvik" for r in pinned)
    assert all(r.product.brand.name != "Norvik" for r in recs.trending(limit=12, fill=True))


def test_rearrangement_unit_rules():
    """The list arithmetic: shifts add up, the newest pin wins a contested place, pins may be inserted."""
    boost = merch_rules.ActiveRule(id=1, name="b", action="boost", scope="everywhere", product_id=5, strength=2)
    bury = merch_rules.ActiveRule(id=2, name="d", action="bury", scope="everywhere", product_id=1, strength=10)
    moved = merch_rules.move([1, 2, 3, 4, 5], [boost, bury], lambda r: [r.product_id])
    assert moved.ids == [2, 3, 5, 4, 1]
    newer = merch_rules.ActiveRule(id=4, name="p", action="pin", scope="query", product_id=9, position=1)
    older = merch_rules.ActiveRule(id=3, name="q", action="pin", scope="query", product_id=3, position=1)
    pinned = merch_rules.pin(moved, [newer, older], insertable=lambda r: r.product_id == 9)  # newest first
    assert pinned.ids == [9, 3, 2, 5, 4, 1]  # the newer pin wins #1, the older goes just below it
    assert pinned.notes[9][-1].startswith("pinned at #1") and pinned.notes[3][-1].startswith("pinned at #2")

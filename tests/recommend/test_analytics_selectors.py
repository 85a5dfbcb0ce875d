"""Analytics figures on hand-built logs and events: searches per day, top and unmatched queries, rates per
surface, conversion and last-touch attribution (most recent touch, 7-day window, direct touches ignored)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from orders.models import Order, OrderLine
from recommend.analytics import selectors
from recommend.analytics.selectors import Period
from tests.factories import ProductFactory, ShopperFactory

from .analytics_data import END, PERIOD, START, at, event, impressions, log

pytestmark = pytest.mark.django_db


@pytest.fixture
def shoppers():
    return [ShopperFactory() for _ in range(3)]


# --- searches per day ----------------------------------------------------------------------------------


def test_searches_per_day_counts_every_day_of_the_range_and_splits_the_assistant_off():
    log("boots", at(1, 0, 0))
    log("boots", at(1, 23, 59))
    log("I'm looking for boots", at(1, 9), surface="assistant")
    log("kettle", at(3))
    log("before", at(1) - timedelta(days=1))  # Feb 28: outside
    log("after", at(11, 0, 0))  # Mar 11, midnight: outside (the end day is included, the next is not)

    days = selectors.searches_per_day(period=PERIOD)

    assert [d.day for d in days] == PERIOD.days and len(days) == 10
    assert [(d.searches, d.search_box, d.assistant) for d in days[:4]] == [(3, 2, 1), (0, 0, 0), (1, 1, 0), (0, 0, 0)]
    assert sum(d.searches for d in days) == 4


# --- top queries ---------------------------------------------------------------------------------------


def test_top_queries_group_normalised_text_and_count_shoppers_zero_results_and_clicks(shoppers):
    a, b, c = shoppers
    product = ProductFactory()
    # "red shoes" four ways: case and spacing do not split it.
    log("Red Shoes", at(2, 10), shopper=a)
    event(a, "click", at(2, 10, 5), product=product, surface="search")  # 5 min later: clicked
    log("  red   shoes ", at(2, 11), shopper=b)
    event(b, "click", at(2, 11, 40), product=product, surface="search")  # 40 min later: not this search's
    log("RED SHOES", at(3, 10), shopper=c, total=0, result_ids=[])
    event(c, "click", at(3, 10, 2), product=product, surface="recommendations")  # another surface: no
    event(c, "click", at(3, 9, 59), product=product, surface="search")  # before the search: no
    log("red shoes", at(4, 10))  # nobody to follow: never clicked
    # An assistant search counts its clicks on the assistant surface.
    log("kettle", at(5, 10), shopper=a, surface="assistant")
    event(a, "click", at(5, 10, 1), product=product, surface="assistant")
    log("kettle", at(5, 12), shopper=a, relaxed=["under $5"])
    log("", at(5, 13), shopper=a)  # browsing without words is no query

    rows = selectors.top_queries(period=PERIOD)

    assert [r.query for r in rows] == ["red shoes", "kettle"]
    red, kettle = rows
    assert (red.searches, red.shoppers, red.zero_results, red.unmatched, red.clicked) == (4, 3, 1, 1, 1)
    assert (red.zero_share, red.ctr) == (0.25, 0.25)
    assert (kettle.searches, kettle.shoppers, kettle.zero_results, kettle.unmatched, kettle.clicked) == (2, 1, 0, 1, 1)
    assert kettle.ctr == 0.5


def test_top_queries_respect_the_limit_and_the_range():
    for i in range(3):
        log("boots", at(1 + i))
    log("kettle", at(2))
    log("kettle", at(2))
    log("lamp", at(2))
    log("old", at(1) - timedelta(days=1))
    log("old", at(1) - timedelta(days=2))
    log("old", at(1) - timedelta(days=3))
    log("old", at(1) - timedelta(days=4))

    assert [(r.query, r.searches) for r in selectors.top_queries(period=PERIOD, limit=2)] == [
        ("boots", 3),
        ("kettle", 2),
    ]


# --- zero-result and unmatched queries -----------------------------------------------------------------


def test_unmatched_queries_flag_no_results_relaxed_and_meaning_only_and_skip_matched_ones():
    log("unicorn saddle", at(2), total=0, result_ids=[], keyword_matches=0)
    log("Unicorn saddle", at(3, 8), total=0, result_ids=[], keyword_matches=0)
    log("boots under $5", at(2), relaxed=["under $5"])
    log("boots under $5", at(4), relaxed=["under $5", "red"])  # the newest relaxation is the one shown
    log("trainers", at(2, 9), keyword_matches=0, unknown_words=["trainers"])
    log("trainers for travel", at(2, 9), keyword_matches=40, unknown_words=["trainers"])
    log("cosy thing", at(2, 9), keyword_matches=0)  # logged before unknown words were: meaning only
    log("hiking boots", at(2), keyword_matches=12)  # found by its words: not listed
    log("under $50", at(2), keyword_matches=None)  # no words: not listed
    log("unicorn saddle", at(11, 1), total=0)  # after the range

    rows = {r.query: r for r in selectors.unmatched_queries(period=PERIOD)}

    assert set(rows) == {"unicorn saddle", "boots under $5", "trainers", "trainers for travel", "cosy thing"}
    saddle, relaxed, trainers = rows["unicorn saddle"], rows["boots under $5"], rows["trainers"]
    assert (saddle.searches, saddle.zero_results, saddle.reason) == (2, 2, "no results")
    assert saddle.last_searched == at(3, 8)
    assert (relaxed.searches, relaxed.relaxed, relaxed.zero_results) == (2, 2, 0)
    assert relaxed.relaxed_labels == ("under $5", "red")
    assert relaxed.reason == "results only without under $5, red"
    assert (trainers.searches, trainers.unknown, trainers.unknown_words) == (1, 1, ("trainers",))
    assert trainers.reason == "no product has the word “trainers”"
    # A synonym is about the missing word, not the whole query.
    assert (rows["trainers for travel"].synonym_terms, saddle.synonym_terms) == ("trainers", "unicorn saddle")
    assert rows["cosy thing"].reason == "no product has these words (found by meaning only)"
    assert [r.query for r in selectors.unmatched_queries(period=PERIOD)][0] in {"unicorn saddle", "boots under $5"}


# --- rates per surface ---------------------------------------------------------------------------------


def test_surface_rates_divide_clicks_and_cart_adds_by_the_product_cards_shown(shoppers):
    a, b, _ = shoppers
    product = ProductFactory()
    log("boots", at(2), result_ids=list(range(24)))
    log("boots", at(3), result_ids=list(range(16)))
    log("kettle", at(3), total=0, result_ids=[])
    log("assistant words", at(3), surface="assistant", result_ids=list(range(12)))  # counted by its replies
    impressions(START, "recommendations", 3, 30)
    impressions(END, "recommendations", 1, 10)
    impressions(END + timedelta(days=1), "recommendations", 100, 1000)  # outside
    impressions(START, "assistant", 2, 12)
    for when in (at(2), at(3), at(3)):
        event(a, "click", when, product=product, surface="search")
    event(b, "cart_add", at(3), product=product, surface="search")
    event(b, "click", at(5), product=product, surface="recommendations")
    event(b, "cart_add", at(5), product=product, surface="recommendations")
    event(b, "cart_add", at(5), product=product, surface="recommendations")
    event(a, "view", at(5), product=product, surface="recommendations")  # a view is no click
    event(a, "click", at(11, 1), product=product, surface="search")  # outside
    event(a, "click", at(5), product=product, surface="category")  # not one of the three

    rates = {r.surface: r for r in selectors.surface_rates(period=PERIOD)}

    assert list(rates) == ["search", "recommendations", "assistant"]
    search, recs, assistant = rates["search"], rates["recommendations"], rates["assistant"]
    assert (search.lists, search.products, search.clicks, search.cart_adds) == (3, 40, 3, 1)
    assert (search.ctr, search.cart_rate) == (3 / 40, 1 / 40)
    assert (recs.lists, recs.products, recs.clicks, recs.cart_adds) == (4, 40, 1, 2)
    assert (recs.ctr, recs.cart_rate) == (0.025, 0.05)
    assert (assistant.lists, assistant.products, assistant.clicks, assistant.cart_adds) == (2, 12, 0, 0)
    assert assistant.ctr == 0.0


def test_surface_rates_without_impressions_have_no_rate_rather_than_a_division_by_zero():
    rates = selectors.surface_rates(period=PERIOD)
    assert [(r.lists, r.products, r.clicks, r.ctr, r.cart_rate) for r in rates] == [(0, 0, 0, None, None)] * 3


# --- conversion and attribution ------------------------------------------------------------------------


def test_attribution_credits_the_most_recent_list_touch_within_seven_days(shoppers):
    a, b, c = shoppers
    boots, kettle, lamp, mug = (ProductFactory() for _ in range(4))
    buy = at(9, 12)
    # a's boots: search 2 days before, recommendations 1 day before → recommendations (most recent).
    event(a, "click", buy - timedelta(days=2), product=boots, surface="search")
    event(a, "click", buy - timedelta(days=1), product=boots, surface="recommendations")
    event(a, "purchase", buy, product=boots, price=Decimal("100.00"), order_id="X-1")
    # a's kettle: the assistant 8 days before is outside the window → unattributed.
    event(a, "cart_add", buy - timedelta(days=8), product=kettle, surface="assistant")
    event(a, "purchase", buy, product=kettle, price=Decimal("20.00"), order_id="X-1")
    # b's lamp: a search click 3 hours before, then "Add to cart" on the product page (direct) → search.
    event(b, "click", buy - timedelta(hours=3), product=lamp, surface="search")
    event(b, "cart_add", buy - timedelta(hours=1), product=lamp, surface="direct")
    event(b, "purchase", buy, product=lamp, price=Decimal("50.00"), order_id="X-2")
    # b's mug: someone else's click, and b's own click after the purchase, credit nothing.
    event(c, "click", buy - timedelta(hours=1), product=mug, surface="assistant")
    event(b, "click", buy + timedelta(minutes=5), product=mug, surface="search")
    event(b, "purchase", buy, product=mug, price=Decimal("5.00"), order_id="X-2")
    # c's lamp, from a category page six days and 23 hours before: inside the window.
    event(c, "click", buy - timedelta(days=6, hours=23), product=lamp, surface="category")
    event(c, "purchase", buy, product=lamp, price=Decimal("25.00"), order_id="X-3")
    # A purchase outside the range counts nowhere.
    event(c, "click", at(11, 1) - timedelta(hours=1), product=boots, surface="search")
    event(c, "purchase", at(11, 1), product=boots, price=Decimal("999.00"), order_id="X-4")

    rows = {r.surface: r for r in selectors.attributed_revenue(period=PERIOD)}

    assert {s: (r.lines, r.revenue) for s, r in rows.items()} == {
        "recommendations": (1, Decimal("100.00")),
        "search": (1, Decimal("50.00")),
        "category": (1, Decimal("25.00")),
        "assistant": (0, Decimal("0")),
        "unattributed": (2, Decimal("25.00")),
    }
    assert rows["recommendations"].share == 0.5
    assert rows["unattributed"].share == 0.125
    # Biggest first, unattributed last.
    assert [r.surface for r in selectors.attributed_revenue(period=PERIOD)] == [
        "recommendations", "search", "category", "assistant", "unattributed",
    ]  # fmt: skip


def test_revenue_uses_the_order_line_total_and_leaves_cancelled_orders_out(shoppers):
    a, b, _ = shoppers
    kettle = ProductFactory(price=Decimal("10.00"))
    buy = at(5)
    placed = Order.objects.create(shopper=a, number="SG-1", total=Decimal("30.00"))
    OrderLine.objects.create(
        order=placed, product=kettle, sku=kettle.sku, title="k", unit_price=Decimal("10.00"), quantity=3
    )
    cancelled = Order.objects.create(shopper=b, number="SG-2", total=Decimal("10.00"), status="cancelled")
    OrderLine.objects.create(
        order=cancelled, product=kettle, sku=kettle.sku, title="k", unit_price=Decimal("10.00"), quantity=1
    )
    event(a, "click", buy - timedelta(minutes=10), product=kettle, surface="search")
    event(a, "purchase", buy, product=kettle, price=Decimal("10.00"), order_id="SG-1")
    event(b, "click", buy - timedelta(minutes=10), product=kettle, surface="search")
    event(b, "purchase", buy, product=kettle, price=Decimal("10.00"), order_id="SG-2")

    rows = {r.surface: r for r in selectors.attributed_revenue(period=PERIOD)}

    assert (rows["search"].lines, rows["search"].revenue) == (1, Decimal("30.00"))
    assert rows["unattributed"].lines == 0


def test_conversion_is_buyers_among_shoppers_active_in_the_range(shoppers):
    a, b, c = shoppers
    product = ProductFactory()
    event(a, "view", at(2), product=product)
    event(a, "purchase", at(2), product=product, order_id="O-1", price=Decimal("1.00"))
    event(a, "purchase", at(3), product=product, order_id="O-2", price=Decimal("1.00"))
    event(b, "search", at(4), query="boots")
    event(c, "purchase", at(1) - timedelta(days=1), product=product, order_id="O-3")  # before the range

    result = selectors.conversion(period=PERIOD)

    assert (result.shoppers, result.buyers, result.orders) == (2, 1, 2)
    assert result.rate == 0.5


def test_period_bounds_are_whole_days():
    period = Period(START, START)
    assert (period.since, period.until) == (at(1, 0), at(2, 0))
    assert Period.last_days(30, today=END) == Period(END - timedelta(days=29), END)

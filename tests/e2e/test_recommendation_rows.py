"""Recommendation rows in a real browser: htmx loads them into the home, product and cart pages, a click on one
is recorded as a recommendation click, and the cart's row follows the cart as it changes.

Chromium drives the live server over the shop of tests/recommend/recs_shop.py (its crowd's signals trained)
next to the search catalog the page fixture loads. Waits are ceilings for "the page eventually shows X".
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from profiles.models import Event
from tests.e2e.conftest import WAIT_MS
from tests.recommend.recs_shop import Shop, build_shop

pytestmark = pytest.mark.e2e
expect.set_options(timeout=WAIT_MS)

BOOTS = "Ridge Waterproof Hiking Boots"
JACKET = "Stormline Packable Rain Jacket"
GRINDER = "Precision Burr Coffee Grinder"
BEANS = "Ethiopia Yirgacheffe Whole Bean Coffee 1 lb"


@pytest.fixture
def shop(transactional_db, embedding_model) -> Shop:
    return build_shop()


def row(page: Page, key: str):
    return page.locator(f'section.rec-row[data-row="{key}"]')


def card(page: Page, key: str, title: str):
    return row(page, key).locator("article.card").filter(has_text=title)


def open_product(page: Page, shop: Shop, sku: str) -> None:
    """The product page; its script sends the view beacon, which must land before the rows are asked for."""
    with page.expect_response(lambda r: r.url.endswith("/api/v1/events") and r.request.method == "POST") as sent:
        page.goto(f"/p/{shop.id(sku)}/")
    sent.value.finished()


def test_home_rows_load_say_why_and_record_clicks_as_recommendations(page: Page, shop: Shop):
    open_product(page, shop, "BOOT1")
    page.goto("/")

    jacket = card(page, "for-you", JACKET)
    expect(row(page, "for-you").get_by_role("heading", level=2)).to_have_text("For you")
    expect(jacket.locator(".card__reasons")).to_have_text(f"because you viewed {BOOTS}")
    expect(row(page, "because-1").get_by_role("heading", level=2)).to_have_text(f"Because you viewed {BOOTS}")
    expect(card(page, "recently-viewed", BOOTS)).to_be_visible()
    expect(page.locator("#home-recommendations .recs__link")).to_have_count(0)  # the no-JS link is replaced

    jacket.get_by_role("link", name=JACKET).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(JACKET)
    deadline = time.monotonic() + WAIT_MS / 1000
    clicks = Event.objects.filter(kind="click", product_id=shop.id("JACKET1"))
    while not clicks.exists() and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert list(clicks.values_list("surface", "position")) == [("recommendations", 1)]
    # The product page's view says where the shopper came from.
    view = Event.objects.filter(kind="view", product_id=shop.id("JACKET1"), shopper_id=clicks.get().shopper_id)
    while not view.exists() and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert view.get().surface == "recommendations"

    # The product page's own rows: hikers looked at the boots around the jacket.
    expect(row(page, "similar").get_by_role("heading", level=2)).to_have_text("Similar items")
    expect(card(page, "similar", BOOTS).locator(".card__reasons")).to_contain_text(
        "shoppers who viewed this went on to view it"
    )

    page.goto("/")
    recent = row(page, "recently-viewed").locator(".card__title")
    expect(recent).to_have_text([JACKET, BOOTS])  # the rows follow what the shopper just did


def test_the_cart_row_follows_the_cart(page: Page, shop: Shop):
    for sku in ("GRIND1", "BOOT1"):
        page.goto(f"/p/{shop.id(sku)}/")
        page.locator("article.product").get_by_role("button", name="Add to cart").click()
        expect(page.locator("article.product .add-to-cart__status")).to_contain_text("Added to your cart")

    page.goto("/cart/")
    # Both lines, though each add left next to its page's view beacon (profiles/visitors.py).
    expect(page.locator("#cart table.lines")).to_contain_text(GRINDER)
    expect(page.locator("#cart table.lines")).to_contain_text(BOOTS)
    complete = row(page, "complete-purchase")
    expect(complete.get_by_role("heading", level=2)).to_have_text("Complete your purchase")
    expect(complete.locator("article.card").first).to_contain_text(JACKET)  # for the newest line, the boots
    expect(card(page, "complete-purchase", JACKET).locator(".card__reasons")).to_have_text(
        f"goes with {BOOTS} in your cart"
    )

    page.get_by_role("button", name=f"Remove {BOOTS}").click()
    expect(page.locator("#cart table.lines")).to_contain_text(GRINDER)  # the cart is still the cart
    expect(page.locator("#cart table.lines")).not_to_contain_text(BOOTS)
    expect(card(page, "complete-purchase", BEANS).locator(".card__reasons")).to_have_text(
        f"goes with {GRINDER} in your cart"
    )
    expect(card(page, "complete-purchase", JACKET)).to_have_count(0)

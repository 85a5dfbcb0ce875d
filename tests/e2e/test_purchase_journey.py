"""Issue 8's shopper walk-through in a real browser, a screenshot per step: sign in → search → filter →
product → add to cart → cart → checkout → order → the home page's recommendations change.

Chromium drives the live server over the shop of tests/recommend/recs_shop.py (its crowd's signals trained:
hikers buy the Ridge boots with the Stormline jacket) next to the search catalog the page fixture loads.
Screenshots go to test-artifacts/e2e/shopper/ (``01-home-before.png`` …), kept after the run. Waits are
ceilings for "the page eventually shows X".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from orders.models import Order
from profiles.models import Event
from tests.e2e.conftest import WAIT_MS
from tests.factories import UserFactory
from tests.recommend.recs_shop import Shop, build_shop

pytestmark = pytest.mark.e2e
expect.set_options(timeout=WAIT_MS)

SHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "e2e" / "shopper"
BOOTS = "Ridge Waterproof Hiking Boots"
JACKET = "Stormline Packable Rain Jacket"
PASSWORD = "pw-for-tests-123"  # tests/factories.py


@pytest.fixture
def shop(transactional_db, embedding_model) -> Shop:
    return build_shop()


def snap(page: Page, step: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{step}.png", full_page=True)


def for_you(page: Page):
    return page.locator('section.rec-row[data-row="for-you"]')


def test_search_filter_buy_and_the_recommendations_follow(page: Page, shop: Shop):
    user = UserFactory(username="maya")

    # 1. Signed in, nothing done yet: the home page's first row is what is popular, not about her.
    page.goto("/account/login/?next=/")
    page.get_by_label("Username").fill("maya")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Account").get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator("section.rec-row").first).to_be_visible()
    expect(page.locator("#home-recommendations")).not_to_contain_text("because you")
    snap(page, "01-home-before")

    # 2. Search.
    box = page.get_by_role("combobox", name="Search products")
    box.fill("waterproof boots")
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Results for waterproof boots")
    cards = page.locator("#results article.card")
    expect(cards.filter(has_text="Glacier Insulated Winter Hiking Boots")).to_have_count(1)  # a Norvik boot
    snap(page, "02-results")

    # 3. Filter by brand (htmx swaps the results in place): only Trailcraft boots remain.
    page.locator("#facet-brand-title ~ ul").get_by_role("link", name="Trailcraft").click()
    expect(cards.filter(has_text="Glacier Insulated Winter Hiking Boots")).to_have_count(0)
    expect(cards.filter(has_text=BOOTS)).to_have_count(1)
    brands = cards.locator(".card__brand").all_inner_texts()
    assert brands and set(brands) == {"Trailcraft"}, brands
    assert "brand=trailcraft" in page.url  # the filtered page has its own address
    snap(page, "03-filtered")

    # 4. The product page, opened from its card.
    cards.filter(has_text=BOOTS).get_by_role("link", name=BOOTS).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(BOOTS)
    snap(page, "04-product")

    # 5. Add to cart (htmx: the form and the header's count swap in place).
    page.locator("article.product").get_by_role("button", name="Add to cart").click()
    expect(page.locator("article.product .add-to-cart__status")).to_contain_text("Added to your cart")
    expect(page.locator("#cart-link .cart-link__count")).to_have_text("1")
    snap(page, "05-added-to-cart")

    # 6. The cart, with what goes with the boots.
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Cart").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cart")
    expect(page.locator("#cart tbody tr")).to_have_count(1)
    expect(page.locator("#cart tbody tr")).to_contain_text(BOOTS)
    complete = page.locator('section.rec-row[data-row="complete-purchase"]')
    expect(complete.locator("article.card").filter(has_text=JACKET)).to_be_visible()
    snap(page, "06-cart")

    # 7. Checkout, then the order page.
    page.get_by_role("link", name="Check out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your order")
    snap(page, "07-checkout")
    page.get_by_role("button", name="Place order").click()
    order = Order.objects.get(shopper__user=user)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {order.number}")
    expect(page.locator("table.lines tbody tr")).to_contain_text(BOOTS)
    expect(page.locator("#cart-link .cart-link__count")).to_have_text("0")
    assert Event.objects.filter(shopper__user=user, kind="purchase", product_id=shop.id("BOOT1")).exists()
    snap(page, "08-order-placed")

    # 8. Home again: the first row is now hers, and says why.
    page.goto("/")
    expect(for_you(page).get_by_role("heading", level=2)).to_have_text("For you")
    jacket = for_you(page).locator("article.card").filter(has_text=JACKET)
    expect(jacket.locator(".card__reasons")).to_contain_text(f"because you bought {BOOTS}")
    snap(page, "09-home-after")

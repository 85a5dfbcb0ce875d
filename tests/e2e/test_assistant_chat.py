"""The assistant in a real browser: open the panel on a product page, ask about the product, search, compare.

Chromium drives the live server over the search catalog (tests/conftest.py). Waits are ceilings for "the page
eventually shows X"; the first reply also fits the intent classifier on the shipped examples (a few seconds).
A screenshot per turn goes to test-artifacts/e2e/assistant/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from catalog.models import Product
from tests.e2e.conftest import WAIT_MS

pytestmark = pytest.mark.e2e
expect.set_options(timeout=WAIT_MS)

SHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "e2e" / "assistant"


def snap(page: Page, step: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{step}.png", full_page=True)


@pytest.fixture(autouse=True)
def _intent_head():
    """The live server runs in this process: fit the fallback intent head (no classifier is stored in a test
    database) before the browser waits on the first reply."""
    from assistant import intents

    intents.current_head()


def ask(page: Page, text: str) -> None:
    """Send a message and wait for the reply to be in the log."""
    replies = page.locator(".assistant-msg--assistant")
    before = replies.count()
    box = page.locator("#assistant-text")
    box.fill(text)
    box.press("Enter")
    expect(replies).to_have_count(before + 1)


def test_a_chat_on_a_product_page_answers_searches_and_compares(page: Page):
    boots = Product.objects.get(sku="B1")
    page.goto(f"/p/{boots.pk}/")
    toggle = page.get_by_role("link", name="Ask ShopGuide")
    toggle.click()
    expect(page.locator("#assistant-panel")).to_be_visible()
    expect(page.locator("#assistant-text")).to_be_focused()  # keyboard first: type straight away
    snap(page, "01-panel-open")

    ask(page, "is this waterproof?")
    reply = page.locator(".assistant-msg--assistant").last
    expect(reply.locator(".assistant-msg__text")).to_contain_text("Yes")
    expect(reply.locator(".assistant-sources")).to_contain_text("waterproof")  # the fact, cited
    expect(page.locator("#assistant-text")).to_have_value("")  # cleared for the next turn
    snap(page, "02-product-question")

    ask(page, "show me women's running shoes under $80")
    reply = page.locator(".assistant-msg--assistant").last
    cards = reply.locator(".assistant-card")
    expect(cards.first).to_be_visible()
    titles = cards.locator(".assistant-card__title").all_inner_texts()
    assert titles and all("Running Shoes" in t for t in titles)
    expect(cards.first.locator(".assistant-card__reasons")).not_to_be_empty()
    snap(page, "03-search")

    ask(page, "compare the first two")
    table = page.locator(".assistant-msg--assistant").last.locator("table.assistant-compare")
    expect(table).to_be_visible()
    expect(table.locator("thead th")).to_have_count(2)
    expect(table.locator("tbody")).to_contain_text("Price")
    snap(page, "04-compare")

    page.keyboard.press("Escape")
    expect(page.locator("#assistant-panel")).to_be_hidden()
    expect(toggle).to_be_focused()

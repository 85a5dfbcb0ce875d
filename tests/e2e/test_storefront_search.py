"""The storefront search in a real browser (issue 3): what a shopper types, sees, clicks and keys.

Chromium drives the live server over the small real catalog of tests/conftest.py (real
Postgres, real embeddings). Each test asserts what is on the screen, and the expected products are
worked out from that catalog, not copied from the page.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from catalog.formatting import format_money
from tests.conftest import SEARCH_CATALOG
from tests.e2e.conftest import WAIT_MS

pytestmark = pytest.mark.e2e
expect.set_options(timeout=WAIT_MS)

DESIGN_QUERY = "waterproof womens hiking boots under 120 not leather"
BY_SKU = {product.sku: product for product in SEARCH_CATALOG}


def titles(*skus: str) -> list[str]:
    return [BY_SKU[sku].title for sku in skus]


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def cards(page: Page):
    return page.locator("#results article.card")


def card_titles(page: Page) -> list[str]:
    return cards(page).locator(".card__title").all_inner_texts()


def chip_labels(page: Page) -> list[str]:
    return page.locator("#results .chips .chip__label").all_inner_texts()


def mark_document(page: Page) -> None:
    """Tag the current document: the tag survives an htmx swap and is gone after a full page load."""
    page.evaluate("window.__sameDocument = true")


def same_document(page: Page) -> bool:
    return page.evaluate("window.__sameDocument === true")


def type_query(page: Page, text: str) -> None:
    box = page.get_by_role("combobox", name="Search products")
    box.click()
    box.press_sequentially(text)


# --- a. autocomplete ------------------------------------------------------------------------------


def test_typing_shows_suggestions_and_arrow_keys_enter_open_the_chosen_one(page: Page):
    page.goto("/")
    box = page.get_by_role("combobox", name="Search products")
    listbox = page.get_by_role("listbox", name="Search suggestions")
    expect(listbox).to_be_hidden()

    type_query(page, "hiking bo")

    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    products = listbox.locator(".suggest__group--products [role=option]")
    boots = {p.title for p in SEARCH_CATALOG if p.category_path == "Shoes > Hiking Boots"}
    expect(products.first).to_be_visible()
    shown_products = products.all_inner_texts()
    assert set(shown_products) <= {p.title for p in SEARCH_CATALOG} and set(shown_products) & boots
    expect(listbox.locator(".suggest__group--categories [role=option]")).to_contain_text(["Hiking Boots"])

    options = listbox.get_by_role("option")
    count = options.count()
    assert count >= 2
    # Down walks the list from the top; focus stays in the box, which names the active option.
    box.press("ArrowDown")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", options.nth(0).get_attribute("id"))
    box.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(options.nth(0)).to_have_attribute("aria-selected", "false")
    box.press("ArrowUp")
    box.press("ArrowUp")  # up from the first option goes back to the text
    expect(box).not_to_have_attribute("aria-activedescendant", "search-suggest-1")
    assert options.evaluate_all("os => os.filter(o => o.getAttribute('aria-selected') === 'true').length") == 0
    box.press("ArrowUp")  # and up from the text wraps to the last
    expect(options.nth(count - 1)).to_have_attribute("aria-selected", "true")
    expect(box).to_be_focused()

    box.press("ArrowDown")  # down from the last wraps to the first
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    chosen = options.nth(0).inner_text()
    assert chosen in shown_products  # the first group is the products
    box.press("Enter")  # opens the active suggestion
    expect(page.get_by_role("heading", level=1)).to_have_text(chosen)
    assert urlsplit(page.url).path.startswith("/p/")


def test_a_typo_is_offered_corrected_and_escape_closes_the_list(page: Page):
    page.goto("/")
    box = page.get_by_role("combobox", name="Search products")
    listbox = page.get_by_role("listbox", name="Search suggestions")

    type_query(page, "runing shoes")

    corrected = listbox.locator(".suggest__group--corrected")
    expect(corrected).to_contain_text("Did you mean")
    expect(corrected.get_by_role("option")).to_have_text(["running shoes"])
    running = {p.title for p in SEARCH_CATALOG if p.category_path == "Shoes > Running Shoes"}
    suggested = listbox.locator(".suggest__group--products [role=option]")
    expect(suggested).to_have_count(len(running))
    assert set(suggested.all_inner_texts()) == running

    box.press("Escape")  # closes the list, keeps the text
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("runing shoes")

    box.press("ArrowDown")  # reopens on the first suggestion: the corrected query
    expect(listbox).to_be_visible()
    expect(corrected.get_by_role("option")).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    page.wait_for_url(lambda url: query_of(url).get("q") == ["running shoes"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Results for running shoes")
    assert sorted(card_titles(page)) == sorted(running)


# --- b. the design query --------------------------------------------------------------------------


def test_a_described_need_shows_only_matching_products_with_chips_and_reasons(page: Page):
    expected = [
        p
        for p in SEARCH_CATALOG
        if p.category_path == "Shoes > Hiking Boots"
        and p.attributes.get("gender") == "women"
        and "waterproof" in p.attributes.get("features", [])
        and p.price is not None
        and p.price <= Decimal("120")
        and p.attributes.get("material") != "leather"
    ]
    assert expected  # the catalog must hold a match, or this test proves nothing

    page.goto("/")
    type_query(page, DESIGN_QUERY)
    page.get_by_role("combobox", name="Search products").press("Enter")  # no suggestion picked: submits

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Results for {DESIGN_QUERY}")
    assert query_of(page.url)["q"] == [DESIGN_QUERY]
    expect(cards(page)).to_have_count(len(expected))
    assert sorted(card_titles(page)) == sorted(p.title for p in expected)
    for product in expected:
        card = cards(page).filter(has_text=product.title)
        expect(card.locator(".card__price")).to_have_text(format_money(product.price, product.currency))
        expect(card.locator(".card__brand")).to_have_text(product.brand)
        reasons = card.get_by_role("list", name="Why this result")
        expect(reasons).to_contain_text("matches: waterproof, women, Hiking Boots, under $120")
        expect(reasons).to_contain_text("excludes: leather")
    expect(page.get_by_role("status").filter(has_text="result")).to_have_text(
        f"{len(expected)} result" + ("s" if len(expected) != 1 else "")
    )

    assert chip_labels(page) == ["waterproof", "women", "Hiking Boots", "under $120", "not leather"]
    expect(page.get_by_role("link", name="Remove “not leather”")).to_have_class("chip chip--constraint chip--negated")
    expect(page.get_by_role("link", name="Remove “under $120”")).to_be_visible()
    expect(page.get_by_role("combobox", name="Search products")).to_have_value(DESIGN_QUERY)


# --- c. removing chips ----------------------------------------------------------------------------


def test_removing_a_word_chip_searches_again_without_those_words(page: Page):
    page.goto(f"/search?q={DESIGN_QUERY}")
    expect(cards(page)).to_have_count(1)
    mark_document(page)

    page.get_by_role("link", name="Remove “not leather”").click()

    remaining = "waterproof womens hiking boots under 120"
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Results for {remaining}")
    # Words changed, so it is a new page (heading, search box and URL all follow), and the leather boot is back.
    assert not same_document(page)
    assert query_of(page.url)["q"] == [remaining]
    expect(page.get_by_role("combobox", name="Search products")).to_have_value(remaining)
    assert sorted(card_titles(page)) == sorted(titles("B1", "B2"))
    assert "not leather" not in chip_labels(page)
    assert chip_labels(page) == ["waterproof", "women", "Hiking Boots", "under $120"]

    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Results for {DESIGN_QUERY}")
    assert "not leather" in chip_labels(page)


def test_removing_a_filter_chip_swaps_the_results_in_place_and_back_restores_them(page: Page):
    page.goto("/search?q=shoes&brand=altura")
    altura = sorted(p.title for p in SEARCH_CATALOG if p.brand == "Altura")
    expect(cards(page)).to_have_count(len(altura))
    assert sorted(card_titles(page)) == altura
    assert "Altura" in chip_labels(page)
    mark_document(page)

    page.get_by_role("link", name="Remove “Altura”").click()

    expect(page.get_by_role("link", name="Remove “Altura”")).to_have_count(0)
    expect(cards(page)).not_to_have_count(len(altura))
    assert set(altura) < set(card_titles(page))  # other brands' shoes join Altura's
    assert same_document(page)  # an htmx swap of the results, not a new page
    assert query_of(page.url) == {"q": ["shoes"]}  # and the address says so (pushed to history)
    expect(page.get_by_role("heading", level=1)).to_have_text("Results for shoes")

    page.go_back()
    page.wait_for_url(lambda url: query_of(url) == {"q": ["shoes"], "brand": ["altura"]})
    expect(cards(page)).to_have_count(len(altura))
    assert "Altura" in chip_labels(page)


# --- d. did you mean ------------------------------------------------------------------------------


def test_did_you_mean_offers_the_corrected_query_and_following_it_searches_that(page: Page):
    page.goto("/search?q=runing+shoes")

    did_you_mean = page.locator(".did-you-mean")
    expect(did_you_mean).to_have_text("Did you mean: running shoes?")

    did_you_mean.get_by_role("link", name="running shoes").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Results for running shoes")
    assert query_of(page.url)["q"] == ["running shoes"]
    expect(page.locator(".did-you-mean")).to_have_count(0)
    running = sorted(p.title for p in SEARCH_CATALOG if p.category_path == "Shoes > Running Shoes")
    assert sorted(card_titles(page)) == running


# --- e. relaxed constraints -----------------------------------------------------------------------


def test_a_constraint_nothing_matches_is_relaxed_and_the_page_says_so(page: Page):
    red_mens_running = [
        p
        for p in SEARCH_CATALOG
        if p.category_path == "Shoes > Running Shoes"
        and p.attributes.get("gender") == "men"
        and p.attributes.get("color") == "red"
    ]
    assert not red_mens_running  # the premise: nothing matches every word
    mens_running = [
        p for p in SEARCH_CATALOG if p.category_path == "Shoes > Running Shoes" and p.attributes.get("gender") == "men"
    ]

    page.goto("/search?q=red+running+shoes+for+men")

    expect(page.get_by_role("status").filter(has_text="No exact match")).to_have_text(
        "No exact match for “red”; showing results without it."
    )
    assert card_titles(page) == [p.title for p in mens_running]
    expect(cards(page).first.get_by_role("list", name="Why this result")).to_contain_text("shown without “red”")
    assert "red" not in chip_labels(page)


# --- f. category facet ----------------------------------------------------------------------------


def test_a_category_facet_narrows_the_results_live_and_the_count_matches_the_cards(page: Page):
    page.goto("/search?q=black")
    count = page.locator(".result-count")
    before = cards(page).count()
    expect(count).to_have_text(f"{before} results")
    mark_document(page)

    facet = page.locator("#facet-category-electronics")
    expect(facet).to_contain_text("Electronics")
    promised = int(facet.locator(".count").inner_text().strip("()"))
    facet.click()

    expect(page.locator("#facet-category-electronics")).to_have_attribute("aria-current", "true")
    expect(cards(page)).to_have_count(promised)
    electronics = {p.title for p in SEARCH_CATALOG if p.category_path.startswith("Electronics")}
    assert set(card_titles(page)) <= electronics
    expect(count).to_have_text(f"{promised} result" + ("s" if promised != 1 else ""))
    assert same_document(page)
    assert query_of(page.url) == {"q": ["black"], "category": ["electronics"]}
    assert "Electronics" in chip_labels(page)

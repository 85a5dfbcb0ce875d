"""The storefront and the admin in a real browser under the Content-Security-Policy: no violation, htmx still swaps.

Chromium reports every blocked script, style, eval or form target as a ``securitypolicyviolation`` event and a
console error; an init script (not subject to the page's policy) forwards the events to the test.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from rest_framework.throttling import SimpleRateThrottle

from catalog.models import Product
from tests.e2e.conftest import WAIT_MS
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e
expect.set_options(timeout=WAIT_MS)

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolation([e.violatedDirective, e.blockedURI, e.sourceFile + ":" + e.lineNumber,
                         e.sample, location.pathname].join(" | "));
});
"""


@pytest.fixture
def violations(page: Page) -> list[str]:
    reported: list[str] = []
    page.context.expose_function("__cspViolation", lambda text: reported.append(text))
    page.context.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            reported.append(f"console: {message.text}")
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text
            else None
        ),
    )
    return reported


@pytest.fixture
def intent_head():
    """The live server runs in this process: fit the assistant's fallback intent head before the browser waits."""
    from assistant import intents

    intents.current_head()


def test_a_shopping_visit_runs_under_the_policy_and_htmx_still_swaps(
    page: Page, violations: list[str], intent_head, monkeypatch
):
    page.goto("/")
    box = page.get_by_role("combobox", name="Search products")
    box.click()
    box.press_sequentially("black")
    listbox = page.get_by_role("listbox", name="Search suggestions")
    expect(listbox).to_be_visible()  # htmx swapped the suggestions in
    expect(listbox.get_by_role("option").first).to_be_visible()
    box.press("Escape")
    # The button, not Enter: Enter in the box also fires its "search" event, a second request racing the page load.
    with page.expect_navigation():
        page.get_by_role("banner").get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Results for black")
    page.wait_for_load_state("networkidle")

    page.evaluate("window.__sameDocument = true")
    facet = page.locator("#facet-category-electronics")
    promised = int(facet.locator(".count").inner_text().strip("()"))
    facet.click()
    expect(page.locator("#facet-category-electronics")).to_have_attribute("aria-current", "true")
    expect(page.locator("#results article.card")).to_have_count(promised)
    assert page.evaluate("window.__sameDocument === true"), "the facet swapped the results in place"

    first = page.locator("#results article.card .card__title a").first
    title = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)

    page.get_by_role("link", name="Ask ShopGuide").click()
    expect(page.locator("#assistant-panel")).to_be_visible()
    replies = page.locator(".assistant-msg--assistant")
    expect(replies.first).to_contain_text("Tell me what you're looking for")  # htmx loaded the log (a greeting)
    before = replies.count()
    page.locator("#assistant-text").fill("show me black headphones")
    page.locator("#assistant-text").press("Enter")
    expect(replies).to_have_count(before + 1)  # htmx posted and appended the reply
    expect(replies.last.locator(".assistant-msg__text")).not_to_be_empty()

    # Past the assistant's rate the panel says how long to wait (the 429's JSON detail, shown as text).
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "assistant", "1/hour")
    page.locator("#assistant-text").fill("and in white?")
    page.locator("#assistant-text").press("Enter")
    notice = page.locator("#assistant-log .assistant-msg--notice").last
    expect(notice).to_contain_text("Too many requests. Try again in")
    expect(replies).to_have_count(before + 1)

    assert violations == []


def test_the_admin_works_under_the_policy(page: Page, violations: list[str]):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    product = Product.objects.get(sku="H1")
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("pw-for-tests-123")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()

    page.goto(f"/admin/catalog/product/{product.pk}/change/")
    expect(page.locator("#id_title")).to_have_value(product.title)
    page.goto("/admin/catalog/product/?q=boots")
    expect(page.locator("#result_list")).to_contain_text("Boots")
    # The admin's own scripts run: the "select all" box ticks every row's box.
    page.locator("#action-toggle").check()
    expect(page.locator("input.action-select:checked")).not_to_have_count(0)
    page.goto("/admin/recommend/operationrun/")
    expect(page.locator(".object-tools form.object-tools__form").first).to_be_visible()

    assert violations == []

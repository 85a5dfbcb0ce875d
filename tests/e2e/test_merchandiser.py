"""A merchandiser in a real browser, as a new user would: sign in to admin, pin a product for a query and see
it first on the storefront and in the assistant, add a synonym for a query the catalog has no words for and
see it find products. Screenshots of every step are kept under test-artifacts/e2e/merchandiser/."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from catalog.models import Product
from recommend.models import Rule, Synonym
from shopguide.roles import MERCHANDISER
from tests.e2e.conftest import ARTIFACTS, WAIT_MS
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e
expect.set_options(timeout=WAIT_MS)
SHOTS = ARTIFACTS / "merchandiser"
PASSWORD = "a-long-merch-password-1"


@pytest.fixture(autouse=True)
def _intent_head():
    from assistant import intents

    intents.current_head()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def sign_in(page: Page) -> None:
    user = UserFactory(username="mia", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=MERCHANDISER))
    page.goto("/admin/")
    page.get_by_label("Username").fill("mia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Rules")).to_be_visible()
    shot(page, "01-admin-home")


def pick(page: Page, field: str, text: str) -> None:
    """Choose in an admin autocomplete (select2) box by typing, as a person does."""
    page.locator(f".field-{field} .select2-selection").click()
    page.locator(".select2-search__field").fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def first_card_title(page: Page) -> str:
    return page.locator("#results article.card .card__title").first.inner_text()


def test_pin_a_product_for_a_query_and_see_it_first_in_the_shop_and_the_assistant(page: Page):
    sign_in(page)
    page.goto("/search?q=running+shoes")
    before = page.locator("#results article.card .card__title").all_inner_texts()
    target = before[-1]  # the product ranked last today
    assert first_card_title(page) != target

    page.goto("/admin/recommend/rule/")
    page.get_by_role("link", name=re.compile("Add rule")).click()
    page.get_by_label("Name").fill("Velocity first")
    page.get_by_label("Action").select_option("pin")
    page.get_by_label("Scope").select_option("query")
    page.get_by_label("Query").fill("running shoes")
    pick(page, "product", target.split()[0])
    shot(page, "02-pin-form")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    rule = Rule.objects.get(name="Velocity first")
    assert rule.product.title == target

    page.goto("/search?q=running+shoes")
    assert first_card_title(page) == target
    expect(page.locator("#results article.card").first).to_contain_text("pinned at #1 by merchandising rule")
    shot(page, "03-storefront-pinned-first")

    page.get_by_role("link", name="Ask ShopGuide").click()
    box = page.locator("#assistant-text")
    box.fill("I need running shoes")
    box.press("Enter")
    first = page.locator(".assistant-msg--assistant").last.locator(".assistant-card").first
    expect(first.locator(".assistant-card__title")).to_have_text(target)
    expect(first).to_contain_text("Velocity first")
    shot(page, "04-assistant-pinned-first")

    page.goto("/admin/recommend/rule/preview/?q=running+shoes")
    expect(page.locator("#preview-results tbody tr").first).to_contain_text(target)
    expect(page.locator("#preview-results")).to_contain_text("title_coverage")
    shot(page, "05-preview")


def test_read_the_dashboard_and_add_a_synonym_for_an_unmatched_query(page: Page):
    page.goto("/search?q=sneakers")  # a shopper's words the catalog does not use
    expect(page.locator("#results article.card").first).to_be_visible()  # only lookalikes, by meaning
    sign_in(page)

    page.goto("/admin/")
    page.get_by_role("link", name=re.compile("Analytics")).first.click()
    expect(page.locator("#searches svg")).to_be_visible()  # the searches-per-day chart
    expect(page.locator("#total-searches")).not_to_have_text("0")
    row = page.locator("#zero-results tr", has_text="sneakers")
    expect(row).to_be_visible()
    shot(page, "06-dashboard")
    row.get_by_role("link", name="Add synonym").click()

    expect(page.get_by_label("Terms")).to_have_value("sneakers")  # prefilled from the dashboard
    page.get_by_label("Synonyms").fill("running shoes")
    shot(page, "07-synonym-form")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    assert Synonym.objects.filter(terms="sneakers").exists()

    page.goto("/search?q=sneakers")
    running = set(Product.objects.filter(category__name="Running Shoes").values_list("title", flat=True))
    titles = page.locator("#results article.card .card__title").all_inner_texts()
    assert titles and set(titles) == running
    expect(page.locator("#results article.card").first).to_contain_text("also searches for “running shoes”")
    shot(page, "08-synonym-results")


def test_run_an_experiment_and_promote_a_variant(page: Page):
    from recommend.models import Experiment, RankingSettings

    sign_in(page)
    page.goto("/admin/recommend/experiment/add/")
    page.get_by_label("Name").fill("Stronger personalisation")
    page.locator("#id_variants-0-name").fill("control")
    page.locator("#id_variants-0-is_control").check()
    page.locator("#id_variants-1-name").fill("personal x2")
    page.locator("#id_variants-1-personalization").fill("2")
    shot(page, "09-experiment-form")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    experiment = Experiment.objects.get(name="Stronger personalisation")

    page.get_by_role("link", name="Start").click()
    page.get_by_role("button", name=re.compile("^Yes")).click()
    expect(page.locator("#experiment-report")).to_be_visible()
    expect(page.locator("#experiment-report .variant-row")).to_have_count(2)
    experiment.refresh_from_db()
    assert experiment.status == "running"
    shot(page, "10-experiment-running")

    page.get_by_role("link", name="End and promote personal x2").click()
    page.get_by_role("button", name=re.compile("^Yes")).click()
    experiment.refresh_from_db()
    assert experiment.status == "ended" and experiment.promoted_variant.name == "personal x2"
    assert RankingSettings.objects.get().personalization == 2.0
    shot(page, "11-experiment-promoted")

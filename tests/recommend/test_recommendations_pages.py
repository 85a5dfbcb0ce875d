"""Recommendation rows on the storefront: the home page's, a product page's and the cart's, loaded into their
pages by htmx and shown as a page of their own without JavaScript; every card with the engine's reasons."""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.utils import timezone

from catalog.models import Product
from profiles.models import Event, Shopper
from recommend import recs_views
from tests.factories import UserFactory, visitor
from tests.recommend.recs_shop import Shop, build_shop, record

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
BOOTS = "Ridge Waterproof Hiking Boots"
GRINDER = "Precision Burr Coffee Grinder"


@pytest.fixture
def shop(db, embedding_model) -> Shop:
    return build_shop()


@dataclass
class Row:
    title: str
    cards: dict[int, list[str]] = field(default_factory=dict)  # product id → reason texts, in the order shown


def rows(page: str) -> dict[str, Row]:
    """The recommendation rows of a page, in order, as a shopper reads them."""
    found: dict[str, Row] = {}
    for match in re.finditer(
        r'<section class="rec-row" data-row="([^"]+)"[^>]*>\s*<h2[^>]*>(.*?)</h2>(.*?)</section>', page, re.S
    ):
        key, title, body = match.groups()
        assert 'data-surface="recommendations"' in body  # clicks count as recommendation clicks
        row = found[key] = Row(html_lib.unescape(title))
        for card in re.split(r'(?=<article class="card")', body)[1:]:
            pk = int(re.match(r'<article class="card" data-product-id="(\d+)"', card).group(1))
            row.cards[pk] = [
                html_lib.unescape(text) for text in re.findall(r'<li class="reason[^"]*">(.*?)</li>', card)
            ]
    return found


def view(client: Client, product) -> None:
    if "shopguide_visitor" not in client.cookies:
        visitor(client)  # as a browser's first page would (anonymous events need the visitor cookie)
    response = client.post(
        "/api/v1/events", {"kind": "view", "product_id": product.pk}, content_type="application/json"
    )
    assert response.status_code == 201


def partial(client: Client, url: str) -> str:
    response = client.get(url, **HTMX)
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    body = response.content.decode()
    assert "<html" not in body and "site-header" not in body  # only the rows
    return body


# --- Home -----------------------------------------------------------------------------------------


def test_home_page_loads_the_rows_with_htmx_and_links_to_them_without(shop):
    page = Client().get("/").content.decode()
    assert 'hx-get="/recommendations/"' in page
    assert 'hx-trigger="load, shopguide:restored from:window"' in page
    assert '<a href="/recommendations/">Recommended for you</a>' in page


def test_home_rows_say_why_and_follow_what_the_shopper_views(shop, monkeypatch):
    # Rows of four: in a shop of eleven products a full "For you" row would leave nothing else to trend.
    monkeypatch.setattr(recs_views, "ROW_LIMIT", 4)
    client = Client()
    view(client, shop["BOOT1"])

    home = rows(partial(client, "/recommendations/"))
    assert [(key, row.title) for key, row in home.items()] == [
        ("for-you", "For you"),
        ("because-1", f"Because you viewed {BOOTS}"),
        ("recently-viewed", "Recently viewed"),
        ("trending", "Trending"),
    ]
    for_you = home["for-you"]
    assert next(iter(for_you.cards)) == shop.id("JACKET1")
    assert for_you.cards[shop.id("JACKET1")] == [f"because you viewed {BOOTS}"]
    # The same words as the API gives for the same shopper, card for card.
    api = client.get("/api/v1/recommendations/for-you", {"limit": 4}).json()["results"]
    assert for_you.cards == {item["product"]["id"]: [r["text"] for r in item["reasons"]] for item in api}
    assert home["because-1"].cards[shop.id("JACKET1")] == [f"because you viewed {BOOTS}"]
    assert home["recently-viewed"].cards == {shop.id("BOOT1"): ["you viewed this just now"]}
    # Trending shows what the rows above did not.
    assert home["trending"].cards
    assert not set(home["trending"].cards) & (set(for_you.cards) | {shop.id("BOOT1")})
    assert all(texts[0].startswith("trending: ") for texts in home["trending"].cards.values())

    view(client, shop["GRIND1"])
    home = rows(partial(client, "/recommendations/"))
    assert next(iter(home["for-you"].cards)) == shop.id("BEANS1")
    assert home["for-you"].cards[shop.id("BEANS1")] == [f"because you viewed {GRINDER}"]
    assert home["because-1"].title == f"Because you viewed {GRINDER}"
    assert list(home["recently-viewed"].cards) == [shop.id("GRIND1"), shop.id("BOOT1")]


def test_a_new_visitor_sees_trending_now_and_nothing_of_anyone_elses(shop):
    first = Client()
    view(first, shop["BOOT1"])
    shoppers = Shopper.objects.count()

    home = rows(partial(Client(), "/recommendations/"))
    assert [(key, row.title) for key, row in home.items()] == [("for-you", "Trending now")]
    assert home["for-you"].cards[shop.id("JACKET1")] == ["trending: 6 shoppers this week"]
    assert Shopper.objects.count() == shoppers  # showing rows creates no shopper

    other = Client()
    view(other, shop["HEAD1"])
    home = rows(partial(other, "/recommendations/"))
    assert list(home["recently-viewed"].cards) == [shop.id("HEAD1")]
    assert BOOTS not in " ".join(row.title + str(row.cards) for row in home.values())


def test_a_paused_shopper_sees_only_what_everyone_sees(shop):
    user = UserFactory(username="paula")
    shopper = Shopper.objects.create(user=user, personalization_paused=True)
    record(shopper, [(Event.Kind.VIEW, shop["BOOT1"])], start=timezone.now())
    client = Client()
    client.force_login(user)

    home = rows(partial(client, "/recommendations/"))
    assert list(home) == ["for-you"] and home["for-you"].title == "Trending now"


def test_without_javascript_the_link_shows_the_same_rows_as_a_page(shop, monkeypatch):
    monkeypatch.setattr(recs_views, "ROW_LIMIT", 4)
    client = Client()
    view(client, shop["BOOT1"])
    view(client, shop["GRIND1"])

    response = client.get("/recommendations/")
    assert response.status_code == 200 and "HX-Request" in response["Vary"]
    page = response.content.decode()
    assert "<h1>Recommended for you</h1>" in page and "site-header" in page
    assert rows(page) == rows(partial(client, "/recommendations/"))
    assert list(rows(page)) == ["for-you", "because-1", "because-2", "recently-viewed", "trending"]
    # Adding to the cart from a row counts as a recommendation too.
    assert '<input type="hidden" name="surface" value="recommendations">' in page

    assert "Nothing to recommend yet" not in page
    Product.objects.update(is_active=False)  # a shop with nothing on sale
    empty = client.get("/recommendations/").content.decode()
    assert "Nothing to recommend yet" in empty and rows(empty) == {}


# --- Product page ---------------------------------------------------------------------------------


def test_product_page_loads_similar_and_bought_together_with_a_link_without_js(shop):
    pk = shop.id("BOOT1")
    page = Client().get(f"/p/{pk}/").content.decode()
    assert f'hx-get="/recommendations/product/{pk}"' in page and 'hx-trigger="load"' in page
    assert f'<a href="/recommendations/product/{pk}">' in page

    product = rows(partial(Client(), f"/recommendations/product/{pk}"))
    assert [(key, row.title) for key, row in product.items()] == [
        ("similar", "Similar items"),
        ("bought-together", "Bought together"),
    ]
    assert pk not in product["similar"].cards
    assert product["bought-together"].cards[shop.id("JACKET1")] == ["often bought together with this"]
    assert shop.id("BOOT2") not in product["bought-together"].cards  # an alternative, not a complement


def test_a_product_nobody_has_seen_shows_similar_items_with_reasons(shop):
    glacier = shop["BOOT3"]
    similar = rows(partial(Client(), f"/recommendations/product/{glacier.pk}"))["similar"]
    assert len(similar.cards) >= 3 and glacier.pk not in similar.cards
    assert all(texts and texts[0].startswith("similar to this") for texts in similar.cards.values())
    assert "also hiking boots" in similar.cards[shop.id("BOOT1")][0]


def test_product_rows_as_a_page_and_unknown_products(shop):
    pk = shop.id("BOOT1")
    client = Client()
    page = client.get(f"/recommendations/product/{pk}").content.decode()
    assert f"<h1>More like {BOOTS}</h1>" in page
    assert f'<a href="/p/{pk}/">Back to {BOOTS}</a>' in page
    assert rows(page) == rows(partial(client, f"/recommendations/product/{pk}"))

    assert client.get("/recommendations/product/987654").status_code == 404
    assert client.get("/recommendations/product/987654", **HTMX).status_code == 404


# --- Cart -----------------------------------------------------------------------------------------


def test_cart_page_completes_the_purchase_without_repeating_the_cart(shop):
    client = Client()
    empty = client.get("/cart/").content.decode()
    assert "/recommendations/cart" not in empty  # nothing to complete

    client.post("/cart/add/", {"product_id": shop.id("BOOT1")})
    page = client.get("/cart/").content.decode()
    slot = re.search(r'<div id="cart-recommendations"[^>]*>', page, re.S).group(0)
    assert 'hx-get="/recommendations/cart"' in slot and 'hx-trigger="load"' in slot
    assert 'hx-target="this"' in slot and 'hx-swap="innerHTML"' in slot  # not the cart's own target
    assert '<a href="/recommendations/cart">' in page

    cart = rows(partial(client, "/recommendations/cart"))
    assert list(cart) == ["complete-purchase"] and cart["complete-purchase"].title == "Complete your purchase"
    complete = cart["complete-purchase"].cards
    assert next(iter(complete)) == shop.id("JACKET1")
    assert complete[shop.id("JACKET1")] == [f"goes with {BOOTS} in your cart"]
    assert shop.id("BOOT1") not in complete

    # The cart region comes back with the slot after every change, so the row follows the cart.
    client.post("/cart/add/", {"product_id": shop.id("GRIND1")})
    changed = client.post(f"/cart/{shop.id('BOOT1')}/remove/", **HTMX).content.decode()
    assert 'id="cart-recommendations"' in changed
    complete = rows(partial(client, "/recommendations/cart"))["complete-purchase"].cards
    assert next(iter(complete)) == shop.id("BEANS1")
    assert complete[shop.id("BEANS1")] == [f"goes with {GRINDER} in your cart"]
    assert shop.id("GRIND1") not in complete


def test_cart_row_as_a_page_without_javascript(shop):
    client = Client()
    page = client.get("/recommendations/cart").content.decode()
    assert "<h1>Complete your purchase</h1>" in page
    assert "Add something to your cart to see what goes with it." in page
    assert rows(page) == {}

    client.post("/cart/add/", {"product_id": shop.id("GRIND1")})
    page = client.get("/recommendations/cart").content.decode()
    assert '<a href="/cart/">Back to your cart</a>' in page
    assert rows(page) == rows(partial(client, "/recommendations/cart"))
    assert shop.id("BEANS1") in rows(page)["complete-purchase"].cards

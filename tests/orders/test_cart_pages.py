"""Cart pages: add from product page and cards (plain POST and htmx), change, remove, header count."""

from __future__ import annotations

import re

import pytest
from django.test import Client, RequestFactory

from orders import services
from orders.context_processors import cart
from orders.models import CartLine
from profiles.models import Event, Shopper

from .conftest import client_for

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _count_in_header(html: str) -> str:
    return re.search(r'class="cart-link__count"[^>]*>(\d+)<', html).group(1)


def test_product_page_has_an_add_to_cart_form_that_works_without_js(shelf):
    client = Client()
    html = client.get(f"/p/{shelf['kettle'].pk}/").content.decode()
    assert 'action="/cart/add/" method="post"' in html
    assert f'name="product_id" value="{shelf["kettle"].pk}"' in html and 'name="quantity"' in html

    response = client.post("/cart/add/", {"product_id": shelf["kettle"].pk, "quantity": "2"})
    assert response.status_code == 302 and response["Location"] == "/cart/"
    page = client.get("/cart/").content.decode()
    assert "Steel kettle" in page and "$49.00" in page and "Added to your cart." in page
    assert _count_in_header(page) == "2"


def test_out_of_stock_product_shows_a_disabled_button(shelf):
    html = Client().get(f"/p/{shelf['gone'].pk}/").content.decode()
    assert '<button type="submit" disabled>Out of stock</button>' in html


def test_htmx_add_swaps_the_form_and_updates_the_header_count_out_of_band(shelf):
    client = Client()
    client.post("/cart/add/", {"product_id": shelf["mug"].pk, "quantity": "2"})
    response = client.post(
        "/cart/add/", {"product_id": shelf["mug"].pk, "surface": "category", "position": "4"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Added to your cart." in html and "View cart (3)" in html
    assert 'id="cart-link" class="cart-link" href="/cart/" hx-swap-oob="true"' in html
    assert _count_in_header(html) == "3"
    assert 'name="surface" value="category"' in html and 'name="position" value="4"' in html
    last = Event.objects.filter(kind="cart_add").latest("id")
    assert (last.surface, last.position) == ("category", 4)


def test_not_enough_stock_is_said_clearly_with_and_without_htmx(shelf):
    client = Client()
    html = client.post("/cart/add/", {"product_id": shelf["kettle"].pk, "quantity": "5"}, **HTMX).content.decode()
    assert 'role="alert">Only 3 of Steel kettle left in stock.' in html
    assert "Added to your cart." not in html

    response = client.post(
        "/cart/add/", {"product_id": shelf["kettle"].pk, "quantity": "5", "next": f"/p/{shelf['kettle'].pk}/"}
    )
    assert response["Location"] == f"/p/{shelf['kettle'].pk}/"
    assert "Only 3 of Steel kettle left in stock." in client.get(response["Location"]).content.decode()
    assert not CartLine.objects.exists()


def test_next_never_redirects_off_site(shelf):
    response = Client().post("/cart/add/", {"product_id": shelf["gone"].pk, "next": "https://evil.example/"})
    assert response["Location"] == "/cart/"


def test_category_cards_carry_the_surface_and_position(shelf):
    html = Client().get(f"/c/{shelf['mug'].category.slug}/").content.decode()
    assert 'name="surface" value="category"' in html and 'name="position" value="1"' in html


def test_cart_page_changes_quantity_and_removes_lines(shelf):
    client = Client()
    client.post("/cart/add/", {"product_id": shelf["mug"].pk, "quantity": "2"})
    client.post("/cart/add/", {"product_id": shelf["kettle"].pk})
    page = client.get("/cart/").content.decode()
    assert "Total (3 items)" in page and "$40.50" in page

    response = client.post(f"/cart/{shelf['mug'].pk}/", {"quantity": "4"}, **HTMX)
    html = response.content.decode()
    assert "<html" not in html and "Total (5 items)" in html and "$56.50" in html
    assert _count_in_header(html) == "5"  # the header follows out of band

    response = client.post(f"/cart/{shelf['kettle'].pk}/remove/")
    assert response["Location"] == "/cart/"
    page = client.get("/cart/").content.decode()
    assert "Steel kettle" not in page and "Total (4 items)" in page and "$32.00" in page


def test_raising_a_quantity_beyond_stock_shows_the_reason(shelf):
    client = Client()
    client.post("/cart/add/", {"product_id": shelf["kettle"].pk})
    html = client.post(f"/cart/{shelf['kettle'].pk}/", {"quantity": "9"}, **HTMX).content.decode()
    assert "Only 3 of Steel kettle left in stock." in html
    assert CartLine.objects.get().quantity == 1


def test_a_line_that_lost_its_stock_blocks_checkout_with_a_notice(alice, shelf):
    services.cart_line_add(shopper=alice, product_id=shelf["kettle"].pk, quantity=3)
    shelf["kettle"].stock = 2
    shelf["kettle"].save(update_fields=["stock"])
    page = client_for(alice).get("/cart/").content.decode()
    assert "Only 2 of Steel kettle left in stock." in page
    assert "Change the marked lines before checking out." in page and 'href="/checkout/"' not in page


def test_empty_cart_page_and_header_for_a_first_visit():
    client = Client()
    page = client.get("/cart/").content.decode()
    assert "Your cart is empty." in page and _count_in_header(page) == "0"
    assert not Shopper.objects.exists()  # looking does not create a shopper


def test_header_count_costs_one_query_for_a_signed_in_shopper(alice, shelf, django_assert_num_queries):
    services.cart_line_add(shopper=alice, product_id=shelf["mug"].pk, quantity=4)
    request = RequestFactory().get("/")
    request.user = alice.user
    request.session = {}
    count = cart(request)["cart_count"]
    with django_assert_num_queries(1):
        assert str(count) == "4"

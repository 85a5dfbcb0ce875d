"""Checkout and order pages: sign-in required, confirm, the order a shopper reads, cancel."""

from __future__ import annotations

import pytest
from django.test import Client

from orders import services
from orders.models import Order

from .conftest import client_for

pytestmark = pytest.mark.django_db


def test_checkout_sends_visitors_to_sign_in_and_keeps_their_cart(shelf):
    client = Client()
    client.post("/cart/add/", {"product_id": shelf["mug"].pk})
    response = client.get("/checkout/")
    assert response.status_code == 302 and response["Location"] == "/account/login/?next=/checkout/"
    login = client.get(response["Location"]).content.decode()
    assert "Sign in to continue. Your cart stays with you." in login
    assert 'href="/account/signup/?next=/checkout/"' in login
    assert client.post("/checkout/")["Location"] == "/account/login/?next=/checkout/"
    assert not Order.objects.exists()
    assert "Stoneware mug" in client.get("/cart/").content.decode()


def test_confirm_then_place_shows_the_order(alice, shelf):
    services.cart_line_add(shopper=alice, product_id=shelf["kettle"].pk, quantity=2)
    services.cart_line_add(shopper=alice, product_id=shelf["mug"].pk)
    client = client_for(alice)
    confirm = client.get("/checkout/").content.decode()
    assert "Confirm your order" in confirm and "$57.00" in confirm and "Place order" in confirm

    response = client.post("/checkout/")
    order = Order.objects.get(shopper=alice)
    assert response["Location"] == f"/account/orders/{order.number}/"
    html = client.get(response["Location"]).content.decode()
    assert f"<h1>Order {order.number}</h1>" in html
    assert f"Thank you! Your order {order.number} is placed." in html
    assert "Steel kettle" in html and "SKU KET-1" in html and "$24.50" in html and "$49.00" in html
    assert '<td class="lines__total">$57.00</td>' in html
    assert 'status--placed">Placed</span>' in html and "Cancel this order" in html
    assert "Your cart is empty." in client.get("/cart/").content.decode()


def test_checkout_refusal_is_explained_and_the_cart_kept(alice, bob, shelf):
    services.cart_line_add(shopper=alice, product_id=shelf["last"].pk)
    services.cart_line_add(shopper=bob, product_id=shelf["last"].pk)
    client_for(bob).post("/checkout/")
    response = client_for(alice).post("/checkout/")
    html = response.content.decode()
    assert response.status_code == 409
    assert "Last lamp is out of stock." in html and "Place order" not in html
    assert not Order.objects.filter(shopper=alice).exists()


def test_cancel_from_the_order_page(alice, shelf):
    services.cart_line_add(shopper=alice, product_id=shelf["kettle"].pk, quantity=3)
    order = services.order_place(shopper=alice)
    client = client_for(alice)
    response = client.post(f"/account/orders/{order.number}/cancel/")
    assert response["Location"] == f"/account/orders/{order.number}/"
    html = client.get(response["Location"]).content.decode()
    assert f"Order {order.number} is cancelled." in html
    assert 'status--cancelled">Cancelled</span>' in html and "Cancel this order" not in html
    shelf["kettle"].refresh_from_db()
    assert shelf["kettle"].stock == 3


def test_shipped_order_shows_status_and_no_cancel_button(alice, shelf):
    services.cart_line_add(shopper=alice, product_id=shelf["mug"].pk)
    order = services.order_place(shopper=alice)
    services.order_status_set(order=order, status=Order.Status.SHIPPED)
    client = client_for(alice)
    html = client.get(f"/account/orders/{order.number}/").content.decode()
    assert 'status--shipped">Shipped</span>' in html and "Your order is on its way." in html
    assert "Cancel this order" not in html
    response = client.post(f"/account/orders/{order.number}/cancel/")
    assert "is shipped and can no longer be cancelled" in client.get(response["Location"]).content.decode()


def test_another_shoppers_order_is_not_found(alice, bob, merchandiser, shelf):
    services.cart_line_add(shopper=alice, product_id=shelf["mug"].pk)
    order = services.order_place(shopper=alice)
    for client in (client_for(bob), client_for(user=merchandiser)):
        assert client.get(f"/account/orders/{order.number}/").status_code == 404
        assert client.post(f"/account/orders/{order.number}/cancel/").status_code == 404
    assert Client().get(f"/account/orders/{order.number}/")["Location"].startswith("/account/login/")
    order.refresh_from_db()
    assert order.status == "placed"

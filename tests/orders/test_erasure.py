"""Deleting an account settles its orders: open ones are cancelled and their stock returned in the same
transaction, every order stays for the shop's accounts (detached from the person), and an order on its way
stops the deletion with a reason (issue 16, finding 1: a deleted account's order kept its stock forever and
vanished from the admin)."""

from __future__ import annotations

import pytest

from orders import services
from orders.models import Order
from profiles.models import Shopper
from tests.orders.conftest import client_for

pytestmark = pytest.mark.django_db


def _order(shopper: Shopper, product, quantity: int = 1) -> Order:
    services.cart_line_add(shopper=shopper, product_id=product.pk, quantity=quantity)
    return services.order_place(shopper=shopper)


def test_deleting_the_account_cancels_its_open_order_returns_the_stock_and_keeps_the_order(alice, shelf):
    kettle = shelf["kettle"]
    order = _order(alice, kettle, quantity=2)
    kettle.refresh_from_db()
    assert kettle.stock == 1

    response = client_for(alice).delete("/api/v1/me")

    assert response.status_code == 204
    assert not Shopper.objects.filter(pk=alice.pk).exists()
    kettle.refresh_from_db()
    assert kettle.stock == 3  # the two units are back on the shelf
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and order.shopper_id is None
    assert [(line.sku, line.quantity) for line in order.lines.all()] == [("KET-1", 2)]


def test_a_delivered_order_stays_for_the_accounts_without_the_person(alice, shelf, merchandiser):
    order = _order(alice, shelf["mug"])
    services.order_status_set(order=order, status=Order.Status.DELIVERED)

    assert client_for(alice).delete("/api/v1/me").status_code == 204

    order.refresh_from_db()
    assert order.status == Order.Status.DELIVERED and order.shopper_id is None
    shelf["mug"].refresh_from_db()
    assert shelf["mug"].stock == 9  # sold is sold
    # The merchandiser still finds it.
    listing = client_for(user=merchandiser).get("/admin/orders/order/")
    assert order.number in listing.content.decode()


def test_an_order_on_its_way_stops_the_deletion_and_says_why(alice, shelf):
    kettle = shelf["kettle"]
    shipped = _order(alice, kettle)
    services.order_status_set(order=shipped, status=Order.Status.SHIPPED)
    open_order = _order(alice, shelf["mug"])

    response = client_for(alice).delete("/api/v1/me")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "order_in_transit" and shipped.number in body["detail"]
    # Nothing happened: the account, both orders and the stock are as they were.
    assert Shopper.objects.filter(pk=alice.pk).exists()
    open_order.refresh_from_db()
    assert open_order.status == Order.Status.PLACED and open_order.shopper_id == alice.pk
    shelf["mug"].refresh_from_db()
    assert shelf["mug"].stock == 9


def test_the_delete_page_shows_the_refusal_and_keeps_the_account(alice, shelf):
    shipped = _order(alice, shelf["kettle"])
    services.order_status_set(order=shipped, status=Order.Status.SHIPPED)
    client = client_for(alice)

    response = client.post("/account/delete/")

    assert response.status_code == 409
    assert f"Order {shipped.number} is on its way" in response.content.decode()
    assert Shopper.objects.filter(pk=alice.pk).exists()
    assert client.get("/account/").status_code == 200  # still signed in


def test_the_delete_page_says_orders_are_kept_without_the_person(alice):
    page = client_for(alice).get("/account/delete/").content.decode()
    assert "Orders you placed are kept for the shop's" in page
    assert "Nothing is kept" not in page


def test_the_export_still_holds_the_persons_orders_and_their_lines(alice, shelf):
    order = _order(alice, shelf["kettle"])
    exported = client_for(alice).get("/api/v1/me/export").json()
    related = exported["related"]
    assert [row["number"] for row in related["orders.order"]] == [order.number]
    assert [row["sku"] for row in related["orders.orderline"]] == ["KET-1"]

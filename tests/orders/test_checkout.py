"""Checkout: the order copies the cart, takes the stock, empties the cart and records purchases."""

from __future__ import annotations

import re
import threading
from decimal import Decimal

import pytest
from django.db import connection

from catalog.models import Product
from orders import selectors, services
from orders.models import CartLine, Order
from profiles.models import Event, Shopper
from tests.factories import ProductFactory, UserFactory


@pytest.mark.django_db
def test_order_copies_lines_totals_and_takes_stock(alice, shelf):
    services.cart_line_add(shopper=alice, product_id=shelf["kettle"].pk, quantity=2)
    services.cart_line_add(shopper=alice, product_id=shelf["mug"].pk, quantity=3)
    order = services.order_place(shopper=alice)

    assert re.fullmatch(r"SG-\d{6}", order.number)
    assert order.status == "placed" and order.total == Decimal("73.00") and order.currency == "USD"
    lines = sorted((line.sku, line.title, line.unit_price, line.quantity) for line in order.lines.all())
    assert lines == [("KET-1", "Steel kettle", Decimal("24.50"), 2), ("MUG-1", "Stoneware mug", Decimal("8.00"), 3)]
    shelf["kettle"].refresh_from_db()
    shelf["mug"].refresh_from_db()
    assert (shelf["kettle"].stock, shelf["mug"].stock) == (1, 7)
    assert not CartLine.objects.filter(cart__shopper=alice).exists()


@pytest.mark.django_db
def test_order_keeps_what_was_bought_when_the_product_changes_later(alice, shelf):
    services.cart_line_add(shopper=alice, product_id=shelf["kettle"].pk)
    order = services.order_place(shopper=alice)
    Product.objects.filter(pk=shelf["kettle"].pk).update(title="Kettle v2", price=Decimal("99.00"))
    line = selectors.order_for_shopper(shopper=alice, number=order.number).lines.get()
    assert (line.title, line.unit_price, line.line_total) == ("Steel kettle", Decimal("24.50"), Decimal("24.50"))


@pytest.mark.django_db
def test_order_numbers_are_unique_and_increasing(alice, bob, shelf):
    services.cart_line_add(shopper=alice, product_id=shelf["mug"].pk)
    first = services.order_place(shopper=alice)
    services.cart_line_add(shopper=bob, product_id=shelf["mug"].pk)
    second = services.order_place(shopper=bob)
    assert first.number != second.number
    assert int(second.number[3:]) > int(first.number[3:])


@pytest.mark.django_db
def test_purchase_event_per_line_with_order_number_and_price(alice, shelf):
    services.cart_line_add(shopper=alice, product_id=shelf["kettle"].pk, quantity=2)
    services.cart_line_add(shopper=alice, product_id=shelf["mug"].pk)
    order = services.order_place(shopper=alice)
    purchases = Event.objects.filter(shopper=alice, kind="purchase").order_by("product_id")
    assert [(e.product_id, e.order_id, e.price) for e in purchases] == [
        (shelf["kettle"].pk, order.number, Decimal("24.50")),
        (shelf["mug"].pk, order.number, Decimal("8.00")),
    ]


@pytest.mark.django_db
def test_empty_cart_cannot_be_checked_out(alice):
    with pytest.raises(services.OrderError) as refused:
        services.order_place(shopper=alice)
    assert refused.value.code == "cart_empty"
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_anonymous_shopper_cannot_check_out(shelf):
    visitor = Shopper.objects.create(session_key="anon-1")
    services.cart_line_add(shopper=visitor, product_id=shelf["mug"].pk)
    with pytest.raises(services.OrderError) as refused:
        services.order_place(shopper=visitor)
    assert refused.value.code == "not_authenticated"
    assert CartLine.objects.filter(cart__shopper=visitor).count() == 1


@pytest.mark.django_db
def test_oversell_is_refused_and_nothing_changes(alice, bob, shelf):
    """Both carts hold the last lamp; the first checkout takes it, the second fails whole."""
    services.cart_line_add(shopper=alice, product_id=shelf["last"].pk)
    services.cart_line_add(shopper=bob, product_id=shelf["mug"].pk, quantity=2)
    services.cart_line_add(shopper=bob, product_id=shelf["last"].pk)
    services.order_place(shopper=alice)

    with pytest.raises(services.OrderError) as refused:
        services.order_place(shopper=bob)
    assert refused.value.code == "insufficient_stock"
    assert refused.value.detail == "Last lamp is out of stock."
    shelf["last"].refresh_from_db()
    shelf["mug"].refresh_from_db()
    assert (shelf["last"].stock, shelf["mug"].stock) == (0, 10)  # bob's mugs were not taken either
    assert CartLine.objects.filter(cart__shopper=bob).count() == 2
    assert not Order.objects.filter(shopper=bob).exists()
    assert not Event.objects.filter(shopper=bob, kind="purchase").exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_checkouts_never_oversell():
    """Four shoppers check out the last two lamps at the same moment: exactly two orders, stock 0."""
    lamp = ProductFactory(sku="LAMP-2", title="Twin lamp", price=Decimal("40.00"), stock=2)
    shoppers = [Shopper.objects.create(user=UserFactory(username=f"racer{i}")) for i in range(4)]
    for shopper in shoppers:
        services.cart_line_add(shopper=shopper, product_id=lamp.pk)
    start = threading.Barrier(len(shoppers))
    outcomes: list[str] = []

    def check_out(shopper: Shopper) -> None:
        try:
            start.wait()
            services.order_place(shopper=shopper)
            outcomes.append("placed")
        except services.OrderError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=check_out, args=(s,)) for s in shoppers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    lamp.refresh_from_db()
    assert sorted(outcomes) == ["insufficient_stock", "insufficient_stock", "placed", "placed"]
    assert lamp.stock == 0
    assert Order.objects.count() == 2
    assert sum(line.quantity for order in Order.objects.all() for line in order.lines.all()) == 2

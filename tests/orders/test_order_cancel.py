"""Cancelling: only a placed order, only by its shopper, stock back on the shelf exactly once."""

from __future__ import annotations

import pytest

from orders import services
from orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed(alice, shelf) -> Order:
    services.cart_line_add(shopper=alice, product_id=shelf["kettle"].pk, quantity=2)
    services.cart_line_add(shopper=alice, product_id=shelf["last"].pk)
    return services.order_place(shopper=alice)


def test_cancel_restores_stock(alice, shelf, placed):
    shelf["kettle"].refresh_from_db()
    assert shelf["kettle"].stock == 1
    order = services.order_cancel(shopper=alice, number=placed.number)
    assert order.status == "cancelled"
    for name, stock in [("kettle", 3), ("last", 1)]:
        shelf[name].refresh_from_db()
        assert shelf[name].stock == stock


def test_cancelling_twice_does_not_restore_twice(alice, shelf, placed):
    services.order_cancel(shopper=alice, number=placed.number)
    with pytest.raises(services.OrderError) as refused:
        services.order_cancel(shopper=alice, number=placed.number)
    assert refused.value.code == "not_cancellable"
    shelf["kettle"].refresh_from_db()
    assert shelf["kettle"].stock == 3


def test_shipped_order_cannot_be_cancelled(alice, shelf, placed):
    services.order_status_set(order=placed, status=Order.Status.SHIPPED)
    with pytest.raises(services.OrderError) as refused:
        services.order_cancel(shopper=alice, number=placed.number)
    assert refused.value.detail == f"Order {placed.number} is shipped and can no longer be cancelled."
    placed.refresh_from_db()
    shelf["kettle"].refresh_from_db()
    assert (placed.status, shelf["kettle"].stock) == ("shipped", 1)


def test_another_shopper_cannot_cancel(bob, shelf, placed):
    with pytest.raises(services.OrderError) as refused:
        services.order_cancel(shopper=bob, number=placed.number)
    assert refused.value.code == "not_found"
    placed.refresh_from_db()
    assert placed.status == "placed"


def test_merchandiser_cancelling_restores_stock_and_a_cancelled_order_stays_cancelled(shelf, placed):
    services.order_status_set(order=placed, status=Order.Status.CANCELLED)
    shelf["last"].refresh_from_db()
    assert shelf["last"].stock == 1
    with pytest.raises(services.OrderError) as refused:
        services.order_status_set(order=placed, status=Order.Status.PLACED)
    assert refused.value.code == "not_reopenable"
    placed.refresh_from_db()
    assert placed.status == "cancelled"


def test_cancel_after_product_deleted_still_works(alice, shelf, placed):
    shelf["last"].delete()
    services.order_cancel(shopper=alice, number=placed.number)
    shelf["kettle"].refresh_from_db()
    assert shelf["kettle"].stock == 3
    assert placed.lines.get(sku="LAST-1").product_id is None

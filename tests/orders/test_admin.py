"""Admin: merchandisers list orders by status, see the lines, move the status; carts are read-only."""

from __future__ import annotations

import pytest

from orders import services
from orders.models import Cart, Order

from .conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(alice, shelf) -> Order:
    services.cart_line_add(shopper=alice, product_id=shelf["kettle"].pk, quantity=2)
    return services.order_place(shopper=alice)


def _form(order: Order, status: str) -> dict:
    """The change form as the browser posts it: the status plus the (read-only) inline's management data."""
    line = order.lines.get()
    return {
        "status": status,
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-id": str(line.pk),
        "lines-0-order": str(order.pk),
    }


def test_order_list_filters_by_status(merchandiser, order, bob, shelf):
    services.cart_line_add(shopper=bob, product_id=shelf["mug"].pk)
    shipped = services.order_place(shopper=bob)
    services.order_status_set(order=shipped, status=Order.Status.SHIPPED)
    client = client_for(user=merchandiser)
    html = client.get("/admin/orders/order/", {"status__exact": "placed"}).content.decode()
    assert order.number in html and shipped.number not in html


def test_order_page_shows_lines_and_cancelling_there_restores_stock(merchandiser, order, shelf):
    client = client_for(user=merchandiser)
    url = f"/admin/orders/order/{order.pk}/change/"
    html = client.get(url).content.decode()
    assert "KET-1" in html and "Steel kettle" in html and 'name="status"' in html
    response = client.post(url, _form(order, "cancelled"))
    assert response.status_code == 302
    order.refresh_from_db()
    shelf["kettle"].refresh_from_db()
    assert (order.status, shelf["kettle"].stock) == ("cancelled", 3)

    html = client.post(url, _form(order, "placed")).content.decode()
    assert "A cancelled order stays cancelled" in html
    order.refresh_from_db()
    assert order.status == "cancelled"


def test_carts_are_read_only(merchandiser, alice, shelf):
    services.cart_line_add(shopper=alice, product_id=shelf["mug"].pk, quantity=2)
    cart = Cart.objects.get(shopper=alice)
    client = client_for(user=merchandiser)
    html = client.get(f"/admin/orders/cart/{cart.pk}/change/").content.decode()
    assert "Stoneware mug" in html
    assert 'name="_save"' not in html  # view only: no save button
    assert client.get("/admin/orders/cart/add/").status_code == 403

"""Cart services: add within stock, change quantity, remove, and the cart events they record."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders import selectors, services
from orders.models import CartLine
from profiles.models import Event

pytestmark = pytest.mark.django_db


def test_adding_twice_sums_quantities_and_totals_the_cart(alice, shelf):
    services.cart_line_add(shopper=alice, product_id=shelf["kettle"].pk, quantity=1)
    services.cart_line_add(shopper=alice, product_id=shelf["kettle"].pk, quantity=2)
    services.cart_line_add(shopper=alice, product_id=shelf["mug"].pk, quantity=4)
    cart = selectors.cart_view(shopper=alice)
    assert [(row.product.title, row.quantity, row.line_total) for row in cart.rows] == [
        ("Steel kettle", 3, Decimal("73.50")),
        ("Stoneware mug", 4, Decimal("32.00")),
    ]
    assert cart.total == Decimal("105.50") and cart.item_count == 7 and cart.can_check_out


def test_cannot_add_more_than_is_in_stock(alice, shelf):
    services.cart_line_add(shopper=alice, product_id=shelf["kettle"].pk, quantity=2)
    with pytest.raises(services.OrderError) as refused:
        services.cart_line_add(shopper=alice, product_id=shelf["kettle"].pk, quantity=2)
    assert refused.value.code == "insufficient_stock"
    assert refused.value.detail == "Only 3 of Steel kettle left in stock."
    assert CartLine.objects.get(cart__shopper=alice).quantity == 2


def test_out_of_stock_and_inactive_products_cannot_be_added(alice, shelf):
    with pytest.raises(services.OrderError, match="Sold-out stool is out of stock"):
        services.cart_line_add(shopper=alice, product_id=shelf["gone"].pk)
    shelf["mug"].is_active = False
    shelf["mug"].save(update_fields=["is_active"])
    with pytest.raises(services.OrderError) as refused:
        services.cart_line_add(shopper=alice, product_id=shelf["mug"].pk)
    assert refused.value.code == "product_unavailable"
    assert not CartLine.objects.filter(cart__shopper=alice).exists()


@pytest.mark.parametrize("quantity", [0, -1])
def test_a_quantity_below_one_is_refused(alice, shelf, quantity):
    services.cart_line_add(shopper=alice, product_id=shelf["mug"].pk, quantity=2)
    with pytest.raises(services.OrderError) as refused:
        services.cart_line_add(shopper=alice, product_id=shelf["mug"].pk, quantity=quantity)
    assert refused.value.code == "invalid_quantity"
    assert CartLine.objects.get(cart__shopper=alice).quantity == 2


def test_add_records_cart_add_with_surface_position_and_price(alice, shelf):
    services.cart_line_add(shopper=alice, product_id=shelf["mug"].pk, surface="search", position=3, query="mug")
    event = Event.objects.get(shopper=alice)
    assert (event.kind, event.product_id, event.surface, event.position, event.query, event.price) == (
        "cart_add",
        shelf["mug"].pk,
        "search",
        3,
        "mug",
        Decimal("8.00"),
    )


def test_an_unknown_surface_is_recorded_as_direct(alice, shelf):
    services.cart_line_add(shopper=alice, product_id=shelf["mug"].pk, surface="<script>")
    assert Event.objects.get(shopper=alice).surface == "direct"


def test_changing_quantity_records_add_or_remove_and_zero_removes(alice, shelf):
    mug = shelf["mug"].pk
    services.cart_line_add(shopper=alice, product_id=mug, quantity=2)
    services.cart_line_set_quantity(shopper=alice, product_id=mug, quantity=5)
    services.cart_line_set_quantity(shopper=alice, product_id=mug, quantity=1)
    assert CartLine.objects.get(cart__shopper=alice).quantity == 1
    services.cart_line_set_quantity(shopper=alice, product_id=mug, quantity=0)
    assert not CartLine.objects.filter(cart__shopper=alice).exists()
    kinds = list(Event.objects.filter(shopper=alice).order_by("id").values_list("kind", flat=True))
    assert kinds == ["cart_add", "cart_add", "cart_remove", "cart_remove"]


def test_raising_quantity_beyond_stock_is_refused_but_lowering_an_overfull_line_works(alice, shelf):
    kettle = shelf["kettle"]
    services.cart_line_add(shopper=alice, product_id=kettle.pk, quantity=3)
    with pytest.raises(services.OrderError, match="Only 3 of Steel kettle"):
        services.cart_line_set_quantity(shopper=alice, product_id=kettle.pk, quantity=4)
    kettle.stock = 1  # sold elsewhere since
    kettle.save(update_fields=["stock"])
    row = selectors.cart_view(shopper=alice).rows[0]
    assert row.problem == "Only 1 of Steel kettle left in stock."
    services.cart_line_set_quantity(shopper=alice, product_id=kettle.pk, quantity=2)  # still > 1, but lower
    assert not selectors.cart_view(shopper=alice).can_check_out
    services.cart_line_set_quantity(shopper=alice, product_id=kettle.pk, quantity=1)
    assert selectors.cart_view(shopper=alice).can_check_out


def test_removing_a_line_records_cart_remove_and_a_missing_line_is_refused(alice, shelf):
    services.cart_line_add(shopper=alice, product_id=shelf["mug"].pk)
    services.cart_line_remove(shopper=alice, product_id=shelf["mug"].pk)
    assert selectors.cart_view(shopper=alice).is_empty
    assert Event.objects.filter(shopper=alice, kind="cart_remove", product=shelf["mug"]).count() == 1
    with pytest.raises(services.OrderError) as refused:
        services.cart_line_remove(shopper=alice, product_id=shelf["mug"].pk)
    assert refused.value.code == "not_in_cart"


def test_carts_are_per_shopper(alice, bob, shelf):
    services.cart_line_add(shopper=alice, product_id=shelf["mug"].pk, quantity=2)
    assert selectors.cart_view(shopper=bob).is_empty
    assert selectors.cart_item_count(shopper=alice) == 2

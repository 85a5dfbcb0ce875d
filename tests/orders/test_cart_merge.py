"""The shopper_merging receiver: a visitor's cart and orders move into the account they sign in to."""

from __future__ import annotations

import pytest

from orders import services
from orders.models import Cart, CartLine, Order
from profiles.models import Shopper
from profiles.signals import shopper_merging

pytestmark = pytest.mark.django_db


def test_anonymous_cart_lines_join_the_account_cart_summing_quantities(alice, shelf):
    visitor = Shopper.objects.create(session_key="visit-1")
    services.cart_line_add(shopper=visitor, product_id=shelf["mug"].pk, quantity=2)
    services.cart_line_add(shopper=visitor, product_id=shelf["kettle"].pk)
    services.cart_line_add(shopper=alice, product_id=shelf["mug"].pk, quantity=3)

    shopper_merging.send(sender=Shopper, source=visitor, target=alice)

    lines = dict(CartLine.objects.filter(cart__shopper=alice).values_list("product__sku", "quantity"))
    assert lines == {"MUG-1": 5, "KET-1": 1}
    assert not CartLine.objects.filter(cart__shopper=visitor).exists()


def test_merge_into_an_account_without_a_cart_creates_it(alice, shelf):
    visitor = Shopper.objects.create(session_key="visit-2")
    services.cart_line_add(shopper=visitor, product_id=shelf["kettle"].pk, quantity=2)
    assert not Cart.objects.filter(shopper=alice).exists()
    shopper_merging.send(sender=Shopper, source=visitor, target=alice)
    assert list(CartLine.objects.filter(cart__shopper=alice).values_list("product__title", "quantity")) == [
        ("Steel kettle", 2)
    ]


def test_orders_move_to_the_account_and_survive_deleting_the_visitor(alice, bob, shelf):
    # An order can only be placed signed in; one on a shopper being merged comes from an earlier merge.
    services.cart_line_add(shopper=bob, product_id=shelf["mug"].pk)
    order = services.order_place(shopper=bob)
    shopper_merging.send(sender=Shopper, source=bob, target=alice)
    bob.delete()
    assert list(Order.objects.filter(shopper=alice).values_list("number", flat=True)) == [order.number]


def test_merge_with_nothing_to_move_leaves_the_account_cart_alone(alice, shelf):
    visitor = Shopper.objects.create(session_key="visit-3")
    services.cart_line_add(shopper=alice, product_id=shelf["mug"].pk)
    shopper_merging.send(sender=Shopper, source=visitor, target=alice)
    assert list(CartLine.objects.filter(cart__shopper=alice).values_list("quantity", flat=True)) == [1]

"""Who may see and change which cart and orders through the shopper API.

alice owns the order and the cart; bob is another shopper; a visitor is anonymous; the merchandiser is
staff (and superuser). Only alice sees or changes alice's things; staff get no personal data here (they
use the admin), only their own (empty) cart and orders.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from orders import services
from orders.models import CartLine, Order

pytestmark = pytest.mark.django_db

CALLERS = ["owner", "other", "anonymous", "merchandiser"]


@pytest.fixture
def world(alice, bob, merchandiser, shelf):
    services.cart_line_add(shopper=alice, product_id=shelf["kettle"].pk)
    order = services.order_place(shopper=alice)
    services.cart_line_add(shopper=alice, product_id=shelf["mug"].pk, quantity=2)  # alice's cart after checkout
    clients = {name: APIClient() for name in CALLERS}
    clients["owner"].force_login(alice.user)
    clients["other"].force_login(bob.user)
    clients["merchandiser"].force_login(merchandiser)
    return {"order": order, "clients": clients, "shelf": shelf, "alice": alice}


def _personal(text: str) -> bool:
    """Does a response body carry anything of alice's (her order, her cart's contents)?"""
    return any(mark in text for mark in ("SG-", "Steel kettle", "Stoneware mug", "KET-1", "MUG-1"))


# --- Orders ---------------------------------------------------------------------------------------

ORDER_LIST = {"owner": 200, "other": 200, "anonymous": 403, "merchandiser": 200}


@pytest.mark.parametrize("caller", CALLERS)
def test_order_list(world, caller):
    response = world["clients"][caller].get("/api/v1/orders")
    assert response.status_code == ORDER_LIST[caller]
    if caller == "owner":
        assert [o["number"] for o in response.json()["results"]] == [world["order"].number]
    elif caller == "anonymous":
        assert response.json()["code"] == "not_authenticated"
    else:
        assert response.json()["results"] == [] and not _personal(response.content.decode())


ORDER_DETAIL = {"owner": 200, "other": 404, "anonymous": 403, "merchandiser": 404}


@pytest.mark.parametrize("caller", CALLERS)
def test_order_detail(world, caller):
    response = world["clients"][caller].get(f"/api/v1/orders/{world['order'].number}")
    assert response.status_code == ORDER_DETAIL[caller]
    if caller == "owner":
        assert response.json()["lines"][0]["title"] == "Steel kettle"
    else:
        assert set(response.json()) == {"code", "detail"} and not _personal(response.content.decode())


ORDER_CANCEL = {"owner": 200, "other": 404, "anonymous": 403, "merchandiser": 404}


@pytest.mark.parametrize("caller", CALLERS)
def test_order_cancel(world, caller):
    response = world["clients"][caller].post(f"/api/v1/orders/{world['order'].number}/cancel")
    assert response.status_code == ORDER_CANCEL[caller]
    world["order"].refresh_from_db()
    world["shelf"]["kettle"].refresh_from_db()
    if caller == "owner":
        assert response.json()["status"] == "cancelled"
        assert (world["order"].status, world["shelf"]["kettle"].stock) == ("cancelled", 3)
    else:
        assert not _personal(response.content.decode())
        assert (world["order"].status, world["shelf"]["kettle"].stock) == ("placed", 2)


ORDER_PLACE = {"owner": 201, "other": 409, "anonymous": 403, "merchandiser": 409}


@pytest.mark.parametrize("caller", CALLERS)
def test_order_place_only_ever_checks_out_the_callers_own_cart(world, caller):
    response = world["clients"][caller].post("/api/v1/orders")
    assert response.status_code == ORDER_PLACE[caller]
    alice_lines = CartLine.objects.filter(cart__shopper=world["alice"]).count()
    if caller == "owner":
        assert response.json()["lines"][0]["title"] == "Stoneware mug" and alice_lines == 0
    else:
        # Their own carts are empty: nothing of alice's is ordered, shown or emptied.
        assert response.json().get("code") in {"cart_empty", "not_authenticated"}
        assert alice_lines == 1 and Order.objects.count() == 1


# --- Cart -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("caller", CALLERS)
def test_cart_get_shows_only_the_callers_cart(world, caller):
    response = world["clients"][caller].get("/api/v1/cart")
    assert response.status_code == 200
    titles = [line["title"] for line in response.json()["lines"]]
    assert titles == (["Stoneware mug"] if caller == "owner" else [])


@pytest.mark.parametrize("caller", CALLERS)
def test_cart_line_change_touches_only_the_callers_cart(world, caller):
    mug = world["shelf"]["mug"].pk
    response = world["clients"][caller].patch(f"/api/v1/cart/lines/{mug}", {"quantity": 5}, format="json")
    line = CartLine.objects.get(cart__shopper=world["alice"])
    if caller == "owner":
        assert response.status_code == 200 and line.quantity == 5
    else:
        assert response.status_code == 404 and response.json()["code"] == "not_in_cart"
        assert line.quantity == 2 and not _personal(response.content.decode())


@pytest.mark.parametrize("caller", CALLERS)
def test_cart_line_delete_touches_only_the_callers_cart(world, caller):
    mug = world["shelf"]["mug"].pk
    response = world["clients"][caller].delete(f"/api/v1/cart/lines/{mug}")
    remaining = CartLine.objects.filter(cart__shopper=world["alice"]).count()
    if caller == "owner":
        assert response.status_code == 200 and remaining == 0
    else:
        assert response.status_code == 404 and remaining == 1


@pytest.mark.parametrize("caller", CALLERS)
def test_cart_line_add_goes_to_the_callers_cart(world, caller):
    kettle = world["shelf"]["kettle"].pk
    response = world["clients"][caller].post("/api/v1/cart/lines", {"product_id": kettle}, format="json")
    assert response.status_code == 201
    titles = sorted(line["title"] for line in response.json()["lines"])
    alice_titles = sorted(
        CartLine.objects.filter(cart__shopper=world["alice"]).values_list("product__title", flat=True)
    )
    if caller == "owner":
        assert titles == alice_titles == ["Steel kettle", "Stoneware mug"]
    else:
        assert titles == ["Steel kettle"] and alice_titles == ["Stoneware mug"]

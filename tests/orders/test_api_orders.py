"""Orders API: checkout, list, detail, cancel, as the owner sees them."""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from orders import services
from orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(alice) -> APIClient:
    client = APIClient()
    client.force_login(alice.user)
    return client


def test_checkout_returns_the_order(api, alice, shelf):
    services.cart_line_add(shopper=alice, product_id=shelf["kettle"].pk, quantity=2)
    services.cart_line_add(shopper=alice, product_id=shelf["mug"].pk)
    response = api.post("/api/v1/orders")
    assert response.status_code == 201
    body = response.json()
    assert re.fullmatch(r"SG-\d{6}", body["number"])
    assert (body["status"], body["total"], body["currency"], body["cancellable"]) == ("placed", "57.00", "USD", True)
    assert body["url"] == f"/account/orders/{body['number']}/"
    assert [(line["sku"], line["unit_price"], line["quantity"], line["line_total"]) for line in body["lines"]] == [
        ("KET-1", "24.50", 2, "49.00"),
        ("MUG-1", "8.00", 1, "8.00"),
    ]
    assert api.get("/api/v1/cart").json()["lines"] == []
    shelf["kettle"].refresh_from_db()
    assert shelf["kettle"].stock == 1


def test_empty_cart_checkout_is_a_409(api):
    response = api.post("/api/v1/orders")
    assert response.status_code == 409
    assert response.json() == {"code": "cart_empty", "detail": "Your cart is empty."}


def test_list_detail_and_cancel(api, alice, shelf):
    numbers = []
    for name in ("mug", "kettle"):
        services.cart_line_add(shopper=alice, product_id=shelf[name].pk)
        numbers.append(services.order_place(shopper=alice).number)
    body = api.get("/api/v1/orders").json()
    assert body["count"] == 2 and [o["number"] for o in body["results"]] == numbers[::-1]  # newest first

    detail = api.get(f"/api/v1/orders/{numbers[1]}").json()
    assert detail["lines"][0]["title"] == "Steel kettle" and detail["total"] == "24.50"

    cancelled = api.post(f"/api/v1/orders/{numbers[1]}/cancel").json()
    assert (cancelled["status"], cancelled["cancellable"]) == ("cancelled", False)
    shelf["kettle"].refresh_from_db()
    assert shelf["kettle"].stock == 3
    again = api.post(f"/api/v1/orders/{numbers[1]}/cancel")
    assert again.status_code == 409 and again.json()["code"] == "not_cancellable"


def test_order_payload_names_no_person(api, alice, shelf):
    services.cart_line_add(shopper=alice, product_id=shelf["mug"].pk)
    order = services.order_place(shopper=alice)
    text = api.get(f"/api/v1/orders/{order.number}").content.decode()
    assert "alice" not in text and "shopper" not in text and "example.com" not in text
    assert set(api.get(f"/api/v1/orders/{order.number}").json()) == {
        "number", "status", "total", "currency", "created_at", "updated_at", "cancellable", "lines", "url",
    }  # fmt: skip
    assert Order.objects.get().shopper == alice


def test_schema_documents_every_endpoint():
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert set(paths["/api/v1/cart/lines/{product_id}"]) >= {"patch", "delete"}
    assert set(paths["/api/v1/orders"]) >= {"get", "post"}
    for path in ("/api/v1/cart", "/api/v1/cart/lines", "/api/v1/orders/{number}", "/api/v1/orders/{number}/cancel"):
        assert path in paths

"""Cart API: add, change, remove, stock refusals as JSON errors; anonymous visitors keep theirs by session."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from orders.models import CartLine
from profiles.models import Event

pytestmark = pytest.mark.django_db


def _api(shopper=None) -> APIClient:
    api = APIClient()
    if shopper is not None:
        api.force_login(shopper.user)
    return api


def test_add_change_remove_round_trip(alice, shelf):
    api = _api(alice)
    response = api.post("/api/v1/cart/lines", {"product_id": shelf["kettle"].pk, "quantity": 2}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["lines"] == [
        {
            "product_id": shelf["kettle"].pk,
            "sku": "KET-1",
            "title": "Steel kettle",
            "url": f"/p/{shelf['kettle'].pk}/",
            "unit_price": "24.50",
            "quantity": 2,
            "line_total": "49.00",
            "stock": 3,
            "problem": "",
        }
    ]
    assert (body["item_count"], body["total"], body["currency"], body["can_check_out"]) == (2, "49.00", "USD", True)

    body = api.patch(f"/api/v1/cart/lines/{shelf['kettle'].pk}", {"quantity": 1}, format="json").json()
    assert (body["lines"][0]["quantity"], body["total"]) == (1, "24.50")

    api.post("/api/v1/cart/lines", {"product_id": shelf["mug"].pk}, format="json")
    body = api.delete(f"/api/v1/cart/lines/{shelf['kettle'].pk}").json()
    assert [line["title"] for line in body["lines"]] == ["Stoneware mug"] and body["total"] == "8.00"
    assert api.get("/api/v1/cart").json() == body
    kinds = list(Event.objects.filter(shopper=alice).order_by("id").values_list("kind", flat=True))
    assert kinds == ["cart_add", "cart_remove", "cart_add", "cart_remove"]


def test_surface_is_recorded_and_an_unknown_one_is_invalid(alice, shelf):
    api = _api(alice)
    api.post(
        "/api/v1/cart/lines", {"product_id": shelf["mug"].pk, "surface": "assistant", "position": 2}, format="json"
    )
    assert Event.objects.get(shopper=alice).surface == "assistant"
    response = api.post("/api/v1/cart/lines", {"product_id": shelf["mug"].pk, "surface": "nowhere"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert response.json()["detail"].startswith("surface:")


def test_stock_refusal_is_a_409_with_a_stable_code(alice, shelf):
    response = _api(alice).post("/api/v1/cart/lines", {"product_id": shelf["kettle"].pk, "quantity": 4}, format="json")
    assert response.status_code == 409
    assert response.json() == {"code": "insufficient_stock", "detail": "Only 3 of Steel kettle left in stock."}
    assert not CartLine.objects.exists()


def test_unknown_product_and_missing_line(alice, shelf):
    api = _api(alice)
    response = api.post("/api/v1/cart/lines", {"product_id": 999999}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "product_unavailable"
    response = api.patch(f"/api/v1/cart/lines/{shelf['mug'].pk}", {"quantity": 2}, format="json")
    assert response.status_code == 404
    assert response.json() == {"code": "not_in_cart", "detail": "This product is not in your cart."}


def test_quantity_bounds_are_validated(alice, shelf):
    api = _api(alice)
    for quantity in (0, 100, "many"):
        response = api.post("/api/v1/cart/lines", {"product_id": shelf["mug"].pk, "quantity": quantity}, format="json")
        assert response.status_code == 400 and response.json()["detail"].startswith("quantity:")
    api.post("/api/v1/cart/lines", {"product_id": shelf["mug"].pk}, format="json")
    body = api.patch(f"/api/v1/cart/lines/{shelf['mug'].pk}", {"quantity": 0}, format="json").json()
    assert body["lines"] == [] and body["item_count"] == 0


def test_anonymous_cart_persists_across_requests_by_session(shelf):
    api = APIClient()
    assert api.get("/api/v1/cart").json()["lines"] == []
    api.post("/api/v1/cart/lines", {"product_id": shelf["mug"].pk, "quantity": 3}, format="json")
    assert api.get("/api/v1/cart").json()["item_count"] == 3
    assert APIClient().get("/api/v1/cart").json()["item_count"] == 0  # another visitor

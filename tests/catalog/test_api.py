"""Catalog REST API: listing filters and sorts, detail, category tree, JSON errors, schema and docs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from catalog import services
from tests.factories import BrandFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def catalog():
    running = services.category_ensure_path(path="Shoes > Running Shoes")
    boots = services.category_ensure_path(path="Shoes > Boots")
    audio = services.category_ensure_path(path="Electronics > Headphones")
    norvik, altura = BrandFactory(name="Norvik", slug="norvik"), BrandFactory(name="Altura", slug="altura")
    return {
        "runner": ProductFactory(title="Road runner", category=running, brand=norvik, price=Decimal("80.00"), rating=Decimal("4.6")),
        "trail": ProductFactory(title="Trail runner", category=running, brand=altura, price=Decimal("120.00"), rating=Decimal("4.1"), stock=0),
        "boot": ProductFactory(title="Snow boot", category=boots, brand=norvik, price=Decimal("150.00"), rating=Decimal("3.5")),
        "phones": ProductFactory(title="Studio headphones", category=audio, brand=altura, price=Decimal("60.00"), rating=Decimal("4.9")),
        "hidden": ProductFactory(title="Retired shoe", category=running, brand=norvik, is_active=False),
    }  # fmt: skip


def titles(response) -> list[str]:
    return [item["title"] for item in response.json()["results"]]


def test_list_returns_active_products_with_nested_brand_and_category(api, catalog):
    body = api.get("/api/v1/products").json()
    assert body["count"] == 4
    assert "Retired shoe" not in [p["title"] for p in body["results"]]
    first = body["results"][0]
    assert first["title"] == "Studio headphones"  # default sort: rating
    assert first["brand"] == {"id": catalog["phones"].brand_id, "name": "Altura", "slug": "altura"}
    assert first["category"]["path"] == "Electronics > Headphones"
    assert first["price"] == "60.00" and first["url"] == f"/p/{catalog['phones'].pk}/"


def test_category_filter_includes_subcategories(api, catalog):
    assert sorted(titles(api.get("/api/v1/products", {"category": "shoes"}))) == [
        "Road runner",
        "Snow boot",
        "Trail runner",
    ]
    assert sorted(titles(api.get("/api/v1/products", {"category": "shoes-running-shoes"}))) == [
        "Road runner",
        "Trail runner",
    ]


def test_brand_price_rating_stock_filters_and_sorts(api, catalog):
    assert sorted(titles(api.get("/api/v1/products?brand=norvik"))) == ["Road runner", "Snow boot"]
    assert titles(api.get("/api/v1/products", {"min_price": "70", "max_price": "130", "sort": "price"})) == [
        "Road runner",
        "Trail runner",
    ]
    assert titles(api.get("/api/v1/products", {"min_rating": "4.5", "sort": "-price"})) == [
        "Road runner",
        "Studio headphones",
    ]
    assert "Trail runner" not in titles(api.get("/api/v1/products", {"in_stock": "true"}))


def test_pagination(api, catalog):
    body = api.get("/api/v1/products", {"page_size": 3, "page": 2, "sort": "price"}).json()
    assert body["count"] == 4 and [p["title"] for p in body["results"]] == ["Snow boot"]
    assert body["previous"] is not None and body["next"] is None


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"min_price": "abc"}, "min_price"),
        ({"min_price": "50", "max_price": "10"}, "min_price: must not be greater than max_price"),
        ({"sort": "cheapest"}, "sort"),
        ({"category": "no-such-category"}, "category: unknown category 'no-such-category'"),
    ],
)
def test_bad_parameters_are_json_errors(api, catalog, params, message):
    response = api.get("/api/v1/products", params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and message in body["detail"]


def test_out_of_range_page_is_a_json_404(api, catalog):
    response = api.get("/api/v1/products", {"page": 99})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_detail_and_inactive_product(api, catalog):
    body = api.get(f"/api/v1/products/{catalog['boot'].pk}").json()
    assert body["sku"] == catalog["boot"].sku and body["brand"]["name"] == "Norvik"
    response = api.get(f"/api/v1/products/{catalog['hidden'].pk}")
    assert response.status_code == 404 and response.json() == {"code": "not_found", "detail": "Not found."}


def test_categories_tree_with_rolled_up_counts(api, catalog):
    body = api.get("/api/v1/categories").json()
    by_path = {c["path"]: c for c in body}
    assert by_path["Shoes"]["product_count"] == 3  # the inactive shoe is not counted
    assert by_path["Shoes > Running Shoes"]["product_count"] == 2
    assert by_path["Shoes > Boots"]["parent"] == by_path["Shoes"]["id"]
    assert by_path["Electronics"]["depth"] == 0 and by_path["Electronics > Headphones"]["depth"] == 1


def test_schema_lists_every_endpoint_and_docs_are_served_locally(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert {"/api/v1/products", "/api/v1/products/{id}", "/api/v1/categories"} <= set(schema["paths"])
    params = {p["name"] for p in schema["paths"]["/api/v1/products"]["get"]["parameters"]}
    assert {"category", "brand", "min_price", "max_price", "min_rating", "sort", "page"} <= params
    docs = api.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "/static/drf_spectacular_sidecar/" in docs and "cdn" not in docs.lower()

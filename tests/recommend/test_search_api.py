"""GET /api/v1/search: the understood query, results with reasons, facets, filters, sort, pages, JSON errors, schema."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from assistant import intents
from catalog.apis import ProductOutput
from recommend.apis import SearchOutput, _search_payload, search_representation
from recommend.models import SearchLog
from recommend.search.engine import SearchFilters, search
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

DESIGN_QUERY = "waterproof womens hiking boots under 120 not leather"


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def skus(payload: dict) -> list[str]:
    return [item["product"]["sku"] for item in payload["results"]]


def test_design_card_query_returns_only_b1_with_what_was_understood_and_why(api, search_catalog):
    intents.current_head()  # the dialogue act comes from the learned intent head: loaded, as the assistant loads it
    response = api.get("/api/v1/search", {"q": DESIGN_QUERY})
    body = response.json()

    assert skus(body) == ["B1"]
    assert (body["total"], body["page"], body["pages"]) == (1, 1, 1)
    assert body["latency_ms"] > 0
    query = body["query"]
    assert query["raw"] == DESIGN_QUERY and query["intent"] == "product_search"
    assert query["price_max"] == "120" and query["price_min"] is None and query["min_rating"] is None
    assert query["corrected"] is None and query["corrections"] == [] and query["relaxed"] == []
    women = next(s for s in query["slots"] if s["type"] == "department")
    assert women == {
        "type": "department", "value": "women", "text": "womens", "start": 11, "end": 17, "negated": False, "hard": True,
    }  # fmt: skip
    assert DESIGN_QUERY[women["start"] : women["end"]] == "womens"
    leather = next(s for s in query["slots"] if s["type"] == "material")
    assert leather["negated"] is True and leather["value"] == "leather"
    assert query["price_hint"] is None and "boots" in query["product_type"]
    constraints = {c["label"]: c for c in query["constraints"]}
    assert {"women", "under $120", "not leather"} <= set(constraints)
    assert constraints["not leather"] == {
        "kind": "material",
        "label": "not leather",
        "negated": True,
        "source": "query",
    }
    assert constraints["under $120"]["source"] == "query"

    hit = body["results"][0]
    # The product has exactly the catalog API's shape.
    assert set(hit["product"]) == set(ProductOutput.Meta.fields)
    assert hit["product"]["brand"]["slug"] == "trailcraft" and hit["product"]["url"] == f"/p/{hit['product']['id']}/"
    assert isinstance(hit["score"], float) and hit["score"] > 0
    reasons = {r["kind"]: r["text"] for r in hit["reasons"]}
    assert reasons["attribute"] == "matches: waterproof, women, Hiking Boots, under $120"
    assert reasons["excluded"] == "excludes: leather"
    assert reasons["semantic"].startswith("close in meaning")
    assert set(body["facets"]) == {"categories", "brands", "prices", "ratings", "in_stock"}
    assert body["facets"]["brands"] == [{"key": "trailcraft", "label": "Trailcraft", "count": 1, "selected": False}]


def test_typo_correction_and_relaxation_are_reported(api, search_catalog):
    body = api.get("/api/v1/search", {"q": "runing shoes"}).json()
    assert body["query"]["corrected"] == "running shoes"
    assert body["query"]["corrections"] == [{"original": "runing", "corrected": "running", "start": 0, "end": 6}]
    assert set(skus(body)) == {"R1", "R2", "R3"}

    body = api.get("/api/v1/search", {"q": "red running shoes for men"}).json()
    assert body["query"]["relaxed"] == ["red"]
    assert skus(body) == ["R3"]
    assert {"kind": "relaxed", "text": "shown without “red”: nothing matched it with the rest of the search"} in body[
        "results"
    ][0]["reasons"]


def test_filters_are_applied_and_echoed_as_constraints(api, search_catalog):
    body = api.get("/api/v1/search?q=shoes&brand=altura&brand=norvik&in_stock=true&max_price=99").json()
    assert sorted(skus(body)) == ["B3", "R1", "R2", "R3"]
    sources = {c["kind"]: c["source"] for c in body["query"]["constraints"]}
    assert sources == {"category": "query", "brand": "filter", "price": "filter", "stock": "filter"}
    selected = {o["key"] for o in body["facets"]["brands"] if o["selected"]}
    assert selected == {"altura", "norvik"}

    body = api.get("/api/v1/search", {"q": "black", "category": "electronics"}).json()
    assert skus(body) == ["H1"]
    body = api.get("/api/v1/search", {"q": "running shoes", "min_rating": "4.3"}).json()
    assert skus(body) == ["R1"]
    body = api.get("/api/v1/search", {"q": "boots", "min_price": "100", "max_price": "150"}).json()
    assert sorted(skus(body)) == ["B1", "B2"]


def test_sort_and_pagination(api, search_catalog):
    assert skus(api.get("/api/v1/search", {"q": "running shoes", "sort": "price"}).json()) == ["R2", "R1", "R3"]
    assert skus(api.get("/api/v1/search", {"q": "running shoes", "sort": "-price"}).json()) == ["R3", "R1", "R2"]

    first = api.get("/api/v1/search", {"q": "shoes boots", "page_size": 3}).json()
    second = api.get("/api/v1/search", {"q": "shoes boots", "page_size": 3, "page": 2}).json()
    assert first["total"] == second["total"] > 3 and first["pages"] == -(-first["total"] // 3)
    assert len(first["results"]) == len(second["results"]) == 3 and second["page"] == 2
    assert not set(skus(first)) & set(skus(second))

    beyond = api.get("/api/v1/search", {"q": "shoes boots", "page_size": 3, "page": 99})
    assert beyond.status_code == 404 and beyond.json() == {"code": "not_found", "detail": "Invalid page."}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "q: This field is required."),
        ({"q": "   "}, "q: This field may not be blank."),
        ({"q": "shoes", "page_size": 101}, "page_size: Ensure this value is less than or equal to 100."),
        ({"q": "shoes", "page": 0}, "page: Ensure this value is greater than or equal to 1."),
        ({"q": "shoes", "sort": "cheapest"}, 'sort: "cheapest" is not a valid choice.'),
        ({"q": "shoes", "min_price": "50", "max_price": "10"}, "min_price: must not be greater than max_price"),
        ({"q": "shoes", "min_rating": "7"}, "min_rating: Ensure this value is less than or equal to 5."),
        ({"q": "shoes", "category": "no-such-category"}, "category: unknown category 'no-such-category'"),
        ({"q": "shoes", "brand": "not a slug"}, "brand: "),
    ],
)
def test_bad_requests_are_json_errors(api, search_catalog, params, message):
    response = api.get("/api/v1/search", params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "invalid" and body["detail"].startswith(message)
    assert set(body["errors"]) == {message.split(":")[0]}
    assert not SearchLog.objects.exists()  # a rejected request searched nothing


def test_a_query_longer_than_a_search_reads_is_refused_by_name(api, search_catalog):
    response = api.get("/api/v1/search", {"q": "x" * 1001})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"code": "query_too_long", "detail": "q: at most 1000 characters, got 1001."}
    assert not SearchLog.objects.exists()


def test_searches_are_logged_without_a_session_for_api_clients(api, search_catalog):
    api.get("/api/v1/search", {"q": "noise cancelling headphones"})
    log = SearchLog.objects.get()
    assert log.query == "noise cancelling headphones" and log.total >= 1 and log.result_ids
    assert (log.session_key, log.shopper_id) == ("", None)  # no session is created for an API client


def test_the_search_log_is_written_after_the_response_is_sent(search_catalog):
    """As a WSGI server serves it: the body first, then close(), which runs the log's INSERT."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from django.test import RequestFactory

    request = RequestFactory().get("/api/v1/search", {"q": "noise cancelling headphones"})
    started: list[str] = []
    # As Django's test Client does: the request signals must not close the test's open transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = WSGIHandler()(request.environ, lambda status, headers: started.append(status))
        body = b"".join(response)
        assert started == ["200 OK"] and b'"sku":"H1"' in body.replace(b" ", b"")
        assert not SearchLog.objects.exists()  # the shopper has the answer; nothing written yet
        response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    log = SearchLog.objects.get()
    assert log.query == "noise cancelling headphones" and log.result_ids


def test_schema_documents_search_and_autocomplete(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert {"/api/v1/search", "/api/v1/autocomplete"} <= set(schema["paths"])

    search = schema["paths"]["/api/v1/search"]["get"]
    params = {p["name"]: p for p in search["parameters"]}
    assert set(params) == {
        "q", "category", "brand", "min_price", "max_price", "min_rating", "in_stock", "sort", "page", "page_size",
    }  # fmt: skip
    assert params["q"]["required"] is True and params["q"]["schema"]["maxLength"] == 1000
    assert params["brand"]["schema"]["type"] == "array"
    assert params["page_size"]["schema"]["maximum"] == 100
    ref = search["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    output = schema["components"]["schemas"][ref]
    assert set(output["properties"]) == {
        "query",
        "redirect",
        "results",
        "facets",
        "total",
        "page",
        "pages",
        "latency_ms",
    }

    autocomplete = schema["paths"]["/api/v1/autocomplete"]["get"]
    assert {p["name"] for p in autocomplete["parameters"]} == {"q"}
    ref = autocomplete["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {
        "query", "corrected", "products", "categories", "brands", "popular",
    }  # fmt: skip


def test_schema_validates_without_warnings(tmp_path):
    # --fail-on-warn: a serializer drf-spectacular cannot describe fails here, not in a client's generator.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


@pytest.mark.parametrize(
    ("q", "filters", "sku"),
    [
        (DESIGN_QUERY, SearchFilters(), "B1"),
        ("boots", SearchFilters(min_rating=Decimal("4"), in_stock=True), "B1"),
        ("plain mug", SearchFilters(), "BARE"),  # no brand, no category, no price, no rating
    ],
)
def test_payload_is_what_the_documented_serializer_renders(search_catalog, q, filters, sku):
    """The view writes hits and facets out by hand (DRF's per-field walk cost ~3 ms a search): byte for byte
    what SearchOutput, the schema's serializer, renders."""
    ProductFactory(sku="BARE", title="Plain mug", brand=None, category=None, price=None, rating=None)
    result = search(q=q, filters=filters, log=False)
    assert sku in [hit.product.sku for hit in result.hits]
    renderer = JSONRenderer()
    assert renderer.render(search_representation(result)) == renderer.render(SearchOutput(_search_payload(result)).data)


def test_price_words_are_part_of_the_understood_request(api, search_catalog):
    query = api.get("/api/v1/search", {"q": "cheap headphones"}).json()["query"]
    assert query["price_hint"] == "cheap" and query["price_max"] is None

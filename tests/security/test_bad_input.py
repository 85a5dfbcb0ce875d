"""Integrity under abuse: input an attacker sends on purpose is refused with a 4xx that names the problem.

One test per class of bad input, over every endpoint that takes it: deeply nested JSON, an oversized body,
too many form fields, integers beyond what the database holds, a NUL character, unknown API routes, an
overlong search query, malformed paging parameters and non-string values for string fields. Under /api/
(and for htmx) every refusal is JSON ``{"code", "detail"}``; a person at a browser gets a page. Never a 500.
"""

from __future__ import annotations

import json
import runpy
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client

from recommend.search.parser import MAX_QUERY_LENGTH
from shopguide.parsers import MAX_JSON_DEPTH, json_depth
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
# The JSON endpoints the attacker hit, with the method each takes a body on.
JSON_ENDPOINTS = [
    ("post", "/api/v1/cart/lines"),
    ("post", "/api/v1/events"),
    ("post", "/api/v1/assistant/messages"),
    ("patch", "/api/v1/me/profile"),
]
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def product():
    return ProductFactory(stock=5)


@pytest.fixture
def shopper_client(db) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    return client


def assert_json_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and body["detail"], body
    return body


def assert_page(response, status: int, words: str) -> None:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("text/html")
    assert words in response.content.decode()


# --- 1. Nesting depth -------------------------------------------------------------------------------------


@pytest.mark.parametrize("opener", ["[", '{"a":'])
@pytest.mark.parametrize(("method", "path"), JSON_ENDPOINTS)
def test_deeply_nested_json_is_a_400_json_too_deep(shopper_client, method, path, opener):
    body = opener * 10_000 + "1" + ("]" if opener == "[" else "}") * 10_000
    response = getattr(shopper_client, method)(path, body, content_type="application/json")
    assert_json_error(response, 400, "json_too_deep")


def test_the_events_beacon_form_payload_is_held_to_the_same_depth(shopper_client):
    response = shopper_client.post("/api/v1/events", urlencode({"payload": "[" * 10_000}), content_type=FORM)
    assert_json_error(response, 400, "json_too_deep")


def test_depth_is_measured_outside_strings_and_honest_bodies_are_far_below_the_limit(shopper_client, product):
    assert json_depth('{"q": "[[[[{{{{ \\" [[["}') == 1
    assert json_depth("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) == MAX_JSON_DEPTH
    brackets_in_text = {"kind": "search", "query": "[" * 400}
    response = shopper_client.post("/api/v1/events", {"events": [brackets_in_text]}, content_type="application/json")
    assert response.status_code == 201, response.content


# --- 1b. Body size ----------------------------------------------------------------------------------------


def _over_the_limit() -> str:
    return json.dumps({"text": "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 400_000)})  # ~3 MB


@pytest.mark.parametrize(("method", "path"), JSON_ENDPOINTS)
def test_a_json_body_over_the_limit_is_a_413(shopper_client, method, path):
    response = getattr(shopper_client, method)(path, _over_the_limit(), content_type="application/json")
    body = assert_json_error(response, 413, "request_too_large")
    assert f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes" in body["detail"]


@pytest.mark.parametrize(
    ("path", "headers", "wants_json"),
    [
        ("/api/v1/events", {}, True),
        ("/cart/add/", HTMX, True),
        ("/cart/add/", {}, False),
        ("/assistant/messages", {}, False),
    ],
)
def test_a_form_body_over_the_limit_is_a_413(shopper_client, path, headers, wants_json):
    body = "payload=" + "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 400_000)
    response = shopper_client.post(path, body, content_type=FORM, headers=headers)
    if wants_json:
        assert_json_error(response, 413, "request_too_large")
    else:
        assert_page(response, 413, "The request body is larger than")


def test_a_full_event_batch_fits_under_the_body_limit(shopper_client, product):
    """The largest body the API takes: MAX_BATCH events, every string at its maximum length, written as
    \\u-escaped non-ASCII letters (what json.dumps sends by default)."""
    events = [
        {
            "kind": "click",
            "product_id": product.id,
            "query": "é" * 500,
            "surface": "recommendations",
            "position": 100_000,
            "client_event_id": f"{i:03d}" + "ü" * 61,
        }
        for i in range(500)
    ]
    body = json.dumps({"events": events})
    assert len(body) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = shopper_client.post("/api/v1/events", body, content_type="application/json")
    assert response.status_code == 201, response.content[:300]
    assert response.json()["created"] == 500


# --- 2. Too many form fields ------------------------------------------------------------------------------

MANY_FIELDS = "&".join(f"f{i}=1" for i in range(2_000))


@pytest.mark.parametrize(
    ("method", "path", "headers", "wants_json"),
    [
        *[(method, path, {}, True) for method, path in JSON_ENDPOINTS],
        ("get", "/api/v1/search?q=boots&" + MANY_FIELDS, {}, True),
        ("get", "/api/v1/products?" + MANY_FIELDS, {}, True),
        ("post", "/cart/add/", HTMX, True),
        ("post", "/cart/add/", {}, False),
        ("post", "/assistant/messages", {}, False),
        ("get", "/search?q=boots&" + MANY_FIELDS, {}, False),
    ],
)
def test_too_many_form_fields_is_a_400(shopper_client, method, path, headers, wants_json):
    if method == "get":
        response = shopper_client.get(path, headers=headers)
    else:
        response = getattr(shopper_client, method)(path, MANY_FIELDS, content_type=FORM, headers=headers)
    if wants_json:
        body = assert_json_error(response, 400, "too_many_fields")
        assert f"{settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} form fields" in body["detail"]
    else:
        assert_page(response, 400, "The request has more than")


# --- 3. Integers beyond the database's range --------------------------------------------------------------

OUT_OF_RANGE = [2**31, 2**63, 10**20, -1, 0]


@pytest.mark.parametrize("position", OUT_OF_RANGE)
def test_a_cart_line_position_out_of_range_is_a_400_naming_position(shopper_client, product, position):
    response = shopper_client.post(
        "/api/v1/cart/lines", {"product_id": product.id, "position": position}, content_type="application/json"
    )
    body = assert_json_error(response, 400, "invalid")
    assert "position" in body["errors"] and body["detail"].startswith("position: ")


@pytest.mark.parametrize("position", OUT_OF_RANGE)
def test_the_add_to_cart_form_says_the_position_is_out_of_range(shopper_client, product, position):
    page = shopper_client.post("/cart/add/", {"product_id": product.id, "position": position}, follow=True)
    assert page.status_code == 200
    assert "The list position must be a whole number from 1 to 2147483647." in page.content.decode()
    partial = shopper_client.post("/cart/add/", {"product_id": product.id, "position": position}, headers=HTMX)
    assert partial.status_code == 200 and "The list position must be a whole number" in partial.content.decode()
    assert not shopper_client.get("/api/v1/cart").json()["lines"]  # nothing was added


@pytest.mark.parametrize(
    ("method", "path", "data", "status", "code"),
    [
        ("post", "/api/v1/cart/lines", {"product_id": 2**63}, 400, "product_unavailable"),
        ("post", "/api/v1/cart/lines", {"product_id": 1, "quantity": 2**63}, 400, "invalid"),
        ("patch", f"/api/v1/cart/lines/{2**70}", {"quantity": 1}, 404, "not_in_cart"),
        ("patch", "/api/v1/cart/lines/1", {"quantity": 2**63}, 400, "invalid"),
        ("post", "/api/v1/events", {"kind": "view", "product_id": 2**63}, 400, "invalid"),
        ("post", "/api/v1/events", {"kind": "click", "product_id": 1, "position": 2**31}, 400, "invalid"),
        ("post", "/api/v1/assistant/messages", {"text": "hi", "product_id": 2**63}, 400, "invalid"),
        ("get", f"/api/v1/products/{2**70}", None, 404, "not_found"),
        ("get", f"/api/v1/products/{2**70}/similar", None, 404, "not_found"),
        ("get", f"/api/v1/products?page={2**70}", None, 404, "not_found"),
        ("get", f"/api/v1/orders?page={2**70}", None, 404, "not_found"),
        ("get", f"/api/v1/search?q=boots&page={2**70}", None, 404, "not_found"),
        ("get", f"/api/v1/recommendations/trending?exclude={2**70}&limit={2**70}", None, 400, "invalid"),
    ],
)
def test_other_integers_past_the_database_range_are_a_4xx(shopper_client, product, method, path, data, status, code):
    if data is None:
        response = getattr(shopper_client, method)(path)
    else:
        response = getattr(shopper_client, method)(path, data, content_type="application/json")
    assert_json_error(response, status, code)


# --- 4. NUL characters ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/orders/SG-1%00"),
        ("post", "/api/v1/orders/SG-1%00/cancel"),
        ("get", "/api/v1/nope%00"),
        ("get", "/account/orders/SG-1%00/"),
        ("post", "/account/orders/SG-1%00/cancel/"),
        ("get", "/c/shoes%00/"),
        ("get", "/p/1%00/"),
        ("get", "/admin/orders/order/1%00/change/"),
    ],
)
def test_a_nul_character_in_the_path_is_a_400(shopper_client, method, path):
    response = getattr(shopper_client, method)(path)
    if path.startswith("/api/"):
        body = assert_json_error(response, 400, "nul_character")
        assert "NUL" in body["detail"]
    else:
        assert_page(response, 400, "The address contains a NUL character")
    htmx = getattr(shopper_client, method)(path, headers=HTMX)
    assert_json_error(htmx, 400, "nul_character")


def test_a_nul_character_in_a_cookie_is_a_400(db):
    client = Client(raise_request_exception=False)
    client.cookies[settings.SESSION_COOKIE_NAME] = "abcdefghij\x00klmnop"
    assert_page(client.get("/cart/"), 400, "A cookie contains a NUL character")
    assert_json_error(client.get("/api/v1/cart"), 400, "nul_character")


@pytest.mark.parametrize(
    ("method", "path", "data", "field"),
    [
        ("get", "/api/v1/search", {"q": "boots\x00"}, "q"),
        ("get", "/api/v1/autocomplete", {"q": "boo\x00"}, "q"),
        ("get", "/api/v1/products", {"category": "shoes\x00"}, "category"),
        ("get", "/api/v1/products", {"brand": "acme\x00"}, "brand"),
        ("get", "/api/v1/recommendations/trending", {"exclude": "1\x00"}, "exclude"),
        ("post", "/api/v1/cart/lines", {"product_id": 1, "query": "boots\x00"}, "query"),
        ("post", "/api/v1/events", {"kind": "search", "query": "boots\x00"}, "events[0].query"),
        (
            "post",
            "/api/v1/events",
            {"kind": "view", "product_id": 1, "client_event_id": "c\x00"},
            "events[0].client_event_id",
        ),
        ("post", "/api/v1/assistant/messages", {"text": "boots\x00"}, "text"),
        ("patch", "/api/v1/me/profile", {"remove_interests": ["brand:a\x00"]}, "remove_interests"),
    ],
)
def test_a_nul_character_in_a_value_is_a_400_naming_the_field(shopper_client, product, method, path, data, field):
    if method == "get":
        response = shopper_client.get(path, data)
    else:
        response = getattr(shopper_client, method)(path, data, content_type="application/json")
    body = assert_json_error(response, 400, "invalid")
    assert field in body["errors"], body


# --- 5. Unknown ids and routes under /api/ ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "code"),
    [
        ("get", "/api/v1/products/999999999", "not_found"),
        ("get", "/api/v1/products/abc", "not_found"),
        ("get", "/api/v1/products/999999999/similar", "not_found"),
        ("get", "/api/v1/products/999999999/bought-together", "not_found"),
        ("get", "/api/v1/orders/SG-999999999", "not_found"),
        ("post", "/api/v1/orders/SG-999999999/cancel", "not_found"),
        ("get", f"/api/v1/assistant/conversations/{uuid.uuid4()}", "not_found"),
        ("get", "/api/v1/assistant/conversations/not-a-uuid", "not_found"),
        ("delete", "/api/v1/cart/lines/999999999", "not_in_cart"),
        ("get", "/api/v1/nope", "not_found"),
        ("post", "/api/v1/nope", "not_found"),
        ("get", "/api/v2/products", "not_found"),
        ("get", "/api/v1/products/", "not_found"),
        ("get", "/api/schema/nope", "not_found"),
    ],
)
def test_unknown_ids_and_routes_under_the_api_are_a_json_404(shopper_client, method, path, code):
    assert_json_error(getattr(shopper_client, method)(path), 404, code)


def test_storefront_pages_keep_their_html_404(shopper_client):
    assert_page(shopper_client.get("/p/999999999/"), 404, "Not Found")


# --- 6. Overlong search queries ---------------------------------------------------------------------------

LONG_QUERY = ("waterproof hiking boots " * 420)[:10_000]


@pytest.mark.parametrize("path", ["/api/v1/search", "/api/v1/autocomplete"])
@pytest.mark.parametrize("length", [MAX_QUERY_LENGTH + 1, 10_000])
def test_an_overlong_query_is_a_400_query_too_long(client, path, length):
    body = assert_json_error(client.get(path, {"q": "b" * length}), 400, "query_too_long")
    assert body["detail"] == f"q: at most {MAX_QUERY_LENGTH} characters, got {length}."


def test_a_query_at_the_limit_is_searched(client, search_catalog):
    response = client.get("/api/v1/search", {"q": ("boots " * 200)[:MAX_QUERY_LENGTH]})
    assert response.status_code == 200, response.content[:300]


def test_the_search_page_searches_the_start_of_an_overlong_query_and_says_so(client, search_catalog):
    page = client.get("/search", {"q": LONG_QUERY})
    assert page.status_code == 200
    text = page.content.decode()
    assert f"Your search was longer than {MAX_QUERY_LENGTH:,} characters" in text
    assert "Hiking Boots" in text  # its start was searched
    short = client.get("/search", {"q": "hiking boots"}).content.decode()
    assert "Your search was longer" not in short


def test_gunicorn_hands_any_query_the_app_refuses_to_the_app():
    """A request line longer than gunicorn's limit gets gunicorn's HTML 414; the limit must let through the
    longest query the app refuses itself, so that refusal is the app's JSON 400."""
    config = runpy.run_path(str(Path(settings.BASE_DIR) / "shopguide" / "gunicorn.conf.py"))
    limit = config["limit_request_line"]
    assert 0 < limit <= 8190  # 0 would be unlimited: gunicorn's Python parser would buffer any line
    query = urlencode({"q": "boots " * (MAX_QUERY_LENGTH // 6 + 1)})
    assert len(f"GET /api/v1/search?{query} HTTP/1.1") < limit


# --- 7. Paging parameters and string fields ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/products", "/api/v1/orders", "/api/v1/search?q=boots"])
@pytest.mark.parametrize(
    ("param", "value"), [("page_size", "-1"), ("page_size", "0"), ("page_size", "abc"), ("page", "abc"), ("page", "0")]
)
def test_a_malformed_page_or_page_size_is_a_400_naming_it(shopper_client, path, param, value):
    sep = "&" if "?" in path else "?"
    body = assert_json_error(shopper_client.get(f"{path}{sep}{param}={value}"), 400, "invalid")
    assert param in body["errors"] and body["detail"].startswith(f"{param}: ")


def test_valid_paging_is_unchanged(shopper_client, product):
    ProductFactory.create_batch(3)
    body = shopper_client.get("/api/v1/products?page=2&page_size=2").json()
    assert body["count"] == 4 and len(body["results"]) == 2 and body["previous"]
    assert len(shopper_client.get("/api/v1/products?page_size=1000").json()["results"]) == 4  # capped at 100
    assert shopper_client.get("/api/v1/products?page=last&page_size=3").json()["results"]


@pytest.mark.parametrize("value", [5, 1.5, True, ["boots"], {"a": "b"}])
@pytest.mark.parametrize(
    ("path", "method", "data", "field"),
    [
        ("/api/v1/assistant/messages", "post", {}, "text"),
        ("/api/v1/cart/lines", "post", {"product_id": 1}, "query"),
        ("/api/v1/events", "post", {"kind": "search"}, "events[0].query"),
        ("/api/v1/events", "post", {"kind": "view", "product_id": 1}, "events[0].client_event_id"),
        ("/api/v1/me/profile", "patch", {}, "remove_interests"),
    ],
)
def test_a_string_field_takes_only_a_string(shopper_client, product, path, method, data, field, value):
    name = field.split(".")[-1]
    payload = {**data, name: [value] if name == "remove_interests" else value}
    response = getattr(shopper_client, method)(path, payload, content_type="application/json")
    body = assert_json_error(response, 400, "invalid")
    assert field in body["errors"], body

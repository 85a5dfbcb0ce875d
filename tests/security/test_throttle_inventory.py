"""Every route is either rate-limited (which scope) or says why it needs no limit of its own, and each limit
is checked for real: with its scope at one request an hour, the second request is a 429.

Issue 16, finding 3: search and autocomplete had no limit (16 parallel long queries slowed every shopper
down 15×), and the counters that existed could be outrun by concurrent requests (tests/shopguide/test_throttling.py
proves the counting is atomic now).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle

from tests.factories import ProductFactory, UserFactory, visitor
from tests.security.test_route_inventory import PERSONAL, PUBLIC, site_routes

pytestmark = pytest.mark.django_db

# pattern → the throttle scope that limits it (rates: REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], THROTTLE_* variables)
THROTTLED: dict[str, str] = {
    "api/v1/search": "search",
    "search": "search",
    "api/v1/autocomplete": "autocomplete",
    "search/suggest": "autocomplete",
    "api/v1/events": "events",
    "api/v1/assistant/messages": "assistant",
    "assistant/messages": "assistant",
    "api/v1/orders": "checkout",
    "checkout/": "checkout",
    "account/login/": "login",
    "account/signup/": "signup",
}

# pattern → why it has no limit of its own
UNTHROTTLED: dict[str, str] = {
    "healthz": "a fixed, cheap check (database ping, broker ping)",
    "api/schema/": "a static document",
    "api/docs/": "a static page",
    "api/v1/products": "catalog pages: indexed reads, cached by proxies",
    "api/v1/products/<int:pk>": "one product by primary key",
    "api/v1/categories": "the category tree, cached",
    "api/v1/recommendations/trending": "precomputed, cached",
    "api/v1/products/<int:pk>/similar": "one HNSW lookup from a stored vector (no model)",
    "api/v1/products/<int:pk>/bought-together": "precomputed pairs",
    "account/logout/": "ends one's own session",
    "account/deleted/": "a static page",
    "recommendations/product/<int:pk>": "stored-vector lookups, as similar",
    "": "the home page; its personal rows load separately",
    "c/<str:slug>/": "a category page: indexed reads",
    "p/<int:pk>/": "a product page: a primary-key read",
    "api/v1/cart": "one's own cart",
    "api/v1/cart/lines": "one's own cart; at most 99 of a product, stock-checked",
    "api/v1/cart/lines/<int:product_id>": "one's own cart line",
    "api/v1/orders/<str:number>": "one's own order",
    "api/v1/orders/<str:number>/cancel": "one's own order, once (a compare-and-set)",
    "api/v1/me": "one's own account, once",
    "api/v1/me/profile": "one's own profile",
    "api/v1/me/export": "one's own data",
    "api/v1/assistant/conversations/<uuid:conversation_id>": "one's own conversation, a read",
    "api/v1/recommendations/for-you": "one's own profile vector, one lookup",
    "api/v1/recommendations/recently-viewed": "one's own history",
    "api/v1/cart/recommendations": "one's own cart, stored-vector lookups",
    "account/": "one's own account page",
    "account/orders/<str:number>/": "one's own order",
    "account/orders/<str:number>/cancel/": "one's own order, once",
    "cart/": "one's own cart",
    "cart/add/": "one's own cart; at most 99 of a product, stock-checked",
    "cart/<int:product_id>/": "one's own cart line",
    "cart/<int:product_id>/remove/": "one's own cart line",
    "account/interests/": "one's own interests",
    "account/interests/remove": "one's own interests",
    "account/interests/restore": "one's own interests",
    "account/interests/personalization": "one's own setting",
    "account/export/": "one's own data",
    "account/delete/": "one's own account, once",
    "assistant/": "the chat page (messages are limited)",
    "assistant/log": "one's own conversation, a read",
    "assistant/reset": "forgets one's own conversation",
    "recommendations/": "one's own rows, stored-vector lookups",
    "recommendations/cart": "one's own cart, stored-vector lookups",
}


def test_every_route_is_either_throttled_or_says_why_not():
    patterns = {r.pattern for r in site_routes()}
    assert patterns == set(PUBLIC) | set(PERSONAL)
    missing = sorted(patterns - set(THROTTLED) - set(UNTHROTTLED))
    assert not missing, "say how these routes are rate-limited (THROTTLED) or why not (UNTHROTTLED): " + str(missing)
    assert not set(THROTTLED) & set(UNTHROTTLED)
    assert sorted((set(THROTTLED) | set(UNTHROTTLED)) - patterns) == []
    assert set(THROTTLED.values()) <= set(SimpleRateThrottle.THROTTLE_RATES)


def _signed_in() -> Client:
    client = Client()
    client.force_login(UserFactory())
    return client


def _event(client: Client):
    product = ProductFactory()
    return client.post("/api/v1/events", {"kind": "view", "product_id": product.pk}, content_type="application/json")


# pattern → (a client, one request of the kind the limit counts)
REQUESTS: dict[str, tuple[Callable[[], Client], Callable[[Client], object]]] = {
    "api/v1/search": (Client, lambda c: c.get("/api/v1/search", {"q": "kettle"})),
    "search": (Client, lambda c: c.get("/search", {"q": "kettle"})),
    "api/v1/autocomplete": (Client, lambda c: c.get("/api/v1/autocomplete", {"q": "ket"})),
    "search/suggest": (Client, lambda c: c.get("/search/suggest", {"q": "ket"})),
    "api/v1/events": (lambda: visitor(Client()), _event),
    "api/v1/assistant/messages": (
        Client,
        lambda c: c.post("/api/v1/assistant/messages", {"text": "hello"}, content_type="application/json"),
    ),
    "assistant/messages": (Client, lambda c: c.post("/assistant/messages", {"text": "hello"})),
    "api/v1/orders": (_signed_in, lambda c: c.post("/api/v1/orders")),
    "checkout/": (_signed_in, lambda c: c.post("/checkout/")),
    "account/login/": (Client, lambda c: c.post("/account/login/", {"username": "nobody", "password": "wrong"})),
    "account/signup/": (Client, lambda c: c.post("/account/signup/", {"username": "", "password1": "x"})),
}


@pytest.mark.parametrize("pattern", sorted(THROTTLED))
def test_each_limit_refuses_the_request_beyond_it(pattern, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, THROTTLED[pattern], "1/hour")
    make_client, send = REQUESTS[pattern]
    client = make_client()
    first = send(client)
    assert first.status_code != 429
    second = send(client)
    assert second.status_code == 429, (pattern, second.status_code)
    assert 1 <= int(second["Retry-After"]) <= 3600

"""Every URL the project answers is classified: PUBLIC (nobody's personal data) or PERSONAL (serves or
changes one person's data, covered by test_personal_matrix.py and test_csrf.py). A new route that is in
neither list fails here with its pattern and name, so it cannot ship unclassified.

/admin/ is Django admin's (it guards itself): here only that it lets no one but staff in.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import UserFactory

# pattern (as Django spells it) → why it holds nobody's personal data
PUBLIC: dict[str, str] = {
    "healthz": "health check: database, broker, model; no person",
    "api/schema/": "OpenAPI schema",
    "api/docs/": "API documentation page",
    "api/v1/products": "catalog",
    "api/v1/products/<int:pk>": "catalog",
    "api/v1/categories": "catalog",
    "api/v1/search": "search results (personal re-ranking changes order only, shows no history)",
    "api/v1/autocomplete": "suggestions from the catalog and popular (aggregate) searches",
    "api/v1/recommendations/trending": "aggregate over all shoppers",
    "api/v1/products/<int:pk>/similar": "similar items of a product",
    "api/v1/products/<int:pk>/bought-together": "complements of a product (aggregate)",
    "account/signup/": "the sign-up form",
    "account/login/": "the sign-in form",
    "account/logout/": "ends the caller's own session; shows nothing (CSRF-checked in test_csrf.py)",
    "account/deleted/": "static 'your account is deleted' page",
    "search": "search page",
    "search/suggest": "search suggestions (htmx)",
    "recommendations/product/<int:pk>": "similar / bought-together rows of a product",
    "": "home page (its personal rows load from recommendations/)",
    "c/<str:slug>/": "category page",
    "p/<int:pk>/": "product page",
}

# pattern → whose data it serves or changes (the caller's own; never anyone else's)
PERSONAL: dict[str, str] = {
    "api/v1/cart": "the caller's cart",
    "api/v1/cart/lines": "adds to the caller's cart",
    "api/v1/cart/lines/<int:product_id>": "changes / removes a line of the caller's cart",
    "api/v1/orders": "the caller's orders; places an order from the caller's cart",
    "api/v1/orders/<str:number>": "one of the caller's orders",
    "api/v1/orders/<str:number>/cancel": "cancels one of the caller's orders",
    "api/v1/events": "records the caller's behaviour",
    "api/v1/me": "erases the caller's account",
    "api/v1/me/profile": "the caller's profile: read, pause, remove interests",
    "api/v1/me/export": "everything held about the caller",
    "api/v1/assistant/messages": "talks in the caller's conversation",
    "api/v1/assistant/conversations/<uuid:conversation_id>": "one of the caller's conversations",
    "api/v1/recommendations/for-you": "built from the caller's history",
    "api/v1/recommendations/recently-viewed": "the caller's history",
    "api/v1/cart/recommendations": "built from the caller's cart",
    "account/": "the caller's account page and orders",
    "account/orders/<str:number>/": "one of the caller's orders",
    "account/orders/<str:number>/cancel/": "cancels one of the caller's orders",
    "cart/": "the caller's cart page",
    "cart/add/": "adds to the caller's cart",
    "cart/<int:product_id>/": "changes a line of the caller's cart",
    "cart/<int:product_id>/remove/": "removes a line of the caller's cart",
    "checkout/": "the caller's cart, checked out",
    "account/interests/": "the caller's interests",
    "account/interests/remove": "removes one of the caller's interests",
    "account/interests/restore": "restores one of the caller's interests",
    "account/interests/personalization": "pauses / resumes the caller's personalisation",
    "account/export/": "everything held about the caller, as a file",
    "account/delete/": "what would be erased; erases the caller's account",
    "assistant/": "the caller's conversation page",
    "assistant/log": "the caller's conversation (htmx)",
    "assistant/messages": "talks in the caller's conversation (htmx / form)",
    "assistant/reset": "starts the caller's conversation afresh",
    "recommendations/": "home rows: for you, because you viewed, recently viewed",
    "recommendations/cart": "built from the caller's cart",
}


@dataclass(frozen=True)
class Route:
    pattern: str
    name: str | None
    callback: Any


def all_routes(resolver: URLResolver | None = None, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    """Every URL pattern under the root resolver, with its full pattern and namespaced name."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
            yield from all_routes(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield Route(prefix + str(entry.pattern), f"{namespace}{entry.name}" if entry.name else None, entry.callback)


def site_routes() -> list[Route]:
    return [r for r in all_routes() if not r.pattern.startswith("admin/")]


def admin_routes() -> list[Route]:
    return [r for r in all_routes() if r.pattern.startswith("admin/")]


def sample_path(pattern: str) -> str:
    """A concrete URL for a pattern: each converter or regex group gets a plausible value."""
    values = {"int": "1", "path": "1", "str": "x", "slug": "x", "uuid": str(uuid.UUID(int=1))}
    path = re.sub(r"<(?:(\w+):)?\w+>", lambda m: values.get(m.group(1) or "str", "x"), pattern)
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path)
    return "/" + path.replace("^", "").replace("$", "")


def test_every_route_is_classified():
    unclassified = [f"{r.pattern!r} (name {r.name})" for r in site_routes() if r.pattern not in PUBLIC | PERSONAL]
    assert not unclassified, "classify these routes as PUBLIC or PERSONAL in tests/security: " + ", ".join(unclassified)


def test_no_route_is_both_public_and_personal():
    assert not set(PUBLIC) & set(PERSONAL)


def test_the_registry_names_only_routes_that_exist():
    patterns = {r.pattern for r in site_routes()}
    assert sorted(set(PUBLIC) - patterns) == [] and sorted(set(PERSONAL) - patterns) == []


def test_the_walk_finds_every_kind_of_route():
    """The walk itself can fail: it must see storefront pages, htmx endpoints, the API, health, schema, admin."""
    patterns = {r.pattern for r in all_routes()}
    for expected in ("", "cart/add/", "assistant/log", "api/v1/me/profile", "healthz", "api/schema/", "admin/"):
        assert expected in patterns
    assert len(site_routes()) == len(PUBLIC) + len(PERSONAL)


ADMIN_LOGIN = "/admin/login/"
# The admin's own sign-in page: the one admin URL open to all (it is the way in).
ADMIN_OPEN = {"admin/login/"}
ADMIN_ROUTES = [r for r in admin_routes() if r.pattern not in ADMIN_OPEN]
# Django's admin sends a non-staff caller of its logout to the admin index (which sends them to the login).
ADMIN_ELSEWHERE = {"admin/logout/": "/admin/"}


def test_the_admin_walk_sees_the_admin_site_and_custom_admin_pages():
    patterns = {r.pattern for r in ADMIN_ROUTES}
    assert "admin/analytics/" in patterns and "admin/orders/order/" in patterns
    assert len(ADMIN_ROUTES) > 50


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "shopper"])
def test_admin_urls_send_non_staff_to_the_admin_login(client, who):
    if who == "shopper":
        client.force_login(UserFactory(username="shopper-not-staff"))
    refused = []
    for route in ADMIN_ROUTES:
        path = sample_path(route.pattern)
        response = client.get(path)
        location = response.headers.get("Location", "")
        expected = ADMIN_ELSEWHERE.get(route.pattern)
        allowed = location == expected if expected else location.startswith(f"{ADMIN_LOGIN}?next=")
        if response.status_code != 302 or not allowed:
            refused.append(f"{route.pattern} ({path}): {response.status_code} {location}")
    assert not refused, "admin URLs that do not send a non-staff caller to the admin login:\n" + "\n".join(refused)
    assert client.get("/admin/").headers["Location"] == f"{ADMIN_LOGIN}?next=/admin/"


@pytest.mark.django_db
def test_admin_login_page_is_the_way_in(client):
    response = client.get(ADMIN_LOGIN)
    assert response.status_code == 200 and 'name="password"' in response.content.decode()

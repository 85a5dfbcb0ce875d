"""Owner / other shopper / anonymous / merchandiser, for every operation of every PERSONAL route.

One parametrized test over (operation, caller), so a failure names both. The owner (alice) sees and
changes her own data; bob and the merchandiser never see or change hers (her markers are absent from the
body and her rows are unchanged in the database); an anonymous visitor must sign in, or gets only its own
(empty) visitor data. Where the path names one of alice's things (an order number, a conversation id),
everyone else gets exactly what an unknown id gets, so the answer does not even say that it exists.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import resolve

from assistant.models import Conversation, Message
from assistant.views import SESSION_CONVERSATION_KEY
from orders.models import CartLine, Order
from tests.security.conftest import ALICE_CHAT, CALLERS, World, alice_state, body_text, client_as
from tests.security.test_route_inventory import PERSONAL, PUBLIC, site_routes

pytestmark = pytest.mark.django_db

State = dict[str, Any]


@dataclass(frozen=True)
class Op:
    id: str
    route: str  # the PERSONAL pattern it exercises
    method: str
    path: Callable[[World], str]
    body: Callable[[World], dict] | None = None
    api: bool = True
    login: bool = True  # anonymous callers must sign in
    # The path names one of alice's things: what an unknown id gets, everyone else gets (404).
    unknown_path: Callable[[World], str] | None = None
    owner_sees: Callable[[World], str] | None = None  # in the body of the owner's answer
    owner_changes: Callable[[World, State, State], bool] | None = None  # (world, before, after)
    owner_status: tuple[int, ...] = (200,)
    # Each caller gets their own data only: checked on every caller's 200 answer (world, caller, response).
    own_check: Callable[[World, str, Any], None] | None = None
    notes: list[str] = field(default_factory=list)


def _number(w: World) -> str:
    return w.alice.order.number


def _viewed(w: World) -> list[int]:
    return [p.pk for p in w.alice.products]


def _ids(response) -> list[int]:
    return [item["product"]["id"] for item in response.json()["results"]]


def _anchors(response) -> set[int]:
    """The products a recommendation's reasons point at: the caller's own history ("because you viewed X")."""
    return {r["product_id"] for item in response.json()["results"] for r in item["reasons"] if r["product_id"]}


def _recs_rest_on_own_history(w: World, caller: str, response) -> None:
    """Each caller's recommendations point at their own history only; without one, at nobody's."""
    own = {"owner": w.alice.products[0].pk, "other": w.bob.products[0].pk}.get(caller)
    assert _anchors(response) == ({own} if own else set())
    if own:
        assert w.lantern.pk in _ids(response)


def _rows_rest_on_own_history(phrase: str) -> Callable[[World, str, Any], None]:
    def check(w: World, caller: str, response) -> None:
        text = body_text(response)
        own = {"owner": w.alice, "other": w.bob}.get(caller)
        if caller != "owner":
            assert phrase.format(w.alice.products[0].title) not in text
        if own:
            assert phrase.format(own.products[0].title) in text

    return check


def _recent_are_own(w: World, caller: str, response) -> None:
    ids = _ids(response)
    own = {"owner": w.alice, "other": w.bob}.get(caller)
    assert ids == ([own.products[1].pk, own.products[0].pk] if own else [])  # their own history, newest first


def _cart_is_own(w: World, caller: str, response) -> None:
    own = {"owner": w.alice, "other": w.bob}.get(caller)
    assert [line["title"] for line in response.json()["lines"]] == ([own.products[0].title] if own else [])


def _cart_page_is_own(w: World, caller: str, response) -> None:
    text = body_text(response)
    own = {"owner": w.alice, "other": w.bob}.get(caller)
    if caller != "owner":
        assert w.alice.products[0].title not in text
    if own:
        assert own.products[0].title in text


def _changed(key: str) -> Callable[[World, State, State], bool]:
    return lambda w, before, after: before[key] != after[key]


def _cart_line_qty(product_index: int, quantity: int | None) -> Callable[[World, State, State], bool]:
    def check(w: World, before: State, after: State) -> bool:
        lines = dict(after["cart"])
        return lines.get(w.alice.products[product_index].pk) == quantity

    return check


def _order_placed(w: World, before: State, after: State) -> bool:
    return len(after["orders"]) == len(before["orders"]) + 1 and after["cart"] == []


def _order_cancelled(w: World, before: State, after: State) -> bool:
    return (w.alice.order.number, "cancelled") in [(n, s) for n, s, _ in after["orders"]]


def _user_gone(w: World, before: State, after: State) -> bool:
    return after["user"] is None and after["orders"] == [] and after["events"] == 0


def _conversation_grew(w: World, before: State, after: State) -> bool:
    return after["messages"][: len(before["messages"])] == before["messages"] and len(after["messages"]) == 4


ORDER = "/account/orders/{}/"
UNKNOWN_NUMBER = "SG-NOSUCH-1"

OPS: list[Op] = [
    # --- API: cart and orders -------------------------------------------------------------------
    Op("api cart GET", "api/v1/cart", "get", lambda w: "/api/v1/cart", login=False,
       owner_sees=lambda w: w.alice.products[0].title, own_check=_cart_is_own),
    Op("api cart line add", "api/v1/cart/lines", "post", lambda w: "/api/v1/cart/lines",
       body=lambda w: {"product_id": w.alice.products[1].pk}, login=False, owner_status=(201,),
       owner_changes=_cart_line_qty(1, 1)),
    Op("api cart line PATCH", "api/v1/cart/lines/<int:product_id>", "patch",
       lambda w: f"/api/v1/cart/lines/{w.alice.products[0].pk}", body=lambda w: {"quantity": 5}, login=False,
       owner_changes=_cart_line_qty(0, 5)),
    Op("api cart line DELETE", "api/v1/cart/lines/<int:product_id>", "delete",
       lambda w: f"/api/v1/cart/lines/{w.alice.products[0].pk}", login=False,
       owner_changes=_cart_line_qty(0, None)),
    Op("api orders GET", "api/v1/orders", "get", lambda w: "/api/v1/orders", owner_sees=_number),
    Op("api order place", "api/v1/orders", "post", lambda w: "/api/v1/orders", owner_status=(201,),
       owner_changes=_order_placed),
    Op("api order GET", "api/v1/orders/<str:number>", "get", lambda w: f"/api/v1/orders/{_number(w)}",
       unknown_path=lambda w: f"/api/v1/orders/{UNKNOWN_NUMBER}", owner_sees=_number),
    Op("api order cancel", "api/v1/orders/<str:number>/cancel", "post",
       lambda w: f"/api/v1/orders/{_number(w)}/cancel",
       unknown_path=lambda w: f"/api/v1/orders/{UNKNOWN_NUMBER}/cancel", owner_changes=_order_cancelled),
    # --- API: events and privacy ----------------------------------------------------------------
    Op("api events", "api/v1/events", "post", lambda w: "/api/v1/events",
       body=lambda w: {"kind": "view", "product_id": w.alice.products[0].pk}, login=False, owner_status=(201,),
       owner_changes=_changed("events")),
    Op("api me DELETE", "api/v1/me", "delete", lambda w: "/api/v1/me", owner_status=(204,),
       owner_changes=_user_gone),
    Op("api profile GET", "api/v1/me/profile", "get", lambda w: "/api/v1/me/profile",
       owner_sees=lambda w: "brand:alice-only"),
    Op("api profile PATCH", "api/v1/me/profile", "patch", lambda w: "/api/v1/me/profile",
       body=lambda w: {"paused": True}, owner_changes=lambda w, b, a: a["paused"] is True),
    Op("api export", "api/v1/me/export", "get", lambda w: "/api/v1/me/export",
       owner_sees=lambda w: w.alice.user.email),
    # --- API: assistant -------------------------------------------------------------------------
    Op("api assistant message", "api/v1/assistant/messages", "post", lambda w: "/api/v1/assistant/messages",
       body=lambda w: {"text": "hello", "conversation_id": str(w.conversation.pk)}, login=False,
       unknown_path=lambda w: "/api/v1/assistant/messages", owner_changes=_conversation_grew),
    Op("api conversation GET", "api/v1/assistant/conversations/<uuid:conversation_id>", "get",
       lambda w: f"/api/v1/assistant/conversations/{w.conversation.pk}", login=False,
       unknown_path=lambda w: f"/api/v1/assistant/conversations/{uuid.uuid4()}", owner_sees=lambda w: ALICE_CHAT),
    # --- API: personal recommendations ----------------------------------------------------------
    Op("api for you", "api/v1/recommendations/for-you", "get", lambda w: "/api/v1/recommendations/for-you",
       login=False, own_check=_recs_rest_on_own_history),
    Op("api recently viewed", "api/v1/recommendations/recently-viewed", "get",
       lambda w: "/api/v1/recommendations/recently-viewed", login=False, own_check=_recent_are_own),
    Op("api cart recs", "api/v1/cart/recommendations", "get", lambda w: "/api/v1/cart/recommendations",
       login=False, own_check=_recs_rest_on_own_history),
    # --- Pages: account, orders, cart, checkout -------------------------------------------------
    Op("account page", "account/", "get", lambda w: "/account/", api=False, owner_sees=_number),
    Op("order page", "account/orders/<str:number>/", "get", lambda w: ORDER.format(_number(w)), api=False,
       unknown_path=lambda w: ORDER.format(UNKNOWN_NUMBER), owner_sees=_number),
    Op("order cancel form", "account/orders/<str:number>/cancel/", "post",
       lambda w: ORDER.format(_number(w)) + "cancel/", api=False,
       unknown_path=lambda w: ORDER.format(UNKNOWN_NUMBER) + "cancel/", owner_status=(302,),
       owner_changes=_order_cancelled),
    Op("cart page", "cart/", "get", lambda w: "/cart/", api=False, login=False,
       owner_sees=lambda w: w.alice.products[0].title, own_check=_cart_page_is_own),
    Op("cart add form", "cart/add/", "post", lambda w: "/cart/add/", body=lambda w: {"product_id": w.alice.products[1].pk},
       api=False, login=False, owner_status=(302,), owner_changes=_cart_line_qty(1, 1)),
    Op("cart update form", "cart/<int:product_id>/", "post", lambda w: f"/cart/{w.alice.products[0].pk}/",
       body=lambda w: {"quantity": 5}, api=False, login=False, owner_status=(302,),
       owner_changes=_cart_line_qty(0, 5)),
    Op("cart remove form", "cart/<int:product_id>/remove/", "post",
       lambda w: f"/cart/{w.alice.products[0].pk}/remove/", api=False, login=False, owner_status=(302,),
       owner_changes=_cart_line_qty(0, None)),
    Op("checkout page", "checkout/", "get", lambda w: "/checkout/", api=False,
       owner_sees=lambda w: w.alice.products[0].title),
    Op("checkout form", "checkout/", "post", lambda w: "/checkout/", api=False, owner_status=(302,),
       owner_changes=_order_placed),
    # --- Pages: privacy -------------------------------------------------------------------------
    Op("interests page", "account/interests/", "get", lambda w: "/account/interests/", api=False,
       owner_sees=lambda w: "brand:alice-only"),
    Op("interest remove", "account/interests/remove", "post", lambda w: "/account/interests/remove",
       body=lambda w: {"interest": "brand:acme"}, api=False, owner_status=(302,), owner_changes=_changed("removed")),
    Op("interest restore", "account/interests/restore", "post", lambda w: "/account/interests/restore",
       body=lambda w: {"interest": "brand:alice-only"}, api=False, owner_status=(302,),
       owner_changes=lambda w, b, a: a["removed"] == []),
    Op("personalisation pause", "account/interests/personalization", "post",
       lambda w: "/account/interests/personalization", body=lambda w: {"paused": "1"}, api=False,
       owner_status=(302,), owner_changes=lambda w, b, a: a["paused"] is True),
    Op("export download", "account/export/", "get", lambda w: "/account/export/", api=False,
       owner_sees=lambda w: w.alice.user.email),
    Op("delete page", "account/delete/", "get", lambda w: "/account/delete/", api=False,
       owner_sees=lambda w: "3 events"),
    Op("delete form", "account/delete/", "post", lambda w: "/account/delete/", api=False, owner_status=(302,),
       owner_changes=_user_gone),
    # --- Pages: assistant (the conversation id travels in the session) --------------------------
    Op("chat page", "assistant/", "get", lambda w: "/assistant/", api=False, login=False,
       owner_sees=lambda w: ALICE_CHAT),
    Op("chat log", "assistant/log", "get", lambda w: "/assistant/log", api=False, login=False,
       owner_sees=lambda w: ALICE_CHAT),
    Op("chat message form", "assistant/messages", "post", lambda w: "/assistant/messages",
       body=lambda w: {"text": "hello"}, api=False, login=False, owner_status=(302,),
       owner_changes=_conversation_grew),
    Op("chat reset", "assistant/reset", "post", lambda w: "/assistant/reset", api=False, login=False,
       owner_status=(302,)),
    # --- Pages: personal recommendation rows ----------------------------------------------------
    Op("home rows", "recommendations/", "get", lambda w: "/recommendations/", api=False, login=False,
       owner_sees=lambda w: f"because you viewed {w.alice.products[0].title}",
       own_check=_rows_rest_on_own_history("because you viewed {}")),
    Op("cart rows", "recommendations/cart", "get", lambda w: "/recommendations/cart", api=False, login=False,
       owner_sees=lambda w: f"goes with {w.alice.products[0].title} in your cart",
       own_check=_rows_rest_on_own_history("goes with {} in your cart")),
]  # fmt: skip


def call(client: Client, op: Op, world: World, path: str | None = None):
    path = path or op.path(world)
    body = op.body(world) if op.body else None
    if op.api and body is not None:
        return getattr(client, op.method)(path, data=json.dumps(body), content_type="application/json")
    if op.method == "get":
        return client.get(path)
    return getattr(client, op.method)(path, body or {})


def _json(response) -> dict:
    return response.json() if response.get("Content-Type", "").startswith("application/json") else {}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("op", OPS, ids=[op.id for op in OPS])
def test_personal_route(world, op, caller, embedding_model):
    client = client_as(world, caller)
    before = alice_state(world)

    response = call(client, op, world)

    after = alice_state(world)
    text = body_text(response)
    assert response.status_code < 500, text[:500]
    if caller == "owner":
        assert response.status_code in op.owner_status, text[:500]
        if op.owner_sees:
            assert op.owner_sees(world) in text
        if op.owner_changes:
            assert op.owner_changes(world, before, after), (before, after)
        else:
            assert after == before  # a read changes nothing
        if op.own_check:
            op.own_check(world, caller, response)
        return

    # Nobody else sees or changes anything of alice's.
    assert "alice" not in text.lower()
    assert after == before
    assert Message.objects.filter(conversation=world.conversation).count() == 2

    if caller == "anonymous" and op.login:
        if op.api:
            assert response.status_code in (401, 403) and _json(response)["code"] == "not_authenticated"
        else:
            assert response.status_code == 302
            login = resolve_url(settings.LOGIN_URL)
            assert response.url == f"{login}?next={op.path(world)}"
    elif op.unknown_path:
        # Someone else's id answers exactly as an id that does not exist: 404, same code.
        assert response.status_code == 404
        unknown = call(client_as(world, caller), op, world, path=op.unknown_path(world))
        assert unknown.status_code == 404
        if op.api:
            assert _json(response) == _json(unknown) and _json(response)["code"] == "not_found"
    if op.own_check and response.status_code == 200:
        op.own_check(world, caller, response)


def test_the_matrix_covers_every_personal_route_and_method():
    """A PERSONAL route, or a method of an API view, without an operation here fails by name."""
    covered = {(op.route, op.method) for op in OPS}
    missing = [p for p in PERSONAL if p not in {route for route, _ in covered}]
    assert not missing, f"PERSONAL routes without an operation in the matrix: {missing}"
    for route in site_routes():
        view_class = getattr(route.callback, "cls", None)
        if route.pattern not in PERSONAL or view_class is None:
            continue
        methods = {m for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m)}
        assert methods <= {m for r, m in covered if r == route.pattern}, (route.pattern, methods)


def test_every_operation_path_resolves_to_its_route(world):
    for op in OPS:
        match = resolve(op.path(world))
        assert match.route == op.route, (op.id, match.route)


# --- PUBLIC routes: nobody's data, checked the same way -------------------------------------------


def _public_path(pattern: str, w: World) -> str:
    product = w.alice.products[0]  # ids of the things alice viewed, carted and searched around
    path = "/" + pattern.replace("<int:pk>", str(product.pk)).replace("<str:slug>", product.category.slug)
    return path + "?q=size"  # what alice searched ("size 11 insoles for alice"): suggestions must not offer it


@pytest.fixture
def no_cached_popular_searches():
    from django.core.cache import cache

    from recommend.search.suggest import POPULAR_KEY

    cache.delete(POPULAR_KEY)
    yield
    cache.delete(POPULAR_KEY)


@pytest.mark.parametrize("caller", ["other", "anonymous", "merchandiser"])
@pytest.mark.parametrize("pattern", sorted(PUBLIC), ids=lambda p: p or "home")
def test_public_route_serves_nothing_of_alice(world, pattern, caller, no_cached_popular_searches, embedding_model):
    """A PUBLIC route that let one person's data through (her searches as "popular", her history) fails here."""
    before = alice_state(world)
    response = client_as(world, caller).get(_public_path(pattern, world))
    assert response.status_code < 500 or (pattern, response.status_code) == ("healthz", 503)  # no worker here
    assert "alice" not in body_text(response).lower()
    assert alice_state(world) == before


# --- Beyond one call: what the matrix cannot see ---------------------------------------------------


def test_bob_cancelling_with_alice_number_leaves_her_order_and_stock(world):
    product = world.alice.order.lines.get().product
    stock = product.stock
    for path in (f"/api/v1/orders/{_number(world)}/cancel", ORDER.format(_number(world)) + "cancel/"):
        client_as(world, "other").post(path)
    product.refresh_from_db()
    assert Order.objects.get(pk=world.alice.order.pk).status == Order.Status.PLACED and product.stock == stock


def test_an_anonymous_visitor_sees_only_its_own_cart(world):
    visitor = client_as(world, "anonymous")
    visitor.post("/cart/add/", {"product_id": world.bob.products[1].pk})
    titles = [line["title"] for line in visitor.get("/api/v1/cart").json()["lines"]]
    assert titles == [world.bob.products[1].title]
    assert CartLine.objects.filter(cart__shopper=world.alice.shopper).count() == 1


def test_the_owner_reset_forgets_the_conversation_in_her_session_only(world):
    owner = client_as(world, "owner")
    owner.post("/assistant/reset")
    assert SESSION_CONVERSATION_KEY not in owner.session
    assert ALICE_CHAT not in owner.get("/assistant/log").content.decode()
    assert Conversation.objects.filter(pk=world.conversation.pk, shopper=world.alice.shopper).exists()
    assert get_user_model().objects.filter(pk=world.alice.user.pk).exists()

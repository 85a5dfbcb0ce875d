"""No mass assignment: every serializer names its fields, input serializers take only what the caller may
set, and a write with hostile extra fields (``shopper_id``, ``is_staff``, ``price``, ``status``, …) changes
nothing that the valid body alone would not.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import get_resolver
from rest_framework import mixins, serializers

from assistant.models import Conversation
from orders.models import CartLine, Order
from profiles.models import Event, Shopper
from tests.security.conftest import World, client_as
from tests.security.test_route_inventory import site_routes

PROJECT_APPS = ("catalog", "orders", "profiles", "recommend", "assistant", "shopguide")

# Every input serializer and exactly the fields a caller may send. A new one, or a new field, fails here
# until it is looked at and added: the guarantee keeps itself.
INPUT_FIELDS: dict[str, set[str]] = {
    "assistant.apis.MessagePostInput": {"conversation_id", "text", "product_id"},
    "catalog.apis.ProductListInput": {"category", "brand", "min_price", "max_price", "min_rating", "in_stock", "sort"},
    "orders.apis.CartLineAddInput": {"product_id", "quantity", "surface", "position", "query"},
    "orders.apis.CartLineUpdateInput": {"quantity"},
    "profiles.apis.MeProfileUpdateInput": {"paused", "remove_interests", "restore_interests"},
    # price and created_at are the event's own (what it cost, when it happened), never a row's.
    "profiles.apis.EventItemInput": {
        "kind", "product_id", "query", "surface", "position", "client_event_id", "created_at",
    },
    "recommend.apis.SearchInput": {
        "q", "category", "brand", "min_price", "max_price", "min_rating", "in_stock", "sort", "page", "page_size",
    },
    "recommend.apis.AutocompleteInput": {"q"},
    "recommend.recs_apis.RecommendationsInput": {"limit", "exclude"},
    "recommend.recs_apis.BoughtTogetherInput": {"limit", "exclude"},
    "recommend.recs_apis.CartRecommendationsInput": {"limit", "exclude"},
    "recommend.recs_apis.TrendingInput": {"limit", "exclude", "category"},
}  # fmt: skip
# Never a field of any input: who the caller is and what the shop decides come from the server.
FORBIDDEN_INPUT = {"shopper", "shopper_id", "user", "user_id", "is_staff", "is_superuser", "id", "status", "total"}


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def project_serializers() -> list[type[serializers.BaseSerializer]]:
    assert get_resolver().url_patterns  # imports every view module, hence every serializer the API uses
    return sorted(
        (s for s in _subclasses(serializers.BaseSerializer) if s.__module__.split(".")[0] in PROJECT_APPS),
        key=lambda s: f"{s.__module__}.{s.__qualname__}",
    )


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def test_the_walk_finds_the_project_serializers():
    names = {_name(s) for s in project_serializers()}
    assert {"orders.apis.OrderOutput", "profiles.apis.EventItemInput", "assistant.apis.TurnOutput"} <= names
    assert len(names) >= 30


def test_no_model_serializer_takes_all_fields_or_excludes():
    model_serializers = [s for s in project_serializers() if issubclass(s, serializers.ModelSerializer)]
    assert model_serializers  # OrderOutput, ProductOutput, ...
    for cls in model_serializers:
        meta = cls.Meta
        assert not hasattr(meta, "exclude"), _name(cls)
        assert isinstance(meta.fields, list | tuple) and meta.fields, f"{_name(cls)}: fields = {meta.fields!r}"
        # Model serializers only ever render: none is an input.
        assert cls.__name__.endswith("Output"), _name(cls)


def test_every_input_serializer_is_pinned_with_explicit_fields():
    inputs = {_name(s): s for s in project_serializers() if s.__name__.endswith("Input")}
    assert set(inputs) == set(INPUT_FIELDS), "add new input serializers (and their fields) to INPUT_FIELDS"
    for name, cls in inputs.items():
        assert not issubclass(cls, serializers.ModelSerializer), name
        fields = set(cls().fields)
        assert fields == INPUT_FIELDS[name], name
        assert not fields & FORBIDDEN_INPUT, name


def test_no_api_view_writes_through_a_generic_model_mixin():
    """Writes go through an Input serializer and a service; no view saves a serializer's data straight
    into a model (CreateModelMixin, UpdateModelMixin)."""
    views = [getattr(r.callback, "cls", None) for r in site_routes()]
    views = [v for v in views if v is not None]
    assert len(views) >= 20
    for view in views:
        assert not issubclass(view, mixins.CreateModelMixin | mixins.UpdateModelMixin), view


# --- Hostile extras on every writable endpoint ----------------------------------------------------


def hostile(world: World) -> dict:
    """Fields a forger adds to a valid body: bob's identity, staff flags, prices, statuses, ids, dates."""
    return {
        "shopper": world.bob.shopper.pk,
        "shopper_id": world.bob.shopper.pk,
        "user": world.bob.user.pk,
        "user_id": world.bob.user.pk,
        "is_staff": True,
        "is_superuser": True,
        "price": "0.01",
        "unit_price": "0.01",
        "total": "0.01",
        "status": "delivered",
        "number": "SG-FORGED-1",
        "id": 999999,
        "created_at": "2001-01-01T00:00:00Z",
        "personalization_paused": True,
    }


def _post_json(client: Client, method: str, path: str, body: dict):
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json")


def bob_unchanged(world: World, before: tuple) -> bool:
    return before == bob_state(world)


def bob_state(world: World) -> tuple:
    shopper = world.bob.shopper
    return (
        sorted(CartLine.objects.filter(cart__shopper=shopper).values_list("product_id", "quantity")),
        sorted(Order.objects.filter(shopper=shopper).values_list("number", "status", "total")),
        Event.objects.filter(shopper=shopper).count(),
        Conversation.objects.filter(shopper=shopper).count(),
        Shopper.objects.get(pk=shopper.pk).personalization_paused,
    )


def alice_is_plain(world: World) -> bool:
    user = get_user_model().objects.get(pk=world.alice.user.pk)
    return not user.is_staff and not user.is_superuser


@pytest.fixture
def owner(world) -> Client:
    return client_as(world, "owner")


@pytest.mark.parametrize("how", ["api", "form"])
def test_cart_add_ignores_identity_and_price(world, owner, how):
    product = world.alice.products[1]
    catalog_price = product.price
    before = bob_state(world)
    body = {"product_id": product.pk, "quantity": 1, **hostile(world)}
    if how == "api":
        response = _post_json(owner, "post", "/api/v1/cart/lines", body)
        assert response.status_code == 201
        line = next(x for x in response.json()["lines"] if x["product_id"] == product.pk)
        assert Decimal(line["unit_price"]) == catalog_price
    else:
        assert owner.post("/cart/add/", body).status_code == 302
    assert CartLine.objects.get(product=product, cart__shopper=world.alice.shopper).quantity == 1
    product.refresh_from_db()
    assert product.price == catalog_price and bob_unchanged(world, before) and alice_is_plain(world)


@pytest.mark.parametrize("how", ["api", "form"])
def test_cart_update_ignores_extras(world, owner, how):
    product = world.alice.products[0]
    before = bob_state(world)
    body = {"quantity": 3, **hostile(world)}
    if how == "api":
        assert _post_json(owner, "patch", f"/api/v1/cart/lines/{product.pk}", body).status_code == 200
    else:
        assert owner.post(f"/cart/{product.pk}/", body).status_code == 302
    assert list(CartLine.objects.filter(cart__shopper=world.alice.shopper).values_list("product_id", "quantity")) == [
        (product.pk, 3)
    ]
    assert bob_unchanged(world, before) and alice_is_plain(world)


def test_events_belong_to_the_caller_whatever_the_body_says(world, owner):
    before = bob_state(world)
    extras = {k: v for k, v in hostile(world).items() if k not in {"price", "created_at"}}  # real event fields
    body = {"kind": "view", "product_id": world.alice.products[0].pk, "client_event_id": "mass-1", **extras}
    response = _post_json(owner, "post", "/api/v1/events", body)
    assert response.status_code == 201
    event = Event.objects.get(client_event_id="mass-1")
    assert event.shopper_id == world.alice.shopper.pk and event.pk != 999999
    assert bob_unchanged(world, before) and alice_is_plain(world)


def test_profile_update_refuses_fields_it_does_not_have(world, owner):
    response = _post_json(owner, "patch", "/api/v1/me/profile", {"paused": False, **hostile(world)})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and {"is_staff", "shopper_id", "personalization_paused"} <= set(body["errors"])
    assert Shopper.objects.get(pk=world.alice.shopper.pk).personalization_paused is False
    assert alice_is_plain(world)


def test_profile_update_with_only_its_fields_still_works(world, owner):
    """The refusal above is about the extras, not the request: the valid body alone is applied."""
    assert _post_json(owner, "patch", "/api/v1/me/profile", {"paused": True}).status_code == 200
    assert Shopper.objects.get(pk=world.alice.shopper.pk).personalization_paused is True


@pytest.mark.parametrize("how", ["api", "form"])
def test_checkout_sets_number_total_status_and_owner_itself(world, owner, how):
    before = bob_state(world)
    line = CartLine.objects.get(cart__shopper=world.alice.shopper)
    expected_total = line.product.price * line.quantity
    if how == "api":
        assert _post_json(owner, "post", "/api/v1/orders", hostile(world)).status_code == 201
    else:
        assert owner.post("/checkout/", hostile(world)).status_code == 302
    order = Order.objects.filter(shopper=world.alice.shopper).exclude(pk=world.alice.order.pk).get()
    assert (order.status, order.total) == (Order.Status.PLACED, expected_total)
    assert order.number != "SG-FORGED-1" and order.pk != 999999
    assert bob_unchanged(world, before) and alice_is_plain(world)


@pytest.mark.parametrize("how", ["api", "form"])
def test_cancel_sets_the_status_itself(world, owner, how):
    number = world.alice.order.number
    path = f"/api/v1/orders/{number}/cancel" if how == "api" else f"/account/orders/{number}/cancel/"
    if how == "api":
        assert _post_json(owner, "post", path, hostile(world)).status_code == 200
    else:
        assert owner.post(path, hostile(world)).status_code == 302
    order = Order.objects.get(number=number)
    assert (order.status, order.total, order.shopper_id) == (
        Order.Status.CANCELLED,
        Decimal("79.98"),
        world.alice.shopper.pk,
    )


@pytest.mark.parametrize("how", ["api", "form"])
def test_assistant_messages_go_to_the_callers_conversation(world, owner, how, embedding_model):
    before = bob_state(world)
    body = {"text": "hello", **hostile(world)}
    if how == "api":
        response = _post_json(owner, "post", "/api/v1/assistant/messages", body)
        assert response.status_code == 200
        conversation = Conversation.objects.get(pk=response.json()["conversation_id"])
    else:
        assert owner.post("/assistant/messages", body).status_code == 302
        conversation = Conversation.objects.get(pk=world.conversation.pk)
        assert conversation.messages.count() == 4
    assert conversation.shopper_id == world.alice.shopper.pk
    assert bob_unchanged(world, before) and alice_is_plain(world)


def test_privacy_forms_change_only_the_callers_shopper(world, owner):
    before = bob_state(world)
    assert owner.post("/account/interests/personalization", {"paused": "1", **hostile(world)}).status_code == 302
    assert Shopper.objects.get(pk=world.alice.shopper.pk).personalization_paused is True
    assert bob_unchanged(world, before) and alice_is_plain(world)


@pytest.mark.django_db
def test_sign_up_cannot_make_staff():
    response = Client().post(
        "/account/signup/",
        {
            "username": "mallory",
            "email": "mallory@example.com",
            "password1": "a-long-pass-phrase-42",
            "password2": "a-long-pass-phrase-42",
            "is_staff": "on",
            "is_superuser": "on",
            "is_active": "on",
            "groups": "1",
        },
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(username="mallory")
    assert (user.is_staff, user.is_superuser, user.groups.count()) == (False, False, 0)

"""POST /api/v1/assistant/messages and GET /api/v1/assistant/conversations/{id}: what is stored, who may
continue or read a conversation (owner / other shopper / anonymous / merchandiser), JSON errors."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from assistant.models import Conversation, Message
from catalog.models import Product
from tests.assistant.conftest import client_for, say
from tests.factories import UserFactory

URL = "/api/v1/assistant/messages"


def test_turn_is_stored_with_intent_payload_and_latency(search_catalog, alice):
    turn = say(client_for(alice), "hiking boots")
    conversation = Conversation.objects.get(pk=turn["conversation_id"])
    assert conversation.shopper == alice
    asked, answered = conversation.messages.all()
    assert (asked.role, asked.text) == (Message.Role.SHOPPER, "hiking boots")
    assert answered.role == Message.Role.ASSISTANT and answered.text == turn["reply"]
    assert answered.intent == turn["intent"] == "product_search"
    assert answered.confidence == pytest.approx(turn["confidence"])
    assert answered.latency_ms is not None and answered.latency_ms > 0
    assert [p["id"] for p in answered.payload["products"]] == [c["product"]["id"] for c in turn["products"]]
    assert answered.payload["suggestions"] == turn["suggestions"]
    assert conversation.state["search"]["text"] == "hiking boots"


def test_the_output_shape(search_catalog, alice):
    turn = say(client_for(alice), "hiking boots")
    assert set(turn) == {
        "conversation_id", "intent", "confidence", "reply", "products", "comparison", "citations", "suggestions", "links",
        "understood",
    }  # fmt: skip
    card = turn["products"][0]
    assert set(card) == {"product", "reasons"}
    assert card["product"]["url"] == f"/p/{card['product']['id']}/"
    assert turn["comparison"] is None


def test_the_structured_request_names_act_slots_bounds_and_the_products_referred_to(search_catalog, alice):
    client = client_for(alice)
    first = say(client, "hiking boots, no leather, under $200")
    understood = first["understood"]
    assert understood["act"] == "new_search" and understood["references"] == []
    leather = next(s for s in understood["slots"] if s["text"].casefold() == "leather")
    assert leather["negated"] and "hiking boots, no leather, under $200"[leather["start"] : leather["end"]] == "leather"
    assert understood["price_max"] == "200"
    shown = [card["product"]["id"] for card in first["products"]]
    assert len(shown) >= 2
    second = say(client, "is the second one waterproof?", conversation_id=first["conversation_id"])
    assert second["understood"]["act"] == "product_question"
    assert second["understood"]["references"] == [shown[1]]
    third = say(client, "compare the first two", conversation_id=first["conversation_id"])
    assert third["understood"]["act"] == "compare"
    assert third["understood"]["references"] == shown[:2]


def test_this_on_a_product_page_refers_to_that_product(search_catalog, alice):
    product = Product.objects.order_by("pk").first()
    turn = say(client_for(alice), "is this machine washable?", product_id=product.pk)
    assert turn["understood"]["act"] == "product_question"
    assert turn["understood"]["references"] == [product.pk]


def test_anonymous_visitor_talks_as_the_session_shopper(search_catalog):
    client = Client()
    first = say(client, "hiking boots")
    second = say(client, "cheaper", conversation_id=first["conversation_id"])
    assert second["conversation_id"] == first["conversation_id"]
    conversation = Conversation.objects.get(pk=first["conversation_id"])
    assert conversation.shopper.user is None
    assert conversation.messages.count() == 4


def test_another_shoppers_conversation_is_not_found(search_catalog, alice, bob):
    turn = say(client_for(alice), "hiking boots")
    for stranger in (client_for(bob), Client()):
        response = stranger.post(
            URL, {"text": "cheaper", "conversation_id": turn["conversation_id"]}, content_type="application/json"
        )
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert Message.objects.count() == 2  # nothing was added to alice's conversation


def test_an_unknown_conversation_is_not_found(db, alice):
    response = client_for(alice).post(
        URL, {"text": "hello", "conversation_id": str(uuid.uuid4())}, content_type="application/json"
    )
    assert response.status_code == 404


@pytest.mark.parametrize("text", ["", "   ", "x" * 1001])
def test_text_must_be_1_to_1000_characters(db, alice, text):
    response = client_for(alice).post(URL, {"text": text}, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["detail"].startswith("text:")
    assert not Message.objects.exists()


def test_missing_text_and_unknown_product(search_catalog, alice):
    client = client_for(alice)
    assert client.post(URL, {}, content_type="application/json").json()["code"] == "invalid"
    missing = Product.objects.order_by("-pk").first().pk + 1000
    response = client.post(URL, {"text": "is it waterproof?", "product_id": missing}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("product_id:")


def test_conversation_detail_for_its_owner_only(search_catalog, alice, bob):
    turn = say(client_for(alice), "hiking boots")
    url = f"/api/v1/assistant/conversations/{turn['conversation_id']}"
    own = client_for(alice).get(url)
    assert own.status_code == 200
    messages = own.json()["messages"]
    assert [m["role"] for m in messages] == ["shopper", "assistant"]
    assert [c["product"]["id"] for c in messages[1]["products"]] == [c["product"]["id"] for c in turn["products"]]
    merchandiser = Client()
    merchandiser.force_login(UserFactory(username="merch", is_staff=True))
    for other in (client_for(bob), Client(), merchandiser):
        response = other.get(url)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_schema_lists_the_assistant_endpoints(db):
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/assistant/messages" in schema
    assert "assistant_message_post" in schema

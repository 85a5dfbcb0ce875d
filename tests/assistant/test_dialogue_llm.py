"""The optional LLM in a whole turn: the reworded reply is what the shopper gets and what is stored, it is
asked after the turn's transaction (no lock held during the call), and a reworded fact is refused. When the
learned models cannot read a message (another language, an unsure intent), the LLM's structured reading is used
only when it validates against the catalog vocabulary."""

from __future__ import annotations

import pytest
from django.db import connection

from assistant.models import Message
from catalog.models import Product
from tests.assistant.conftest import client_for, say, titles
from tests.assistant.test_llm import fake_llm as _fake_llm_server

# The fake OpenAI-compatible server of test_llm.py, as a fixture of this module too.
fake_llm = _fake_llm_server

pytestmark = pytest.mark.django_db


def test_a_faithful_rewording_is_returned_and_stored_outside_the_transaction(
    search_catalog,
    alice,
    fake_llm,
    monkeypatch,
):
    from assistant import llm

    depth_during_call: list[int] = []
    real = llm.rephrase

    def watched(**kwargs):
        # pytest-django wraps the test in one atomic block; the turn's own would make it two.
        depth_during_call.append(len(connection.atomic_blocks))
        return real(**kwargs)

    monkeypatch.setattr(llm, "rephrase", watched)
    boots = Product.objects.get(sku="B1")
    fake_llm.reply = "Good news: yes, these boots are waterproof."
    turn = say(client_for(alice), "is this waterproof?", product_id=boots.pk)

    assert turn["reply"] == "Good news: yes, these boots are waterproof."
    stored = Message.objects.filter(role=Message.Role.ASSISTANT).latest("id")
    assert stored.text == turn["reply"]
    assert depth_during_call == [1]  # only the test's own block: the turn had committed
    assert fake_llm.requests, "the LLM was asked"


def test_a_rewording_that_invents_a_fact_is_refused(search_catalog, alice, fake_llm):
    boots = Product.objects.get(sku="B1")
    fake_llm.reply = "Yes, waterproof, and only $45 today!"
    turn = say(client_for(alice), "is this waterproof?", product_id=boots.pk)
    assert "$45" not in turn["reply"] and turn["reply"].startswith("Yes")
    assert Message.objects.filter(role=Message.Role.ASSISTANT).latest("id").text == turn["reply"]


SPANISH = "busco zapatillas de correr negras"


def test_a_message_in_another_language_is_searched_as_the_llm_reads_it(search_catalog, alice, fake_llm):
    fake_llm.proposal = {
        "language": "es", "act": "product_search", "english": "I am looking for black running shoes",
        "search": "black running shoes",
    }  # fmt: skip
    turn = say(client_for(alice), SPANISH)
    assert turn["reply"].startswith("(I read your message as “I am looking for black running shoes”.)")
    assert titles(turn)[0] == "Velocity Men's Running Shoes"  # the black one
    [asked] = [r for r in fake_llm.requests if "response_format" in r]
    assert asked["response_format"]["type"] == "json_schema" and asked["messages"][-1]["content"] == SPANISH


@pytest.mark.parametrize(
    "proposal",
    [
        {"language": "es", "act": "product_search", "english": "rocket fuel", "search": "rocket fuel"},  # not sold
        {"language": "es", "act": "product_search", "english": "shoes", "search": "running shoes under 40"},  # 40?
        {"language": "es", "act": "buy_everything", "english": "shoes", "search": "shoes"},  # no such act
        "this is not JSON",
    ],
)
def test_an_llm_reading_that_does_not_validate_is_not_used(search_catalog, alice, fake_llm, proposal):
    fake_llm.proposal = proposal
    turn = say(client_for(alice), SPANISH)
    assert "Spanish" in turn["reply"] and "English" in turn["reply"]  # the honest answer without the LLM
    assert not turn["products"]


def test_an_unsure_message_follows_the_llms_reading(search_catalog, alice, fake_llm):
    fake_llm.proposal = {
        "language": "en", "act": "customer_service", "english": "Where is my parcel? It has not arrived.",
        "search": "",
    }  # fmt: skip
    turn = say(client_for(alice), "asdf qwerty zxcv")  # the learned head is unsure of it (test_dialogue.py)
    assert turn["intent"] == "customer_service"
    assert "not sure" not in turn["reply"]


def test_without_an_llm_unsure_still_asks(search_catalog, alice):
    turn = say(client_for(alice), "asdf qwerty zxcv")
    assert turn["intent"] == "unsure"


def test_the_llm_reading_is_asked_outside_the_turns_transaction(search_catalog, alice, fake_llm, monkeypatch):
    from assistant import llm

    depth_during_call: list[int] = []
    real = llm.propose

    def watched(text, **kwargs):
        depth_during_call.append(len(connection.atomic_blocks))  # the test's own block is 1
        return real(text, **kwargs)

    monkeypatch.setattr(llm, "propose", watched)
    fake_llm.proposal = {"language": "es", "act": "chit_chat", "english": "hello", "search": ""}
    turn = say(client_for(alice), SPANISH)
    assert depth_during_call == [1]
    assert turn["intent"] == "chit_chat" and turn["reply"].startswith("(I read your message as “hello”.)")

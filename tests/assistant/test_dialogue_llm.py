"""The optional LLM in a whole turn: the reworded reply is what the shopper gets and what is stored, it is
asked after the turn's transaction (no lock held during the call), and a reworded fact is refused."""

from __future__ import annotations

import pytest
from django.db import connection

from assistant.models import Message
from catalog.models import Product
from tests.assistant.conftest import client_for, say
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

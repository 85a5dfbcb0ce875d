"""A merchandiser's pin reaches the assistant's product answers, named in the product's reasons."""

from __future__ import annotations

import pytest

from catalog.models import Product
from recommend.merchandising import state
from recommend.models import Rule
from tests.assistant.conftest import client_for, say

pytestmark = pytest.mark.django_db


def test_the_assistant_shows_the_pinned_product_first(search_catalog, alice):
    baseline = say(client_for(alice), "I need hiking boots")
    last = baseline["products"][-1]["product"]
    Rule.objects.create(
        name="Assistant pick", action="pin", scope="query", query="hiking boots", match="contains",
        product=Product.objects.get(pk=last["id"]),
    )  # fmt: skip
    state.reset()
    turn = say(client_for(alice), "I need hiking boots")
    first = turn["products"][0]
    assert first["product"]["id"] == last["id"]
    assert any("Assistant pick" in reason["text"] for reason in first["reasons"])

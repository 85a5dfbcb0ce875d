"""The assistant's test shop: the small embedded search catalog, the shipped FAQ, shoppers alice and bob."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from profiles.models import Shopper
from tests.factories import UserFactory


@pytest.fixture
def faq_entries(db, embedding_model) -> None:
    call_command("load_faq", "--embed", stdout=io.StringIO())


@pytest.fixture
def alice() -> Shopper:
    return Shopper.objects.create(user=UserFactory(username="alice"))


@pytest.fixture
def bob() -> Shopper:
    return Shopper.objects.create(user=UserFactory(username="bob"))


def client_for(shopper: Shopper | None = None) -> Client:
    client = Client()
    if shopper is not None:
        client.force_login(shopper.user)
    return client


def say(client: Client, text: str, **extra) -> dict:
    """Post one message through the API and return the turn (asserting a 200)."""
    response = client.post("/api/v1/assistant/messages", {"text": text, **extra}, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def titles(turn: dict) -> list[str]:
    return [card["product"]["title"] for card in turn["products"]]

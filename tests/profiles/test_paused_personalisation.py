"""Paused personalisation: no behaviour is recorded, and the search log keeps the query unnamed."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from profiles.models import Event, Shopper
from recommend.models import SearchLog
from tests.factories import UserFactory

URL = "/api/v1/events"


@pytest.fixture
def paused_client():
    user = UserFactory(username="paula")
    Shopper.objects.create(user=user, personalization_paused=True)
    client = APIClient()
    client.force_login(user)
    return client, user


def test_events_of_a_paused_shopper_are_not_recorded(catalog, paused_client):
    client, user = paused_client
    response = client.post(URL, {"kind": "view", "product_id": catalog["RUN1"].pk}, format="json")
    assert response.json() == {"received": 1, "created": 0, "duplicates": 0}
    assert not Event.objects.filter(shopper__user=user).exists()

    user.shopper.personalization_paused = False
    user.shopper.save(update_fields=["personalization_paused"])
    client.post(URL, {"kind": "view", "product_id": catalog["RUN1"].pk}, format="json")
    assert Event.objects.filter(shopper__user=user).count() == 1  # resumed: recorded again


def test_bad_input_is_still_refused_while_paused(catalog, paused_client):
    client, _ = paused_client
    response = client.post(URL, {"kind": "view", "product_id": 987654}, format="json")
    assert response.status_code == 400 and "unknown product" in response.content.decode()


def test_a_paused_shoppers_search_is_logged_without_naming_them(catalog, paused_client):
    client, user = paused_client
    page = client.get("/search", {"q": "running shoes"})
    assert "Stride Women" in page.content.decode()
    api = client.get("/api/v1/search", {"q": "headphones"})
    assert api.json()["total"] >= 1
    logs = list(SearchLog.objects.order_by("id").values_list("query", "shopper_id", "session_key"))
    assert logs == [("running shoes", None, ""), ("headphones", None, "")]
    assert not Event.objects.filter(kind="search").exists()

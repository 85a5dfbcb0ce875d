"""Shoppers alice and bob, a merchandiser (staff), and a small shelf of products with known stock."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from profiles.models import Shopper
from tests.factories import ProductFactory, UserFactory


@pytest.fixture
def alice() -> Shopper:
    return Shopper.objects.create(user=UserFactory(username="alice"))


@pytest.fixture
def bob() -> Shopper:
    return Shopper.objects.create(user=UserFactory(username="bob"))


@pytest.fixture
def merchandiser():
    return UserFactory(username="merch", is_staff=True, is_superuser=True)


@pytest.fixture
def shelf() -> dict:
    return {
        "kettle": ProductFactory(sku="KET-1", title="Steel kettle", price=Decimal("24.50"), stock=3),
        "mug": ProductFactory(sku="MUG-1", title="Stoneware mug", price=Decimal("8.00"), stock=10),
        "last": ProductFactory(sku="LAST-1", title="Last lamp", price=Decimal("60.00"), stock=1),
        "gone": ProductFactory(sku="GONE-1", title="Sold-out stool", price=Decimal("30.00"), stock=0),
    }


def client_for(shopper: Shopper | None = None, user=None) -> Client:
    client = Client()
    who = user or (shopper.user if shopper else None)
    if who is not None:
        client.force_login(who)
    return client

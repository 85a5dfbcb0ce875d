"""Owner / other shopper / anonymous / merchandiser matrix for every personal endpoint and page.

None of these URLs takes an id: each serves the signed-in person's own data. So the "other" and the
"merchandiser" columns check that calling them never shows or changes alice's data, only the caller's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import resolve_url
from django.test import Client

from profiles.models import Profile, Shopper
from tests.factories import ShopperFactory
from tests.profiles.privacy_helpers import person

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    body: dict | None = None
    api: bool = True
    writes: bool = False


ENDPOINTS = [
    Endpoint("profile GET", "get", "/api/v1/me/profile"),
    Endpoint(
        "profile PATCH",
        "patch",
        "/api/v1/me/profile",
        {"paused": True, "remove_interests": ["brand:acme"]},
        writes=True,
    ),
    Endpoint("export", "get", "/api/v1/me/export"),
    Endpoint("DELETE me", "delete", "/api/v1/me", writes=True),
    Endpoint("interests page", "get", "/account/interests/", api=False),
    Endpoint(
        "remove interest", "post", "/account/interests/remove", {"interest": "brand:acme"}, api=False, writes=True
    ),
    Endpoint(
        "restore interest",
        "post",
        "/account/interests/restore",
        {"interest": "brand:alice-only"},
        api=False,
        writes=True,
    ),
    Endpoint("pause", "post", "/account/interests/personalization", {"paused": "1"}, api=False, writes=True),
    Endpoint("download", "get", "/account/export/", api=False),
    Endpoint("delete confirm", "get", "/account/delete/", api=False),
    Endpoint("delete", "post", "/account/delete/", api=False, writes=True),
]
IDS = [e.name for e in ENDPOINTS]
# What the owner finds about herself in each read.
OWN_DATA = {
    "profile GET": '"brand:alice-only"',
    "export": "alice@mail.example",
    "interests page": "Brands you favour: Acme, Trailco.",
    "download": "alice@mail.example",
    "delete confirm": "3 events",
}


def call(client: Client, e: Endpoint):
    if e.method == "patch":
        return client.patch(e.path, data=json.dumps(e.body), content_type="application/json")
    return getattr(client, e.method)(e.path, e.body or {})


@pytest.fixture
def alice():
    p = person("alice")
    Profile.objects.filter(shopper=p.shopper).update(removed_interests=["brand:alice-only"])
    return p


def alice_state(alice) -> tuple:
    """What any write by someone else must leave exactly as it was."""
    profile = Profile.objects.filter(shopper=alice.shopper).first()
    shopper = Shopper.objects.filter(pk=alice.shopper.pk).first()
    return (
        get_user_model().objects.filter(pk=alice.user.pk).exists(),
        shopper and shopper.personalization_paused,
        profile and profile.affinities,
        profile and profile.removed_interests,
    )


def body_text(response) -> str:
    return b"".join(response.streaming_content if response.streaming else [response.content]).decode()


@pytest.mark.parametrize("e", ENDPOINTS, ids=IDS)
def test_owner(alice, e):
    client = Client()
    client.force_login(alice.user)
    before = alice_state(alice)

    response = call(client, e)

    assert response.status_code in (200, 204, 302)
    if e.writes:
        assert alice_state(alice) != before
    else:
        assert OWN_DATA[e.name] in body_text(response)  # her own data is there


@pytest.mark.parametrize("e", ENDPOINTS, ids=IDS)
@pytest.mark.parametrize("who", ["bob", "merchandiser"])
def test_other_shopper_and_merchandiser_see_and_change_only_their_own(alice, e, who):
    caller = person("bob") if who == "bob" else person("merch", staff=True)
    client = Client()
    client.force_login(caller.user)
    before = alice_state(alice)

    response = call(client, e)

    assert alice_state(alice) == before
    text = body_text(response)
    assert "alice" not in text and "alice-only" not in text
    if e.name in ("profile GET", "export") and response.status_code == 200:
        payload = response.json()
        assert caller.user.username in json.dumps(payload) or payload.get("recent_product_ids") == [
            caller.products[1].pk,
            caller.products[0].pk,
        ]
    if who == "merchandiser" and e.name in ("DELETE me", "delete"):
        assert response.status_code == 403  # a staff account is closed by an administrator
        assert get_user_model().objects.filter(pk=caller.user.pk).exists()
    if who == "bob" and e.name in ("DELETE me", "delete"):
        assert not get_user_model().objects.filter(pk=caller.user.pk).exists()  # bob erased himself, only


@pytest.mark.parametrize("e", ENDPOINTS, ids=IDS)
def test_anonymous_visitor_is_refused(alice, e):
    client = Client()
    # A browsing session with its own anonymous shopper and profile: still no personal data served.
    anonymous = ShopperFactory(user=None, session_key="anon-visitor")
    Profile.objects.create(shopper=anonymous, affinities={"brand": {"visitor-brand": 1.0}})
    session = client.session
    session["shopper_id"] = anonymous.pk
    session.save()
    before = alice_state(alice)

    response = call(client, e)

    assert alice_state(alice) == before
    assert Profile.objects.get(shopper=anonymous).affinities == {"brand": {"visitor-brand": 1.0}}
    assert Shopper.objects.get(pk=anonymous.pk).personalization_paused is False
    if e.api:
        assert response.status_code in (401, 403)
        assert response.json()["code"] == "not_authenticated"
        assert "visitor-brand" not in response.content.decode()
    else:
        assert response.status_code == 302
        assert response.url.startswith(resolve_url(settings.LOGIN_URL)) and response.url.endswith(f"?next={e.path}")

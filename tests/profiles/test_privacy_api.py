"""GET/PATCH /api/v1/me/profile and GET /api/v1/me/export, plus the "Download my data" file."""

from __future__ import annotations

import json

import pytest

from profiles.models import Profile, Shopper
from tests.profiles.privacy_helpers import person

pytestmark = pytest.mark.django_db

PROFILE = "/api/v1/me/profile"
EXPORT = "/api/v1/me/export"


@pytest.fixture
def alice(client):
    p = person("alice")
    client.force_login(p.user)
    return p


def _patch(client, body):
    return client.patch(PROFILE, data=json.dumps(body), content_type="application/json")


def test_profile_shows_affinities_best_first_recent_items_and_state(client, alice):
    body = client.get(PROFILE).json()

    assert body["paused"] is False
    assert body["refreshed_at"] is not None
    assert list(body["affinities"]["category"]) == ["running-shoes", "hiking-boots"]
    assert body["affinities"]["brand"] == {"acme": 1.0, "trailco": 0.5}
    labels = [(i["key"], i["label"]) for i in body["interests"]]
    assert labels[:2] == [("category:running-shoes", "Running Shoes"), ("category:hiking-boots", "Hiking Boots")]
    assert ("price_band:25-50", "$25 – $50") in labels and ("attribute:color:red", "Color: red") in labels
    assert body["recent_product_ids"] == [alice.products[1].pk, alice.products[0].pk]
    assert body["recent_products"][0] == {
        "id": alice.products[1].pk,
        "title": alice.products[1].title,
        "url": f"/p/{alice.products[1].pk}/",
    }
    assert body["removed_interests"] == []


def test_patch_pauses_removes_and_restores_in_one_go(client, alice):
    Profile.objects.filter(shopper=alice.shopper).update(removed_interests=["brand:oldco"])

    response = _patch(
        client,
        {
            "paused": True,
            "remove_interests": ["brand:acme", "attribute:color:red"],
            "restore_interests": ["brand:oldco"],
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert body["paused"] is True
    assert body["removed_interests"] == ["brand:acme", "attribute:color:red"]
    assert body["affinities"]["brand"] == {"trailco": 0.5}
    assert "color:red" not in body["affinities"]["attribute"]
    profile = Profile.objects.get(shopper=alice.shopper)
    assert profile.removed_interests == ["brand:acme", "attribute:color:red"]
    assert Shopper.objects.get(pk=alice.shopper.pk).personalization_paused is True


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "non_field_errors", "Send at least one of paused, remove_interests, restore_interests."),
        ({"paused": "sometimes"}, "paused", "Must be a valid boolean."),
        ({"remove_interests": ["acme"]}, "remove_interests", "'acme' is not an interest"),
        ({"remove_interests": ["colour:red"]}, "remove_interests", "'colour:red' is not an interest"),
        ({"remove_interests": ["attribute:red"]}, "remove_interests", "an attribute is attribute:name:value"),
        ({"remove_interests": "brand:acme"}, "remove_interests", 'Expected a list of items but got type "str".'),
        (
            {"remove_interests": ["brand:acme"], "restore_interests": ["brand:acme"]},
            "restore_interests",
            "both removed and restored",
        ),
        ({"affinities": {"brand": {"evil": 1}}}, "affinities", "not a field you can change"),
    ],
)
def test_invalid_patches_are_explained_and_change_nothing(client, alice, body, field, message):
    response = _patch(client, body)

    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "invalid"
    assert message in payload["detail"]
    assert field in payload["errors"] or field == "non_field_errors"
    profile = Profile.objects.get(shopper=alice.shopper)
    assert profile.removed_interests == [] and profile.affinities["brand"] == {"acme": 1.0, "trailco": 0.5}
    assert Shopper.objects.get(pk=alice.shopper.pk).personalization_paused is False


def test_too_many_keys_are_refused(client, alice):
    response = _patch(client, {"remove_interests": [f"brand:b{i}" for i in range(101)]})

    assert response.status_code == 400
    assert response.json()["detail"].startswith("remove_interests: ")


def test_export_holds_all_personal_data_and_no_password_hash(client, alice):
    body = client.get(EXPORT).json()

    assert body["account"]["username"] == "alice" and body["account"]["email"] == "alice@mail.example"
    assert "password" not in body["account"]
    assert "pbkdf2" not in json.dumps(body) and "md5$" not in json.dumps(body)
    assert body["shopper"] == {
        "id": alice.shopper.pk,
        "session_key": "anon-key-alice",
        "personalization_paused": False,
        "created_at": body["shopper"]["created_at"],
    }
    assert [e["kind"] for e in body["events"]] == ["view", "view", "search"]
    assert body["events"][2]["query"] == alice.secret_query
    assert body["events"][0]["product__title"] == alice.products[0].title
    profile = body["profile"]
    assert profile["affinities"]["brand"] == {"acme": 1.0, "trailco": 0.5}
    assert profile["recent_product_ids"] == [alice.products[1].pk, alice.products[0].pk]
    assert len(profile["vector"]) == 384 and profile["vector"][0] == pytest.approx(0.05)
    assert len(profile["graph_vector"]) == 64
    related = body["related"]
    assert related["orders.cart"][0]["shopper"] == alice.shopper.pk
    assert related["orders.cartline"][0]["quantity"] == 2
    assert related["orders.order"][0]["number"] == "SG-ALICE-1"
    assert (
        related["orders.orderline"][0]["sku"] == alice.products[1].sku
        and related["orders.orderline"][0]["unit_price"] == "39.99"
    )
    assert related["recommend.searchlog"][0]["query"] == alice.secret_query
    assert related["recommend.searchlog"][0]["session_key"] == "sess-alice"
    # Nothing about anyone else.
    assert "bob" not in json.dumps(body)


def test_export_of_someone_with_no_profile_yet(client):
    p = person("carol", with_profile=False)
    client.force_login(p.user)

    body = client.get(EXPORT).json()

    assert body["profile"] is None and len(body["events"]) == 3


def test_download_is_the_same_document_as_an_attachment(client, alice):
    api = client.get(EXPORT).json()

    response = client.get("/account/export/")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="shopguide-data-')
    assert response["Content-Type"].startswith("application/json")
    download = json.loads(response.content)
    api.pop("exported_at"), download.pop("exported_at")
    assert download == api

"""The admin shows merchandisers shoppers and profiles read-only, without names, emails or session keys."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from profiles.models import Profile
from tests.profiles.privacy_helpers import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchandiser_client():
    merch = person("merch", staff=True)
    merch.user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="profiles",
            codename__in=["view_profile", "view_shopper", "change_profile", "add_profile"],
        )
    )
    client = Client()
    client.force_login(merch.user)
    return client


@pytest.fixture
def alice():
    return person("alice")


def test_profile_list_and_detail_are_readable(merchandiser_client, alice):
    listing = merchandiser_client.get("/admin/profiles/profile/").content.decode()
    detail = merchandiser_client.get(f"/admin/profiles/profile/{alice.shopper.pk}/change/").content.decode()

    assert f">{alice.shopper.pk}<" in listing
    assert "running-shoes" in detail and "0.9" in detail  # the affinities, as data
    assert "alice" not in listing and "alice" not in detail
    assert 'name="_save"' not in detail  # no form to submit


def test_profile_cannot_be_changed_added_or_deleted(merchandiser_client, alice):
    url = f"/admin/profiles/profile/{alice.shopper.pk}/change/"

    change = merchandiser_client.post(url, {"affinities": "{}", "removed_interests": "[]"})
    add = merchandiser_client.get("/admin/profiles/profile/add/")
    delete = merchandiser_client.post(f"/admin/profiles/profile/{alice.shopper.pk}/delete/", {"post": "yes"})

    assert change.status_code == 403 and add.status_code == 403 and delete.status_code == 403
    assert Profile.objects.get(shopper=alice.shopper).affinities["brand"] == {"acme": 1.0, "trailco": 0.5}


def test_shopper_admin_names_nobody(merchandiser_client, alice):
    listing = merchandiser_client.get("/admin/profiles/shopper/").content.decode()
    detail = merchandiser_client.get(f"/admin/profiles/shopper/{alice.shopper.pk}/change/").content.decode()
    by_email = merchandiser_client.get("/admin/profiles/shopper/", {"q": "alice@mail.example"}).content.decode()

    assert f">{alice.shopper.pk}<" in listing
    for text in ["alice", "anon-key-alice"]:
        assert text not in listing and text not in detail
    assert "0 results" in by_email or f">{alice.shopper.pk}<" not in by_email

"""Logging in folds the anonymous visit (events, search log, what other apps own) into the account."""

from __future__ import annotations

from django.test import Client
from rest_framework.test import APIClient

from profiles import services
from profiles.models import Event, Profile, Shopper
from profiles.signals import shopper_merging
from recommend.models import SearchLog
from tests.factories import UserFactory, visitor


def test_login_moves_the_visitors_events_to_the_account(catalog):
    user = UserFactory()
    account = Shopper.objects.create(user=user)
    Event.objects.create(shopper=account, kind="view", product=catalog["PAN1"], created_at="2026-11-01T00:00:00Z")

    client = Client()
    client.get("/search", {"q": "running shoes"})
    client.post(
        "/api/v1/events", {"events": [{"kind": "wishlist", "product_id": catalog["RUN1"].pk}]}, "application/json"
    )
    visitor_id = client.session["shopper_id"]
    assert Event.objects.filter(shopper_id=visitor_id).count() == 2

    seen = []

    def receiver(sender, source, target, **kwargs):
        # Sent before the visitor is deleted, inside the merge: receivers can still move what they own.
        seen.append((source.pk, target.pk, Shopper.objects.filter(pk=source.pk).exists()))

    shopper_merging.connect(receiver)
    try:
        client.force_login(user)
    finally:
        shopper_merging.disconnect(receiver)

    assert seen == [(visitor_id, account.pk, True)]
    assert not Shopper.objects.filter(pk=visitor_id).exists()
    assert sorted(Event.objects.filter(shopper=account).values_list("kind", flat=True)) == [
        "search",
        "view",
        "wishlist",
    ]
    assert SearchLog.objects.get().shopper_id == account.pk
    assert "shopper_id" not in client.session

    # From now on the browser's events are the account's.
    response = client.post("/api/v1/events", {"kind": "view", "product_id": catalog["BOOT1"].pk}, "application/json")
    assert response.status_code == 201
    assert Event.objects.filter(shopper=account).count() == 4
    assert Shopper.objects.count() == 1


def test_first_login_creates_the_account_shopper(catalog):
    user = UserFactory()
    client = visitor(APIClient())
    client.post("/api/v1/events", {"kind": "view", "product_id": catalog["RUN1"].pk}, format="json")
    client.force_login(user)
    assert Event.objects.get().shopper.user_id == user.pk


def test_login_without_a_visit_changes_nothing(db):
    user = UserFactory()
    Client().force_login(user)
    assert not Shopper.objects.exists()


def test_merge_folds_into_a_fresh_profile(catalog):
    user = UserFactory()
    account = Shopper.objects.create(user=user)
    visitor = Shopper.objects.create(session_key="visit-1")
    services.event_record_many(
        shopper=account, events=[services.EventInput(kind="view", product_id=catalog["PAN1"].pk)]
    )
    services.profile_refresh(shopper_id=account.pk)
    services.event_record_many(
        shopper=visitor, events=[services.EventInput(kind="purchase", product_id=catalog["RUN1"].pk, order_id="o1")]
    )

    assert services.shopper_merge(source=visitor, target=account) == 1
    # The moved event has a higher id here, but even one with a lower id changes the count, so the
    # refresh recomputes instead of skipping.
    assert services.profile_refresh(shopper_id=account.pk) is True
    assert Profile.objects.get(shopper=account).affinities["brand"]["norvik"] == 1.0


def test_paused_visitor_keeps_personalisation_paused_after_login(db):
    user = UserFactory()
    account = Shopper.objects.create(user=user)
    visitor = Shopper.objects.create(session_key="visit-2", personalization_paused=True)
    services.shopper_merge(source=visitor, target=account)
    account.refresh_from_db()
    assert account.personalization_paused is True

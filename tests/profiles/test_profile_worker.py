"""Events posted to the API reach the profile through the real broker and a real worker, coalesced."""

from __future__ import annotations

import time

import numpy as np
import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from profiles import services
from profiles.models import Event, Profile, Shopper
from tests.factories import visitor


def _wait_for(predicate, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _covered(shopper_id: int) -> bool:
    last = Event.objects.filter(shopper_id=shopper_id).order_by("-pk").values_list("pk", flat=True).first()
    return Profile.objects.filter(shopper_id=shopper_id, last_event_id__gte=last or 1).exists()


@pytest.mark.slow
def test_posted_events_refresh_the_profile(committed_catalog, celery_worker_thread):
    client = visitor(APIClient())
    run = committed_catalog["RUN1"]
    for i in range(5):  # a burst: one refresh folds them in
        client.post(
            "/api/v1/events", {"kind": "view", "product_id": run.pk, "client_event_id": f"w-{i}"}, format="json"
        )
    shopper_id = client.session["shopper_id"]
    assert _wait_for(lambda: _covered(shopper_id))

    profile = Profile.objects.get(shopper_id=shopper_id)
    assert profile.event_count == 5
    assert float(np.dot(profile.vector, run.embedding)) > 0.999
    assert profile.affinities["brand"] == {"norvik": 1.0}

    # A later event schedules another refresh (the flag was cleared when the first one started).
    client.post(
        "/api/v1/events",
        {"kind": "wishlist", "product_id": committed_catalog["PAN1"].pk},
        format="json",
    )
    assert _wait_for(lambda: _covered(shopper_id))
    profile.refresh_from_db()
    assert profile.event_count == 6
    assert 0 < profile.affinities["brand"]["hearthstone"] < profile.affinities["brand"]["norvik"]  # 2 vs 5 views


@pytest.mark.slow
def test_a_burst_schedules_one_refresh(db):
    shopper = Shopper.objects.create(session_key="burst")
    cache.delete(services.PENDING_KEY.format(shopper.pk))
    sent = [services.profile_refresh_schedule(shopper_id=shopper.pk) for _ in range(10)]
    assert sent == [True] + [False] * 9
    services.profile_refresh_pending_clear(shopper_id=shopper.pk)
    assert services.profile_refresh_schedule(shopper_id=shopper.pk) is True

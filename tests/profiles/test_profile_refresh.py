"""profile_refresh: a time-decayed, event-weighted content vector and affinities built from the events."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.db import transaction
from django.utils import timezone

from profiles import selectors, services, tasks
from profiles.models import Event, Profile, Shopper
from tests.factories import UserFactory


def _shopper() -> Shopper:
    return Shopper.objects.create(user=UserFactory())


def _events(shopper, *specs, days_ago: float = 0):
    """specs: (kind, product) pairs, stored through the service like the API does."""
    when = timezone.now() - timedelta(days=days_ago)
    events = [services.EventInput(kind=kind, product_id=product.pk, created_at=when) for kind, product in specs]
    return services.event_record_many(shopper=shopper, events=events)


def _cos(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_vector_and_affinities_follow_the_events(catalog):
    shopper = _shopper()
    run1, run2, head1, pan1 = catalog["RUN1"], catalog["RUN2"], catalog["HEAD1"], catalog["PAN1"]
    _events(shopper, ("view", run1), ("click", run1), ("cart_add", run2), ("view", run2), ("view", head1))

    assert services.profile_refresh(shopper_id=shopper.pk) is True
    profile = Profile.objects.get(shopper=shopper)

    vector = np.asarray(profile.vector)
    assert abs(np.linalg.norm(vector) - 1) < 1e-5
    # Closer to the running shoes the shopper dwelt on than to what they glanced at or never saw.
    assert _cos(vector, run1.embedding) > _cos(vector, head1.embedding)
    assert _cos(vector, run2.embedding) > _cos(vector, pan1.embedding)
    assert _cos(vector, run1.embedding) > _cos(vector, catalog["PAN2"].embedding)

    aff = profile.affinities
    assert aff["category"][run1.category.slug] == 1.0
    assert 0 < aff["category"][head1.category.slug] < 1
    assert aff["top_category"] == {"shoes": 1.0, "electronics": pytest.approx(1 / 6, abs=1e-3)}
    assert aff["brand"]["norvik"] == 1.0 and aff["brand"]["sonance"] < 1
    assert aff["price_band"]["50-100"] == 1.0 and "100-250" in aff["price_band"]
    assert aff["attribute"]["material:mesh"] == 1.0
    assert "feature:cushioned" in aff["attribute"] and "color:blue" in aff["attribute"]
    assert all(0 < w <= 1 for kind in aff.values() for w in kind.values())
    ranked = selectors.profile_affinities_ranked(profile)["brand"]
    assert [slug for slug, _ in ranked] == ["norvik", "sonance"]

    # Newest first (same timestamp: the later id), each product once.
    assert profile.recent_product_ids == [head1.pk, run2.pk, run1.pk]
    assert profile.last_event_id == Event.objects.filter(shopper=shopper).latest("pk").pk
    assert profile.event_count == 5
    assert profile.refreshed_at is not None


def test_heavier_events_outweigh_lighter_ones(catalog):
    shopper = _shopper()
    _events(shopper, ("view", catalog["HEAD1"]), ("view", catalog["HEAD1"]), ("purchase", catalog["PAN1"]))
    services.profile_refresh(shopper_id=shopper.pk)
    aff = Profile.objects.get(shopper=shopper).affinities
    # One purchase (5) beats two views (2).
    assert aff["brand"] == {"hearthstone": 1.0, "sonance": 0.4}


def test_old_events_fade_with_a_two_week_half_life(catalog):
    shopper = _shopper()
    _events(shopper, ("view", catalog["HEAD1"]), days_ago=28)  # two half-lives: weight 1/4
    _events(shopper, ("view", catalog["PAN1"]))
    services.profile_refresh(shopper_id=shopper.pk)
    profile = Profile.objects.get(shopper=shopper)
    assert profile.affinities["brand"]["hearthstone"] == 1.0
    assert profile.affinities["brand"]["sonance"] == pytest.approx(0.25, abs=0.01)
    assert _cos(profile.vector, catalog["PAN1"].embedding) > _cos(profile.vector, catalog["HEAD1"].embedding)


def test_cart_removal_takes_back_most_of_an_add(catalog):
    shopper = _shopper()
    _events(shopper, ("cart_add", catalog["HEAD1"]), ("cart_remove", catalog["HEAD1"]), ("cart_add", catalog["PAN1"]))
    services.profile_refresh(shopper_id=shopper.pk)
    aff = Profile.objects.get(shopper=shopper).affinities
    assert aff["brand"] == {"hearthstone": 1.0, "sonance": pytest.approx(1 / 3, abs=1e-3)}


def test_removal_alone_never_becomes_an_interest(catalog):
    shopper = _shopper()
    _events(shopper, ("cart_remove", catalog["HEAD1"]), ("view", catalog["PAN1"]))
    services.profile_refresh(shopper_id=shopper.pk)
    profile = Profile.objects.get(shopper=shopper)
    assert "sonance" not in profile.affinities["brand"]
    assert catalog["HEAD1"].pk not in profile.recent_product_ids
    assert _cos(profile.vector, catalog["PAN1"].embedding) > 0.999


def test_removed_interests_stay_removed(catalog):
    shopper = _shopper()
    Profile.objects.create(
        shopper=shopper, removed_interests=["brand:norvik", "category:shoes", "attribute:color:black"]
    )
    _events(shopper, ("cart_add", catalog["RUN1"]), ("cart_add", catalog["RUN2"]), ("view", catalog["HEAD1"]))
    services.profile_refresh(shopper_id=shopper.pk)
    aff = Profile.objects.get(shopper=shopper).affinities
    assert "norvik" not in aff["brand"] and aff["brand"] == {"sonance": 1.0}
    assert "shoes" not in aff["top_category"]
    assert "color:black" not in aff["attribute"]
    assert aff["attribute"]["color:blue"] == 0.5  # one of two mesh shoes (material:mesh is 1)


def test_recent_products_are_the_last_twenty_distinct(catalog):
    shopper = _shopper()
    products = list(catalog.values())
    for i in range(30):
        _events(shopper, ("view", products[i % len(products)]), days_ago=(30 - i) / 1000)
    services.profile_refresh(shopper_id=shopper.pk)
    recent = Profile.objects.get(shopper=shopper).recent_product_ids
    assert len(recent) == len(set(recent)) == len(products)
    assert recent[0] == products[29 % len(products)].pk


def test_refresh_with_nothing_new_does_nothing(catalog):
    shopper = _shopper()
    _events(shopper, ("view", catalog["RUN1"]))
    assert services.profile_refresh(shopper_id=shopper.pk) is True
    first = Profile.objects.get(shopper=shopper).refreshed_at
    assert services.profile_refresh(shopper_id=shopper.pk) is False
    assert Profile.objects.get(shopper=shopper).refreshed_at == first

    _events(shopper, ("view", catalog["PAN1"]))
    assert services.profile_refresh(shopper_id=shopper.pk) is True
    profile = Profile.objects.get(shopper=shopper)
    assert profile.event_count == 2 and "hearthstone" in profile.affinities["brand"]


def test_an_event_committed_late_with_a_lower_id_is_still_folded_in(catalog):
    shopper = _shopper()
    _events(shopper, ("view", catalog["RUN1"]), ("view", catalog["PAN1"]))
    services.profile_refresh(shopper_id=shopper.pk)
    # As if a transaction holding a lower id committed after the refresh had read the higher ones.
    Event.objects.create(pk=-1, shopper=shopper, kind="view", product=catalog["BOOT1"], created_at=timezone.now())
    assert services.profile_refresh(shopper_id=shopper.pk) is True
    assert "trailcraft" in Profile.objects.get(shopper=shopper).affinities["brand"]


def test_paused_personalization_updates_nothing(catalog):
    shopper = _shopper()
    _events(shopper, ("view", catalog["RUN1"]))
    services.profile_refresh(shopper_id=shopper.pk)
    before = Profile.objects.get(shopper=shopper)

    Shopper.objects.filter(pk=shopper.pk).update(personalization_paused=True)
    _events(shopper, ("purchase", catalog["PAN1"]))
    assert services.profile_refresh(shopper_id=shopper.pk) is False
    after = Profile.objects.get(shopper=shopper)
    assert after.affinities == before.affinities
    assert after.last_event_id == before.last_event_id


def test_a_recompute_rolled_back_midway_and_rerun_ends_correct(catalog):
    """A worker killed mid-recompute never commits; the redelivered task (acks_late) recomputes all."""
    shopper = _shopper()
    _events(shopper, ("view", catalog["RUN1"]), ("cart_add", catalog["PAN1"]))

    class Killed(Exception):
        pass

    with pytest.raises(Killed), transaction.atomic():
        services.profile_refresh(shopper_id=shopper.pk)
        raise Killed
    assert not Profile.objects.filter(shopper=shopper, refreshed_at__isnull=False).exists()

    assert services.profile_refresh(shopper_id=shopper.pk) is True
    rerun = Profile.objects.get(shopper=shopper)
    reference = services.profile_compute(
        events=list(
            Event.objects.filter(shopper=shopper)
            .order_by("-created_at")
            .values_list("product_id", "kind", "created_at")
        ),
        removed=set(),
        now=timezone.now(),
    )
    assert rerun.affinities == reference.affinities
    assert _cos(rerun.vector, reference.vector) > 0.999999
    # And a second run (a duplicate delivery) changes nothing.
    assert services.profile_refresh(shopper_id=shopper.pk) is False


def test_refresh_task_is_crash_safe_by_configuration():
    task = tasks.refresh_profile
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True
    assert task.time_limit and task.soft_time_limit


def test_sweep_finds_profiles_behind_their_events(catalog):
    fresh, stale, new = _shopper(), _shopper(), _shopper()
    for s in (fresh, stale, new):
        _events(s, ("view", catalog["RUN1"]))
    services.profile_refresh(shopper_id=fresh.pk)
    services.profile_refresh(shopper_id=stale.pk)
    _events(stale, ("view", catalog["PAN1"]))
    paused = Shopper.objects.create(user=UserFactory(), personalization_paused=True)
    _events(paused, ("view", catalog["RUN1"]))

    assert selectors.shoppers_with_stale_profiles() == sorted([stale.pk, new.pk])

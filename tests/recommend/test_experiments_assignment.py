"""Who gets which variant: a stable hash of the experiment's salt and the shopper id, over traffic weights."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest
from django.core.cache import cache

from recommend.experiments import knobs
from recommend.experiments.knobs import Knobs
from recommend.models import RankingSettings
from tests.recommend.experiments_setup import experiment

pytestmark = pytest.mark.django_db


def test_the_same_shopper_always_gets_the_same_variant():
    exp = experiment(B={"dense_weight": 0.0})
    first = [knobs.variant_for(pk).name for pk in range(1, 200)]
    knobs.reset()  # another process, or this one after a reload
    assert [knobs.variant_for(pk).name for pk in range(1, 200)] == first
    assert set(first) == {"control", "B"}
    # A pure function of salt and id: the same answer without the snapshot.
    upper = knobs.bounds([50, 50])
    names = ["control", "B"]
    assert [names[knobs.arm_index(exp.salt, pk, upper)] for pk in range(1, 200)] == first


def test_assignment_follows_the_traffic_weights():
    experiment(B={"weight": 30}, C={"weight": 20})  # control 50
    counts = Counter(knobs.variant_for(pk).name for pk in range(1, 20_001))
    assert abs(counts["control"] / 20_000 - 0.5) < 0.02
    assert abs(counts["B"] / 20_000 - 0.3) < 0.02
    assert abs(counts["C"] / 20_000 - 0.2) < 0.02


def test_a_new_experiment_reshuffles_shoppers():
    a = experiment("A", start=False)
    b = experiment("B", start=False)
    upper = knobs.bounds([50, 50])
    same = sum(knobs.arm_index(a.salt, pk, upper) == knobs.arm_index(b.salt, pk, upper) for pk in range(1, 2001))
    assert 850 < same < 1150  # independent halves agree about half the time


def test_knobs_come_from_the_variant_else_the_live_settings():
    assert knobs.knobs_for(7) == Knobs.defaults()  # nothing saved, nothing running: today's behaviour
    RankingSettings.objects.create(pk=1, personalization=0.5)
    knobs.reset()
    assert knobs.knobs_for(7).personalization == 0.5
    experiment(B={"personalization": 0.0, "recs_diversity": 1})
    for pk in range(1, 50):
        expected = 0.0 if knobs.variant_for(pk).name == "B" else 0.5  # the control is the live settings
        assert knobs.knobs_for(pk).personalization == expected
    assert knobs.knobs_for(None).personalization == 0.5  # no shopper: no experiment


def test_the_version_is_compared_at_most_once_a_second(monkeypatch):
    knobs.knobs_for(1)
    reads = []
    real_get = knobs.cache.get
    monkeypatch.setattr(knobs.cache, "get", lambda *args, **kwargs: reads.append(args) or real_get(*args, **kwargs))
    clock = [1000.0]
    monkeypatch.setattr(knobs.time, "monotonic", lambda: clock[0])
    knobs.reset()
    knobs.knobs_for(1)  # loads, and compares the version
    for pk in range(2, 50):
        knobs.knobs_for(pk)
    assert len(reads) == 1
    clock[0] += knobs.VERSION_CHECK_S
    knobs.knobs_for(1)
    assert len(reads) == 2


def test_the_steady_state_reads_no_database(django_assert_num_queries):
    experiment(B={"dense_weight": 0.0})
    knobs.knobs_for(1)  # loads once
    with django_assert_num_queries(0):
        for pk in range(1, 100):
            knobs.knobs_for(pk)


def test_a_bumped_version_makes_every_process_reload(monkeypatch):
    monkeypatch.setattr(knobs, "VERSION_CHECK_S", 0.0)  # compare the version on every read
    knobs.knobs_for(1)
    RankingSettings.objects.create(pk=1, dense_weight=2.0)  # written behind the snapshot's back
    assert knobs.knobs_for(1).dense_weight == 1.0  # the snapshot holds until the version moves
    cache.set(knobs.VERSION_KEY, f"another process saved the settings {uuid.uuid4()}", timeout=None)
    assert knobs.knobs_for(1).dense_weight == 2.0


def test_with_the_cache_down_the_knobs_still_come_from_the_database(settings, tmp_path, django_assert_num_queries):
    RankingSettings.objects.create(pk=1, personalization=0.25)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"unix://{tmp_path}/no-redis.sock",
            "OPTIONS": {"socket_connect_timeout": 0.1, "socket_timeout": 0.1},
        }
    }
    assert knobs.knobs_for(3).personalization == 0.25  # read from the database
    with django_assert_num_queries(0):  # and kept for a while, not re-read per request
        assert knobs.knobs_for(4).personalization == 0.25

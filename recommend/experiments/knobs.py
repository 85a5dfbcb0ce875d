"""What ranking a shopper gets: the running experiment's variant for them, else the live settings.

Assignment is a pure function of the experiment's salt and the shopper id (sha256 → 56-bit bucket →
the variant whose cumulative traffic weight covers it), so nothing is written per request and the
report recomputes it in SQL (``report.py`` builds the same bucket expression).

The settings and the running experiment live in a per-process snapshot, tagged with a version kept in
the Django cache (Redis). The process compares that version at most once a second (one Redis GET) and
reloads from the database only when a service has bumped it (after its transaction commits); the
process that made the change forgets its snapshot at once.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

VERSION_KEY = "recommend:ranking-knobs:version"
BUCKET_BITS = 56  # 7 bytes of the digest: fits a signed bigint in SQL, exact as an int in Python
BUCKETS = 1 << BUCKET_BITS
# The version is read at most this often per process: a change reaches every process within a second
# (this process at once), and a busy process makes one Redis read a second, not one per request.
VERSION_CHECK_S = 1.0
STALE_AFTER_S = 30.0  # with the cache down, the snapshot is reloaded from the database this often
UNAVAILABLE = object()


@dataclass(frozen=True)
class Knobs:
    dense_weight: float = 1.0
    keyword_weight: float = 1.0
    personalization: float = 1.0  # multiplier on search's personal lift
    recs_diversity: int = 3  # at most 1/N of a recommendation row from one leaf category

    @classmethod
    def defaults(cls) -> Knobs:
        weights = settings.SEARCH_FUSION_WEIGHTS
        return cls(dense_weight=float(weights["dense"]), keyword_weight=float(weights["keyword"]))

    @classmethod
    def of(cls, row) -> Knobs:  # a RankingSettings or a Variant
        return cls(
            dense_weight=float(row.dense_weight),
            keyword_weight=float(row.keyword_weight),
            personalization=float(row.personalization),
            recs_diversity=int(row.recs_diversity),
        )

    @property
    def fusion_weights(self) -> dict[str, float]:
        return {"dense": self.dense_weight, "keyword": self.keyword_weight}


@dataclass(frozen=True)
class Arm:
    variant_id: int
    name: str
    is_control: bool
    knobs: Knobs


@dataclass(frozen=True)
class Running:
    experiment_id: int
    salt: str
    arms: tuple[Arm, ...]
    bounds: tuple[int, ...]  # arm i takes the buckets below bounds[i] (and at or above bounds[i-1])


@dataclass
class Snapshot:
    live: Knobs
    running: Running | None
    version: object = None
    loaded_at: float = field(default_factory=time.monotonic)
    checked_at: float = field(default_factory=time.monotonic)  # when the version was last compared


_snapshot: Snapshot | None = None


def bucket(salt: str, shopper_id: int) -> int:
    digest = hashlib.sha256(f"{salt}:{shopper_id}".encode()).digest()
    return int.from_bytes(digest[: BUCKET_BITS // 8], "big")


def bounds(weights: list[int]) -> tuple[int, ...]:
    """Cumulative upper bucket bounds for integer traffic weights (exact integers: SQL agrees)."""
    total = sum(weights)
    if total <= 0:
        raise ValueError("traffic weights must add up to more than 0")
    out, running = [], 0
    for weight in weights:
        running += weight
        out.append(running * BUCKETS // total)
    return tuple(out)


def arm_index(salt: str, shopper_id: int, upper: tuple[int, ...]) -> int:
    b = bucket(salt, shopper_id)
    for i, bound in enumerate(upper):
        if b < bound:
            return i
    return len(upper) - 1  # unreachable: the last bound is BUCKETS


def _load() -> Snapshot:
    from recommend.models import Experiment, RankingSettings

    row = RankingSettings.objects.filter(pk=1).first()
    live = Knobs.of(row) if row is not None else Knobs.defaults()
    running = None
    experiment = Experiment.objects.filter(status=Experiment.Status.RUNNING).prefetch_related("variants").first()
    if experiment is not None:
        variants = list(experiment.variants.all())
        if variants and sum(v.weight for v in variants) > 0:
            arms = tuple(Arm(v.pk, v.name, v.is_control, Knobs.of(v)) for v in variants)
            running = Running(experiment.pk, experiment.salt, arms, bounds([v.weight for v in variants]))
    return Snapshot(live, running)


def snapshot() -> Snapshot:
    global _snapshot
    current = _snapshot
    now = time.monotonic()
    if current is not None and now - current.checked_at < VERSION_CHECK_S:
        return current
    try:
        version = cache.get(VERSION_KEY)
    except Exception:  # the cache is down: keep serving, re-reading the database now and then
        logger.warning("ranking knobs: cache unavailable, using the database", exc_info=True)
        if current is None or now - current.loaded_at > STALE_AFTER_S:
            current = _snapshot = _load()
            current.version = UNAVAILABLE  # reloaded again once the cache answers
        current.checked_at = now  # and the cache is tried again in a second, not on every request
        return current
    if current is None or current.version != version:
        current = _load()
        current.version = version
        _snapshot = current
    current.checked_at = now
    return current


def reset() -> None:
    """Forget this process's snapshot (the next read reloads)."""
    global _snapshot
    _snapshot = None


def bump() -> None:
    """Tell every process to reload: call after the change has committed."""
    reset()
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        # Processes that saw the cache fail reload every STALE_AFTER_S; the others keep their snapshot
        # until the next successful bump.
        logger.warning("ranking knobs: could not bump the version in the cache", exc_info=True)


def live_knobs() -> Knobs:
    return snapshot().live


def variant_for(shopper_id: int | None) -> Arm | None:
    """The running experiment's arm for this shopper (None: no experiment running, or no shopper)."""
    running = snapshot().running
    if running is None or shopper_id is None:
        return None
    return running.arms[arm_index(running.salt, shopper_id, running.bounds)]


def knobs_for(shopper_id: int | None) -> Knobs:
    state = snapshot()
    if state.running is None or shopper_id is None:
        return state.live
    running = state.running
    return running.arms[arm_index(running.salt, shopper_id, running.bounds)].knobs

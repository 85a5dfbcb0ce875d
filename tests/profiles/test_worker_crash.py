"""Killing the worker mid-recompute and restarting it still ends with correct profiles (issue 4).

A real ``celery worker`` subprocess, on this test's database and the real Redis broker, works through a
backlog of coalesced profile refreshes (sent by ``event_record_many``) and is SIGKILLed as soon as it has
written its first profile: no warm shutdown, no chance to hand anything back. What happens then:

- messages still in the queue are consumed by the restarted worker;
- messages the dead worker had taken stay in the broker's ``unacked`` hash (``acks_late``): the task it was
  running and the countdown (ETA) tasks a worker holds in memory until they are due. The Redis transport
  puts them back only once they are older than ``visibility_timeout`` (3600 s), not when a worker starts,
  so their shoppers' profiles stay behind their newest event until the beat sweep
  ``refresh_stale_profiles`` (every minute) refreshes them;
- an hour later the stranded messages come back, and change nothing: the refresh is idempotent.
"""

from __future__ import annotations

import base64
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import numpy as np
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from profiles import services
from profiles.models import Event, Profile, Shopper
from shopguide.celery import app

SHOPPERS = 240  # enough that the worker is far from done after a few kills
MAX_KILLS = 5  # a kill that lands between a commit and its ack strands nothing unwritten: kill again
QUEUE = "profiles"
REFRESH_TASK = "profiles.tasks.refresh_profile"
DEADLINE = 300.0  # generous: the CI machines are shared with benchmarks

KINDS = [k for k in Event.Kind.values if k != Event.Kind.SEARCH]


class Workers:
    """Worker subprocesses of one test, each in its own process group, all killed at the end."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen] = []

    def env(self) -> dict[str, str]:
        # The worker must read and write what this test commits: pytest-django's test database on the same
        # server (DATABASE_URL with the test database's name) and the broker this process sends to.
        url = urlsplit(os.environ["DATABASE_URL"])
        return {
            **os.environ,
            "DATABASE_URL": urlunsplit(url._replace(path="/" + quote(connection.settings_dict["NAME"]))),
            "REDIS_URL": settings.REDIS_URL,
        }

    def start(self, name: str) -> subprocess.Popen:
        command = [
            str(Path(sys.executable).parent / "celery"), "-A", "shopguide", "worker",
            "--queues", ",".join(settings.CELERY_QUEUES_ALL), "--pool", "solo", "--loglevel", "INFO",
            "--hostname", f"{name}@%h",
        ]  # fmt: skip
        with open(self.log_dir / f"{name}.log", "wb") as log:
            proc = subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.procs.append(proc)
        return proc

    @staticmethod
    def kill(proc: subprocess.Popen) -> None:
        """kill -9 on the whole process group: no warm shutdown, nothing handed back to the broker."""
        if proc.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)

    def kill_all(self) -> None:
        for proc in self.procs:
            self.kill(proc)

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name} (last lines)\n" + "\n".join(path.read_text(errors="replace").splitlines()[-30:])
            for path in sorted(self.log_dir.glob("*.log"))
        )


@contextmanager
def broker_channel(**transport_options) -> Iterator:
    with app.connection_for_write(transport_options=transport_options) as conn:
        yield conn.default_channel


def _shopper_of(message: dict) -> int | None:
    """The shopper id of a refresh_profile message as the Redis transport stores it (None: another task)."""
    if message["headers"]["task"] != REFRESH_TASK:
        return None
    body = message["body"]
    if message["properties"].get("body_encoding") == "base64":
        body = base64.b64decode(body)
    args, _kwargs, _embed = json.loads(body)
    return int(args[0])


def _queued_shoppers(channel) -> list[int]:
    ids = (_shopper_of(json.loads(raw)) for raw in channel.client.lrange(QUEUE, 0, -1))
    return [i for i in ids if i is not None]


def _stranded(channel) -> dict[str, int]:
    """Delivery tag → shopper id of the refresh messages taken by a consumer and never acknowledged."""
    stranded = {}
    for tag, stored in channel.client.hgetall(channel.unacked_key).items():
        payload, _exchange, _routing_key = json.loads(stored)
        shopper_id = _shopper_of(payload)
        if shopper_id is not None:
            stranded[tag.decode() if isinstance(tag, bytes) else tag] = shopper_id
    return stranded


def _clear_broker() -> None:
    with broker_channel() as channel:
        for queue in settings.CELERY_QUEUES_ALL:
            channel.queue_purge(queue)
        # Left by a killed worker: redelivered an hour later into whatever test runs then.
        channel.client.delete(channel.unacked_key, channel.unacked_index_key)


def _record_behaviour(catalog, rng: random.Random) -> list[int]:
    """Shoppers with a few weeks of mixed events each; every batch sends one coalesced refresh."""
    product_ids = sorted(p.pk for p in catalog.values())
    now = timezone.now()
    shopper_ids = []
    for i in range(SHOPPERS):
        shopper = Shopper.objects.create(session_key=f"crash-{i}")
        events = [
            services.EventInput(kind=Event.Kind.SEARCH, query="running shoes", created_at=now - timedelta(days=2))
        ]
        for _ in range(rng.randint(3, 15)):
            events.append(
                services.EventInput(
                    kind=rng.choice(KINDS),
                    product_id=rng.choice(product_ids),
                    created_at=now - timedelta(days=rng.uniform(0, 30)),
                )
            )
        assert services.event_record_many(shopper=shopper, events=events).created == len(events)
        shopper_ids.append(shopper.pk)
    return shopper_ids


def _newest_events(shopper_ids: list[int]) -> dict[int, int]:
    rows = Event.objects.filter(shopper_id__in=shopper_ids).values("shopper_id").annotate(last=Max("pk"))
    return {r["shopper_id"]: r["last"] for r in rows}


def _covered(shopper_ids: list[int]) -> set[int]:
    """Shoppers whose profile folds in their newest event."""
    newest = _newest_events(shopper_ids)
    watermarks = dict(Profile.objects.filter(shopper_id__in=shopper_ids).values_list("shopper_id", "last_event_id"))
    return {s for s in shopper_ids if watermarks.get(s, 0) >= newest[s]}


def _worker_sessions(*, in_transaction: bool = False) -> int:
    """Sessions of other processes (the workers) on the test database, or those inside a transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            + (" AND xact_start IS NOT NULL" if in_transaction else "")
        )
        return cursor.fetchone()[0]


def _wait_for(
    predicate: Callable[[], bool], what: str, workers: Workers, *, interval: float = 0.2, needs_worker: bool = True
) -> None:
    deadline = time.monotonic() + DEADLINE
    while not predicate():
        alive = [p for p in workers.procs if p.poll() is None]
        if (needs_worker and not alive) or time.monotonic() > deadline:
            reason = "no worker is running" if not alive else f"not within {DEADLINE:.0f} s"
            pytest.fail(f"{what}: {reason}\n{workers.logs()}")
        time.sleep(interval)


@pytest.mark.slow
def test_killed_worker_ends_with_correct_profiles(committed_catalog, tmp_path):
    workers = Workers(tmp_path)
    _clear_broker()
    try:
        shopper_ids = _record_behaviour(committed_catalog, random.Random(4))
        all_ids = set(shopper_ids)
        with broker_channel() as channel:
            assert sorted(_queued_shoppers(channel)) == shopper_ids  # one coalesced refresh per shopper

        # --- 1. A worker takes on the backlog and is killed mid-recompute: once it has written a profile,
        # while it holds a refresh transaction open. Should the kill land just after a commit (the ack not
        # yet sent), nothing unwritten is stranded: then a new worker takes over and is killed the same way.
        stranded: dict[str, int] = {}
        for attempt in range(1, MAX_KILLS + 1):
            before = Profile.objects.filter(shopper_id__in=shopper_ids).count()
            worker = workers.start(f"crash-{attempt}")
            _wait_for(
                lambda before=before: (
                    _worker_sessions(in_transaction=True) > 0
                    and Profile.objects.filter(shopper_id__in=shopper_ids).count() > before
                ),
                f"worker {attempt} never refreshed a profile",
                workers,
                interval=0.001,
            )
            Workers.kill(worker)
            # Postgres ends the dead worker's session (rolling back its open transaction) on its own.
            _wait_for(
                lambda: _worker_sessions() == 0,
                "the killed worker's database session lingers",
                workers,
                needs_worker=False,
            )
            done_at_kill = set(Profile.objects.filter(shopper_id__in=shopper_ids).values_list("shopper_id", flat=True))
            assert done_at_kill == _covered(shopper_ids)  # a profile is written whole or not at all
            with broker_channel() as channel:
                stranded = _stranded(channel)
                queued = _queued_shoppers(channel)
            # The refresh it was running: taken (acks_late keeps it in `unacked`), rolled back, not written.
            if set(stranded.values()) - done_at_kill:
                break
        stranded_ids = set(stranded.values())
        assert stranded_ids - done_at_kill, f"none of {MAX_KILLS} kills landed inside a refresh"
        assert 0 < len(done_at_kill) < SHOPPERS, "the kill must land mid-run"
        assert not set(queued) & (stranded_ids | done_at_kill)
        # Taken by the dead worker and never written. Besides the stranded messages, this can hold messages
        # Redis had already popped for it (BRPOP) that it had not yet recorded in `unacked`: the transport
        # records them client-side, so those are gone for good (celery/celery#7950).
        taken = all_ids - set(queued) - done_at_kill

        # --- 2. A restarted worker consumes the queue; the stranded messages stay where they are.
        workers.start("crash-restarted")

        def queue_done() -> bool:
            with broker_channel() as channel:  # the restarted worker holds nothing once it is done
                idle = _queued_shoppers(channel) == [] and set(_stranded(channel)) <= set(stranded)
            return idle and set(queued) <= _covered(shopper_ids)

        _wait_for(queue_done, "the restarted worker left queued refreshes", workers)
        with broker_channel() as channel:
            assert _stranded(channel) == stranded  # not restored before visibility_timeout
        assert all_ids - _covered(shopper_ids) == taken  # restarting alone does not recover them

        # --- 3. The beat sweep, sent through the broker as beat sends it, refreshes what the kill left behind.
        entry = app.conf.beat_schedule["refresh-stale-profiles"]
        app.send_task(entry["task"], args=entry.get("args", ()), **entry.get("options", {}))
        _wait_for(lambda: _covered(shopper_ids) == all_ids, "the sweep left profiles behind their events", workers)

        # Every profile is exactly what its events give, once.
        profiles = {p.shopper_id: p for p in Profile.objects.filter(shopper_id__in=shopper_ids)}
        assert Profile.objects.count() == SHOPPERS and set(profiles) == all_ids
        newest = _newest_events(shopper_ids)
        for shopper_id in shopper_ids:
            profile = profiles[shopper_id]
            events = list(
                Event.objects.filter(shopper_id=shopper_id, product__isnull=False)
                .order_by("-created_at", "-pk")
                .values_list("product_id", "kind", "created_at")
            )
            expected = services.profile_compute(events=events, removed=set(), now=profile.refreshed_at)
            if expected.vector is None:
                assert profile.vector is None, shopper_id
            else:
                np.testing.assert_allclose(np.asarray(profile.vector), expected.vector, atol=1e-6, rtol=0)
            assert profile.affinities == expected.affinities, shopper_id
            assert profile.recent_product_ids == expected.recent_product_ids, shopper_id
            assert profile.last_event_id == newest[shopper_id]
            assert profile.event_count == Event.objects.filter(shopper_id=shopper_id).count()

        # --- 4. An hour later the transport hands the stranded messages back; running them changes nothing.
        refreshed = {s: p.refreshed_at for s, p in profiles.items()}
        # A refresh clears its shopper's pending flag as it starts: set, the flags show when all have run.
        for shopper_id in stranded_ids:
            cache.set(services.PENDING_KEY.format(shopper_id), 1, timeout=3600)
        with broker_channel(visibility_timeout=0) as channel:  # "an hour later"
            channel.qos.restore_visible(num=None)

        def redelivered_and_acked() -> bool:
            flags = cache.get_many([services.PENDING_KEY.format(s) for s in stranded_ids])
            with broker_channel() as channel:
                return not flags and channel.client.hlen(channel.unacked_key) == 0

        _wait_for(redelivered_and_acked, "the stranded messages were not run once restored", workers)
        after = dict(Profile.objects.filter(shopper_id__in=shopper_ids).values_list("shopper_id", "refreshed_at"))
        assert after == refreshed
    finally:
        workers.kill_all()
        _clear_broker()

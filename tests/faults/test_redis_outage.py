"""Redis down: pages and search still serve, events are still stored, profiles catch up when it returns.

Redis is the cache and the Celery broker. Without it the web process encodes each query itself (no
cached vector), stores events in Postgres as usual and cannot queue the profile refresh; when Redis
comes back (empty, as after a failover), the worker and beat reconnect on their own, even a worker that
held unacknowledged messages as it went (shopguide/broker.py), and the beat's sweep refreshes every profile
behind its newest event.
"""

from __future__ import annotations

import uuid

import pytest
import redis
from kombu import Connection

from profiles.tasks import refresh_profile

pytestmark = pytest.mark.slow


def _profile(stack, shopper_id: int) -> tuple[int, int, list[int]] | None:
    rows = stack.sql(
        "SELECT last_event_id, event_count, recent_product_ids FROM profiles_profile WHERE shopper_id = %s",
        [shopper_id],
    )
    return rows[0] if rows else None


def test_redis_down_pages_search_and_events_serve_and_profiles_catch_up(services_up):
    stack = services_up
    client = stack.http()
    [(product_a, title_a), (product_b, _), (product_c, _)] = stack.sql(
        "SELECT id, title FROM catalog_product ORDER BY id LIMIT 3"
    )
    query = "+".join(title_a.split()[:4])

    # The worker holds a message it has not acknowledged (a countdown task) as Redis goes: kombu 5.7 crashed
    # the worker handing it back over the dead connection, unless shopguide/broker.py's guard is installed.
    with Connection(stack.redis.url) as broker:
        refresh_profile.apply_async(args=[0], countdown=600, connection=broker)
    unacked = redis.Redis.from_url(stack.redis.url)
    stack.wait_for(lambda: unacked.hlen("unacked") >= 1, "the worker takes the countdown task", needs=("worker",))
    unacked.close()

    stack.redis.stop()
    assert not stack.redis.is_running()

    status, health = client.get_json("/healthz")
    assert status == 503 and "broker" in health["failing"] and health["database"] == "ok"

    status, _, page = client.get("/")
    assert status == 200 and "<html" in page.lower()
    status, _, page = client.get(f"/p/{product_a}/")
    assert status == 200 and title_a in page
    # The query's vector is encoded in the web process: the cache cannot answer.
    status, body = client.get_json(f"/api/v1/search?q={query}")
    assert status == 200, body
    assert product_a in [hit["product"]["id"] for hit in body["results"]]
    status, _, page = client.get(f"/search?q={query}")
    assert status == 200 and title_a in page

    ids = [str(uuid.uuid4()) for _ in range(3)]
    events = [
        {"kind": "view", "product_id": product_a, "client_event_id": ids[0]},
        {"kind": "view", "product_id": product_b, "client_event_id": ids[1]},
        {"kind": "wishlist", "product_id": product_c, "client_event_id": ids[2]},
    ]
    status, body = client.post_json("/api/v1/events", {"events": events})
    assert (status, body) == (201, {"received": 3, "created": 3, "duplicates": 0})
    stored = stack.sql(
        "SELECT shopper_id, max(id), count(*) FROM profiles_event WHERE client_event_id = ANY(%s) GROUP BY shopper_id",
        [ids],
    )
    assert len(stored) == 1 and stored[0][2] == 3
    shopper_id, newest, _ = stored[0]
    # Nothing could queue the refresh: the profile is behind (or not there yet).
    profile = _profile(stack, shopper_id)
    assert profile is None or profile[0] < newest

    stack.redis.start()

    def caught_up() -> bool:
        profile = _profile(stack, shopper_id)
        return profile is not None and profile[0] == newest

    stack.wait_for(caught_up, "the profile folds in the events stored while Redis was down", needs=("worker", "beat"))
    last_event_id, event_count, recent = _profile(stack, shopper_id)
    # Every event of the shopper: the three posted and the search the storefront page logged.
    [(stored_count,)] = stack.sql("SELECT count(*) FROM profiles_event WHERE shopper_id = %s", [shopper_id])
    assert event_count == stored_count == 4
    assert set(recent) == {product_a, product_b, product_c}
    # The web process's own broker connections recover too: health reports every part up again.
    stack.wait_for(lambda: client.get_json("/healthz")[0] == 200, "/healthz answers 200 again")

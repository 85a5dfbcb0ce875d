"""Postgres restarted under a running web process: 503 with a clear page meanwhile, then 200 without a restart.

Pages get a short HTML page, the API ``{"code": "database_unavailable", ...}``, both with Retry-After;
never a 500 or a traceback. The web process keeps running; once Postgres is back its next request opens a
fresh connection (CONN_HEALTH_CHECKS) and serves as before.
"""

from __future__ import annotations

import uuid

import psutil
import pytest

pytestmark = pytest.mark.slow


def _web_pids(stack) -> set[int]:
    master = psutil.Process(stack.procs["web"].pid)
    return {master.pid, *(child.pid for child in master.children(recursive=True))}


def test_postgres_down_answers_503_then_the_same_process_recovers(services_up):
    stack = services_up
    client = stack.http()
    [(product_id, title)] = stack.sql("SELECT id, title FROM catalog_product ORDER BY id LIMIT 1")
    query = "+".join(title.split()[:3])
    assert client.get("/")[0] == 200  # the web process holds a pooled connection (DB_CONN_MAX_AGE)
    pids = _web_pids(stack)
    assert len(pids) == 2  # gunicorn's master and its one worker

    stack.postgres.stop()
    assert not stack.postgres.is_running()

    for path in ("/", f"/p/{product_id}/", f"/search?q={query}"):
        status, headers, page = client.get(path)
        assert status == 503, (path, page[:500])
        assert headers["Content-Type"].startswith("text/html")
        assert headers["Retry-After"] == "5"
        assert "We'll be right back" in page and "database is unavailable" in page
        assert "Traceback" not in page and "OperationalError" not in page
    for path in (f"/api/v1/search?q={query}", "/api/v1/products", f"/api/v1/products/{product_id}"):
        status, body = client.get_json(path)
        assert status == 503, (path, body)
        assert body["code"] == "database_unavailable" and "unavailable" in body["detail"]
    status, body = client.post_json("/api/v1/events", {"kind": "view", "product_id": product_id})
    assert (status, body["code"]) == (503, "database_unavailable")
    status, health = client.get_json("/healthz")
    assert status == 503 and health["failing"][0] == "database"

    stack.postgres.start()

    status, _, page = client.get(f"/p/{product_id}/")
    assert status == 200 and title in page
    status, body = client.get_json(f"/api/v1/search?q={query}")
    assert status == 200 and product_id in [hit["product"]["id"] for hit in body["results"]]
    event_id = str(uuid.uuid4())
    status, body = client.post_json(
        "/api/v1/events", {"kind": "view", "product_id": product_id, "client_event_id": event_id}
    )
    assert (status, body["created"]) == (201, 1)
    assert _web_pids(stack) == pids  # served by the very processes that saw the outage
    # The worker, connected throughout, recovers as well: it refreshes this shopper's profile.
    [(shopper_id, newest)] = stack.sql(
        "SELECT shopper_id, id FROM profiles_event WHERE client_event_id = %s", [event_id]
    )
    worker = stack.procs["worker"]
    stack.wait_for(
        lambda: stack.sql(
            "SELECT 1 FROM profiles_profile WHERE shopper_id = %s AND last_event_id = %s", [shopper_id, newest]
        ),
        "the worker refreshes the profile after the restart",
        needs=("worker",),
    )
    assert stack.procs["worker"] is worker and worker.poll() is None

"""/healthz reports each part for real and names the one that is down."""

from __future__ import annotations

import pytest

from catalog import services
from tests.factories import ProductFactory


@pytest.mark.slow
def test_all_parts_ok_with_a_running_worker(client, celery_worker_thread):
    ProductFactory.create_batch(3)
    services.product_embed(product_ids=None)
    # Saved without queueing its embedding, so the running worker cannot catch up before we look.
    services.product_upsert_many(items=[services.ProductInput(sku="LATE-1", title="Not embedded yet")], embed=False)

    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body == {"database": "ok", "broker": "ok", "worker": "ok", "products": 4, "embedded": 3}


@pytest.mark.django_db
def test_missing_worker_is_named_with_503(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["worker"]
    assert body["worker"] == "error: no worker answered"
    assert body["database"] == "ok" and body["broker"] == "ok"


@pytest.mark.django_db
def test_broker_down_is_named_with_503(client, settings, tmp_path):
    settings.REDIS_URL = f"unix://{tmp_path}/no-redis.sock"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["broker"].startswith("error: ") and "broker" in body["failing"]
    assert body["products"] == 0

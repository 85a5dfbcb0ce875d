"""GET /healthz: each part of ShopGuide, checked for real; 503 naming the part that is down."""

from __future__ import annotations

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from shopguide.celery import app as celery_app

WORKER_PING_TIMEOUT = 1.0


def _check_database() -> tuple[str, int | None, int | None]:
    from catalog.models import Product
    from shopguide.embedding import model_name

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        products = Product.objects.count()
        embedded = Product.objects.embedding_current(model_name()).count()
        return "ok", products, embedded
    except Exception as exc:  # any failure means "down" here; the message says which
        return (
            f"error: {exc.__class__.__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}",
            None,
            None,
        )


def _check_broker() -> str:
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        return "ok"
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"


def _check_worker() -> str:
    try:
        # A connection of its own: a pooled one may be a socket to a Redis that has since restarted.
        with celery_app.connection_for_write() as connection:
            replies = celery_app.control.ping(timeout=WORKER_PING_TIMEOUT, connection=connection)
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok" if replies else "error: no worker answered"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    database, products, embedded = _check_database()
    broker = _check_broker()
    worker = _check_worker() if broker == "ok" else "error: broker down"
    body = {"database": database, "broker": broker, "worker": worker, "products": products, "embedded": embedded}
    failing = [part for part in ("database", "broker", "worker") if body[part] != "ok"]
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=503 if failing else 200)

"""Catalog background work: thin, idempotent tasks that take ids and call one service."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from catalog import services

TRANSIENT = (OperationalError, InterfaceError, ConnectionError)


@shared_task(
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=10,
    soft_time_limit=3 * 3600,
)
def embed_products(product_ids: list[int] | None = None) -> int:
    """Embed the given products (or every stale one); a rerun after a crash resumes where it stopped."""
    return services.product_embed(product_ids=product_ids)


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=10, soft_time_limit=3 * 3600)
def embed_stale_products() -> int:
    return services.product_embed()

"""Profile background work: thin, idempotent tasks that take ids and call one service."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

TRANSIENT = (OperationalError, InterfaceError, ConnectionError)


@shared_task(
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=3,
    soft_time_limit=2 * 3600,
    time_limit=2 * 3600 + 300,
)
def train_graph_embeddings(epochs: int | None = None, seed: int = 0) -> dict:
    """Retrain the shopper/product graph embeddings and replace the stored vectors (queue ``training``).

    Idempotent: a rerun replaces every vector; a run that finds another one in progress does nothing.
    """
    # Imported here: torch is heavy, and web processes import this module only to send tasks.
    from profiles import graph

    report = graph.graph_train(epochs=epochs or settings.GRAPH_TRAIN_EPOCHS, seed=seed)
    return {**asdict(report), "trained_at": report.trained_at.isoformat() if report.trained_at else None}

"""Profile background work: thin, idempotent tasks that take ids and call one service."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from profiles import selectors, services

TRANSIENT = (OperationalError, InterfaceError, ConnectionError)


# --- Behaviour events and content profiles ---------------------------------------------------------


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
)
def refresh_profile(shopper_id: int) -> bool:
    """Recompute one shopper's profile (coalesced: see services.profile_refresh_schedule)."""
    # Cleared before reading the events: any event committed from now on schedules another run.
    services.profile_refresh_pending_clear(shopper_id=shopper_id)
    return services.profile_refresh(shopper_id=shopper_id)


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3, soft_time_limit=300)
def refresh_stale_profiles(limit: int = 1000) -> int:
    """Beat sweep: refresh profiles behind their newest event (catches lost messages)."""
    ids = selectors.shoppers_with_stale_profiles(limit=limit)
    for shopper_id in ids:
        refresh_profile.delay(shopper_id)
    return len(ids)


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3, soft_time_limit=3600)
def delete_expired_events() -> int:
    """Retention: delete events older than EVENT_RETENTION_DAYS."""
    return services.event_delete_expired()


# --- Knowledge-graph embeddings (queue `training`) ----------------------------------------------


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

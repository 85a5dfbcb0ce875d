"""Recommendation background work: the learned signals and trending, recomputed from events."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task
from django.db import InterfaceError, OperationalError

TRANSIENT = (OperationalError, InterfaceError, ConnectionError)


@shared_task(
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=3,
    soft_time_limit=3600,
    time_limit=3600 + 300,
)
def train_recommendation_signals() -> dict:
    """Recompute item-to-item neighbours from all events (queue ``training``). A rerun replaces every row;
    a run that finds another in progress does nothing."""
    from recommend.recs import training  # scipy: imported by the worker only

    try:
        return asdict(training.signals_train())
    except training.SignalsBusy:
        return {"skipped": "another run in progress"}


@shared_task(
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=300,
    time_limit=360,
)
def refresh_trending() -> int:
    """Recompute the time-decayed popularity of every product with recent events."""
    from recommend.recs import training

    return training.popularity_refresh()


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=4,
    soft_time_limit=3 * 3600,
    time_limit=3 * 3600 + 300,
)
def run_operation(run_id: int) -> str | None:
    """One back-office operation started in admin (recommend/operations.py); sent to the queue of its kind."""
    from recommend import operations

    run = operations.operation_execute(run_id=run_id)
    return None if run is None else run.status

"""Assistant background work: thin tasks that call one service."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

TRANSIENT = (OperationalError, InterfaceError, ConnectionError)


@shared_task(
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=120,
    max_retries=3,
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
)
def train_intent_classifier() -> int | None:
    """Retrain the intent classifier on every IntentExample (queue ``training``).

    Idempotent: when the newest classifier was trained on exactly the current examples, nothing is
    trained; otherwise a new classifier is stored and becomes the newest. Returns its id (None: skipped).
    """
    # Imported here: web processes import this module only to send the task.
    from assistant.intents import intent_train_if_stale

    classifier = intent_train_if_stale()
    return classifier.pk if classifier is not None else None

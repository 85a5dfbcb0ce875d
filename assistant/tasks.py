"""Assistant background work: thin, idempotent tasks that call one service."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from assistant import faq

TRANSIENT = (OperationalError, InterfaceError, ConnectionError)


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=10, soft_time_limit=600)
def embed_faq_entries(entry_ids: list[int] | None = None) -> int:
    """Embed the given FAQ entries (or every stale one); a rerun embeds only what is still stale."""
    return faq.faq_embed(entry_ids=entry_ids)


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

"""Assistant background work: thin, idempotent tasks that take ids and call one service."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from assistant import faq

TRANSIENT = (OperationalError, InterfaceError, ConnectionError)


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=10, soft_time_limit=600)
def embed_faq_entries(entry_ids: list[int] | None = None) -> int:
    """Embed the given FAQ entries (or every stale one); a rerun embeds only what is still stale."""
    return faq.faq_embed(entry_ids=entry_ids)

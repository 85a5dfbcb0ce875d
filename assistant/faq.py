"""Customer-service answers from the FAQ: entries are embedded (question + answer) with the one model,
and a shopper's question is matched by cosine similarity in pgvector.

An entry is embedded after every change (``faq_entry_save`` queues ``assistant.tasks.embed_faq_entries``
on commit) and, should that message be lost, on demand by the next lookup: the FAQ is small (dozens of
entries), so embedding the few stale ones inline costs one model call once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from pgvector.django import CosineDistance

from assistant.models import FaqEntry
from recommend.search import retrieval
from shopguide import embedding

logger = logging.getLogger(__name__)

# all-MiniLM-L6-v2 cosine between a shopper's question and an entry: paraphrases of one question score
# 0.55–0.85, a question about another topic of the shop 0.2–0.45. An entry of the topic the intent
# classifier named is accepted a little lower: two signals agree.
MIN_SIMILARITY = 0.5
MIN_SIMILARITY_SAME_CATEGORY = 0.4


@dataclass(frozen=True)
class FaqMatch:
    entry: FaqEntry
    similarity: float


def embedding_text(entry: FaqEntry) -> str:
    return f"{entry.question}\n{entry.answer}"


def entry_hash(entry: FaqEntry) -> str:
    return embedding.content_hash(f"{embedding.model_name()}\n{embedding_text(entry)}")


@transaction.atomic
def faq_entry_save(*, entry: FaqEntry) -> FaqEntry:
    """Save an entry (admin, ``load_faq``); a changed text is re-embedded after commit."""
    stale = entry.embedding_hash != entry_hash(entry)
    if stale:
        entry.embedding = None
        entry.embedding_hash = ""
    entry.save()
    if stale:
        pk = entry.pk
        transaction.on_commit(lambda: _send_embed_task([pk]))
    return entry


def _send_embed_task(ids: list[int]) -> None:
    from assistant.tasks import embed_faq_entries

    try:
        embed_faq_entries.delay(entry_ids=ids)
    except Exception:
        # Broker down: the next lookup embeds what is missing.
        logger.warning("could not queue embedding of FAQ entries %s; the next lookup embeds them", ids)


def faq_embed(*, entry_ids: Iterable[int] | None = None) -> int:
    """Embed entries whose vector is missing or stale; returns how many were written.

    Idempotent: each vector is written with a compare-and-set on the text it was made from, so an edit
    made meanwhile keeps its own (queued) embedding.
    """
    qs = FaqEntry.objects.order_by("id")
    if entry_ids is not None:
        qs = qs.filter(id__in=list(entry_ids))
    stale = [e for e in qs if e.embedding is None or e.embedding_hash != entry_hash(e)]
    if not stale:
        return 0
    vectors = embedding.encode([embedding_text(e) for e in stale])
    written = 0
    for entry, vector in zip(stale, vectors, strict=True):
        written += FaqEntry.objects.filter(pk=entry.pk, question=entry.question, answer=entry.answer).update(
            embedding=vector.tolist(), embedding_hash=entry_hash(entry)
        )
    return written


def faq_search(question: str, *, category: str = "", limit: int = 3) -> list[FaqMatch]:
    """The active entries nearest the question, best first (no threshold)."""
    if FaqEntry.objects.filter(is_active=True, embedding__isnull=True).exists():
        faq_embed(
            entry_ids=FaqEntry.objects.filter(is_active=True, embedding__isnull=True).values_list("id", flat=True)
        )
    vector = retrieval.query_vector(question)
    rows = (
        FaqEntry.objects.filter(is_active=True, embedding__isnull=False)
        .annotate(distance=CosineDistance("embedding", vector.tolist()))
        .order_by("distance")[:limit]
    )
    return [FaqMatch(entry=row, similarity=1.0 - float(row.distance)) for row in rows]


def faq_best(question: str, *, category: str = "") -> FaqMatch | None:
    """The entry that answers the question, or None when none is close enough to trust."""
    for match in faq_search(question, category=category, limit=3):
        floor = MIN_SIMILARITY_SAME_CATEGORY if category and match.entry.category == category else MIN_SIMILARITY
        if match.similarity >= floor:
            return match
    return None

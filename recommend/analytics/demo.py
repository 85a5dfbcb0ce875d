"""The demo's analytics history: the demo shoppers' searches replayed through the real search engine.

``profiles/demo.py`` writes what the simulated shoppers did as events, searches included, but nothing that
only the web pages write: search logs and impression counts. This fills both in, so the dashboard shows
the demo's 60 days on first start:

- every demo SEARCH event becomes a SearchLog row at the event's time, with the real engine's total, first
  page, relaxed constraints and full-text matches for its words (each distinct query searched once);
- recommendation impressions per day: every demo shopper active that day saw the home page's rows once
  (``HOME_ROWS`` rows of ``ROW_CARDS`` cards), and each recommendation click adds the row it came from once
  more; assistant impressions: every demo question to the assistant got one reply showing up to
  ``ASSISTANT_CARDS`` products (what the real search found).

Idempotent: a search event already logged (same shopper, time and surface) is skipped, and impression
counters are only written for days that have none yet (INSERT … ON CONFLICT DO NOTHING), so a re-run adds
nothing and never touches counts the live site made.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from profiles.demo import EVENT_ID_PREFIX
from profiles.models import Event
from recommend.models import SearchLog, SurfaceImpression
from recommend.search.engine import SearchResult, search, unknown_words

SEARCH_PAGE_SIZE = 24  # recommend/views.py PAGE_SIZE: the first page a shopper saw
ASSISTANT_PAGE_SIZE = 12  # the results the assistant judges its reply on (assistant/dialogue.py LOOKED_AT)
ASSISTANT_CARDS = 6  # products in one assistant reply (assistant/dialogue.py SHOWN)
HOME_ROWS = 3
ROW_CARDS = 12
BATCH = 2000


@dataclass
class DemoAnalyticsSummary:
    search_events: int = 0
    logs_written: int = 0
    logs_present: int = 0
    queries_replayed: int = 0
    unmatched_queries: int = 0
    impression_days_written: int = 0
    seconds: float = 0.0


def generate_demo_analytics(*, progress: bool = False) -> DemoAnalyticsSummary:
    started = time.monotonic()
    summary = DemoAnalyticsSummary()
    events = list(
        Event.objects.filter(kind=Event.Kind.SEARCH, client_event_id__startswith=EVENT_ID_PREFIX)
        .order_by("created_at", "id")
        .values_list("shopper_id", "query", "surface", "created_at")
    )
    summary.search_events = len(events)
    shoppers = {shopper_id for shopper_id, *_ in events}
    logged = set(
        SearchLog.objects.filter(shopper_id__in=shoppers).values_list("shopper_id", "created_at", "surface").iterator()
    )
    missing = [e for e in events if (e[0], e[3], _surface(e[2])) not in logged]
    summary.logs_present = len(events) - len(missing)

    results: dict[tuple[str, str], SearchResult] = {}
    wanted = sorted({(query, _surface(surface)) for _, query, surface, _ in missing})
    for query, surface in tqdm(wanted, unit="query", desc="Demo searches", disable=not progress):
        page_size = ASSISTANT_PAGE_SIZE if surface == "assistant" else SEARCH_PAGE_SIZE
        results[query, surface] = search(q=query, page_size=page_size, log=False, personalize=False)
    summary.queries_replayed = len(results)
    unknown = {key: unknown_words(result) for key, result in results.items()}
    summary.unmatched_queries = sum(
        1 for key, r in results.items() if r.total == 0 or r.relaxed or r.keyword_matches == 0 or unknown[key]
    )

    assistant_replies: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    rows: list[tuple[SearchLog, datetime]] = []
    for shopper_id, query, surface, created_at in events:
        surface = _surface(surface)
        result = results.get((query, surface))
        if surface == "assistant":
            if result is None:  # logged before: what it found is in the log
                continue
            if result.hits:
                counts = assistant_replies[timezone.localdate(created_at)]
                counts[0] += 1
                counts[1] += min(len(result.hits), ASSISTANT_CARDS)
        if result is None or (shopper_id, created_at, surface) in logged:
            continue
        row = _log_row(result, shopper_id=shopper_id, surface=surface, unknown=unknown[query, surface])
        rows.append((row, created_at))
    with transaction.atomic():
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            created = SearchLog.objects.bulk_create([row for row, _ in batch])
            # auto_now_add stamped them with the time of insert; the events' times are the history.
            for row, (_, created_at) in zip(created, batch, strict=True):
                row.created_at = created_at
            SearchLog.objects.bulk_update(created, ["created_at"], batch_size=BATCH)
        summary.logs_written = len(rows)
        summary.impression_days_written = _write_impressions(assistant_replies)
    summary.seconds = time.monotonic() - started
    return summary


def _surface(event_surface: str) -> str:
    return "assistant" if event_surface == Event.Surface.ASSISTANT else "search"


def _log_row(result: SearchResult, *, shopper_id: int, surface: str, unknown: list[str]) -> SearchLog:
    return SearchLog(
        query=result.parsed.raw,
        parsed=result.parsed.to_dict(),
        intent=result.parsed.intent,
        result_ids=[hit.product.pk for hit in result.hits],
        total=result.total,
        relaxed=[c.label for c in result.relaxed],
        keyword_matches=result.keyword_matches,
        unknown_words=unknown,
        latency_ms=round(result.latency_ms, 2),
        shopper_id=shopper_id,
        surface=surface,
    )


def _write_impressions(assistant_replies: dict[date, list[int]]) -> int:
    """Recommendation rows from the demo shoppers' active days and clicks, assistant replies as replayed;
    only for days without a counter yet."""
    tz = timezone.get_current_timezone_name()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT (created_at AT TIME ZONE %s)::date AS day, count(DISTINCT shopper_id),
                   count(*) FILTER (WHERE kind = 'click' AND surface = 'recommendations')
            FROM {Event._meta.db_table} WHERE client_event_id LIKE %s GROUP BY 1
            """,
            [tz, EVENT_ID_PREFIX + "%"],
        )
        days = cursor.fetchall()
    counters = [
        SurfaceImpression(
            day=day,
            surface=SurfaceImpression.Surface.RECOMMENDATIONS,
            lists=HOME_ROWS * shoppers + clicks,
            products=(HOME_ROWS * shoppers + clicks) * ROW_CARDS,
        )
        for day, shoppers, clicks in days
    ]
    counters += [
        SurfaceImpression(day=day, surface=SurfaceImpression.Surface.ASSISTANT, lists=lists, products=products)
        for day, (lists, products) in assistant_replies.items()
    ]
    before = SurfaceImpression.objects.count()
    SurfaceImpression.objects.bulk_create(counters, ignore_conflicts=True)
    return SurfaceImpression.objects.count() - before

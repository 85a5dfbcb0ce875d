"""Hand-built search logs, events and impressions for the analytics tests: every figure is countable by eye."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from profiles.models import Event, Shopper
from recommend.analytics.selectors import Period
from recommend.models import SearchLog, SurfaceImpression

START = date(2026, 3, 1)
END = date(2026, 3, 10)
PERIOD = Period(START, END)


def at(day: int, hour: int = 12, minute: int = 0) -> datetime:
    """March ``day``, 2026 (UTC)."""
    return datetime(2026, 3, 1, hour, minute, tzinfo=UTC) + timedelta(days=day - 1)


def log(query: str, when: datetime, *, shopper: Shopper | None = None, **fields: Any) -> SearchLog:
    fields.setdefault("total", 10)
    fields.setdefault("result_ids", [1, 2, 3])
    fields.setdefault("keyword_matches", 5)
    row = SearchLog.objects.create(query=query, latency_ms=1.0, shopper=shopper, **fields)
    SearchLog.objects.filter(pk=row.pk).update(created_at=when)  # created_at is auto_now_add
    return row


def event(shopper: Shopper, kind: str, when: datetime, **fields: Any) -> Event:
    return Event.objects.create(shopper=shopper, kind=kind, created_at=when, **fields)


def impressions(day: date, surface: str, lists: int, products: int) -> SurfaceImpression:
    return SurfaceImpression.objects.create(day=day, surface=surface, lists=lists, products=products)


def money(value: str) -> Decimal:
    return Decimal(value)

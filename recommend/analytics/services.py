"""Analytics writes: one upsert per rendered answer into the day's impression counter of its surface."""

from __future__ import annotations

import logging
from datetime import date

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from recommend.models import SurfaceImpression

logger = logging.getLogger(__name__)

_UPSERT = f"""
    INSERT INTO {SurfaceImpression._meta.db_table} (day, surface, lists, products) VALUES (%s, %s, %s, %s)
    ON CONFLICT (day, surface) DO UPDATE
    SET lists = {SurfaceImpression._meta.db_table}.lists + EXCLUDED.lists,
        products = {SurfaceImpression._meta.db_table}.products + EXCLUDED.products
"""


def surface_impression_record(*, surface: str, lists: int = 1, products: int, day: date | None = None) -> bool:
    """Add ``lists`` rows/replies holding ``products`` product cards to today's count for ``surface``.

    One statement (INSERT … ON CONFLICT DO UPDATE: exact under concurrency, no read-modify-write). A counter
    must never cost a shopper their page: any database error is logged and swallowed (False), inside a
    savepoint when called in a transaction, so that transaction stays usable.
    """
    if surface not in SurfaceImpression.Surface.values:
        raise ValueError(f"unknown surface {surface!r}")
    if lists <= 0 or products < 0:
        return False
    params = [day or timezone.localdate(), surface, lists, products]
    try:
        owned = not connection.in_atomic_block
        with transaction.atomic(), connection.cursor() as cursor:  # in someone's transaction: a savepoint
            if owned:
                # A count is not worth a WAL flush: without waiting for it the statement takes under a
                # millisecond instead of ~8 ms here. A crash may lose the last few counts, never an event
                # (only our own transaction is made asynchronous, never a caller's).
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            cursor.execute(_UPSERT, params)
    except DatabaseError:
        logger.warning("could not count %s impressions", surface, exc_info=True)
        return False
    return True

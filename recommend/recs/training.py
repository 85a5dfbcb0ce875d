"""The recommender's learned signals, from the shop's events into tables the request path reads.

* ``signals_train``: item-to-item transitions (``ItemNeighbor`` kind ``next``) from every shopper's
  product events in time order, and bought-together (kind ``bought``) from the products of each
  order; the same functions and parameters as the offline evaluation (``recs/signals.py``).
* ``popularity_refresh``: time-decayed popularity (``ProductPopularity``, trending), one SQL statement.

Both replace their table in one transaction (readers see the old rows or the new, never a mix), take
an advisory lock (one run at a time, whatever the number of workers) and are safe to run twice.
Shoppers who paused personalisation are left out of both, as they are of the graph.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from profiles.models import Event
from profiles.services import EVENT_WEIGHTS
from recommend.models import ItemNeighbor, ProductPopularity
from recommend.recs import signals

logger = logging.getLogger(__name__)

SIGNALS_LOCK = 0x5347_5245  # pg advisory lock keys
POPULARITY_LOCK = 0x5347_504F
SEQUENCE_KINDS = (Event.Kind.VIEW, Event.Kind.CLICK, Event.Kind.CART_ADD, Event.Kind.WISHLIST, Event.Kind.PURCHASE)
# What an event says about a product's popularity: the profile's weights (a view is cheap, a purchase is
# not), the positive ones (a cart removal does not make a product less popular).
POPULARITY_WEIGHTS = {kind: weight for kind, weight in EVENT_WEIGHTS.items() if weight > 0}
TRENDING_WINDOW_DAYS = 7  # "N shoppers this week"
POPULARITY_HORIZON_HALF_LIVES = 8  # events older than 8 half-lives weigh < 0.4 %: not read


class SignalsBusy(Exception):
    """Another worker is training the signals right now."""


@dataclass
class SignalsReport:
    shoppers: int = 0
    events: int = 0
    products: int = 0
    orders: int = 0
    next_rows: int = 0
    bought_rows: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def _product_events() -> Iterator[tuple[int, int, str, str]]:
    """(shopper, product, kind, order id) of every product event, by shopper then time; paused shoppers left out."""
    with connection.cursor() as cursor:
        # A named (server-side) cursor would stream; events fit in memory at the scales this runs on
        # (32 bytes a row here), and a plain cursor keeps this usable inside a test's transaction.
        cursor.execute(
            f"""
            SELECT e.shopper_id, e.product_id, e.kind, e.order_id
              FROM {Event._meta.db_table} e
              JOIN profiles_shopper s ON s.id = e.shopper_id AND NOT s.personalization_paused
             WHERE e.product_id IS NOT NULL AND e.kind = ANY(%s)
             ORDER BY e.shopper_id, e.created_at, e.id
            """,
            [list(SEQUENCE_KINDS)],
        )
        while rows := cursor.fetchmany(10_000):
            yield from rows


def signals_train() -> SignalsReport:
    """Recompute ``ItemNeighbor`` from all events. Raises ``SignalsBusy`` if a run is in progress."""
    report = SignalsReport()
    started = time.monotonic()
    index: dict[int, int] = {}
    sequences: list[list[int]] = []
    baskets: dict[tuple[int, str], list[int]] = {}
    current_shopper: int | None = None
    for shopper_id, product_id, kind, order_id in _product_events():
        report.events += 1
        item = index.setdefault(product_id, len(index))
        if shopper_id != current_shopper:
            sequences.append([])
            current_shopper = shopper_id
        sequence = sequences[-1]
        if not sequence or sequence[-1] != item:  # a view then a cart add of the same product is one step
            sequence.append(item)
        if kind == Event.Kind.PURCHASE:
            # One basket per order; purchases recorded without an order id form one basket per shopper.
            baskets.setdefault((shopper_id, order_id or ""), []).append(item)
    report.shoppers, report.products, report.orders = len(sequences), len(index), len(baskets)
    report.seconds["read"] = time.monotonic() - started

    started = time.monotonic()
    n = len(index)
    next_matrix = signals.transitions(sequences, n_items=n)
    bought_matrix = signals.co_occurrence(baskets.values(), n_items=n)
    report.seconds["compute"] = time.monotonic() - started

    started = time.monotonic()
    product_ids = np.empty(n, dtype=np.int64)
    for product_id, item in index.items():
        product_ids[item] = product_id
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SIGNALS_LOCK])
        if not cursor.fetchone()[0]:
            raise SignalsBusy("another worker is training the recommendation signals")
        cursor.execute(f"DELETE FROM {ItemNeighbor._meta.db_table}")
        # Products deleted since the read would break the foreign key: keep the ones that exist.
        cursor.execute("SELECT id FROM catalog_product WHERE id = ANY(%s)", [product_ids.tolist()])
        alive = np.isin(product_ids, np.fromiter((r[0] for r in cursor.fetchall()), dtype=np.int64))
        report.next_rows = _copy_neighbors(cursor, next_matrix, product_ids, alive, ItemNeighbor.Kind.NEXT)
        report.bought_rows = _copy_neighbors(cursor, bought_matrix, product_ids, alive, ItemNeighbor.Kind.BOUGHT)
    report.seconds["store"] = time.monotonic() - started
    logger.info("recommendation signals: %s", report)
    return report


def _copy_neighbors(cursor, matrix: sp.csr_matrix, product_ids: np.ndarray, alive: np.ndarray, kind: str) -> int:
    coo = matrix.tocoo()
    keep = alive[coo.row] & alive[coo.col]
    if not keep.any():
        return 0
    buffer = io.StringIO()
    for source, target, score in zip(
        product_ids[coo.row[keep]].tolist(), product_ids[coo.col[keep]].tolist(), coo.data[keep].tolist(), strict=True
    ):
        buffer.write(f"{source}\t{target}\t{kind}\t{score!r}\n")
    buffer.seek(0)
    # COPY: ~10× faster than INSERTs for the hundreds of thousands of rows a busy shop has.
    cursor.cursor.copy_expert(
        f"COPY {ItemNeighbor._meta.db_table} (product_id, neighbor_id, kind, score) FROM STDIN", buffer
    )
    return int(keep.sum())


def popularity_refresh(*, now: datetime | None = None) -> int:
    """Recompute ``ProductPopularity`` (Σ event weight · 0.5^(age / half-life)); returns the products scored."""
    now = now or timezone.now()
    half_life = settings.TRENDING_HALF_LIFE_DAYS
    horizon_days = max(half_life * POPULARITY_HORIZON_HALF_LIVES, TRENDING_WINDOW_DAYS)
    cases = " ".join(f"WHEN '{kind}' THEN {weight}" for kind, weight in POPULARITY_WEIGHTS.items())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [POPULARITY_LOCK])
        if not cursor.fetchone()[0]:
            return 0  # another worker is doing exactly this
        cursor.execute(f"DELETE FROM {ProductPopularity._meta.db_table}")
        cursor.execute(
            f"""
            INSERT INTO {ProductPopularity._meta.db_table} (product_id, score, recent_shoppers, updated_at)
            SELECT e.product_id,
                   sum((CASE e.kind {cases} ELSE 0 END)
                       * power(0.5, extract(epoch FROM (%(now)s - e.created_at)) / 86400.0 / %(half_life)s)),
                   count(DISTINCT e.shopper_id) FILTER (WHERE e.created_at > %(now)s - make_interval(days => %(window)s)),
                   %(now)s
              FROM {Event._meta.db_table} e
              JOIN profiles_shopper s ON s.id = e.shopper_id AND NOT s.personalization_paused
              JOIN catalog_product p ON p.id = e.product_id
             WHERE e.kind = ANY(%(kinds)s)
               AND e.created_at > %(now)s - make_interval(days => %(horizon)s)
               AND e.created_at <= %(now)s
             GROUP BY e.product_id
            """,
            {
                "now": now,
                "half_life": half_life,
                "window": TRENDING_WINDOW_DAYS,
                "horizon": int(horizon_days),
                "kinds": list(POPULARITY_WEIGHTS),
            },
        )
        return cursor.rowcount

"""Analytics reads: the merchandiser's figures for a date range, each one aggregate query in Postgres.

Definitions (the dashboard states them too):

- **Searches**: SearchLog rows, one per results page served (the search box, the API and the assistant's
  searches, told apart by ``surface``). A query is normalised (case-folded, spaces collapsed) before grouping.
- **A search with a click**: the same shopper clicked a product on the same surface within
  ``CLICK_WINDOW`` after it (searches logged without a shopper, e.g. paused shoppers', never count as clicked).
- **Unmatched queries**: no result at all, results only after dropping some of the words' constraints
  (``relaxed``), or words no product holds (``unknown_words``: "trainers" where the catalog says
  "sneakers"; or ``keyword_matches == 0``, every result found by meaning only).
- **Impressions per surface**: lists shown (a search results page, a recommendation row, an assistant reply
  with products) and the product cards in them. CTR and add-to-cart rate are clicks and cart adds from that
  surface per product card shown.
- **Conversion**: shoppers with a purchase among shoppers with any event in the range.
- **Attributed revenue** (last touch): each purchase line goes to the surface of the shopper's most recent
  click or cart add of that product from a list (search, recommendations, assistant, category; "direct"
  is no list) in the ``ATTRIBUTION_WINDOW`` before the purchase; none → unattributed. A line is worth its
  order line's total (unit price × quantity), or the event's price when no order row exists (API clients,
  the demo); cancelled and returned orders are left out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from orders.models import Order, OrderLine
from profiles.models import Event
from recommend.models import SearchLog, SurfaceImpression

CLICK_WINDOW = timedelta(minutes=30)
ATTRIBUTION_WINDOW = timedelta(days=7)
DEFAULT_DAYS = 30
SURFACES = ("search", "recommendations", "assistant")
ATTRIBUTION_SURFACES = ("search", "recommendations", "assistant", "category")
UNATTRIBUTED = "unattributed"
ORDER_EXCLUDED = (Order.Status.CANCELLED, Order.Status.RETURNED)

_LOG = SearchLog._meta.db_table
_EVENT = Event._meta.db_table
_ORDER = Order._meta.db_table
_LINE = OrderLine._meta.db_table
_NORMALISED = r"lower(btrim(regexp_replace(l.query, '\s+', ' ', 'g')))"


@dataclass(frozen=True)
class Period:
    """Whole days, both ends included, in the site's time zone."""

    start: date
    end: date

    @classmethod
    def last_days(cls, days: int = DEFAULT_DAYS, *, today: date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(today - timedelta(days=days - 1), today)

    @property
    def since(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def until(self) -> datetime:  # exclusive
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def _rate(part: int | Decimal, whole: int | Decimal) -> float | None:
    return float(part) / float(whole) if whole else None


def _rows(sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


# --- searches ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayCount:
    day: date
    searches: int
    search_box: int
    assistant: int


def searches_per_day(*, period: Period) -> list[DayCount]:
    """Every day of the period (zero when none), with the search box's and the assistant's share."""
    rows = _rows(
        f"""
        SELECT (l.created_at AT TIME ZONE %(tz)s)::date AS day, count(*) AS searches,
               count(*) FILTER (WHERE l.surface = 'assistant') AS assistant
        FROM {_LOG} l WHERE l.created_at >= %(since)s AND l.created_at < %(until)s
        GROUP BY 1
        """,
        {"tz": timezone.get_current_timezone_name(), "since": period.since, "until": period.until},
    )
    by_day = {row["day"]: row for row in rows}
    counts = []
    for day in period.days:
        row = by_day.get(day, {"searches": 0, "assistant": 0})
        counts.append(DayCount(day, row["searches"], row["searches"] - row["assistant"], row["assistant"]))
    return counts


@dataclass(frozen=True)
class QueryRow:
    query: str
    searches: int
    shoppers: int
    zero_results: int
    unmatched: int  # no result, relaxed or by meaning only
    clicked: int

    @property
    def zero_share(self) -> float | None:
        return _rate(self.zero_results, self.searches)

    @property
    def unmatched_share(self) -> float | None:
        return _rate(self.unmatched, self.searches)

    @property
    def ctr(self) -> float | None:
        return _rate(self.clicked, self.searches)


def _logs_cte() -> str:
    return f"""
        WITH logs AS (
            SELECT {_NORMALISED} AS q, l.total, l.relaxed, l.keyword_matches, l.unknown_words, l.shopper_id, l.created_at,
                   EXISTS (
                       SELECT 1 FROM {_EVENT} e
                       WHERE e.shopper_id = l.shopper_id AND e.kind = 'click' AND e.surface = l.surface
                         AND e.created_at >= l.created_at AND e.created_at < l.created_at + %(window)s
                   ) AS clicked
            FROM {_LOG} l
            WHERE l.created_at >= %(since)s AND l.created_at < %(until)s
        )
    """


_UNKNOWN = "(unknown_words <> '[]'::jsonb OR keyword_matches = 0)"
_UNMATCHED = f"(total = 0 OR relaxed <> '[]'::jsonb OR {_UNKNOWN})"


def top_queries(*, period: Period, limit: int = 25) -> list[QueryRow]:
    """The most searched queries (normalised), with their zero-result and unmatched shares and CTR."""
    rows = _rows(
        _logs_cte()
        + f"""
        SELECT q AS query, count(*) AS searches, count(DISTINCT shopper_id) AS shoppers,
               count(*) FILTER (WHERE total = 0) AS zero_results,
               count(*) FILTER (WHERE {_UNMATCHED}) AS unmatched,
               count(*) FILTER (WHERE clicked) AS clicked
        FROM logs WHERE q <> ''
        GROUP BY q ORDER BY searches DESC, q LIMIT %(limit)s
        """,
        {"window": CLICK_WINDOW, "since": period.since, "until": period.until, "limit": limit},
    )
    return [QueryRow(**row) for row in rows]


@dataclass(frozen=True)
class UnmatchedQuery:
    query: str
    searches: int
    zero_results: int  # nothing at all
    relaxed: int  # results only without some of the constraints the words set
    unknown: int  # results, but some words no product holds (or none of them: found by meaning only)
    relaxed_labels: tuple[str, ...]  # what the latest relaxed search dropped
    unknown_words: tuple[str, ...]  # the latest search's words no product holds
    clicked: int
    last_searched: datetime

    @property
    def reason(self) -> str:
        if self.zero_results:
            return "no results"
        if self.relaxed:
            return "results only without " + ", ".join(self.relaxed_labels) if self.relaxed_labels else "relaxed"
        if self.unknown_words:
            words = ", ".join(f"“{w}”" for w in self.unknown_words)
            return f"no product has the word{'s' if len(self.unknown_words) > 1 else ''} {words}"
        return "no product has these words (found by meaning only)"

    @property
    def synonym_terms(self) -> str:
        """What a synonym would teach search: the words no product holds, else the whole query."""
        return " ".join(self.unknown_words) or self.query


def unmatched_queries(*, period: Period, limit: int = 25) -> list[UnmatchedQuery]:
    """Queries that found nothing, or only something after relaxing, or with words no product holds: synonym and pin
    candidates, most searched first."""
    rows = _rows(
        _logs_cte()
        + f"""
        SELECT q AS query, count(*) AS searches,
               count(*) FILTER (WHERE total = 0) AS zero_results,
               count(*) FILTER (WHERE total > 0 AND relaxed <> '[]'::jsonb) AS relaxed,
               count(*) FILTER (WHERE total > 0 AND relaxed = '[]'::jsonb AND {_UNKNOWN}) AS unknown,
               (array_agg(relaxed ORDER BY created_at DESC) FILTER (WHERE relaxed <> '[]'::jsonb))[1]
                   AS relaxed_labels,
               (array_agg(unknown_words ORDER BY created_at DESC) FILTER (WHERE unknown_words <> '[]'::jsonb))[1]
                   AS unknown_words,
               count(*) FILTER (WHERE clicked) AS clicked,
               max(created_at) AS last_searched
        FROM logs WHERE q <> '' AND {_UNMATCHED}
        GROUP BY q ORDER BY searches DESC, q LIMIT %(limit)s
        """,
        {"window": CLICK_WINDOW, "since": period.since, "until": period.until, "limit": limit},
    )
    for row in rows:
        row["relaxed_labels"] = tuple(str(label) for label in _json(row["relaxed_labels"]) or ())
        row["unknown_words"] = tuple(str(word) for word in _json(row["unknown_words"]) or ())
    return [UnmatchedQuery(**row) for row in rows]


# --- surfaces ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurfaceRates:
    surface: str
    lists: int  # results pages, rows or replies shown
    products: int  # product cards in them
    clicks: int
    cart_adds: int

    @property
    def ctr(self) -> float | None:
        return _rate(self.clicks, self.products)

    @property
    def cart_rate(self) -> float | None:
        return _rate(self.cart_adds, self.products)


def surface_rates(*, period: Period) -> list[SurfaceRates]:
    """Impressions, clicks and add-to-carts of search, recommendations and the assistant."""
    [search] = _rows(
        f"""
        SELECT count(*) AS lists, coalesce(sum(jsonb_array_length(l.result_ids)), 0) AS products
        FROM {_LOG} l WHERE l.surface = 'search' AND l.created_at >= %(since)s AND l.created_at < %(until)s
        """,
        {"since": period.since, "until": period.until},
    )
    shown = {"search": (search["lists"], search["products"])}
    counters = _rows(
        f"""
        SELECT surface, sum(lists) AS lists, sum(products) AS products FROM {SurfaceImpression._meta.db_table}
        WHERE day >= %(start)s AND day <= %(end)s GROUP BY surface
        """,
        {"start": period.start, "end": period.end},
    )
    shown.update({row["surface"]: (int(row["lists"]), int(row["products"])) for row in counters})
    actions = _rows(
        f"""
        SELECT surface, count(*) FILTER (WHERE kind = 'click') AS clicks,
               count(*) FILTER (WHERE kind = 'cart_add') AS cart_adds
        FROM {_EVENT}
        WHERE kind IN ('click', 'cart_add') AND surface IN %(surfaces)s
          AND created_at >= %(since)s AND created_at < %(until)s
        GROUP BY surface
        """,
        {"surfaces": SURFACES, "since": period.since, "until": period.until},
    )
    done = {row["surface"]: (row["clicks"], row["cart_adds"]) for row in actions}
    return [SurfaceRates(s, *shown.get(s, (0, 0)), *done.get(s, (0, 0))) for s in SURFACES]


# --- conversion and revenue ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Conversion:
    shoppers: int  # with any event in the range
    buyers: int
    orders: int

    @property
    def rate(self) -> float | None:
        return _rate(self.buyers, self.shoppers)


@dataclass(frozen=True)
class Attribution:
    surface: str  # a list surface, or UNATTRIBUTED
    lines: int
    revenue: Decimal
    share: float | None  # of all revenue in the range


def attributed_revenue(*, period: Period) -> list[Attribution]:
    """Revenue per surface by last touch (see the module's docstring), biggest first, unattributed last."""
    rows = _rows(
        f"""
        WITH purchases AS (
            SELECT p.shopper_id, p.product_id, p.created_at,
                   coalesce(ol.unit_price * ol.quantity, p.price, 0) AS revenue
            FROM {_EVENT} p
            LEFT JOIN {_ORDER} o ON o.number = p.order_id
            LEFT JOIN {_LINE} ol ON ol.order_id = o.id AND ol.product_id = p.product_id
            WHERE p.kind = 'purchase' AND p.created_at >= %(since)s AND p.created_at < %(until)s
              AND (o.id IS NULL OR o.status NOT IN %(excluded)s)
        )
        SELECT coalesce(touch.surface, %(none)s) AS surface, count(*) AS lines, sum(p.revenue) AS revenue
        FROM purchases p
        LEFT JOIN LATERAL (
            SELECT e.surface FROM {_EVENT} e
            WHERE e.shopper_id = p.shopper_id AND e.product_id = p.product_id
              AND e.kind IN ('click', 'cart_add') AND e.surface IN %(surfaces)s
              AND e.created_at < p.created_at AND e.created_at >= p.created_at - %(window)s
            ORDER BY e.created_at DESC, e.id DESC
            LIMIT 1
        ) touch ON true
        GROUP BY 1
        """,
        {
            "since": period.since,
            "until": period.until,
            "excluded": tuple(str(s) for s in ORDER_EXCLUDED),
            "none": UNATTRIBUTED,
            "surfaces": ATTRIBUTION_SURFACES,
            "window": ATTRIBUTION_WINDOW,
        },
    )
    total = sum((row["revenue"] for row in rows), Decimal(0))
    found = {row["surface"]: row for row in rows}
    result = []
    for surface in (*ATTRIBUTION_SURFACES, UNATTRIBUTED):
        row = found.get(surface, {"lines": 0, "revenue": Decimal(0)})
        result.append(Attribution(surface, row["lines"], row["revenue"], _rate(row["revenue"], total)))
    order = {s: i for i, s in enumerate((*ATTRIBUTION_SURFACES, UNATTRIBUTED))}
    return sorted(result, key=lambda a: (a.surface == UNATTRIBUTED, -a.revenue, order[a.surface]))


def conversion(*, period: Period) -> Conversion:
    """Shoppers active in the range, those who bought and their orders (revenue: ``attributed_revenue``)."""
    [row] = _rows(
        f"""
        SELECT count(DISTINCT shopper_id) AS shoppers,
               count(DISTINCT shopper_id) FILTER (WHERE kind = 'purchase') AS buyers,
               count(DISTINCT order_id) FILTER (WHERE kind = 'purchase' AND order_id <> '') AS orders
        FROM {_EVENT} WHERE created_at >= %(since)s AND created_at < %(until)s
        """,
        {"since": period.since, "until": period.until},
    )
    return Conversion(row["shoppers"], row["buyers"], row["orders"])

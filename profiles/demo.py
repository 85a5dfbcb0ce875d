"""Demo shoppers with coherent tastes and 60 days of behaviour over the catalog already in the database.

Each shopper ``shopper001``… gets a taste (1-3 favourite top categories, a gender, a price
sensitivity, 2-5 favoured brands) and sessions that follow it: a search or a category page, a few
product views (clicks first when they came from a list), some cart adds, now and then a removal, and
sometimes a purchase. About 85% of sessions stay within the taste; the rest wander into another
category, as people do.

Deterministic: a shopper's events depend only on (seed, username, the active products ordered by
sku, now). Idempotent: the generator owns the events it wrote (``client_event_id`` starting with
``demo-``); a rerun compares them with what it would write and rewrites only shoppers whose events
differ, so running twice with the same arguments changes nothing, and events a person made while
logged in as a demo shopper are left alone.
"""

from __future__ import annotations

import math
import random
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from tqdm import tqdm

from catalog.demo import SUBCATEGORIES, price_position
from catalog.models import Product
from profiles.models import Event, Shopper

DEMO_PASSWORD = "shopguide-demo"
USERNAME_PREFIX = "shopper"
EMAIL_DOMAIN = "example.com"
EVENT_ID_PREFIX = "demo-"
HISTORY_DAYS = 60
IN_TASTE_SHARE = 0.85
# Genders a product may carry and still suit a shopper: their own, unisex, baby clothes, or none.
_NEUTRAL_GENDERS = ("unisex", "kids", "")
_SURFACES = ("search", "category", "recommendations", "direct", "assistant")
_SURFACE_WEIGHTS = (40, 32, 15, 10, 3)
# Shoppers' own words for what the catalog calls otherwise: no product holds them, so these searches find
# products by meaning only, and the analytics dashboard lists them as synonyms to add (the merchandiser's story).
_SHOPPERS_WORDS = {
    "Shoes > Sneakers": "trainers",
    "Furniture > Sofas": "couch",
    "Women's Clothing > Sweaters & Cardigans": "jumper",
    "Men's Clothing > Sweaters & Hoodies": "jumper",
    "Baby > Strollers": "pushchair",
    "Baby > Diapers & Wipes": "nappies",
}
_SHOPPERS_WORDS_FROM = 0.8  # the plainer queries (r at or above this) use the shopper's word
_NICE_PRICES = (10, 15, 20, 25, 30, 40, 50, 60, 75, 100, 120, 150, 200, 250, 300, 400, 500, 750, 1000, 1500, 2000, 3000)


@dataclass(frozen=True)
class Taste:
    tops: tuple[str, ...]
    gender: str
    price_sensitivity: float  # 0: buys the top of a range, 1: hunts the cheapest
    brands: tuple[str, ...]


@dataclass
class ShopperSummary:
    users_created: int = 0
    shoppers_created: int = 0
    shoppers: int = 0
    shoppers_rewritten: int = 0
    events_deleted: int = 0
    events_created: int = 0
    events: int = 0
    products_in_pool: int = 0
    tastes: dict[str, Taste] = field(default_factory=dict)


def demo_usernames(count: int) -> list[str]:
    """shopper001 … padded to the count's width (at least 3 digits, so 10 and 500 shoppers share names)."""
    width = max(3, len(str(count)))
    return [f"{USERNAME_PREFIX}{i:0{width}d}" for i in range(1, count + 1)]


class _Pool:
    """The active catalog as compact arrays (a million products fit in tens of MB), in sku order."""

    def __init__(self) -> None:
        self.ids = array("q")
        self.top = array("H")
        self.path = array("H")
        self.brand = array("H")
        self.gender = array("B")
        self.cents = array("q")  # price in cents, -1 when the product has none
        self.position = array("f")  # price position within its subcategory's range, 0..1
        self.popularity = array("f")
        self.tops: list[str] = []
        self.paths: list[str] = []
        self.brands: list[str] = [""]
        self.genders: list[str] = [""]

    @classmethod
    def load(cls) -> _Pool:
        pool = cls()
        top_ix: dict[str, int] = {}
        path_ix: dict[str, int] = {}
        brand_ix: dict[str, int] = {"": 0}
        gender_ix: dict[str, int] = {"": 0}
        rows = (
            Product.objects.active()
            .order_by("sku")
            .values_list("id", "category__path", "brand__name", "price", "attributes__gender", "review_count")
            .iterator(chunk_size=20_000)
        )
        for pk, path, brand, price, gender, reviews in rows:
            path = path or ""
            top = path.split(" > ", 1)[0]
            if top not in top_ix:
                top_ix[top] = len(pool.tops)
                pool.tops.append(top)
            if path not in path_ix:
                path_ix[path] = len(pool.paths)
                pool.paths.append(path)
            brand = brand or ""
            if brand not in brand_ix:
                brand_ix[brand] = len(pool.brands)
                pool.brands.append(brand)
            gender = gender if isinstance(gender, str) else ""
            if gender not in gender_ix:
                gender_ix[gender] = len(pool.genders)
                pool.genders.append(gender)
            pool.ids.append(pk)
            pool.top.append(top_ix[top])
            pool.path.append(path_ix[path])
            pool.brand.append(brand_ix[brand])
            pool.gender.append(gender_ix[gender])
            pool.cents.append(-1 if price is None else int(price * 100))
            sub = SUBCATEGORIES.get(path)
            pool.position.append(price_position(sub, float(price)) if sub and price is not None else 0.5)
            # Popular products get more views from everyone, which gives collaborative models overlap.
            pool.popularity.append(math.sqrt(1 + (reviews or 0)))
        pool._index()
        return pool

    def _index(self) -> None:
        self.by_top: list[list[int]] = [[] for _ in self.tops]
        for i, t in enumerate(self.top):
            self.by_top[t].append(i)
        self.top_cum = [list(accumulate(self.popularity[i] for i in group)) for group in self.by_top]
        self.by_top_brand: dict[tuple[int, int], list[int]] = {}
        for i in range(len(self.ids)):
            self.by_top_brand.setdefault((self.top[i], self.brand[i]), []).append(i)
        self.brand_counts = [Counter(self.brand[i] for i in group) for group in self.by_top]
        self._tops_for: dict[str, list[int]] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def suits(self, index: int, gender: str) -> bool:
        g = self.genders[self.gender[index]]
        return g == gender or g in _NEUTRAL_GENDERS

    def tops_for(self, gender: str) -> list[int]:
        """Top categories holding products this gender would browse (women never get Men's Clothing)."""
        if gender not in self._tops_for:
            self._tops_for[gender] = [
                t for t, group in enumerate(self.by_top) if any(self.suits(i, gender) for i in group[:2000])
            ]
        return self._tops_for[gender]

    def price(self, index: int) -> Decimal | None:
        cents = self.cents[index]
        return None if cents < 0 else Decimal(cents) / 100


@dataclass
class _Candidates:
    items: list[int]
    cum: list[float]
    by_path: dict[int, tuple[list[int], list[float]]]


def generate_shoppers(
    *, count: int, seed: int, now: datetime, progress: bool = False, batch_size: int = 5000
) -> ShopperSummary:
    """Create (or refresh) ``count`` demo shoppers and their events ending before ``now``."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    summary = ShopperSummary()
    usernames = demo_usernames(count)
    with transaction.atomic():
        shopper_ids, summary.users_created, summary.shoppers_created = _ensure_shoppers(usernames)
    summary.shoppers = len(shopper_ids)
    if not usernames:
        return summary

    pool = _Pool.load()
    summary.products_in_pool = len(pool)
    existing = _existing_events(list(shopper_ids.values()))

    bar = tqdm(total=len(usernames), unit="shopper", desc="Shoppers", disable=not progress)
    pending: list[Event] = []
    stale: list[int] = []
    for username in usernames:
        rng = random.Random(f"{seed}:{username}")
        shopper_id = shopper_ids[username]
        taste = _taste(rng, pool) if len(pool) else None
        rows = _sessions(rng, pool, taste, now) if taste else []
        if taste:
            summary.tastes[username] = taste
        events = [
            Event(
                shopper_id=shopper_id,
                kind=kind,
                product_id=pool.ids[index] if index is not None else None,
                query=query,
                surface=surface,
                position=position,
                order_id=order_id,
                price=price,
                client_event_id=f"{EVENT_ID_PREFIX}{username}-{n:05d}",
                created_at=created_at,
            )
            for n, (kind, index, query, surface, position, order_id, price, created_at) in enumerate(rows)
        ]
        if {_fingerprint(e) for e in events} != existing.get(shopper_id, set()):
            stale.append(shopper_id)
            pending.extend(events)
        if len(pending) >= batch_size:
            _flush(stale, pending, summary)
            stale, pending = [], []
        bar.update(1)
    _flush(stale, pending, summary)
    bar.close()
    summary.events = Event.objects.filter(
        shopper_id__in=list(shopper_ids.values()), client_event_id__startswith=EVENT_ID_PREFIX
    ).count()
    return summary


def _ensure_shoppers(usernames: list[str]) -> tuple[dict[str, int], int, int]:
    User = get_user_model()
    users = dict(User.objects.filter(username__in=usernames).values_list("username", "id"))
    missing = [name for name in usernames if name not in users]
    if missing:
        # One hash for every demo account: hashing 500 times with the real hasher takes minutes.
        password = make_password(DEMO_PASSWORD)
        User.objects.bulk_create(
            [User(username=name, email=f"{name}@{EMAIL_DOMAIN}", password=password) for name in missing]
        )
        users = dict(User.objects.filter(username__in=usernames).values_list("username", "id"))
    by_user = dict(Shopper.objects.filter(user_id__in=users.values()).values_list("user_id", "id"))
    new_shoppers = [Shopper(user_id=uid) for uid in users.values() if uid not in by_user]
    if new_shoppers:
        Shopper.objects.bulk_create(new_shoppers)
        by_user = dict(Shopper.objects.filter(user_id__in=users.values()).values_list("user_id", "id"))
    return {name: by_user[users[name]] for name in usernames}, len(missing), len(new_shoppers)


_FINGERPRINT_FIELDS = (
    "client_event_id", "kind", "product_id", "query", "surface", "position", "order_id", "price", "created_at",
)  # fmt: skip


def _fingerprint(event: Event | dict[str, Any]) -> tuple[Any, ...]:
    get = event.get if isinstance(event, dict) else lambda name: getattr(event, name)
    return tuple(get(name) for name in _FINGERPRINT_FIELDS)


def _existing_events(shopper_ids: list[int]) -> dict[int, set[tuple[Any, ...]]]:
    existing: dict[int, set[tuple[Any, ...]]] = {}
    rows = (
        Event.objects.filter(shopper_id__in=shopper_ids, client_event_id__startswith=EVENT_ID_PREFIX)
        .values("shopper_id", *_FINGERPRINT_FIELDS)
        .iterator(chunk_size=20_000)
    )
    for row in rows:
        existing.setdefault(row["shopper_id"], set()).add(_fingerprint(row))
    return existing


def _flush(stale: list[int], pending: list[Event], summary: ShopperSummary) -> None:
    if not stale:
        return
    with transaction.atomic():
        deleted, _ = Event.objects.filter(shopper_id__in=stale, client_event_id__startswith=EVENT_ID_PREFIX).delete()
        Event.objects.bulk_create(pending, batch_size=5000)
    summary.events_deleted += deleted
    summary.events_created += len(pending)
    summary.shoppers_rewritten += len(stale)


def _weighted_distinct(rng: random.Random, options: Sequence[int], weights: Sequence[float], k: int) -> list[int]:
    chosen: list[int] = []
    options, weights = list(options), list(weights)
    while options and len(chosen) < k:
        i = rng.choices(range(len(options)), weights=weights)[0]
        chosen.append(options.pop(i))
        weights.pop(i)
    return chosen


def _taste(rng: random.Random, pool: _Pool) -> Taste | None:
    gender = "women" if rng.random() < 0.52 else "men"
    tops = pool.tops_for(gender)
    if not tops:
        return None
    k = rng.choices((1, 2, 3), weights=(0.3, 0.45, 0.25))[0]
    # Bigger departments attract more shoppers, but not in proportion to their size.
    fav_tops = _weighted_distinct(rng, tops, [math.sqrt(len(pool.by_top[t])) for t in tops], k)
    brand_counts: Counter[int] = Counter()
    for t in fav_tops:
        brand_counts.update(pool.brand_counts[t])
    brand_counts.pop(0, None)
    brand_options = sorted(brand_counts)
    fav_brands = _weighted_distinct(rng, brand_options, [brand_counts[b] for b in brand_options], rng.randint(2, 5))
    return Taste(
        tops=tuple(pool.tops[t] for t in fav_tops),
        gender=gender,
        price_sensitivity=round(rng.betavariate(2, 2), 2),
        brands=tuple(pool.brands[b] for b in fav_brands),
    )


def _price_fit(pool: _Pool, index: int, taste: Taste) -> float:
    """1 where this shopper likes prices in a range: a bargain hunter near the bottom, a premium buyer near the top."""
    target = 0.85 - 0.7 * taste.price_sensitivity
    return math.exp(-((pool.position[index] - target) ** 2) / 0.18)


def _candidates(rng: random.Random, pool: _Pool, top: int, taste: Taste, k: int, favoured: set[int]) -> _Candidates:
    """Products of one top category this shopper would plausibly look at, weighted by how well they fit."""
    group = pool.by_top[top]
    picks = rng.choices(group, cum_weights=pool.top_cum[top], k=min(k, len(group)))
    for b in sorted(favoured):
        in_brand = pool.by_top_brand.get((top, b))
        if in_brand:
            picks += rng.choices(in_brand, k=min(len(in_brand), k // 6 + 1))
    items = [i for i in dict.fromkeys(picks) if pool.suits(i, taste.gender)]
    weights = [_price_fit(pool, i, taste) * (3.0 if pool.brand[i] in favoured else 1.0) for i in items]
    by_path: dict[int, tuple[list[int], list[float]]] = {}
    for i, w in zip(items, weights, strict=True):
        entry = by_path.setdefault(pool.path[i], ([], []))
        entry[0].append(i)
        entry[1].append(w)
    return _Candidates(
        items=items,
        cum=list(accumulate(weights)),
        by_path={p: (members, list(accumulate(ws))) for p, (members, ws) in by_path.items()},
    )


Row = tuple[str, int | None, str, str, int | None, str, Decimal | None, datetime]


def _sessions(rng: random.Random, pool: _Pool, taste: Taste, now: datetime) -> list[Row]:
    top_index = {name: t for t, name in enumerate(pool.tops)}
    fav_tops = [top_index[name] for name in taste.tops]
    brand_index = {name: b for b, name in enumerate(pool.brands)}
    favoured = {brand_index[name] for name in taste.brands}
    mine = {t: _candidates(rng, pool, t, taste, 300, favoured) for t in fav_tops}
    others = [t for t in pool.tops_for(taste.gender) if t not in mine]
    rows: list[Row] = []
    orders = 0
    n_sessions = min(max(int(rng.lognormvariate(2.0, 0.55)), 2), 40)
    starts = sorted(rng.randint(3 * 3600, HISTORY_DAYS * 86400) for _ in range(n_sessions))
    for offset in reversed(starts):  # oldest session first
        clock = now - timedelta(seconds=offset)
        if rng.random() < IN_TASTE_SHARE or not others:
            cands = mine[rng.choices(fav_tops, weights=(3, 2, 1)[: len(fav_tops)])[0]]
        else:
            cands = _candidates(rng, pool, rng.choice(others), taste, 30, favoured)
        if not cands.items:
            continue
        anchor = rng.choices(cands.items, cum_weights=cands.cum)[0]
        same_path, same_cum = cands.by_path[pool.path[anchor]]
        surface = rng.choices(_SURFACES, weights=_SURFACE_WEIGHTS)[0]

        def emit(kind: str, index: int | None, *, query: str = "", position: int | None = None,
                 order_id: str = "", price: Decimal | None = None, surface: str = surface) -> None:  # fmt: skip
            nonlocal clock
            clock += timedelta(seconds=rng.randint(4, 90))
            rows.append((kind, index, query, surface, position, order_id, price, clock))

        if surface in ("search", "assistant"):
            query = _query(rng, pool, taste, anchor)
            emit(Event.Kind.SEARCH, None, query=f"I'm looking for {query}" if surface == "assistant" else query)
        cart: list[int] = []
        seen: set[int] = set()
        for v in range(min(1 + int(rng.lognormvariate(1.2, 0.5)), 12)):
            index = anchor
            if v:
                for _ in range(3):  # mostly new products, the odd second look
                    if rng.random() < 0.7:
                        index = rng.choices(same_path, cum_weights=same_cum)[0]
                    else:
                        index = rng.choices(cands.items, cum_weights=cands.cum)[0]
                    if index not in seen:
                        break
            seen.add(index)
            position = None
            if surface in ("search", "assistant"):
                position = min(1 + int(rng.expovariate(0.2)), 48)
            elif surface == "recommendations":
                position = rng.randint(1, 8)
            elif surface == "category":
                position = min(1 + int(rng.expovariate(0.1)), 96)
            if surface in ("search", "assistant", "recommendations"):
                emit(Event.Kind.CLICK, index, position=position)
            emit(Event.Kind.VIEW, index, position=position)
            if rng.random() < 0.04:
                emit(Event.Kind.WISHLIST, index)
            # Roughly one view in twelve ends in the cart, more for favoured brands and prices that suit.
            fit = _price_fit(pool, index, taste)
            if index not in cart and rng.random() < 0.03 + 0.06 * (pool.brand[index] in favoured) + 0.05 * fit:
                emit(Event.Kind.CART_ADD, index, price=pool.price(index))
                cart.append(index)
        for index in list(cart):
            if rng.random() < 0.15:
                emit(Event.Kind.CART_REMOVE, index)
                cart.remove(index)
        if cart and rng.random() < 0.45:
            orders += 1
            order_id = f"DEMO-{rng.getrandbits(32):08X}-{orders:03d}"
            for index in cart:
                emit(Event.Kind.PURCHASE, index, order_id=order_id, price=pool.price(index), surface="direct")
    return rows


def _nice_price(value: float) -> int:
    return next((p for p in _NICE_PRICES if p >= value), int(math.ceil(value / 500) * 500))


def _query(rng: random.Random, pool: _Pool, taste: Taste, index: int) -> str:
    """What this shopper would type to find a product like ``index``: built from its subcategory and their taste."""
    path = pool.paths[pool.path[index]]
    sub = SUBCATEGORIES.get(path)
    term = sub.term if sub else path.rsplit(" > ", 1)[-1].lower()
    price = pool.cents[index] / 100
    brand = pool.brands[pool.brand[index]]
    r = rng.random()
    if r >= _SHOPPERS_WORDS_FROM:  # decided by the draw already made: every other query stays as it was
        term = _SHOPPERS_WORDS.get(path, term)
    if sub and sub.genders and r < 0.3:
        gender = pool.genders[pool.gender[index]]
        gender = taste.gender if gender not in ("women", "men") else gender
        query = term if sub.genders == ("kids",) else f"{gender}'s {term}"
        if rng.random() < 0.5 and price > 0:
            query += f" under ${_nice_price(price * 1.1)}"
        return query
    if sub and r < 0.5:
        return f"{rng.choice(sub.features)} {term}"
    if brand and brand in taste.brands and r < 0.6:
        return f"{brand.lower()} {term}"
    if sub and sub.colors and r < 0.7:
        return f"{rng.choice(sub.colors)} {term}"
    if price > 0 and r < 0.7 + 0.2 * taste.price_sensitivity:
        return f"{'cheap ' if taste.price_sensitivity > 0.7 else ''}{term} under ${_nice_price(price * 1.1)}"
    if sub and r < 0.92:
        return f"{term} for {rng.choice(sub.uses)}"
    return term

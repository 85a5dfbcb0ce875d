"""Writes about shoppers: who is shopping, what they did, what we learned. Events are committed before
anything is queued, so a broker outage delays profiles but loses nothing."""

from __future__ import annotations

import logging
import math
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max
from django.http import HttpRequest
from django.utils import timezone
from psycopg2.extras import execute_values

from catalog.models import Product
from profiles.models import Event, Profile, Shopper
from profiles.signals import shopper_merging
from profiles.visitors import visitor_id

logger = logging.getLogger(__name__)

SESSION_SHOPPER_KEY = "shopper_id"  # survives login's session-key rotation, so the visit can be merged
MAX_BATCH = 500

# How much each kind of event says about what a shopper wants. A purchase is the strongest signal,
# a cart add strong, a wishlist a considered "maybe", a view or click a glance. A removal from the
# cart takes back most of its add (the shopper looked and put it back: still some interest, less than
# a kept item); per-product sums are clamped at 0 so a removal alone (its add gone with retention)
# never pushes the profile *away* from a product. Searches carry no product: they count, but do not
# move the vector.
EVENT_WEIGHTS: dict[str, float] = {
    Event.Kind.VIEW: 1.0,
    Event.Kind.CLICK: 1.0,
    Event.Kind.WISHLIST: 2.0,
    Event.Kind.CART_ADD: 3.0,
    Event.Kind.PURCHASE: 5.0,
    Event.Kind.CART_REMOVE: -2.0,
}
HALF_LIFE_DAYS = 14.0
PROFILE_EVENT_WINDOW = 1000  # newest events folded into a profile; older ones weigh < 2^-k anyway
RECENT_PRODUCTS = 20
AFFINITY_TOP = 30  # entries kept per affinity kind
PROFILE_ATTRIBUTES = ("color", "material", "style", "features")
# Price bands of the profile: fixed and roughly logarithmic, so they mean the same across categories.
PRICE_BANDS = (0, 10, 25, 50, 100, 250, 500, 1000)
PENDING_KEY = "profile-refresh-pending:{}"


class EventRejected(ValueError):
    """An event of a batch cannot be stored; nothing of the batch is written."""

    def __init__(self, *, index: int, field: str, detail: str) -> None:
        super().__init__(f"events[{index}].{field}: {detail}")
        self.index, self.field, self.detail = index, field, detail


@dataclass(frozen=True)
class EventInput:
    kind: str
    product_id: int | None = None
    query: str = ""
    surface: str = Event.Surface.DIRECT
    position: int | None = None
    order_id: str = ""
    price: Decimal | None = None
    client_event_id: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class RecordResult:
    created: int
    duplicates: int


def shopper_for_user(user: Any, *, create: bool = True) -> Shopper | None:
    """The account's shopper (created on first use)."""
    shopper = Shopper.objects.filter(user=user).first()
    if shopper is None and create:
        try:
            with transaction.atomic():
                shopper = Shopper.objects.create(user=user)
        except IntegrityError:  # created by a concurrent request
            shopper = Shopper.objects.get(user=user)
    return shopper


def shopper_for_request(request: HttpRequest, *, create: bool = True) -> Shopper | None:
    """The shopper behind a request: the account's when logged in, else this browser's anonymous one.

    The anonymous shopper is found by the session's shopper id, else by the visitor cookie
    (profiles/visitors.py), which requests racing the session's creation share; it is created (once,
    even by concurrent requests) under the visitor id.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return shopper_for_user(user, create=create)
    session = getattr(request, "session", None)
    if session is None:
        return None
    shopper_id = session.get(SESSION_SHOPPER_KEY)
    if shopper_id:
        shopper = Shopper.objects.filter(pk=shopper_id, user__isnull=True).first()
        if shopper is not None:
            return shopper
    visitor = visitor_id(request)
    # A browser with no session at all has never been given a shopper (the request that creates one saves
    # it in the session): a read needs no query then, which keeps an anonymous search a round trip shorter.
    if visitor and (create or session.session_key):
        shopper = Shopper.objects.filter(session_key=visitor, user__isnull=True).first()
        if shopper is not None:
            session[SESSION_SHOPPER_KEY] = shopper.pk
            return shopper
    if not create:
        return None
    # The session key rotates at login; the shopper keeps the visitor id as a stable anonymous id.
    key = visitor or uuid.uuid4().hex
    try:
        with transaction.atomic():
            shopper = Shopper.objects.create(session_key=key)
    except IntegrityError:  # a concurrent request of the same browser created it
        shopper = Shopper.objects.get(session_key=key)
    session[SESSION_SHOPPER_KEY] = shopper.pk
    return shopper


def anonymous_shopper_ids(request: HttpRequest) -> list[int]:
    """The anonymous shopper(s) this browser used before signing in: the session's and the visitor's."""
    ids = set()
    session = getattr(request, "session", None)
    if session is not None and session.get(SESSION_SHOPPER_KEY):
        ids.add(int(session[SESSION_SHOPPER_KEY]))
    visitor = visitor_id(request)
    if visitor:
        ids.update(Shopper.objects.filter(session_key=visitor, user__isnull=True).values_list("pk", flat=True))
    return sorted(ids)


# --- Events ---------------------------------------------------------------------------------------

_INSERT_EVENTS = """
    INSERT INTO profiles_event
        (shopper_id, kind, product_id, query, surface, position, order_id, price, client_event_id, created_at)
    VALUES %s
    ON CONFLICT (shopper_id, client_event_id) DO NOTHING
    RETURNING id
"""


def _event_check(index: int, e: EventInput) -> None:
    if e.kind not in Event.Kind.values:
        raise EventRejected(index=index, field="kind", detail=f"unknown kind {e.kind!r}")
    if e.surface not in Event.Surface.values:
        raise EventRejected(index=index, field="surface", detail=f"unknown surface {e.surface!r}")
    if e.kind == Event.Kind.SEARCH:
        if not e.query.strip():
            raise EventRejected(index=index, field="query", detail="a search event needs the query")
    elif e.product_id is None:
        raise EventRejected(index=index, field="product_id", detail=f"a {e.kind} event needs a product")


def event_record_many(*, shopper: Shopper, events: list[EventInput]) -> RecordResult:
    """Store events (idempotent by client_event_id), then, once committed, ask for a profile refresh.

    All or nothing: a malformed event or an unknown product raises EventRejected naming its index and
    nothing is written. ``created`` counts the rows this call inserted (RETURNING), so it stays exact
    when the same batch is retried concurrently.
    """
    if len(events) > MAX_BATCH:
        raise EventRejected(index=MAX_BATCH, field="events", detail=f"at most {MAX_BATCH} events per batch")
    for index, e in enumerate(events):
        _event_check(index, e)
    product_ids = {e.product_id for e in events if e.product_id is not None}
    known = set(Product.objects.filter(pk__in=product_ids).values_list("pk", flat=True)) if product_ids else set()
    for index, e in enumerate(events):
        if e.product_id is not None and e.product_id not in known:
            raise EventRejected(index=index, field="product_id", detail=f"unknown product {e.product_id}")
    if not events or shopper.personalization_paused:
        # Paused personalisation: behaviour is not recorded at all (README "Your data").
        return RecordResult(created=0, duplicates=0)
    now = timezone.now()
    rows = [
        (
            shopper.pk,
            e.kind,
            e.product_id,
            e.query[:500],
            e.surface,
            e.position,
            e.order_id[:64],
            e.price,
            e.client_event_id or None,
            e.created_at or now,
        )
        for e in events
    ]
    with transaction.atomic():
        with connection.cursor() as cursor:
            # A product deleted between the check above and here fails the foreign key: rare enough to
            # surface as an error (the client retries the whole batch, which is idempotent).
            created = len(execute_values(cursor.cursor, _INSERT_EVENTS, rows, page_size=MAX_BATCH, fetch=True))
        if created:
            transaction.on_commit(lambda: profile_refresh_schedule(shopper_id=shopper.pk))
    return RecordResult(created=created, duplicates=len(rows) - created)


def event_delete_expired(*, days: int | None = None, batch_size: int = 5000, now: datetime | None = None) -> int:
    """Delete events older than ``days`` (EVENT_RETENTION_DAYS), in batches so locks stay short."""
    days = settings.EVENT_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(Event.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:batch_size])
            if not ids:
                return deleted
            deleted += Event.objects.filter(pk__in=ids).delete()[0]


# --- Session merge ------------------------------------------------------------------------------


def shopper_merge(*, source: Shopper, target: Shopper) -> int:
    """Fold an anonymous shopper into an account's: events move, other apps move what they own
    (``shopper_merging``), the anonymous shopper is deleted and the account's profile refreshed.

    Returns how many events moved. The stricter privacy choice wins: if either had paused
    personalisation, the merged shopper has it paused.
    """
    if source.pk == target.pk:
        return 0
    with transaction.atomic():
        # Lock both rows, lowest id first, so two merges (or a merge and a refresh) cannot deadlock.
        locked = {
            s.pk: s for s in Shopper.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")
        }
        if source.pk not in locked or target.pk not in locked:
            return 0  # merged already (a double login) or deleted
        source, target = locked[source.pk], locked[target.pk]
        # Client event ids are unique per shopper: an id both used (each browser counts from "c1") is a
        # different event, kept without its id (retries of it are long over once the shopper signs in).
        Event.objects.filter(
            shopper=source,
            client_event_id__in=Event.objects.filter(shopper=target, client_event_id__isnull=False).values(
                "client_event_id"
            ),
        ).update(client_event_id=None)
        moved = Event.objects.filter(shopper=source).update(shopper=target)
        shopper_merging.send(sender=Shopper, source=source, target=target)
        if source.personalization_paused and not target.personalization_paused:
            target.personalization_paused = True
            target.save(update_fields=["personalization_paused"])
        source.delete()
        target_id = target.pk
        transaction.on_commit(lambda: profile_refresh_schedule(shopper_id=target_id))
    return moved


# --- Profiles -----------------------------------------------------------------------------------


def profile_refresh_schedule(*, shopper_id: int) -> bool:
    """Queue one refresh for a burst of events: the first event of a burst sets a pending flag (Redis
    SET NX) and sends the task with a short countdown; events until the task starts find the flag and
    send nothing, because the task clears the flag *before* it reads the events. The flag expires on
    its own (PROFILE_REFRESH_PENDING_TTL) so a lost message costs at most that long, and the beat sweep
    catches the rest. Returns whether a task was sent. Never raises: the events are already stored."""
    from profiles.tasks import refresh_profile

    key = PENDING_KEY.format(shopper_id)
    try:
        if not cache.add(key, 1, timeout=settings.PROFILE_REFRESH_PENDING_TTL):
            return False
        refresh_profile.apply_async(args=[shopper_id], countdown=settings.PROFILE_REFRESH_DELAY)
    except Exception:  # broker or cache down: the beat sweep refreshes this profile later
        logger.warning("could not schedule a profile refresh for shopper %s", shopper_id, exc_info=True)
        return False
    return True


def profile_refresh_pending_clear(*, shopper_id: int) -> None:
    """Called as a refresh starts: events committed from now on schedule another refresh."""
    try:
        cache.delete(PENDING_KEY.format(shopper_id))
    except Exception:
        logger.warning("could not clear the pending refresh flag of shopper %s", shopper_id, exc_info=True)


def price_band(price: Decimal | float | None) -> str | None:
    """ "25-50" for 25 ≤ price < 50, "1000-" for the top band."""
    if price is None:
        return None
    value = float(price)
    for low, high in zip(PRICE_BANDS, PRICE_BANDS[1:], strict=False):
        if low <= value < high:
            return f"{low}-{high}"
    return f"{PRICE_BANDS[-1]}-"


def _attribute_keys(attributes: dict[str, Any]) -> list[str]:
    keys = []
    for name in PROFILE_ATTRIBUTES:
        value = attributes.get(name)
        values = value if isinstance(value, list) else [value]
        label = "feature" if name == "features" else name
        keys += [f"{label}:{str(v).strip().lower()}" for v in values if v not in (None, "") and str(v).strip()]
    return keys


def _ranked(weights: dict[str, float], removed: set[str], kind: str) -> dict[str, float]:
    """Weights scaled to [0, 1] (best = 1), removed interests and non-positive ones dropped, best first."""
    kept = {k: w for k, w in weights.items() if w > 0 and f"{kind}:{k}" not in removed}
    if not kept:
        return {}
    top = max(kept.values())
    best = sorted(kept.items(), key=lambda kv: (-kv[1], kv[0]))[:AFFINITY_TOP]
    return {k: round(w / top, 4) for k, w in best}


@dataclass(frozen=True)
class ProfileState:
    vector: list[float] | None
    affinities: dict[str, dict[str, float]]
    recent_product_ids: list[int]


def profile_compute(*, events: Iterable[tuple[int, str, datetime]], removed: set[str], now: datetime) -> ProfileState:
    """The profile for (product_id, kind, created_at) events, newest first. Pure apart from reading products."""
    per_product: dict[int, float] = defaultdict(float)
    recent: list[int] = []
    for product_id, kind, created_at in events:
        if product_id is None:
            continue
        if product_id not in recent and len(recent) < RECENT_PRODUCTS and kind != Event.Kind.CART_REMOVE:
            recent.append(product_id)
        age_days = max((now - created_at).total_seconds(), 0.0) / 86400.0
        per_product[product_id] += EVENT_WEIGHTS.get(kind, 0.0) * math.exp(-math.log(2) * age_days / HALF_LIFE_DAYS)
    weights = {pk: w for pk, w in per_product.items() if w > 0}
    products = (
        Product.objects.filter(pk__in=weights)
        .select_related("brand", "category")
        .only("pk", "price", "attributes", "embedding", "brand__slug", "category__slug", "category__tree_key")
    )
    vector_sum = np.zeros(settings.EMBEDDING_DIM, dtype=np.float64)
    kinds: dict[str, Counter[str]] = {
        k: Counter() for k in ("category", "top_category", "brand", "price_band", "attribute")
    }
    top_slugs = _top_category_slugs(products)
    for product in products:
        w = weights[product.pk]
        if product.embedding is not None:
            vector_sum += w * np.asarray(product.embedding, dtype=np.float64)
        if product.category_id:
            kinds["category"][product.category.slug] += w
            top = top_slugs.get(product.category.tree_key.strip("/").split("/")[0])
            if top:
                kinds["top_category"][top] += w
        if product.brand_id:
            kinds["brand"][product.brand.slug] += w
        band = price_band(product.price)
        if band:
            kinds["price_band"][band] += w
        for key in _attribute_keys(product.attributes or {}):
            kinds["attribute"][key] += w
    norm = float(np.linalg.norm(vector_sum))
    # A removed category hides it whether it was a leaf or a top-level one.
    removed_categories = {f"top_category:{r.split(':', 1)[1]}" for r in removed if r.startswith("category:")}
    affinities = {kind: _ranked(dict(counter), removed | removed_categories, kind) for kind, counter in kinds.items()}
    return ProfileState(
        vector=(vector_sum / norm).tolist() if norm > 0 else None,
        affinities={k: v for k, v in affinities.items() if v},
        recent_product_ids=recent,
    )


def _top_category_slugs(products: Iterable[Product]) -> dict[str, str]:
    """tree_key head ("shoes" of "/shoes/running-shoes/") → the top category's slug."""
    from catalog.models import Category

    heads = {p.category.tree_key.strip("/").split("/")[0] for p in products if p.category_id}
    if not heads:
        return {}
    rows = Category.objects.filter(tree_key__in=[f"/{h}/" for h in heads]).values_list("tree_key", "slug")
    return {key.strip("/"): slug for key, slug in rows}


def profile_refresh(*, shopper_id: int, force: bool = False) -> bool:
    """Recompute a shopper's profile from their events. Returns whether it was rewritten.

    Idempotent: it recomputes from the events (never increments), so a run killed midway and rerun ends
    the same; and it does nothing when no event arrived since the last run (``last_event_id`` and
    ``event_count`` unchanged: the count catches a late commit of an event with a lower id) or when the
    shopper paused personalisation. The profile row is locked for the recompute, so two runs for one
    shopper serialise instead of the slower one overwriting the newer result.
    """
    with transaction.atomic():
        shopper = Shopper.objects.filter(pk=shopper_id).first()
        if shopper is None or shopper.personalization_paused:
            return False
        Profile.objects.get_or_create(shopper_id=shopper_id)
        profile = Profile.objects.select_for_update().get(shopper_id=shopper_id)
        stats = Event.objects.filter(shopper_id=shopper_id).aggregate(last=Max("pk"), count=Count("pk"))
        last, count = stats["last"] or 0, stats["count"]
        if not force and last == profile.last_event_id and count == profile.event_count and profile.refreshed_at:
            return False
        events = (
            Event.objects.filter(shopper_id=shopper_id, product__isnull=False)
            .order_by("-created_at", "-pk")
            .values_list("product_id", "kind", "created_at")[:PROFILE_EVENT_WINDOW]
        )
        now = timezone.now()
        removed = {str(r) for r in profile.removed_interests or []}
        state = profile_compute(events=list(events), removed=removed, now=now)
        profile.vector = state.vector
        profile.affinities = state.affinities
        profile.recent_product_ids = state.recent_product_ids
        profile.last_event_id = last
        profile.event_count = count
        profile.refreshed_at = now
        profile.save(
            update_fields=["vector", "affinities", "recent_product_ids", "last_event_id", "event_count", "refreshed_at"]
        )
    return True

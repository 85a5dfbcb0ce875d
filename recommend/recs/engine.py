"""Recommendations for every surface of the shop, each item with the reasons it is there.

Where a request becomes recommendations (all reads; the signals are precomputed by
``recs/training.py`` and ``profiles/graph.py``)::

    shopper ─▶ recent history (events) ─┬▶ transitions from the history (ItemNeighbor "next")
                                        ├▶ content: products nearest the history's embeddings (pgvector HNSW)
                                        ├▶ graph: products nearest the shopper's graph vector (pgvector HNSW, dot)
                                        └▶ trending (ProductPopularity)
            ─▶ recs/blend.blend (one scorer, the weights the offline evaluation tuned)
            ─▶ exclusions (seen, bought, hidden interests, unavailable, ``exclude``) ─▶ per-category cap ─▶ reasons

Surfaces: ``for_you``, ``because_you_viewed``, ``similar_items``, ``bought_together``,
``complete_purchase`` (cart), ``trending``, ``recently_viewed``. A shopper with no history (or who
paused personalisation) gets trending; a product with no events gets content neighbours.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.db import connection, transaction
from django.utils import timezone
from django.utils.timesince import timesince

from catalog.models import Product
from profiles.models import Event, Profile, Shopper
from recommend.models import ItemNeighbor, ProductPopularity
from recommend.recs import blend

HISTORY_EVENTS = 200  # the newest product events read per shopper: the history, and what not to show again
HISTORY_KINDS = (Event.Kind.VIEW, Event.Kind.CLICK, Event.Kind.CART_ADD, Event.Kind.WISHLIST, Event.Kind.PURCHASE)
ANN_EF_SEARCH = 200  # the HNSW walk must be at least as wide as the candidates asked for
CATEGORY_CAP_SHARE = 3  # at most a third of a row from one leaf category (when the candidates allow)
REASON_SHARE = 0.2  # a source is named when it gives at least this share of the item's score
MAX_LIMIT = 50
TITLE_CHARS = 60
VERBS = {
    Event.Kind.PURCHASE: "bought",
    Event.Kind.CART_ADD: "added to your cart",
    Event.Kind.WISHLIST: "saved",
}


@dataclass(frozen=True)
class Reason:
    kind: str  # viewed | similar | taste | trending | bought_together | goes_with | also_viewed | recent | rated
    text: str
    product_id: int | None = None  # the product the reason points at ("because you viewed X")


@dataclass
class Recommendation:
    product: Product
    score: float
    reasons: list[Reason] = field(default_factory=list)


@dataclass
class History:
    """A shopper's recent product events: what steers "for you" and what is not shown again."""

    recent: list[int]  # newest distinct products, at most blend.HISTORY_LENGTH
    seen: set[int]  # every product in the events read, and everything ever bought
    verbs: dict[int, str]  # product → what the shopper last did with it, in words
    last_seen: dict[int, datetime]


# --------------------------------------------------------------------------------------------
# Reads
# --------------------------------------------------------------------------------------------


def shopper_history(shopper: Shopper | None) -> History:
    if shopper is None or shopper.pk is None or shopper.personalization_paused:
        return History([], set(), {}, {})
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            (SELECT product_id, kind, created_at FROM {Event._meta.db_table}
              WHERE shopper_id = %s AND product_id IS NOT NULL AND kind = ANY(%s)
              ORDER BY created_at DESC, id DESC LIMIT %s)
            UNION ALL
            (SELECT DISTINCT product_id, 'purchase', NULL::timestamptz FROM {Event._meta.db_table}
              WHERE shopper_id = %s AND kind = 'purchase' AND product_id IS NOT NULL)
            """,
            [shopper.pk, list(HISTORY_KINDS), HISTORY_EVENTS, shopper.pk],
        )
        rows = cursor.fetchall()
    ordered = [(pk, kind, at) for pk, kind, at in rows if at is not None]
    verbs: dict[int, str] = {}
    last_seen: dict[int, datetime] = {}
    for pk, kind, at in ordered:
        last_seen.setdefault(pk, at)
        # The strongest thing done with it among the events read (bought > carted > saved > viewed).
        if pk not in verbs or _strength(kind) > _strength_of_verb(verbs[pk]):
            verbs[pk] = VERBS.get(kind, "viewed")
    return History(
        recent=blend.recent_history(pk for pk, _, _ in ordered),
        seen={pk for pk, _, _ in rows},
        verbs=verbs,
        last_seen=last_seen,
    )


def _strength(kind: str) -> int:
    return {Event.Kind.PURCHASE: 3, Event.Kind.CART_ADD: 2, Event.Kind.WISHLIST: 1}.get(kind, 0)


def _strength_of_verb(verb: str) -> int:
    return {"bought": 3, "added to your cart": 2, "saved": 1}.get(verb, 0)


def _neighbours(product_ids: Sequence[int], kind: str) -> dict[int, list[tuple[int, float]]]:
    out: dict[int, list[tuple[int, float]]] = {pk: [] for pk in product_ids}
    if not product_ids:
        return out
    rows = ItemNeighbor.objects.filter(product_id__in=product_ids, kind=kind).values_list(
        "product_id", "neighbor_id", "score"
    )
    for product_id, neighbor_id, score in rows:
        out[product_id].append((neighbor_id, score))
    return out


def _vector_literal(vector: Iterable[float]) -> str:
    return "[" + ",".join(f"{float(x):.7g}" for x in vector) + "]"


def _embeddings(product_ids: Sequence[int]) -> dict[int, np.ndarray]:
    rows = Product.objects.filter(pk__in=product_ids, embedding__isnull=False).values_list("pk", "embedding")
    return {pk: np.asarray(vector, dtype=np.float32) for pk, vector in rows}


def _content_candidates(
    anchors: Sequence[tuple[int, np.ndarray]], query: np.ndarray, *, k: int
) -> dict[int, tuple[float, int | None]]:
    """Products nearest ``query`` (HNSW): product → (cosine, the anchor product it is closest to)."""
    anchor_columns = "".join(", 1 - (embedding <=> %s::vector)" for _ in anchors)
    params: list[object] = [_vector_literal(query)]
    params += [_vector_literal(vector) for _, vector in anchors]
    params += [_vector_literal(query), k]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL hnsw.ef_search = %s", [max(ANN_EF_SEARCH, k)])
        cursor.execute(
            f"""
            SELECT id, 1 - (embedding <=> %s::vector){anchor_columns}
              FROM catalog_product
             WHERE is_active AND embedding IS NOT NULL
             ORDER BY embedding <=> %s::vector
             LIMIT %s
            """,
            params,
        )
        rows = cursor.fetchall()
    out: dict[int, tuple[float, int | None]] = {}
    for row in rows:
        closest = int(np.argmax(row[2:])) if anchors else None
        out[row[0]] = (float(row[1]), anchors[closest][0] if closest is not None else None)
    return out


def _graph_candidates(vector: Iterable[float], *, k: int) -> dict[int, float]:
    """Products nearest the shopper's graph vector by cosine (the index), scored by dot product (as trained)."""
    literal = _vector_literal(vector)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL hnsw.ef_search = %s", [max(ANN_EF_SEARCH, k)])
        cursor.execute(
            "SELECT product_id, -(vector <#> %s::vector) FROM profiles_productgraphvector "
            "ORDER BY vector <=> %s::vector LIMIT %s",
            [literal, literal, k],
        )
        return {pk: float(dot) for pk, dot in cursor.fetchall()}


def _popular(*, k: int) -> dict[int, float]:
    return dict(ProductPopularity.objects.order_by("-score", "product_id").values_list("product_id", "score")[:k])


def _available(product_ids: Sequence[int], *, removed_interests: Collection[str] = ()) -> dict[int, Product]:
    """The listed products a shopper can buy now (active, in stock, not in an interest they removed)."""
    products = Product.objects.active().filter(pk__in=product_ids, stock__gt=0).for_listing()
    removed = set(removed_interests)
    return {p.pk: p for p in products if not (removed and _hidden(p, removed))}


def _hidden(product: Product, removed: set[str]) -> bool:
    if product.brand_id and f"brand:{product.brand.slug}" in removed:
        return True
    if product.category_id:
        if f"category:{product.category.slug}" in removed:
            return True
        # A removed top-level category hides everything under it: its slug is the first path part.
        top = product.category.tree_key.strip("/").split("/")[0]
        if f"category:{top}" in removed:
            return True
    for name, value in (product.attributes or {}).items():
        values = value if isinstance(value, list) else [value]
        if any(f"attribute:{name}:{str(v).casefold()}" in removed for v in values):
            return True
    return False


def _short(title: str) -> str:
    return title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1].rstrip() + "…"


def _limit(limit: int) -> int:
    return max(1, min(int(limit), MAX_LIMIT))


def _finish(
    ranked: Sequence[blend.Scored],
    *,
    limit: int,
    removed_interests: Collection[str] = (),
    keep: Callable[[Product], bool] | None = None,
    diverse: bool = True,
) -> list[tuple[blend.Scored, Product]]:
    """The best ``limit`` that are available, at most a third from one leaf category (when there is a choice)."""
    head = list(ranked[: limit * 4 + 20])
    products = _available([s.item for s in head], removed_interests=removed_interests)
    head = [s for s in head if s.item in products and (keep is None or keep(products[s.item]))]
    cap = max(2, -(-limit // CATEGORY_CAP_SHARE)) if diverse else limit
    chosen = blend.diversify(head, limit=limit, group_of=lambda pk: products[pk].category_id, cap=cap)
    return [(s, products[s.item]) for s in chosen]


def _named_sources(entry: blend.Scored) -> list[str]:
    """The sources worth naming, strongest first: those giving at least REASON_SHARE of the score (≥ one)."""
    ordered = sorted(entry.parts.items(), key=lambda kv: -kv[1])
    named = [source for source, value in ordered if value >= REASON_SHARE * entry.score]
    return named or [ordered[0][0]]


# --------------------------------------------------------------------------------------------
# Surfaces
# --------------------------------------------------------------------------------------------


def for_you(*, shopper: Shopper | None, limit: int = 12, exclude: Collection[int] = ()) -> list[Recommendation]:
    """The home page's "For you": blended from the shopper's recent history, graph vector and trending."""
    limit = _limit(limit)
    history = shopper_history(shopper)
    if not history.recent:
        return trending(limit=limit, exclude=exclude)
    profile = Profile.objects.filter(shopper=shopper).only("removed_interests", "graph_vector").first()
    removed = [str(k) for k in (profile.removed_interests or [])] if profile else []
    excluded = history.seen | set(exclude)
    per_source = blend.CANDIDATES_PER_SOURCE + len(excluded)

    neighbours = _neighbours(history.recent, ItemNeighbor.Kind.NEXT)
    transitions = blend.aggregate_transitions(history.recent, lambda pk: neighbours.get(pk, ()))
    embeddings = _embeddings(history.recent)
    anchors = [(pk, embeddings[pk]) for pk in history.recent if pk in embeddings]
    query = blend.history_vector(np.array([v for _, v in anchors])) if anchors else None
    content = _content_candidates(anchors, query, k=per_source) if query is not None else {}
    graph_vector = profile.graph_vector if profile is not None else None
    graph = _graph_candidates(graph_vector, k=per_source) if graph_vector is not None else {}
    ranked = blend.blend(
        transitions=transitions,
        content=content,
        graph=graph,
        popularity=_popular(k=per_source),
        exclude=excluded,
    )
    titles = dict(Product.objects.filter(pk__in=history.recent).values_list("pk", "title"))
    out = []
    for entry, product in _finish(ranked, limit=limit, removed_interests=removed):
        out.append(Recommendation(product, round(entry.score, 4), _personal_reasons(entry, history, titles)))
    return out


def _personal_reasons(entry: blend.Scored, history: History, titles: dict[int, str]) -> list[Reason]:
    reasons: list[Reason] = []
    anchor = entry.because
    anchor_title = _short(titles.get(anchor, "")) if anchor is not None else ""
    for source in _named_sources(entry):
        if source == "transitions" and anchor_title:
            verb = history.verbs.get(anchor, "viewed")
            reasons.append(Reason("viewed", f"because you {verb} {anchor_title}", anchor))
        elif source == "content" and anchor_title:
            reasons.append(Reason("similar", f"similar to {anchor_title}", anchor))
        elif source == "graph":
            reasons.append(Reason("taste", "popular with shoppers whose taste is like yours"))
        elif source == "popularity":
            reasons.append(Reason("trending", "trending now"))
    # "because you viewed X" and "similar to X" about the same X: say it once.
    if len(reasons) > 1 and reasons[0].product_id is not None:
        reasons = [reasons[0]] + [r for r in reasons[1:] if r.product_id != reasons[0].product_id]
    return reasons or [Reason("trending", "trending now")]


def because_you_viewed(
    *, shopper: Shopper | None, rows: int = 2, limit: int = 8, exclude: Collection[int] = ()
) -> list[tuple[Product, list[Recommendation]]]:
    """Rows seeded by each of the shopper's newest products: what shoppers went on to and what is like it."""
    history = shopper_history(shopper)
    seeds = history.recent[:rows]
    if not seeds:
        return []
    profile = Profile.objects.filter(shopper=shopper).only("removed_interests").first()
    removed = [str(k) for k in (profile.removed_interests or [])] if profile else []
    seed_products = Product.objects.in_bulk(seeds)
    out: list[tuple[Product, list[Recommendation]]] = []
    shown: set[int] = set(exclude)
    for seed in seeds:
        product = seed_products.get(seed)
        if product is None:
            continue
        verb = history.verbs.get(seed, "viewed")
        ranked = _item_ranking(product, exclude=history.seen | shown)
        recs = [
            Recommendation(
                p, round(e.score, 4), [Reason("viewed", f"because you {verb} {_short(product.title)}", seed)]
            )
            for e, p in _finish(ranked, limit=_limit(limit), removed_interests=removed)
        ]
        shown.update(r.product.pk for r in recs)  # the second row does not repeat the first
        if recs:
            out.append((product, recs))
    return out


def _item_ranking(product: Product, *, exclude: Collection[int]) -> list[blend.Scored]:
    """Candidates around one product: what shoppers went on to from it, and its content neighbours."""
    neighbours = _neighbours([product.pk], ItemNeighbor.Kind.NEXT)[product.pk]
    transitions = blend.aggregate_transitions([product.pk], lambda pk: neighbours)
    embedding = _embeddings([product.pk]).get(product.pk)
    content = (
        _content_candidates([(product.pk, embedding)], embedding, k=blend.CANDIDATES_PER_SOURCE + len(exclude) + 1)
        if embedding is not None
        else {}
    )
    return blend.blend(transitions=transitions, content=content, exclude={product.pk, *exclude})


def similar_items(*, product: Product, limit: int = 8, exclude: Collection[int] = ()) -> list[Recommendation]:
    """Alternatives to a product (the product page): content neighbours and what its viewers also viewed,
    within its top-level category. A product nobody has seen yet still gets its content neighbours."""
    ranked = _item_ranking(product, exclude=exclude)
    top = _top_key(product)
    keep = (lambda p: _top_key(p) == top) if top else None
    out = []
    # Alternatives may all share the product's leaf category: that is the point, so no per-category cap.
    for entry, candidate in _finish(ranked, limit=_limit(limit), keep=keep, diverse=False):
        reasons = []
        for source in _named_sources(entry):
            if source == "content":
                shared = _shared_traits(product, candidate)
                text = "similar to this" + (": " + ", ".join(shared) if shared else "")
                reasons.append(Reason("similar", text, product.pk))
            elif source == "transitions":
                reasons.append(Reason("also_viewed", "shoppers who viewed this went on to view it", product.pk))
        out.append(Recommendation(candidate, round(entry.score, 4), reasons))
    return out


def _top_key(product: Product) -> str | None:
    if not product.category_id:
        return None
    return product.category.tree_key.strip("/").split("/")[0]


def _shared_traits(a: Product, b: Product) -> list[str]:
    """What two products have in common, in words: same brand, category, attribute values."""
    shared: list[str] = []
    if a.brand_id and a.brand_id == b.brand_id:
        shared.append(f"same brand ({a.brand.name})")
    if a.category_id and a.category_id == b.category_id:
        shared.append(f"also {a.category.name.casefold()}")
    for name in ("color", "material", "style", "features"):
        left, right = (a.attributes or {}).get(name), (b.attributes or {}).get(name)
        left_values = {str(v).casefold() for v in (left if isinstance(left, list) else [left]) if v}
        right_values = {str(v).casefold() for v in (right if isinstance(right, list) else [right]) if v}
        shared += sorted(left_values & right_values)[:2]
    return shared[:4]


def bought_together(*, product: Product, limit: int = 4, exclude: Collection[int] = ()) -> list[Recommendation]:
    """What goes with a product (complements, not alternatives): bought in the same orders, else what its
    shoppers went on to in other categories."""
    return _complements([product], limit=limit, exclude=set(exclude), seen=set(), reason_for_cart=False)


def complete_purchase(
    *, product_ids: Sequence[int], shopper: Shopper | None = None, limit: int = 4, exclude: Collection[int] = ()
) -> list[Recommendation]:
    """The cart's "Complete your purchase": complements of what is in the cart (newest line first), not in it,
    not bought before."""
    products = Product.objects.filter(pk__in=product_ids).select_related("category", "brand")
    by_pk = {p.pk: p for p in products}
    ordered = [by_pk[pk] for pk in dict.fromkeys(product_ids) if pk in by_pk]
    if not ordered:
        return []
    return _complements(
        ordered, limit=limit, exclude=set(exclude) | set(by_pk), seen=_bought(shopper), reason_for_cart=True
    )


def _bought(shopper: Shopper | None) -> set[int]:
    """Every product the shopper ever bought (not merely looked at: a complement they viewed is still worth
    offering in the cart); nothing for a shopper who paused personalisation, as for their history."""
    if shopper is None or shopper.pk is None or shopper.personalization_paused:
        return set()
    return set(
        Event.objects.filter(shopper=shopper, kind=Event.Kind.PURCHASE, product__isnull=False).values_list(
            "product_id", flat=True
        )
    )


def _complements(
    anchors: Sequence[Product], *, limit: int, exclude: set[int], seen: set[int], reason_for_cart: bool
) -> list[Recommendation]:
    pks = [p.pk for p in anchors[: blend.HISTORY_LENGTH]]
    bought = _neighbours(pks, ItemNeighbor.Kind.BOUGHT)
    following = _neighbours(pks, ItemNeighbor.Kind.NEXT)
    together = blend.aggregate_transitions(pks, lambda pk: bought.get(pk, ()))
    after = blend.aggregate_transitions(pks, lambda pk: following.get(pk, ()))
    # Bought together outranks "went on to": both are transitions-like scores, co-purchase weighs twice.
    ranked = blend.blend(
        transitions={pk: (s * 2.0, b) for pk, (s, b) in together.items()},
        content={},
        exclude=exclude | seen | set(pks),
    )
    ranked += [e for e in blend.blend(transitions=after, exclude=exclude | seen | set(pks)) if e.item not in together]
    leaf_categories = {p.category_id for p in anchors if p.category_id}
    known = {e.item for e in ranked}
    # A product nobody has bought or followed yet: what shoppers picked after others of its category.
    ranked += [
        e
        for e in blend.blend(transitions=_category_followers(leaf_categories), exclude=exclude | seen | set(pks))
        if e.item not in known
    ]
    titles = {p.pk: _short(p.title) for p in anchors}
    out = []
    for entry, candidate in _finish(ranked, limit=_limit(limit), keep=lambda p: p.category_id not in leaf_categories):
        anchor = entry.because
        if anchor is None:
            reasons = [Reason("goes_with", "shoppers who chose products like this often pick it too")]
        elif entry.item in together:
            text = f"goes with {titles[anchor]} in your cart" if reason_for_cart else "often bought together with this"
            reasons = [Reason("bought_together", text, anchor)]
        else:
            text = (
                f"shoppers who chose {titles[anchor]} went on to this"
                if reason_for_cart
                else "shoppers who viewed this went on to this"
            )
            reasons = [Reason("goes_with", text, anchor)]
        out.append(Recommendation(candidate, round(entry.score, 4), reasons))
    return out


def _category_followers(category_ids: Collection[int], *, k: int = 200) -> dict[int, tuple[float, int | None]]:
    """Products that followed (or were bought with) any product of these categories, summed: item → (score, None)."""
    if not category_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT n.neighbor_id, sum(n.score) AS score
              FROM {ItemNeighbor._meta.db_table} n
              JOIN catalog_product p ON p.id = n.product_id
             WHERE p.category_id = ANY(%s)
             GROUP BY n.neighbor_id
             ORDER BY score DESC, n.neighbor_id
             LIMIT %s
            """,
            [list(category_ids), k],
        )
        return {pk: (float(score), None) for pk, score in cursor.fetchall()}


def trending(*, limit: int = 12, exclude: Collection[int] = (), category=None) -> list[Recommendation]:
    """Time-decayed popularity (recomputed every few minutes); the best rated when nothing has happened yet."""
    limit = _limit(limit)
    qs = ProductPopularity.objects.order_by("-score", "product_id")
    if category is not None:
        qs = qs.filter(product__category__tree_key__startswith=category.tree_key)
    rows = list(
        qs.exclude(product_id__in=list(exclude)).values_list("product_id", "score", "recent_shoppers")[: limit * 4 + 20]
    )
    if rows:
        ranked = [blend.Scored(pk, score, {"popularity": score}) for pk, score, _ in rows]
        shoppers = {pk: n for pk, _, n in rows}
        out = []
        for entry, product in _finish(ranked, limit=limit):
            n = shoppers[entry.item]
            text = f"trending: {n} shopper{'s' if n != 1 else ''} this week" if n else "trending"
            out.append(Recommendation(product, round(entry.score, 4), [Reason("trending", text)]))
        return out
    products = Product.objects.active().filter(stock__gt=0).exclude(pk__in=list(exclude))
    if category is not None:
        products = products.in_category(category)
    best = products.filter(rating__isnull=False).order_by("-rating", "-review_count", "id").for_listing()[:limit]
    return [
        Recommendation(p, float(p.rating or 0), [Reason("rated", f"rated {p.rating} by {p.review_count} shoppers")])
        for p in best
    ]


def recently_viewed(*, shopper: Shopper | None, limit: int = 12, exclude: Collection[int] = ()) -> list[Recommendation]:
    """The shopper's own products, newest first (nothing for a shopper who paused personalisation)."""
    history = shopper_history(shopper)
    order = [pk for pk in history.last_seen if pk not in set(exclude)][: _limit(limit)]
    products = Product.objects.filter(pk__in=order).for_listing().in_bulk()
    now = timezone.now()
    out = []
    for pk in order:
        if pk in products:
            ago = timesince(history.last_seen[pk], now).split(",")[0]
            text = f"you {history.verbs.get(pk, 'viewed')} this {ago} ago"
            out.append(Recommendation(products[pk], 0.0, [Reason("recent", text, pk)]))
    return out

"""Recommendations for every surface of the shop, each item with the reasons it is there.

Where a request becomes recommendations (all reads; the signals are precomputed by
``recs/training.py`` and ``profiles/graph.py``)::

    shopper ─▶ recent history (events) ─┬▶ transitions from the history (ItemNeighbor "next")
                                        ├▶ content: products nearest the history's embeddings (pgvector HNSW)
                                        ├▶ graph: products nearest the shopper's graph vector (pgvector HNSW, dot)
                                        └▶ trending (ProductPopularity)
            ─▶ recs/blend.blend (one scorer, the weights the offline evaluation tuned)
            ─▶ exclusions (seen, bought, hidden interests, unavailable, ``exclude``)
            ─▶ merchandising rules (hide, boost, bury) ─▶ per-category cap ─▶ pins ─▶ reasons

Surfaces: ``for_you``, ``because_you_viewed``, ``similar_items``, ``bought_together``,
``complete_purchase`` (cart), ``trending``, ``recently_viewed``. A shopper with no history (or who
paused personalisation) gets trending; a product with no events gets content neighbours.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from django.db import connection
from django.utils import timezone
from django.utils.timesince import timesince

from catalog.models import Product
from profiles.models import Event, Profile, Shopper
from recommend.experiments import knobs
from recommend.merchandising import rules as merch_rules
from recommend.merchandising import state as merch_state
from recommend.models import ItemNeighbor, ProductPopularity
from recommend.recs import blend
from recommend.search import retrieval
from shopguide.embedding import vector_literal

HISTORY_EVENTS = 200  # the newest product events read per shopper: the history, and what not to show again
HISTORY_KINDS = (Event.Kind.VIEW, Event.Kind.CLICK, Event.Kind.CART_ADD, Event.Kind.WISHLIST, Event.Kind.PURCHASE)
ANN_EF_SEARCH = 200
CANDIDATES_AROUND_ITEM = 60  # content neighbours fetched for a product-seeded row (rows show ≤ 12)  # the HNSW walk must be at least as wide as the candidates asked for
# Content neighbours at least this close (cosine, all-MiniLM-L6-v2) only: products of one kind score 0.6–0.9
# on the demo, a coffee grinder and a hiking boot about 0.2. A floor, not a tuned cut: the demo's templated
# descriptions put even unrelated products near 0.55, so per-category caps and the blend do the rest.
ROW_MIN_SIMILARITY = 0.45  # "because you viewed X" rows
SIMILAR_MIN_SIMILARITY = 0.35  # "similar items" on a product page
REASON_SHARE = 0.2  # a source is named when it gives at least this share of the item's score
MAX_LIMIT = 50
TITLE_CHARS = 60
# What the shopper did with a product, in words around it: "because you {…}", "you {…} 2 hours ago".
DEEDS = {
    Event.Kind.PURCHASE: "bought {}",
    Event.Kind.CART_ADD: "added {} to your cart",
    Event.Kind.WISHLIST: "saved {}",
}
STRENGTH = {Event.Kind.PURCHASE: 3, Event.Kind.CART_ADD: 2, Event.Kind.WISHLIST: 1}


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
    deeds: dict[int, str]  # product → the strongest event kind among those read (bought > carted > saved > viewed)
    last_seen: dict[int, datetime]
    bought: set[int] = field(default_factory=set)  # everything ever bought (what a cart need not be offered again)


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
    deeds: dict[int, str] = {}
    last_seen: dict[int, datetime] = {}
    for pk, kind, at in ordered:
        last_seen.setdefault(pk, at)
        if STRENGTH.get(kind, 0) > STRENGTH.get(deeds.get(pk, ""), 0) or pk not in deeds:
            deeds[pk] = kind
    return History(
        recent=blend.recent_history(pk for pk, _, _ in ordered),
        seen={pk for pk, _, _ in rows},
        deeds=deeds,
        last_seen=last_seen,
        bought={pk for pk, kind, _ in rows if kind == Event.Kind.PURCHASE},
    )


def _did(history: History, pk: int, thing: str) -> str:
    """ "bought <thing>", "added <thing> to your cart", "viewed <thing>": what the shopper did with pk."""
    return DEEDS.get(history.deeds.get(pk, ""), "viewed {}").format(thing)


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


def _ef_search(k: int) -> int:
    """At least k (a walk returns at most ef_search rows), in steps of 100 from search's usual 200, so a
    connection serving search and recommendations in turn rarely has to change its setting."""
    return max(ANN_EF_SEARCH, -(-k // 100) * 100)


def _titles_and_embeddings(product_ids: Sequence[int]) -> tuple[dict[int, str], dict[int, np.ndarray]]:
    rows = Product.objects.filter(pk__in=product_ids).values_list("pk", "title", "embedding")
    titles = {pk: title for pk, title, _ in rows}
    return titles, {pk: np.asarray(vector, dtype=np.float32) for pk, _, vector in rows if vector is not None}


def _content_around(product_id: int, *, k: int) -> dict[int, tuple[float, int | None]]:
    """Products nearest one product's embedding (HNSW; the vector stays in the database): pk → (cosine, it)."""
    sql = """
        SELECT id, 1 - (embedding <=> (SELECT embedding FROM catalog_product WHERE id = %s))
          FROM catalog_product
         WHERE is_active AND embedding IS NOT NULL
         ORDER BY (embedding <=> (SELECT embedding FROM catalog_product WHERE id = %s)){exact}
         LIMIT %s
    """
    rows = _nearest(sql, [product_id, product_id, k], k)
    return {pk: (float(cosine), product_id) for pk, cosine in rows if cosine is not None}


def _nearest(sql: str, params: list, k: int) -> list[tuple]:
    """Run a nearest-neighbour query through the HNSW index; when the walk comes back short of ``k`` in a
    small catalog (dead index entries not yet vacuumed take part of a walk), scan exactly instead.
    ``sql`` holds ``{exact}`` right after its ORDER BY expression ("+ 0" there hides it from the index)."""
    with retrieval.hnsw_walk(_ef_search(k)), connection.cursor() as cursor:
        cursor.execute(sql.format(exact=""), params)
        rows = cursor.fetchall()
    if len(rows) < k and _small_catalog():
        with connection.cursor() as cursor:
            cursor.execute(sql.format(exact=" + 0"), params)
            rows = cursor.fetchall()
    return rows


def _small_catalog() -> bool:
    base = Product.objects.active().filter(embedding__isnull=False)
    return retrieval._estimated_rows(base) <= retrieval.EXACT_SCAN_ROWS


def _content_candidates(query: np.ndarray, *, k: int) -> dict[int, tuple[float, int | None]]:
    """Products nearest ``query`` (HNSW): product → (cosine, None); which history item a shown product is
    closest to is worked out for the few shown (``_content_anchors``), not for every candidate."""
    sql = """
        WITH q AS (SELECT %s::vector AS v)
        SELECT id, 1 - (embedding <=> (SELECT v FROM q))
          FROM catalog_product
         WHERE is_active AND embedding IS NOT NULL
         ORDER BY (embedding <=> (SELECT v FROM q)){exact}
         LIMIT %s
    """
    return {pk: (float(cosine), None) for pk, cosine in _nearest(sql, [vector_literal(query), k], k)}


def _content_anchors(entries: Sequence[blend.Scored], anchors: Sequence[tuple[int, np.ndarray]]) -> None:
    """Set ``because`` of the entries that content placed (more than transitions) to the history item
    their embedding is closest to."""
    led = [e for e in entries if e.parts.get("content", 0.0) > e.parts.get("transitions", 0.0)]
    if not led or not anchors:
        return
    vectors = dict(Product.objects.filter(pk__in=[e.item for e in led]).values_list("pk", "embedding"))
    matrix = np.array([vector for _, vector in anchors], dtype=np.float32)
    for entry in led:
        vector = vectors.get(entry.item)
        if vector is not None:
            entry.because = anchors[int(np.argmax(matrix @ np.asarray(vector, dtype=np.float32)))][0]


def _graph_candidates(vector: Iterable[float], *, k: int) -> dict[int, float]:
    """Products nearest the shopper's graph vector by cosine (the index), scored by dot product (as trained)."""
    literal = vector_literal(vector)
    with retrieval.hnsw_walk(_ef_search(k)), connection.cursor() as cursor:
        cursor.execute(
            "SELECT product_id, -(vector <#> %s::vector) FROM profiles_productgraphvector "
            "ORDER BY vector <=> %s::vector LIMIT %s",
            [literal, literal, k],
        )
        return {pk: float(dot) for pk, dot in cursor.fetchall()}


def _popular(*, k: int) -> dict[int, float]:
    return dict(ProductPopularity.objects.order_by("-score", "product_id").values_list("product_id", "score")[:k])


@dataclass(frozen=True)
class _Card:
    """What filtering a candidate needs (a light row); the full product is loaded only for those shown."""

    pk: int
    category_id: int | None
    brand_slug: str | None
    category_slug: str | None
    tree_key: str | None
    attributes: dict | None

    @property
    def top_key(self) -> str | None:
        return self.tree_key.strip("/").split("/")[0] if self.tree_key else None


def _available(product_ids: Sequence[int], *, removed_interests: Collection[str] = ()) -> dict[int, _Card]:
    """The listed products a shopper can buy now (active, in stock, not in an interest they removed)."""
    removed = set(removed_interests)
    with_attributes = any(key.startswith("attribute:") for key in removed)
    rows = (
        Product.objects.active()
        .filter(pk__in=product_ids, stock__gt=0)
        .values_list("pk", "category_id", "brand__slug", "category__slug", "category__tree_key")
    )
    attributes = (
        dict(Product.objects.filter(pk__in=product_ids).values_list("pk", "attributes")) if with_attributes else {}
    )
    cards = (_Card(*row, attributes.get(row[0])) for row in rows)
    return {c.pk: c for c in cards if not (removed and _hidden(c, removed))}


def _hidden(card: _Card, removed: set[str]) -> bool:
    if card.brand_slug and f"brand:{card.brand_slug}" in removed:
        return True
    # A removed top-level category hides everything under it: its slug is the first path part.
    if card.category_slug and {f"category:{card.category_slug}", f"category:{card.top_key}"} & removed:
        return True
    for name, value in (card.attributes or {}).items():
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
    keep: Callable[[_Card], bool] | None = None,
    diverse: bool = True,
    about: Sequence[Product] = (),
    diversity: int | None = None,
) -> list[tuple[blend.Scored, Product]]:
    """The best ``limit`` that are available, at most 1/``diversity`` from one leaf category (when there is a
    choice; ``diversity``: the shopper's ranking knob, a third by default, else the live settings'), after the
    merchandising rules that apply (``about``: the products a row is about, whose categories category rules
    match). Pins here only move what the row holds: a row says why each item is there."""
    head = list(ranked[: limit * 4 + 20])
    cards = _available([s.item for s in head], removed_interests=removed_interests)
    head = [s for s in head if s.item in cards and (keep is None or keep(cards[s.item]))]
    rules = _rules(about)
    if rules:
        head = _apply_rules(head, cards, rules)
    share = diversity if diversity is not None else knobs.live_knobs().recs_diversity
    cap = max(2, -(-limit // share)) if diverse else limit
    chosen = blend.diversify(head, limit=limit, group_of=lambda pk: cards[pk].category_id, cap=cap)
    if any(r.action == "pin" for r in rules):
        chosen = _pin(chosen, head, rules, limit=limit)
    products = Product.objects.filter(pk__in=[s.item for s in chosen]).for_listing().in_bulk()
    return [(s, products[s.item]) for s in chosen if s.item in products]


def _rules(about: Sequence[Product] = ()) -> list[merch_rules.ActiveRule]:
    live = merch_state.current().rules
    if not live:
        return []
    by_category = any(r.scope == "category" for r in live)
    keys = tuple(p.category.tree_key for p in about if p.category_id) if by_category else ()
    context = merch_rules.RuleContext(merch_rules.RECOMMENDATIONS, category_keys=keys)
    return merch_rules.applicable(live, context, timezone.now())


def _apply_rules(
    head: list[blend.Scored], cards: dict[int, _Card], rules: list[merch_rules.ActiveRule]
) -> list[blend.Scored]:
    def hit(rule: merch_rules.ActiveRule, pk: int) -> bool:
        card = cards[pk]
        return rule.targets(pk, card.brand_slug, card.tree_key)

    hides = [r for r in rules if r.action == "hide"]
    head = [s for s in head if not any(hit(r, s.item) for r in hides)]
    moved = merch_rules.move([s.item for s in head], rules, lambda r: [s.item for s in head if hit(r, s.item)])
    by_pk = {s.item: s for s in head}
    for pk, notes in moved.notes.items():
        by_pk[pk].notes = list(notes)
    return [by_pk[pk] for pk in moved.ids]


def _pin(
    chosen: list[blend.Scored], head: list[blend.Scored], rules: list[merch_rules.ActiveRule], *, limit: int
) -> list[blend.Scored]:
    by_pk = {s.item: s for s in head}
    arranged = merch_rules.Rearranged([s.item for s in chosen], {s.item: list(s.notes) for s in head})
    arranged = merch_rules.pin(arranged, rules, insertable=lambda r: r.product_id in by_pk, limit=limit)
    for pk in arranged.ids:
        by_pk[pk].notes = arranged.notes.get(pk, [])
    return [by_pk[pk] for pk in arranged.ids]


def _with_rules(reasons: list[Reason], entry: blend.Scored) -> list[Reason]:
    return reasons + [Reason("rule", note) for note in entry.notes]


def _named_sources(entry: blend.Scored) -> list[str]:
    """The sources worth naming, strongest first: those giving at least REASON_SHARE of the score (≥ one)."""
    ordered = sorted(entry.parts.items(), key=lambda kv: -kv[1])
    named = [source for source, value in ordered if value >= REASON_SHARE * entry.score]
    return named or [ordered[0][0]]


# --------------------------------------------------------------------------------------------
# Surfaces
# --------------------------------------------------------------------------------------------


def for_you(
    *, shopper: Shopper | None, limit: int = 12, exclude: Collection[int] = (), history: History | None = None
) -> list[Recommendation]:
    """The home page's "For you": blended from the shopper's recent history, graph vector and trending.
    ``history``: the shopper's, when the caller has read it already (a page with several rows)."""
    limit = _limit(limit)
    history = history if history is not None else shopper_history(shopper)
    if not history.recent:
        return trending(limit=limit, exclude=exclude, fill=True)
    profile = Profile.objects.filter(shopper=shopper).only("removed_interests", "graph_vector").first()
    removed = [str(k) for k in (profile.removed_interests or [])] if profile else []
    excluded = history.seen | set(exclude)
    per_source = blend.CANDIDATES_PER_SOURCE + len(excluded)

    neighbours = _neighbours(history.recent, ItemNeighbor.Kind.NEXT)
    transitions = blend.aggregate_transitions(history.recent, lambda pk: neighbours.get(pk, ()))
    titles, embeddings = _titles_and_embeddings(history.recent)
    anchors = [(pk, embeddings[pk]) for pk in history.recent if pk in embeddings]
    query = blend.history_vector(np.array([v for _, v in anchors])) if anchors else None
    content = _content_candidates(query, k=per_source) if query is not None else {}
    graph_vector = profile.graph_vector if profile is not None else None
    graph = _graph_candidates(graph_vector, k=per_source) if graph_vector is not None else {}
    ranked = blend.blend(
        transitions=transitions,
        content=content,
        graph=graph,
        popularity=_popular(k=per_source),
        exclude=excluded,
    )
    diversity = knobs.knobs_for(shopper.pk if shopper else None).recs_diversity
    shown = _finish(ranked, limit=limit, removed_interests=removed, diversity=diversity)
    _content_anchors([entry for entry, _ in shown], anchors)
    out = []
    for entry, product in shown:
        out.append(
            Recommendation(
                product, round(entry.score, 4), _with_rules(_personal_reasons(entry, history, titles), entry)
            )
        )
    return out


def _personal_reasons(entry: blend.Scored, history: History, titles: dict[int, str]) -> list[Reason]:
    reasons: list[Reason] = []
    anchor = entry.because
    anchor_title = _short(titles.get(anchor, "")) if anchor is not None else ""
    for source in _named_sources(entry):
        if source == "transitions" and anchor_title:
            reasons.append(Reason("viewed", f"because you {_did(history, anchor, anchor_title)}", anchor))
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
    *,
    shopper: Shopper | None,
    rows: int = 2,
    limit: int = 8,
    exclude: Collection[int] = (),
    history: History | None = None,
) -> list[tuple[Product, list[Recommendation]]]:
    """Rows seeded by each of the shopper's newest products: what shoppers went on to and what is like it.
    Content neighbours must be close (ROW_MIN_SIMILARITY): a row titled "because you viewed X" of things
    merely nearest to X in a small catalog would explain nothing."""
    history = history if history is not None else shopper_history(shopper)
    seeds = history.recent[:rows]
    if not seeds:
        return []
    profile = Profile.objects.filter(shopper=shopper).only("removed_interests").first()
    removed = [str(k) for k in (profile.removed_interests or [])] if profile else []
    seed_products = Product.objects.in_bulk(seeds)
    diversity = knobs.knobs_for(shopper.pk if shopper else None).recs_diversity
    out: list[tuple[Product, list[Recommendation]]] = []
    shown: set[int] = set(exclude)
    for seed in seeds:
        product = seed_products.get(seed)
        if product is None:
            continue
        because = f"because you {_did(history, seed, _short(product.title))}"
        ranked = _item_ranking(product, exclude=history.seen | shown, min_similarity=ROW_MIN_SIMILARITY)
        recs = [
            Recommendation(p, round(e.score, 4), _with_rules([Reason("viewed", because, seed)], e))
            for e, p in _finish(
                ranked, limit=_limit(limit), removed_interests=removed, about=[product], diversity=diversity
            )
        ]
        shown.update(r.product.pk for r in recs)  # the second row does not repeat the first
        if recs:
            out.append((product, recs))
    return out


def _item_ranking(product: Product, *, exclude: Collection[int], min_similarity: float = 0.0) -> list[blend.Scored]:
    """Candidates around one product: what shoppers went on to from it, and its content neighbours at least
    ``min_similarity`` close (cosine)."""
    neighbours = _neighbours([product.pk], ItemNeighbor.Kind.NEXT)[product.pk]
    transitions = blend.aggregate_transitions([product.pk], lambda pk: neighbours)
    content = _content_around(product.pk, k=CANDIDATES_AROUND_ITEM + len(exclude) + 1)
    content = {pk: hit for pk, hit in content.items() if hit[0] >= min_similarity}
    return blend.blend(transitions=transitions, content=content, exclude={product.pk, *exclude})


def similar_items(*, product: Product, limit: int = 8, exclude: Collection[int] = ()) -> list[Recommendation]:
    """Alternatives to a product (the product page): content neighbours and what its viewers also viewed,
    within its top-level category. A product nobody has seen yet still gets its content neighbours."""
    ranked = _item_ranking(product, exclude=exclude, min_similarity=SIMILAR_MIN_SIMILARITY)
    top = _top_key(product)
    keep = (lambda card: card.top_key == top) if top else None
    out = []
    # Alternatives may all share the product's leaf category: that is the point, so no per-category cap.
    for entry, candidate in _finish(ranked, limit=_limit(limit), keep=keep, diverse=False, about=[product]):
        reasons = []
        for source in _named_sources(entry):
            if source == "content":
                shared = _shared_traits(product, candidate)
                text = "similar to this" + (": " + ", ".join(shared) if shared else "")
                reasons.append(Reason("similar", text, product.pk))
            elif source == "transitions":
                reasons.append(Reason("also_viewed", "shoppers who viewed this went on to view it", product.pk))
        out.append(Recommendation(candidate, round(entry.score, 4), _with_rules(reasons, entry)))
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
    # Only what was bought: a product merely viewed may be just the complement the shopper was weighing.
    bought = shopper_history(shopper).bought if shopper is not None else set()
    return _complements(ordered, limit=limit, exclude=set(exclude) | set(by_pk), seen=bought, reason_for_cart=True)


def _complements(
    anchors: Sequence[Product], *, limit: int, exclude: set[int], seen: set[int], reason_for_cart: bool
) -> list[Recommendation]:
    pks = [p.pk for p in anchors[: blend.HISTORY_LENGTH]]
    bought = _neighbours(pks, ItemNeighbor.Kind.BOUGHT)
    following = _neighbours(pks, ItemNeighbor.Kind.NEXT)
    together = blend.aggregate_transitions(pks, lambda pk: bought.get(pk, ()))
    after = blend.aggregate_transitions(pks, lambda pk: following.get(pk, ()))
    # Tiers, not a blend: bought together first, then what shoppers went on to, then the category's followers.
    ranked = blend.blend(transitions=together, exclude=exclude | seen | set(pks))
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
    for entry, candidate in _finish(
        ranked, limit=_limit(limit), keep=lambda card: card.category_id not in leaf_categories, about=anchors
    ):
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
        out.append(Recommendation(candidate, round(entry.score, 4), _with_rules(reasons, entry)))
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


def trending(
    *, limit: int = 12, exclude: Collection[int] = (), category=None, fill: bool = False
) -> list[Recommendation]:
    """Time-decayed popularity (recomputed every few minutes). ``fill``: the best rated complete a short row
    (a new shopper's "for you"), each saying it is there for its rating; the best rated also stand in when
    nothing has happened yet at all."""
    limit = _limit(limit)
    qs = ProductPopularity.objects.order_by("-score", "product_id")
    if category is not None:
        qs = qs.filter(product__category__tree_key__startswith=category.tree_key)
    rows = list(
        qs.exclude(product_id__in=list(exclude)).values_list("product_id", "score", "recent_shoppers")[: limit * 4 + 20]
    )
    out: list[Recommendation] = []
    if rows:
        ranked = [blend.Scored(pk, score, {"popularity": score}) for pk, score, _ in rows]
        shoppers = {pk: n for pk, _, n in rows}
        for entry, product in _finish(ranked, limit=limit):
            n = shoppers[entry.item]
            text = f"trending: {n} shopper{'s' if n != 1 else ''} this week" if n else "trending"
            out.append(Recommendation(product, round(entry.score, 4), _with_rules([Reason("trending", text)], entry)))
    if len(out) < limit and (fill or not rows):
        # Too little has happened (a new shop, a quiet category): the best rated fill the row.
        shown = set(exclude) | {r.product.pk for r in out}
        products = Product.objects.active().filter(stock__gt=0).exclude(pk__in=list(shown))
        if category is not None:
            products = products.in_category(category)
        hide = merch_rules.hide_q(_rules())
        if hide is not None:
            products = products.exclude(hide)
        best = products.filter(rating__isnull=False).order_by("-rating", "-review_count", "id").for_listing()
        out += [
            Recommendation(p, float(p.rating or 0), [Reason("rated", f"rated {p.rating} by {p.review_count} shoppers")])
            for p in best[: limit - len(out)]
        ]
    return out


def recently_viewed(
    *, shopper: Shopper | None, limit: int = 12, exclude: Collection[int] = (), history: History | None = None
) -> list[Recommendation]:
    """The shopper's own products, newest first (nothing for a shopper who paused personalisation)."""
    history = history if history is not None else shopper_history(shopper)
    excluded = set(exclude)
    order = [pk for pk in history.last_seen if pk not in excluded]
    # Active only: a withdrawn product's page is a 404, so its card would be a dead end.
    products = Product.objects.active().filter(pk__in=order).for_listing().in_bulk()
    now = timezone.now()
    out: list[Recommendation] = []
    for pk in (pk for pk in order if pk in products):
        at = history.last_seen[pk]
        when = "just now" if now - at < timedelta(minutes=1) else timesince(at, now).split(",")[0] + " ago"
        out.append(Recommendation(products[pk], 0.0, [Reason("recent", f"you {_did(history, pk, 'this')} {when}", pk)]))
        if len(out) == _limit(limit):
            break
    return out
